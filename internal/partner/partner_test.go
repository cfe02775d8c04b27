package partner_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/errs/errstest"
	"shiliu/internal/fixture"
	"shiliu/internal/partner"
)

// clock: Monday 2027-03-01 10:00 in China.
var clock = time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)

type fix struct {
	ctx                   context.Context
	d                     *db.DB
	s                     *partner.Service
	tr                    *fixture.Tree
	admin, staffA, staffB *auth.Actor
	now                   time.Time
}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	f := &fix{ctx: context.Background(), d: d, s: partner.New(d), now: clock}
	f.s.Now = func() time.Time { return f.now }
	cs := cases.New(d, fixture.Keys(t), t.TempDir())
	cs.Now = f.s.Now
	f.s.Notify = cs
	f.tr = fixture.NewTree(t, d)
	st := fixture.NewStaff(t, d, f.tr)
	f.admin, f.staffA, f.staffB = st.Admin, st.StaffA, st.StaffB
	return f
}

func (f *fix) partner(t *testing.T, a *auth.Actor, org int64, name string, typ partner.Type) *partner.Partner {
	t.Helper()
	p, err := f.s.Create(f.ctx, a, partner.Input{OrgID: org, Name: name, Type: typ, ContactName: "马经理", ContactPhone: "13900000000"})
	if err != nil {
		t.Fatalf("create partner %s: %v", name, err)
	}
	return p
}

var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestPartnersScopeAndEdit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		sub := f.partner(t, f.admin, f.tr.Sub.ID, "街道司法所", partner.Judicial)
		restA := f.partner(t, f.staffA, f.tr.A.ID, "兰州牛肉面馆（清真）", partner.Restaurant)
		f.partner(t, f.staffB, f.tr.B.ID, "乙居委养老院", partner.CareHome)
		names := func(a *auth.Actor) string {
			list, total, err := f.s.List(f.ctx, a, partner.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range list {
				out = append(out, p.Name)
			}
			if total != len(list) {
				t.Errorf("total %d for %d", total, len(list))
			}
			return strings.Join(out, ",")
		}
		if got := names(f.staffA); got != "街道司法所,兰州牛肉面馆（清真）" {
			t.Errorf("A sees %s", got)
		}
		if got := names(f.admin); got != "街道司法所,兰州牛肉面馆（清真）,乙居委养老院" {
			t.Errorf("the subdistrict sees %s", got)
		}
		if _, err := f.s.Get(f.ctx, f.staffB, restA.ID); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("B opens A's partner: %v, want not found", err)
		}
		// A reads the subdistrict's partner but does not change it
		if _, err := f.s.Get(f.ctx, f.staffA, sub.ID); err != nil {
			t.Errorf("A opens the subdistrict's partner: %v", err)
		}
		in := partner.Input{OrgID: sub.OrgID, Name: sub.Name, Type: sub.Type, Active: true, Version: sub.Version, Note: "改"}
		if _, err := f.s.Update(f.ctx, f.staffA, sub.ID, in); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("A changes the subdistrict's partner: %v", err)
		}
		p, err := f.s.Update(f.ctx, f.admin, sub.ID, in)
		if err != nil || p.Note != "改" || p.Version != 2 {
			t.Fatalf("update: %+v %v", p, err)
		}
		if _, err := f.s.Update(f.ctx, f.admin, sub.ID, in); errs.KindOf(err) != errs.Conflict {
			t.Errorf("stale: %v", err)
		}
		// bad input
		_, err = f.s.Create(f.ctx, f.staffA, partner.Input{Name: "", Type: "bank", OrgID: f.tr.B.ID})
		e, _ := errs.As(err)
		if e == nil || e.Fields["name"] != "err.required" || e.Fields["type"] != "err.required" || e.Fields["org_id"] != "err.org_unknown" {
			t.Errorf("bad input: %v", err)
		}
		// the activity service's check
		for _, c := range []struct {
			ids  []int64
			want bool
		}{{[]int64{sub.ID, restA.ID}, true}, {[]int64{restA.ID, restA.ID}, true}, {[]int64{restA.ID, 999}, false}} {
			if ok, err := partner.InScope(f.ctx, d, f.staffA, c.ids); err != nil || ok != c.want {
				t.Errorf("InScope %v: %v %v", c.ids, ok, err)
			}
		}
		if ok, _ := partner.InScope(f.ctx, d, f.staffB, []int64{restA.ID}); ok {
			t.Error("B may name A's partner")
		}
	})
}

