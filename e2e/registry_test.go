package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shiliu/internal/ref"
)

// listedPerson is a row of the resident list: the person's page and name.
type listedPerson struct{ Href, Name string }

// listedPersons reads the resident list, following its pages (at most 20).
func listedPersons(b *tab) []listedPerson {
	b.t.Helper()
	var out []listedPerson
	for range 20 {
		out = append(out, eval[[]listedPerson](b, `[...document.querySelectorAll("table.table tbody tr td a[href^='/persons/']")].map(a => ({Href: a.getAttribute("href"), Name: a.innerText.trim()}))`)...)
		if b.text(`nav.pager a[rel=next]`) == "" {
			break
		}
		b.click(`nav.pager a[rel=next]`)
	}
	return out
}

// A street admin finds residents by the initials of their names' pinyin:
// zxm finds 张晓明, aygl finds 阿依古丽·买买提; nobody else is listed whose
// name does not read so.
func TestSearchByPinyinInitials(t *testing.T) {
	h := setup(t)
	committee := h.committees(t)[0]
	zhang, _ := h.newPerson(t, "张晓明", "01", committee)
	ayi, _ := h.newPerson(t, "阿依古丽·买买提", "05", committee)
	ma, _ := h.newPerson(t, "马建国", "03", committee)
	mine := map[string]string{}
	for _, p := range []struct {
		id   int64
		name string
	}{{zhang.ID, zhang.Name}, {ayi.ID, ayi.Name}, {ma.ID, ma.Name}} {
		mine[fmt.Sprintf("/persons/%d", p.id)] = p.name
	}
	if ayi.Name != "阿依古丽·买买提" || ayi.Ethnicity != "05" {
		t.Fatalf("registered %q of ethnicity %s, want 阿依古丽·买买提 (05)", ayi.Name, ayi.Ethnicity)
	}

	b := h.newTab(t, "admin")
	b.loginAs("admin")
	b.clickVisible(`.sidenav a[href="/persons"]`)
	b.wantPath("/persons")
	b.wantText("h1", zh("persons.title"))

	for _, c := range []struct {
		q    string
		want int64
	}{{"zxm", zhang.ID}, {"aygl", ayi.ID}} {
		b.fill(`form.filters input[name=q]`, c.q)
		if st := b.click(`form.filters button.primary[type=submit]`); st != 200 {
			t.Fatalf("search %q: status %d", c.q, st)
		}
		if got := eval[string](b, `new URLSearchParams(location.search).get("q")`); got != c.q {
			t.Errorf("the search sent q=%q, want %q", got, c.q)
		}
		b.wantContains("p.total", zh("persons.q_pinyin"))
		rows := listedPersons(b)
		var hrefs []string
		for _, r := range rows {
			hrefs = append(hrefs, r.Href)
			// Whoever else is listed (the demo's residents) reads so too.
			full, initials := ref.Pinyin(r.Name)
			if !strings.HasPrefix(initials, c.q) && !strings.HasPrefix(full, c.q) {
				t.Errorf("%q lists %s (%s: %s, %s), whose name does not begin with %q in pinyin", c.q, r.Name, r.Href, full, initials, c.q)
			}
		}
		want := fmt.Sprintf("/persons/%d", c.want)
		if !slices.Contains(hrefs, want) {
			t.Errorf("%q does not list %s (%s); it lists %q", c.q, mine[want], want, rows)
		}
		for href, name := range mine {
			if href != want && slices.Contains(hrefs, href) {
				t.Errorf("%q lists %s (%s)", c.q, name, href)
			}
		}
	}
	// The name as typed still finds the person: the pinyin is an addition.
	b.open(query("/persons", "q", "阿依古丽"))
	if rows := listedPersons(b); !slices.ContainsFunc(rows, func(r listedPerson) bool { return r.Href == fmt.Sprintf("/persons/%d", ayi.ID) }) {
		t.Errorf("the name fragment 阿依古丽 does not find %s; rows %q", ayi.Name, rows)
	}
}

// maskedID is how a citizen ID number is shown: region, eight stars, the
// last four characters.
var maskedID = regexp.MustCompile(`^\d{6}\*{8}\d{3}[\dX]$`)

// A street admin sees a resident's ID number masked; to see it whole they
// give a reason, and the audit administrator finds who saw it and why.
func TestRevealIDNumberIsAudited(t *testing.T) {
	h := setup(t)
	committee := h.committees(t)[0]
	p, number := h.newPerson(t, "古丽娜尔·艾力", "05", committee)
	pid := strconv.FormatInt(p.ID, 10)
	reason := fmt.Sprintf("办理居住证需核对身份证号（第%d次）", seq())

	b := h.newTab(t, "admin")
	b.loginAs("admin")
	b.open("/persons/" + pid)
	b.wantContains("h1", p.Name)
	masked := b.text("#masked-id")
	if masked != ref.MaskID(number) || !maskedID.MatchString(masked) || !strings.HasPrefix(masked, "110105") || !strings.HasSuffix(masked, number[14:]) {
		t.Errorf("the ID number shows as %q, want %q (110105********%s)", masked, ref.MaskID(number), number[14:])
	}
	if strings.Contains(b.html(), number) {
		t.Fatalf("the person's page holds the full ID number %s before it is revealed", number)
	}

	const reveal = `details.reveal`
	b.wantText(reveal+" > summary", zh("persons.reveal"))
	b.do("open 查看完整号码",
		chromedp.Click(chromedp.CSS(reveal+" > summary")),
		chromedp.Poll[chromedp.Void](`document.querySelector("details.reveal").open`, chromedp.WithPollingTimeout(5*time.Second)))
	b.wantContains(reveal+" p.hint", zh("persons.reveal_hint"))
	if got := b.value(reveal + " select[name=field]"); got != "id_number" {
		t.Errorf("the reveal form offers %q first, want id_number", got)
	}
	b.fill(reveal+" input[name=reason]", reason)
	if st := b.click(reveal + " button[type=submit]"); st != 200 {
		t.Fatalf("reveal: status %d; page shows %q", st, b.text("main"))
	}
	b.wantText("#revealed-id_number", number)
	b.wantContains("h1", p.Name)

	// The audit administrator, elsewhere, filters the audit log for views
	// of sensitive data.
	a := h.newTab(t, "auditor")
	a.loginAs("auditor")
	a.open(query("/audit", "action", "view_sensitive"))
	a.wantText("h1", zh("audit.title"))
	if got := a.value(`form.filters select[name=action]`); got != "view_sensitive" {
		t.Errorf("the audit filter shows action %q", got)
	}
	rows := a.texts("table.audit tbody tr")
	found := false
	for _, r := range rows {
		if strings.Contains(r, "admin") && strings.Contains(r, zh("action.view_sensitive")) && strings.Contains(r, "person #"+pid) &&
			strings.Contains(r, reason) && strings.Contains(r, "id_number") && strings.Contains(r, zh("result.ok")) {
			found = true
		}
		if !strings.Contains(r, zh("action.view_sensitive")) {
			t.Errorf("the filtered audit log lists another action: %q", r)
		}
	}
	if !found {
		t.Errorf("the audit log lists no view of person #%s's ID number by admin with the reason %q; rows:\n%s", pid, reason, strings.Join(rows, "\n"))
	}
	if strings.Contains(a.html(), number) {
		t.Errorf("the audit log holds the full ID number %s", number)
	}
}
