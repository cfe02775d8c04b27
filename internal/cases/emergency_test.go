package cases_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
)

// hook is a webhook receiver for tests.
type hook struct {
	mu     sync.Mutex
	got    []cases.Message
	sigs   []string
	status int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m cases.Message
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &m); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.got = append(h.got, m)
	h.sigs = append(h.sigs, r.Header.Get("X-Shiliu-Signature"))
	status := h.status
	h.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
	}
}

// TestEmergency: an emergency needs time, place, people and a first
// report; on intake every active leader and admin of the subdistrict is
// notified at once (in the app and by webhook), nobody else; updates reach
// them too; it cannot be closed without a closing report.
func TestEmergency(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		h := &hook{}
		srv := httptest.NewServer(h)
		defer srv.Close()
		f.s.Notifier = cases.NewWebhook(srv.URL, "s3cret")
		f.s.Log = slog.New(slog.NewTextHandler(io.Discard, nil))

		in := cases.IntakeInput{Channel: cases.Hotline, Kind: cases.Emergency, CallerName: "李女士", Summary: "打架"}
		_, err := f.s.Intake(f.ctx, f.staffA, in)
		wantFields(t, err, map[string]string{"occurred_at": "err.required", "place": "err.required", "people_involved": "err.required", "first_report": "err.required"})
		in = f.emergencyIn()
		in.OccurredAt = f.now.Add(2 * time.Hour).In(cst).Format("2006-01-02T15:04")
		_, err = f.s.Intake(f.ctx, f.staffA, in)
		wantFields(t, err, map[string]string{"occurred_at": "err.date_future"})
		if n := f.count(t, `SELECT COUNT(*) FROM notifications`); n != 0 {
			t.Fatalf("%d notifications from refused intakes", n)
		}

		in = f.emergencyIn()
		in.OrgID = 0
		in.Address = "石榴苑门口"
		c := f.intake(t, f.staffA, in)
		if c.OrgID != f.a.ID || c.OccurredAt != db.FormatTime(f.now.Add(-20*time.Minute).Truncate(time.Minute)) || c.Place != in.Place || c.PeopleInvolved != in.PeopleInvolved || c.FirstReport != in.FirstReport {
			t.Errorf("emergency %+v", c)
		}
		// At once: the subdistrict's leader and admin, not the disabled
		// leader, not the other subdistrict's leader, not staff.
		if got := f.notified(t, cases.NotifyEmergency, c.ID); !slices.Equal(got, []string{"admin", "leader"}) {
			t.Errorf("notified %v", got)
		}
		ns, err := f.s.Notifications(f.ctx, f.leader, true)
		if err != nil || len(ns) != 1 || ns[0].Kind != cases.NotifyEmergency || ns[0].CaseID != c.ID || !strings.HasPrefix(ns[0].Title, c.Code) || ns[0].Body != in.FirstReport {
			t.Errorf("leader's notifications %+v %v", ns, err)
		}
		if b, _ := f.s.Badges(f.ctx, f.leader); b.Unread != 1 {
			n := b.Unread
			t.Errorf("unread %d", n)
		}
		if ns, _ := f.s.Notifications(f.ctx, f.leader2, false); len(ns) != 0 {
			t.Errorf("other subdistrict's leader told: %+v", ns)
		}
		// The leader can open it.
		if _, err := f.s.Get(f.ctx, f.leader, c.ID); err != nil {
			t.Errorf("leader cannot open the emergency: %v", err)
		}
		f.s.Wait()
		h.mu.Lock()
		if len(h.got) != 1 || h.got[0].Kind != cases.NotifyEmergency || h.got[0].Code != c.Code || h.got[0].Place != in.Place ||
			!slices.Equal(h.got[0].Recipients, []string{"admin", "leader"}) || !strings.HasPrefix(h.sigs[0], "sha256=") {
			t.Errorf("webhook got %+v %v", h.got, h.sigs)
		}
		h.mu.Unlock()

		// Updates reach them too.
		c = f.step(t, f.admin, c, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID})
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActAccept})
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActReport, Note: "伤者已包扎，无大碍"})
		if got := f.notified(t, cases.NotifyReport, c.ID); !slices.Equal(got, []string{"admin", "leader"}) {
			t.Errorf("report notified %v", got)
		}
		// No close without a closing report.
		_, err = f.s.Transition(f.ctx, f.staffA, c.ID, cases.TransitionInput{Action: cases.ActClose, Version: c.Version, Resolution: "双方和解", Result: cases.Resolved})
		wantFields(t, err, map[string]string{"closing_report": "err.required"})
		if got := f.get(t, f.admin, c.ID); got.Status != cases.StatusInProgress {
			t.Fatalf("closed without a closing report: %s", got.Status)
		}
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActClose, Resolution: "双方和解", Result: cases.Resolved, ClosingReport: "事件处置完毕，已向派出所备案"})
		if c.Status != cases.StatusClosed || c.ClosingReport != "事件处置完毕，已向派出所备案" {
			t.Errorf("closed %+v", c)
		}
		evs := f.events(t, c.ID)
		if got := actions(evs); !slices.Equal(got, []cases.Action{"intake", "assign", "accept", "report", "close", "report"}) || evs[5].Note != c.ClosingReport {
			t.Errorf("timeline %v", got)
		}
		if n := len(f.notified(t, cases.NotifyReport, c.ID)); n != 4 {
			t.Errorf("%d report notifications after the closing report", n)
		}
		// No updates after the close.
		_, err = f.s.Transition(f.ctx, f.staffA, c.ID, cases.TransitionInput{Action: cases.ActReport, Note: "补充"})
		wantKind(t, err, errs.Invalid, "err.case_transition")

		// Read marks are the user's own.
		ns, _ = f.s.Notifications(f.ctx, f.admin, true)
		if n, err := f.s.MarkRead(f.ctx, f.leader, ns[0].ID); err != nil || n != 0 {
			t.Errorf("leader marked the admin's notification: %d %v", n, err)
		}
		if n, err := f.s.MarkRead(f.ctx, f.leader); err != nil || n != 3 {
			t.Errorf("mark all read: %d %v", n, err)
		}
		if b, _ := f.s.Badges(f.ctx, f.leader); b.Unread != 0 {
			n := b.Unread
			t.Errorf("unread after marking %d", n)
		}
		if ns, _ := f.s.Notifications(f.ctx, f.leader, false); len(ns) != 3 || ns[0].ReadAt == "" {
			t.Errorf("read notifications %+v", ns)
		}

		// A failing webhook does not fail the intake.
		h.mu.Lock()
		h.status = http.StatusInternalServerError
		h.mu.Unlock()
		c2 := f.intake(t, f.staffA, f.emergencyIn())
		f.s.Wait()
		if got := f.notified(t, cases.NotifyEmergency, c2.ID); !slices.Equal(got, []string{"admin", "leader"}) {
			t.Errorf("notified %v", got)
		}
		f.s.Notifier = cases.NewWebhook("http://127.0.0.1:1/none", "")
		f.intake(t, f.staffA, f.emergencyIn())
		f.s.Wait()
	})
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAttachments: photos and PDFs by their content are kept in the file
// store with their SHA-256; text named .jpg, an executable, an empty file,
// a PNG named .pdf and anything over 10 MB are refused with nothing kept.
func TestAttachments(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		c := f.inA(t, "墙面开裂")
		big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), cases.MaxAttachment)...)
		for _, tc := range []struct {
			name string
			data []byte
			key  string
		}{
			{"photo.jpg", []byte("this is only text, named like a photo"), "err.attachment_type"},
			{"scan.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), "err.attachment_type"},
			{"page.png", []byte("<html><body>hi</body></html>"), "err.attachment_type"},
			{"empty.png", nil, "err.attachment_type"},
			{"scan.pdf", pngBytes(t), "err.attachment_mismatch"},
			{"big.pdf", big, "err.attachment_too_large"},
		} {
			_, err := f.s.Attach(f.ctx, f.staffA, c.ID, tc.name, bytes.NewReader(tc.data))
			wantKind(t, err, errs.Invalid, tc.key)
			if e, _ := errs.As(err); e.Fields["file"] != tc.key {
				t.Errorf("%s: fields %v", tc.name, e.Fields)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM case_attachments`); n != 0 {
			t.Fatalf("%d attachments kept from refusals", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM files`) + f.count(t, `SELECT COUNT(*) FROM file_chunks`); n != 0 {
			t.Fatalf("%d file rows kept from refusals", n)
		}
		pic := pngBytes(t)
		good := []struct {
			name, ct string
			data     []byte
		}{
			{`C:\Users\王\现场.png`, "image/png", pic},
			{"scan.bin", "application/pdf", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")},
			{"anim.gif", "image/gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")},
			{"photo.webp", "image/webp", append([]byte("RIFF\x1a\x00\x00\x00WEBPVP8 "), make([]byte, 14)...)},
			{"exact.pdf", "application/pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("y"), cases.MaxAttachment-9)...)},
		}
		for _, g := range good {
			at, err := f.s.Attach(f.ctx, f.staffA, c.ID, g.name, bytes.NewReader(g.data))
			if err != nil {
				t.Fatalf("%s: %v", g.name, err)
			}
			sum := sha256.Sum256(g.data)
			if at.ContentType != g.ct || at.Size != int64(len(g.data)) || at.SHA256 != hex.EncodeToString(sum[:]) || at.Username != "staffa" {
				t.Errorf("%s: %+v", g.name, at)
			}
			got, file, err := f.s.OpenAttachment(f.ctx, f.admin, c.ID, at.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(file)
			file.Close()
			if !bytes.Equal(b, g.data) || got.Name != at.Name {
				t.Errorf("%s: read back %d bytes", g.name, len(b))
			}
		}
		list, err := f.s.Attachments(f.ctx, f.staffA, c.ID)
		if err != nil || len(list) != len(good) || list[0].Name != "现场.png" {
			t.Errorf("attachments %+v %v", list, err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM files`); n != len(good) {
			t.Errorf("%d files in the store", n)
		}
		if entries, _ := os.ReadDir(f.s.DataDir); len(entries) != 0 {
			t.Errorf("%d entries written to the data directory", len(entries))
		}
		if evs := f.events(t, c.ID); evs[len(evs)-1].Action != cases.ActAttach {
			t.Errorf("timeline %v", actions(evs))
		}
		if recs := f.auditRecords(t, "create", "case_attachment", ""); len(recs) != len(good) {
			t.Errorf("%d attachment audit records", len(recs))
		}
		// Scope: another committee sees nothing, cannot add.
		if _, err := f.s.Attachments(f.ctx, f.staffB, c.ID); err == nil {
			t.Error("committee B lists A's attachments")
		}
		_, _, err = f.s.OpenAttachment(f.ctx, f.staffB, c.ID, list[0].ID)
		wantOutOfScope(t, err)
		_, err = f.s.Attach(f.ctx, f.staffB, c.ID, "x.png", bytes.NewReader(pic))
		wantOutOfScope(t, err)
		// An attachment is opened only through its own case.
		other := f.inA(t, "另一件")
		_, _, err = f.s.OpenAttachment(f.ctx, f.admin, other.ID, list[0].ID)
		wantKind(t, err, errs.NotFound, "err.not_found")
	})
}

// TestExport: the workbook opens with excelize, holds the cases in scope
// with masked phones, defuses formulas, and the export is audited.
func TestExport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		in := anon("=HYPERLINK(\"http://evil\",\"点我\")")
		in.OrgID, in.Address = f.a.ID, "@石榴路88号"
		ca := f.intake(t, f.admin, in)
		ca = f.step(t, f.admin, ca, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID, Partner: "-合作单位"})
		inB := anon("乙的事")
		inB.OrgID = f.b.ID
		f.intake(t, f.admin, inB)
		var buf bytes.Buffer
		n, err := f.s.Export(f.ctx, f.staffA, cases.Filter{}, &buf)
		if err != nil || n != 1 {
			t.Fatalf("export %d %v", n, err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("案件")
		if err != nil || len(rows) != 2 {
			t.Fatalf("rows %v %v", rows, err)
		}
		col := func(name string) string {
			i := slices.Index(rows[0], name)
			if i < 0 || i >= len(rows[1]) {
				return ""
			}
			return rows[1][i]
		}
		if col("编号") != ca.Code || col("回拨电话") != "138****2222" || col("责任单位") != "甲居委" || col("状态") != "已分派" || col("类别") != "矛盾纠纷" {
			t.Errorf("row %v", rows[1])
		}
		if col("诉求摘要") != "'"+in.Summary || col("地址") != "'@石榴路88号" || col("合作单位") != "'-合作单位" {
			t.Errorf("formulas not defused: %q %q %q", col("诉求摘要"), col("地址"), col("合作单位"))
		}
		if strings.Contains(strings.Join(rows[1], "|"), "13811112222") {
			t.Error("clear phone in the export")
		}
		if formula, _ := x.GetCellFormula("案件", "K2"); formula != "" {
			t.Errorf("formula %q", formula)
		}
		if recs := f.auditRecords(t, "export", "case", ""); len(recs) != 1 || !strings.Contains(recs[0].Detail, `"rows":1`) || recs[0].Username != "staffa" {
			t.Errorf("audit %+v", recs)
		}
		// Searching by phone is audited masked.
		buf.Reset()
		if _, err := f.s.Export(f.ctx, f.admin, cases.Filter{Q: "13811112222"}, &buf); err != nil {
			t.Fatal(err)
		}
		if recs := f.auditRecords(t, "export", "case", ""); strings.Contains(recs[1].Detail, "13811112222") {
			t.Errorf("clear phone in the audit: %s", recs[1].Detail)
		}
		_, err = f.s.Export(f.ctx, f.leader, cases.Filter{}, &buf)
		wantKind(t, err, errs.Forbidden, "err.forbidden")
	})
}
