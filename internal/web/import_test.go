package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
)

// TestImportDoubleClick: the roster is checked by a job, and two
// confirmations at once (a double click) start one import: the persons
// are counted once and one import job exists.
func TestImportDoubleClick(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("admin", auth.StreetAdmin, e.S)
		c := e.login("admin")
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		f, _ := w.CreateFormFile("file", "花名册.csv")
		fmt.Fprintf(f, "姓名,民族,公民身份号码,所属居委\n马一,回族,%s,%s\n马二,回族,%s,%s\n", idNumber(701), e.A.Name, idNumber(702), e.A.Name)
		w.Close()
		r := c.do("POST", "/persons/import", w.FormDataContentType(), &b, nil)
		loc := r.Header.Get("Location")
		if r.Code != 303 || !strings.Contains(loc, "job=") {
			t.Fatalf("upload: %d %q", r.Code, loc)
		}
		job := loc[strings.Index(loc, "job=")+4:]
		wait := func(want string) {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for {
				var st struct{ State string }
				c.get("/persons/import/status?job="+job).JSON(t, &st)
				if st.State == want {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("state %q, want %q", st.State, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		wait("checked")
		if n := e.count(`SELECT COUNT(*) FROM persons`); n != 0 {
			t.Fatalf("the check imported %d persons", n)
		}
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := c.postForm("/persons/import/apply", url.Values{"job": {job}}); r.Code != 303 {
					t.Errorf("confirm: %d", r.Code)
				}
			}()
		}
		wg.Wait()
		wait("imported")
		if n := e.count(`SELECT COUNT(*) FROM persons`); n != 2 {
			t.Errorf("%d persons after two confirmations, want 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'person_import_apply'`); n != 1 {
			t.Errorf("%d import jobs, want 1", n)
		}
		// Another user does not see the job.
		e.user("other", auth.StreetAdmin, e.S)
		var st struct{ State string }
		e.login("other").get("/persons/import/status?job="+job).JSON(t, &st)
		if st.State != "none" {
			t.Errorf("another user sees the import: %q", st.State)
		}
	})
}

// ledgerUpload is a multipart body with an activity ledger workbook.
func ledgerUpload(t *testing.T, rows [][]any) (string, *bytes.Buffer) {
	t.Helper()
	x := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		x.SetSheetRow("Sheet1", cell, &r)
	}
	var book bytes.Buffer
	if err := x.Write(&book); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, _ := w.CreateFormFile("file", "活动台账.xlsx")
	f.Write(book.Bytes())
	w.Close()
	return w.FormDataContentType(), &b
}

// TestLedgerImportPage: a ledger with a bad row is refused whole, naming
// the row, with an errors workbook for its uploader only; a good one is
// checked, then imported on confirmation, once.
func TestLedgerImportPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("staffa", auth.CommitteeStaff, e.A)
		c := e.login("staffa")
		head := []any{"日期", "活动名称", "类别", "参与人数", "少数民族参与人数"}
		ct, body := ledgerUpload(t, [][]any{head, {"2026-03-05", "政策宣传", "政策宣传", 30, 10}, {"2026-04-31", "讲座", "讲座", 20, 30}})
		r := c.do("POST", "/activities/import", ct, body, nil)
		if r.Code != 422 || !strings.Contains(r.Text(), "第 3 行 日期") || !strings.Contains(r.Text(), "第 3 行 少数民族参与人数") {
			t.Fatalf("a bad ledger: %d %s", r.Code, r.Summary())
		}
		if n := e.count(`SELECT COUNT(*) FROM activities`); n != 0 {
			t.Fatalf("%d activities from a refused ledger", n)
		}
		job := r.Body[strings.Index(r.Body, "errors.xlsx?job=")+len("errors.xlsx?job="):]
		job = job[:strings.IndexAny(job, `"&`)]
		if got := c.get("/activities/import/errors.xlsx?job=" + job); got.Code != 200 || !strings.HasPrefix(got.Header.Get("Content-Type"), "application/vnd.openxml") {
			t.Errorf("errors workbook: %d %s", got.Code, got.Header.Get("Content-Type"))
		}
		e.user("staffb", auth.CommitteeStaff, e.B)
		if got := e.login("staffb").get("/activities/import/errors.xlsx?job=" + job); strings.HasPrefix(got.Header.Get("Content-Type"), "application/vnd.openxml") {
			t.Errorf("another user downloads the errors workbook")
		}

		ct, body = ledgerUpload(t, [][]any{head, {"2026-03-05", "政策宣传", "政策宣传", 30, 10}, {"2026-04-30", "讲座", "讲座", 20, 8}})
		r = c.do("POST", "/activities/import", ct, body, nil)
		if r.Code != 200 || !strings.Contains(r.Body, `name="upload"`) {
			t.Fatalf("a good ledger's check: %d %s", r.Code, r.Summary())
		}
		up := r.Body[strings.Index(r.Body, `name="upload" value="`)+len(`name="upload" value="`):]
		up = up[:strings.Index(up, `"`)]
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := c.postForm("/activities/import", url.Values{"upload": {up}}); r.Code != 200 {
					t.Errorf("confirm: %d %s", r.Code, r.Summary())
				}
			}()
		}
		wg.Wait()
		if n := e.count(`SELECT COUNT(*) FROM activities WHERE org_id = ? AND status = 'done'`, e.A.ID); n != 2 {
			t.Errorf("%d activities after two confirmations, want 2", n)
		}
	})
}