func TestAgreementsAndFiles(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		sub := f.partner(t, f.admin, f.tr.Sub.ID, "石榴小学", partner.School)
		g, err := f.s.AddAgreement(f.ctx, f.admin, sub.ID, partner.AgreementInput{Title: "共建协议", SignedOn: "2026-03-01", EndsOn: "2027-03-20",
			FileName: "协议.pdf", File: bytes.NewReader(pdf)})
		if err != nil {
			t.Fatal(err)
		}
		if g.StartsOn != "2026-03-01" || g.State != partner.StateEnding || g.DaysLeft != 19 || g.FileMIME != "application/pdf" {
			t.Errorf("agreement: %+v", g)
		}
		// refused input names the field and keeps no file
		files := fixture.Count(t, d, `SELECT COUNT(*) FROM files`)
		_, err = f.s.AddAgreement(f.ctx, f.admin, sub.ID, partner.AgreementInput{Title: "续签", StartsOn: "2027-04-01", EndsOn: "2027-01-01",
			FileName: "x.pdf", File: bytes.NewReader(pdf)})
		if e, _ := errs.As(err); e == nil || e.Fields["ends_on"] != "err.agreement_ends" {
			t.Errorf("ends before it starts: %v", err)
		}
		_, err = f.s.AddAgreement(f.ctx, f.admin, sub.ID, partner.AgreementInput{Title: "扫描件", StartsOn: "2027-01-01", FileName: "scan.pdf",
			File: strings.NewReader("not a pdf at all")})
		if e, _ := errs.As(err); e == nil || e.Fields["file"] != "err.attachment_type" {
			t.Errorf("a text file as the scan: %v", err)
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM files`); n != files {
			t.Errorf("a refused agreement kept its file (%d → %d)", files, n)
		}
		// the scan: the subdistrict opens it; committee A sees the agreement
		// but not the file; B does not even see the partner
		r, err := f.s.OpenFile(f.ctx, f.admin, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(b, pdf) {
			t.Error("the scan came back changed")
		}
		if _, err := f.s.Agreement(f.ctx, f.staffA, g.ID); err != nil {
			t.Errorf("A reads the agreement: %v", err)
		}
		if _, err := f.s.OpenFile(f.ctx, f.staffA, g.ID); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("A opens the subdistrict's scan: %v", err)
		}
		own := f.partner(t, f.staffA, f.tr.A.ID, "甲居委共建单位", partner.Firm)
		ga, err := f.s.AddAgreement(f.ctx, f.staffA, own.ID, partner.AgreementInput{Title: "协议", StartsOn: "2026-01-01", EndsOn: "2026-12-31",
			FileName: "a.pdf", File: bytes.NewReader(pdf)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.OpenFile(f.ctx, f.staffB, ga.ID); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("B opens A's scan: %v", err)
		}
		if r, err := f.s.OpenFile(f.ctx, f.staffA, ga.ID); err != nil {
			t.Errorf("A opens its own scan: %v", err)
		} else {
			r.Close()
		}
		// flags: the school's ends within 30 days, A's firm's has ended
		list, _, err := f.s.List(f.ctx, f.admin, partner.Filter{Ending: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Ending != 1 || !list[1].Lapsed() || list[0].Lapsed() {
			t.Errorf("flagged: %+v", list)
		}
		p, _ := f.s.Get(f.ctx, f.staffA, own.ID)
		if len(p.Agreements) != 1 || p.Agreements[0].State != partner.StateEnded {
			t.Errorf("A's partner: %+v", p.Agreements)
		}
	})
}

func TestReminderOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		sub := f.partner(t, f.admin, f.tr.Sub.ID, "和谐养老院", partner.CareHome)
		pa := f.partner(t, f.staffA, f.tr.A.ID, "清真餐厅", partner.Restaurant)
		ending, _ := f.s.AddAgreement(f.ctx, f.admin, sub.ID, partner.AgreementInput{Title: "助老协议", StartsOn: "2026-01-01", EndsOn: "2027-03-31"})
		f.s.AddAgreement(f.ctx, f.admin, sub.ID, partner.AgreementInput{Title: "长期协议", StartsOn: "2026-01-01", EndsOn: "2027-12-31"})
		f.s.AddAgreement(f.ctx, f.admin, sub.ID, partner.AgreementInput{Title: "旧协议", StartsOn: "2025-01-01", EndsOn: "2026-12-31"})
		f.s.AddAgreement(f.ctx, f.staffA, pa.ID, partner.AgreementInput{Title: "餐饮协议", StartsOn: "2026-03-01", EndsOn: "2027-03-10"})
		// several instances at once: each agreement reminded once
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := f.s.RemindEnding(f.ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		if total != 2 {
			t.Errorf("%d reminders, want 2 (the care home's and the restaurant's)", total)
		}
		if n, _ := f.s.RemindEnding(f.ctx); n != 0 {
			t.Errorf("a second run reminded %d", n)
		}
		// the subdistrict's admin is told of the care home's, staff A of the
		// restaurant's; B of neither
		who := func(a *auth.Actor) []cases.Notification {
			var out []cases.Notification
			rows, err := d.Query(f.ctx, `SELECT kind, title, link FROM notifications WHERE user_id = ? ORDER BY id`, a.UserID)
			list, err := db.Collect(rows, err, func(sc db.Scanner) (cases.Notification, error) {
				var n cases.Notification
				return n, sc.Scan(&n.Kind, &n.Title, &n.Link)
			})
			if err != nil {
				t.Fatal(err)
			}
			return append(out, list...)
		}
		if ns := who(f.admin); len(ns) != 1 || ns[0].Kind != partner.NotifyAgreementEnding || ns[0].Title != "和谐养老院 · 助老协议" ||
			ns[0].Link != "/partners/"+itoa(sub.ID) {
			t.Errorf("admin's notifications: %+v", ns)
		}
		if ns := who(f.staffA); len(ns) != 1 || !strings.Contains(ns[0].Title, "餐饮协议") {
			t.Errorf("A's notifications: %+v", ns)
		}
		if ns := who(f.staffB); len(ns) != 0 {
			t.Errorf("B told: %+v", ns)
		}
		// the notification centre shows it with its link
		cs := f.s.Notify.(*cases.Service)
		list, err := cs.Notifications(f.ctx, f.admin, true)
		if err != nil || len(list) != 1 || list[0].Link == "" || list[0].CaseID != 0 {
			t.Errorf("notification centre: %+v %v", list, err)
		}
		if recs := fixture.AuditRecords(t, d, "remind", "agreement", itoa(ending.ID)); len(recs) != 1 {
			t.Errorf("%d audit records of the reminder", len(recs))
		}
		// a month on, the long one comes due (it is nine months away: not yet)
		f.now = clock.AddDate(0, 9, 10)
		if n, _ := f.s.RemindEnding(f.ctx); n != 1 {
			t.Errorf("in December: %d reminders, want the long agreement's", n)
		}
	})
}

func TestActivitiesDoneTogether(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		sub := f.partner(t, f.admin, f.tr.Sub.ID, "社区卫生服务中心", partner.Hospital)
		act := activity.New(d)
		act.Now = f.s.Now
		mk := func(a *auth.Actor, title, date string) *activity.Activity {
			x, err := act.Create(f.ctx, a, activity.Input{KindCode: "health_talk", Title: title, Date: date, StartTime: "09:00", EndTime: "10:00",
				PartnerIDs: []int64{sub.ID}})
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		mk(f.staffA, "甲居委健康讲座", "2027-03-10")
		xb := mk(f.staffB, "乙居委义诊", "2027-03-12")
		if err := act.Cancel(f.ctx, f.staffB, xb.ID, activity.ThisOne, "下雨"); err != nil {
			t.Fatal(err)
		}
		list, err := f.s.Activities(f.ctx, f.admin, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Title != "乙居委义诊" || !list[0].Cancelled() || list[1].KindName != "健康讲座" || list[1].Date() != "2027-03-10" {
			t.Errorf("the subdistrict sees %+v", list)
		}
		// A sees its own activity with the partner, not B's
		if list, _ := f.s.Activities(f.ctx, f.staffA, sub.ID); len(list) != 1 || list[0].Title != "甲居委健康讲座" {
			t.Errorf("A sees %+v", list)
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// A renewed agreement moves its end; it is reminded again for the new end,
// a stale form is refused, another committee cannot change it, and a bad
// date names its field.
func TestRenewAgreement(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		pa := f.partner(t, f.staffA, f.tr.A.ID, "清真餐厅", partner.Restaurant)
		g, err := f.s.AddAgreement(f.ctx, f.staffA, pa.ID, partner.AgreementInput{Title: "餐饮协议", StartsOn: "2026-03-01", EndsOn: "2027-03-10"})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := f.s.RemindEnding(f.ctx); n != 1 {
			t.Fatalf("%d reminders before the renewal", n)
		}
		in := partner.AgreementInput{Title: "餐饮协议（续签）", SignedOn: "2027-03-05", StartsOn: "2026-03-01", EndsOn: "2028-03-10"}
		if _, err := f.s.UpdateAgreement(f.ctx, f.staffB, g.ID, g.Version, in); !errors.Is(err, errs.ErrOutOfScope) && !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("B renews A's agreement: %v", err)
		}
		bad := in
		bad.EndsOn = "2025-01-01"
		_, err = f.s.UpdateAgreement(f.ctx, f.staffA, g.ID, g.Version, bad)
		errstest.WantFields(t, err, map[string]string{"ends_on": "err.agreement_ends"})
		renewed, err := f.s.UpdateAgreement(f.ctx, f.staffA, g.ID, g.Version, in)
		if err != nil {
			t.Fatal(err)
		}
		if renewed.EndsOn != "2028-03-10" || renewed.Title != "餐饮协议（续签）" || renewed.State != partner.StateCurrent || renewed.RemindedAt != "" {
			t.Errorf("renewed: %+v", renewed)
		}
		_, err = f.s.UpdateAgreement(f.ctx, f.staffA, g.ID, g.Version, in)
		errstest.WantKind(t, err, errs.Conflict, "err.version_conflict")
		recs := fixture.AuditRecords(t, d, "update", "agreement", itoa(g.ID))
		if len(recs) != 1 || !strings.Contains(recs[0].Detail, "2028-03-10") {
			t.Errorf("audit of the renewal: %+v", recs)
		}
		// a year on, the new end comes due and is reminded again
		f.now = clock.AddDate(1, 0, 0)
		if n, _ := f.s.RemindEnding(f.ctx); n != 1 {
			t.Errorf("%d reminders for the renewed end", n)
		}
	})
}
