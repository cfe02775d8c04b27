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
