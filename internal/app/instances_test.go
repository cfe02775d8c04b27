package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/dbtest"
	"shiliu/internal/org"
	"shiliu/internal/pairing"
)

// idNumber makes a valid 18-digit citizen ID number (GB 11643 check digit).
func idNumber(seq int) string {
	body := fmt.Sprintf("11010519800101%03d", seq%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// TestTwoInstancesImportAndFiles: on two instances of one PostgreSQL
// database, a roster checked on the first is confirmed on the second —
// twice at once, as a double click — and imported once; a case attachment
// uploaded on the first is served by the second.
func TestTwoInstancesImportAndFiles(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	key := make([]byte, 64)
	rand.Read(key)
	t.Setenv("SHILIU_KEY", base64.StdEncoding.EncodeToString(key))
	a1 := start(t, t.TempDir(), dsn)
	a2 := start(t, t.TempDir(), dsn)
	ctx := context.Background()
	sys := auth.System("test")
	sub, err := a1.Org.Create(ctx, sys, org.Input{Code: "S", Name: "和平街道", Kind: org.Subdistrict})
	if err != nil {
		t.Fatal(err)
	}
	com, err := a1.Org.Create(ctx, sys, org.Input{Code: "A", Name: "甲居委会", Kind: org.Committee, ParentID: sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	u, err := a1.Auth.Create(ctx, sys, auth.NewUser{Username: "admin", Role: auth.StreetAdmin, OrgID: sub.ID, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := noRedirect(jar)
	resp, err := c.PostForm(a1.URL()+"/login", url.Values{"username": {"admin"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u1, _ := url.Parse(a1.URL())
	u2, _ := url.Parse(a2.URL())
	jar.SetCookies(u2, jar.Cookies(u1))

	// Upload and check on instance 1.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "花名册.csv")
	fmt.Fprintf(fw, "姓名,民族,公民身份号码,所属居委\n马一,回族,%s,%s\n马二,回族,%s,%s\n", idNumber(11), com.Name, idNumber(12), com.Name)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, a1.URL()+"/persons/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "job=") {
		t.Fatalf("upload on instance 1: %d %q", resp.StatusCode, loc)
	}
	job := loc[strings.Index(loc, "job=")+4:]
	state := func(base string) string {
		resp, err := c.Get(base + "/persons/import/status?job=" + job)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct{ State string }
		json.NewDecoder(resp.Body).Decode(&st)
		return st.State
	}
	waitFor := func(base, want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for s := state(base); s != want; s = state(base) {
			if time.Now().After(deadline) {
				t.Fatalf("import state on %s: %q, want %q", base, s, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Instance 2 sees instance 1's preview.
	waitFor(a2.URL(), "checked")
	page, _ := c.Get(a2.URL() + "/persons/import?job=" + job)
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(b), `id="import-confirm"`) {
		t.Fatalf("instance 2 does not offer to confirm instance 1's preview")
	}

	// Confirm on instance 2, twice at once (and once more on instance 1).
	var wg sync.WaitGroup
	for _, base := range []string{a2.URL(), a2.URL(), a1.URL()} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.PostForm(base+"/persons/import/apply", url.Values{"job": {job}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("confirm on %s: %d", base, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	waitFor(a1.URL(), "imported")
	var persons, applies int
	a1.DB.QueryRow(ctx, `SELECT COUNT(*) FROM persons`).Scan(&persons)
	a1.DB.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'person_import_apply'`).Scan(&applies)
	if persons != 2 || applies != 1 {
		t.Errorf("after three confirmations: %d persons, %d import jobs; want 2 and 1", persons, applies)
	}

	// A case attachment put on instance 1 is served by instance 2.
	admin := u.Actor()
	cs, err := a1.Cases.Intake(ctx, admin, cases.IntakeInput{Channel: cases.Hotline, Kind: cases.Dispute, CallerName: "王先生", CallerPhone: "13811112222",
		Summary: "楼道堆物", OrgID: com.ID})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	at, err := a1.Cases.Attach(ctx, admin, cs.ID, "现场.pdf", bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.Get(fmt.Sprintf("%s/attachments/%d", a2.URL(), at.ID))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pdf) || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("instance 2 serves instance 1's attachment: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}

	// A visit photo uploaded on instance 1 is served by instance 2.
	var personID int64
	if err := a1.DB.QueryRow(ctx, `SELECT MIN(id) FROM persons`).Scan(&personID); err != nil {
		t.Fatal(err)
	}
	pr, err := a1.Pairing.Create(ctx, admin, pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "社区医院", TargetPersonID: personID, CadenceDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	v, err := a1.Pairing.LogVisit(ctx, admin, pr.ID, pairing.VisitInput{Help: "送米油", VisitorName: "王", Photo: &pairing.Photo{Data: img.Bytes(), Filename: "走访.png"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.Get(fmt.Sprintf("%s/visits/%d/photo", a2.URL(), v.ID))
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, img.Bytes()) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("instance 2 serves instance 1's visit photo: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}
}
