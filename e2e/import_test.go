package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shiliu/internal/people"
)

// A street admin imports a roster in the browser: the check shows a
// preview (two rows to import, one rejected with its reason), the rejected
// rows download as an Excel workbook, and confirming imports the two, which
// the registry then finds. Nothing is imported before the confirmation.
func TestRosterImportWithPreview(t *testing.T) {
	h := setup(t)
	committee := h.committees(t)[0]
	n := seq()
	good1 := citizenID("110105", time.Date(1981, 4, 1+n%27, 0, 0, 0, 0, time.UTC), 500+n)
	good2 := citizenID("110105", time.Date(1983, 6, 1+n%27, 0, 0, 0, 0, time.UTC), 600+n)
	bad := citizenID("110105", time.Date(1985, 8, 1+n%27, 0, 0, 0, 0, time.UTC), 700+n)
	name1, name2 := fmt.Sprintf("导入甲%d", n), fmt.Sprintf("导入乙%d", n)
	csv := "姓名,民族,公民身份号码,所属居委,联系电话\n" +
		fmt.Sprintf("%s,回族,%s,%s,13800138001\n", name1, good1, committee.Name) +
		fmt.Sprintf("%s,满,%s,%s,\n", name2, good2, strings.TrimSuffix(committee.Name, "居委会")) +
		fmt.Sprintf("错行%d,拉牯族,%s,%s,\n", n, bad, committee.Name)
	path := filepath.Join(t.TempDir(), "花名册.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}

	b := h.newTab(t, "admin")
	b.loginAs("admin")
	b.open("/persons/import")
	b.wantText("h1", zh("import.title"))
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(`form[action="/persons/import"] input[name=file]`), []string{path}))
	b.click(`form[action="/persons/import"] button[type=submit]`)
	// The check runs in the background; the page follows it and shows the
	// preview when done.
	waitUntil(b, "the preview", `document.querySelector("#import-confirm") !== null`)
	page := b.html()
	for _, want := range []string{zh("import.checked"), zh("reject.ethnicity_unknown"), "拉祜族", zh("import.confirm_n", 2)} {
		if !strings.Contains(page, want) {
			t.Errorf("the preview does not show %q", want)
		}
	}
	// Nothing is in the registry yet.
	admin := h.user(t, "admin").Actor()
	if _, err := h.app.People.FindByID(context.Background(), admin, good1); err == nil {
		t.Fatal("the check imported a row before the confirmation")
	}

	// The rejected rows download as a workbook (an xlsx is a ZIP: "PK").
	href := eval[string](b, `document.querySelector("#errors-download").getAttribute("href")`)
	magic, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch("`+href+`").then(r => r.ok ? r.arrayBuffer() : new ArrayBuffer(0)).then(a => String.fromCharCode(...new Uint8Array(a).slice(0, 2)))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download the rejected rows: %v", err)
	}
	if magic != "PK" {
		t.Errorf("the error download starts with %q, want an xlsx (PK)", magic)
	}

	b.click("#import-confirm")
	waitUntil(b, "the import", `document.body.innerText.includes(`+"`"+zh("import.done")+"`"+`)`)
	for _, id := range []string{good1, good2} {
		p, err := h.app.People.FindByID(context.Background(), admin, id)
		if err != nil {
			t.Fatalf("imported person %s not found: %v", id, err)
		}
		if p.OrgID != committee.ID || p.Status != people.Active {
			t.Errorf("imported %s: committee %d status %s", p.Name, p.OrgID, p.Status)
		}
	}
	if _, err := h.app.People.FindByID(context.Background(), admin, bad); err == nil {
		t.Error("the rejected row was imported")
	}
	// And the list finds them.
	b.open("/persons?q=" + name1)
	b.wantContains("table.table", name1)
}

// waitUntil evaluates cond until it is true, across the page's own
// reloads (the import page reloads itself when a step finishes).
func waitUntil(b *tab, what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.fatalf("%s: not reached in 15 s", what)
}
