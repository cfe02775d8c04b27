package approval_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"shiliu/internal/approval"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

type fix struct {
	ctx                   context.Context
	d                     *db.DB
	s                     *approval.Service
	reg                   *people.Service
	tr                    *fixture.Tree
	admin, staffA, staffB *auth.Actor
	sec, leader           *auth.Actor
	n                     int
}

const year = 2026

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	f := &fix{ctx: context.Background(), d: d, s: approval.New(d, nil), reg: people.New(d, fixture.Keys(t)), tr: fixture.NewTree(t, d)}
	f.s.Now = func() time.Time { return time.Date(2027, 1, 15, 2, 0, 0, 0, time.UTC) }
	st := fixture.NewStaff(t, d, f.tr)
	f.admin, f.staffA, f.staffB = st.Admin, st.StaffA, st.StaffB
	f.sec = fixture.Actor(t, d, "secadmin", auth.SecAdmin, f.tr.Dist)
	f.leader = fixture.Actor(t, d, "leader", auth.Leader, f.tr.Sub)
	return f
}

// hui registers a Hui resident in unit u.
func (f *fix) hui(t *testing.T, u *org.Unit) {
	t.Helper()
	f.n++
	_, err := f.reg.Create(f.ctx, auth.System("test"), people.Input{Name: fmt.Sprintf("马%d", f.n),
		IDNumber: fixture.ID(t, "640104", fmt.Sprintf("1980%02d%02d", f.n, f.n), fmt.Sprintf("%03d", f.n*2+1)), Ethnicity: "回族", Kind: people.Registered, OrgID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
}

func wantKey(t *testing.T, err error, kind errs.Kind, key string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || key != "" && e.Key != key && !hasField(e, key) {
		t.Fatalf("got %v, want %v %s", err, kind, key)
	}
	return e
}

func hasField(e *errs.Error, key string) bool {
	for _, k := range e.Fields {
		if k == key {
			return true
		}
	}
	return false
}

// submitted begins, writes and submits unit u's set as actor a.
func (f *fix) submitted(t *testing.T, a *auth.Actor, u *org.Unit) *approval.Set {
	t.Helper()
	x, err := f.s.Open(f.ctx, a, u.ID, year)
	if err != nil {
		t.Fatal(err)
	}
	if x, err = f.s.Update(f.ctx, a, x.ID, x.Version, approval.Narrative{Work: u.Name + "办了讲座", Problems: "人手不足", Plans: "明年多办活动"}); err != nil {
		t.Fatal(err)
	}
	if x, err = f.s.Submit(f.ctx, a, x.ID, x.Version); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestApprovalOrderAndSnapshot(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		f.hui(t, f.tr.A)
		f.hui(t, f.tr.A)
		f.hui(t, f.tr.B)
		a, b := f.submitted(t, f.staffA, f.tr.A), f.submitted(t, f.staffB, f.tr.B)
		sub := f.submitted(t, f.admin, f.tr.Sub)

		// a committee cannot approve, nor see its sibling's set
		if _, err := f.s.Approve(f.ctx, f.staffA, a.ID, a.Version); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("committee approves: %v", err)
		}
		if _, err := f.s.Get(f.ctx, f.staffA, b.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("sibling's set: %v", err)
		}
		// the subdistrict before its committees: refused, naming both
		_, err := f.s.Approve(f.ctx, f.admin, sub.ID, sub.Version)
		e := wantKey(t, err, errs.Invalid, "err.report_committees_pending")
		if len(e.Args) != 1 || e.Args[0] != "甲居委、乙居委" {
			t.Fatalf("pending committees named %v", e.Args)
		}
		if a, err = f.s.Approve(f.ctx, f.admin, a.ID, a.Version); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Approve(f.ctx, f.admin, sub.ID, sub.Version)
		if e := wantKey(t, err, errs.Invalid, "err.report_committees_pending"); e.Args[0] != "乙居委" {
			t.Fatalf("after A: pending %v", e.Args)
		}
		if _, err = f.s.Approve(f.ctx, f.admin, b.ID, b.Version); err != nil {
			t.Fatal(err)
		}
		if sub, err = f.s.Approve(f.ctx, f.admin, sub.ID, sub.Version); err != nil {
			t.Fatal(err)
		}
		if sub.Status != approval.Approved || sub.ApprovedVersion != 1 {
			t.Fatalf("subdistrict: %s v%d", sub.Status, sub.ApprovedVersion)
		}

		// records change after approval: the snapshot stays, live moves
		f.hui(t, f.tr.A)
		v, vals, ok, err := f.s.Approved(f.ctx, f.tr.Sub.ID, year)
		if err != nil || !ok || v != 1 {
			t.Fatalf("approved: v%d %v %v", v, ok, err)
		}
		if got := number(t, vals["minority_registered"]); got != 3 {
			t.Errorf("snapshot minority_registered = %v, want 3", got)
		}
		live, err := f.s.Live(f.ctx, f.admin, sub)
		if err != nil {
			t.Fatal(err)
		}
		if live["minority_registered"].Number != 4 {
			t.Errorf("live minority_registered = %v, want 4", live["minority_registered"].Number)
		}
		if bd, _ := vals["ethnic_breakdown"].(map[string]any); number(t, bd["回族"]) != 3 {
			t.Errorf("snapshot breakdown %v", vals["ethnic_breakdown"])
		}
		// the JSON summary gives the snapshot with its version, or the
		// live figures with approved null when asked
		fs := figures.New(f.d)
		fs.Snapshots = f.s
		sum, err := fs.Report(f.ctx, f.leader, f.tr.Sub.ID, year, false)
		if err != nil || sum["approved"] != 1 || number(t, sum["minority_registered"]) != 3 {
			t.Errorf("approved summary: approved=%v minority_registered=%v %v", sum["approved"], sum["minority_registered"], err)
		}
		sum, err = fs.Report(f.ctx, f.leader, f.tr.Sub.ID, year, true)
		if approved, has := sum["approved"]; err != nil || !has || approved != nil || number(t, sum["minority_registered"]) != 4 {
			t.Errorf("live summary: approved=%v minority_registered=%v %v", sum["approved"], sum["minority_registered"], err)
		}
		// a unit never approved has no snapshot
		if _, _, ok, err := f.s.Approved(f.ctx, f.tr.C.ID, year); ok || err != nil {
			t.Errorf("C approved: %v %v", ok, err)
		}
		// leaders see the figures and the list, and change nothing
		rows, err := f.s.List(f.ctx, f.leader, year)
		if err != nil || len(rows) != 3 || !rows[0].Approved() {
			t.Fatalf("leader's list: %d %v", len(rows), err)
		}
		if _, err := f.s.Update(f.ctx, f.leader, sub.ID, sub.Version, approval.Narrative{}); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("leader edits: %v", err)
		}
	})
}

func number(t *testing.T, v any) float64 {
	t.Helper()
	switch n := v.(type) {
	case json.Number:
		x, _ := n.Float64()
		return x
	case int64:
		return float64(n) // a live summary's count
	}
	t.Fatalf("%v (%T) is not a number", v, v)
	return 0
}

func TestUnlockAndReapproval(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		f.hui(t, f.tr.A)
		x := f.submitted(t, f.staffA, f.tr.A)
		x, err := f.s.Approve(f.ctx, f.admin, x.ID, x.Version)
		if err != nil {
			t.Fatal(err)
		}
		// editing an approved set is refused, as is submitting it again
		_, err = f.s.Update(f.ctx, f.staffA, x.ID, x.Version, approval.Narrative{Work: "改"})
		wantKey(t, err, errs.Conflict, "err.report_locked")
		_, err = f.s.Submit(f.ctx, f.staffA, x.ID, x.Version)
		wantKey(t, err, errs.Conflict, "err.report_locked")
		// the committee cannot ask for an unlock; the approver must say why
		if _, err := f.s.RequestUnlock(f.ctx, f.staffA, x.ID, x.Version, "错了"); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("committee asks: %v", err)
		}
		_, err = f.s.RequestUnlock(f.ctx, f.admin, x.ID, x.Version, " ")
		wantKey(t, err, errs.Invalid, "err.required")
		// a consent without a request is refused
		_, err = f.s.ConsentUnlock(f.ctx, f.sec, x.ID, x.Version)
		wantKey(t, err, errs.Invalid, "err.report_no_unlock")
		if x, err = f.s.RequestUnlock(f.ctx, f.admin, x.ID, x.Version, "流动人口基数填错"); err != nil {
			t.Fatal(err)
		}
		// still locked while the request waits
		_, err = f.s.Update(f.ctx, f.staffA, x.ID, x.Version, approval.Narrative{Work: "改"})
		wantKey(t, err, errs.Conflict, "err.report_locked")
		// the requester cannot consent: consenting is the security admin's
		// (and ConsentUnlock refuses one who asked, should a role hold both)
		if _, err := f.s.ConsentUnlock(f.ctx, f.admin, x.ID, x.Version); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("requester consents: %v", err)
		}
		// the security admin sees the request, without figures
		pend, err := f.s.Pending(f.ctx, f.sec)
		if err != nil || len(pend) != 1 || pend[0].UnlockReason != "流动人口基数填错" || pend[0].UnlockRequestedBy != "测试admin" {
			t.Fatalf("pending: %+v %v", pend, err)
		}
		if _, err := f.s.Get(f.ctx, f.sec, x.ID); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("security admin opens the figures: %v", err)
		}
		if x, err = f.s.ConsentUnlock(f.ctx, f.sec, x.ID, x.Version); err != nil {
			t.Fatal(err)
		}
		if x.Status != approval.Draft || x.UnlockPending() {
			t.Fatalf("after consent: %s", x.Status)
		}
		// both steps audited, by their two people, with the reason
		req, con := fixture.AuditRecords(t, d, "unlock_request", "report", fmt.Sprint(x.ID)), fixture.AuditRecords(t, d, "unlock_consent", "report", fmt.Sprint(x.ID))
		if len(req) != 1 || len(con) != 1 || req[0].Username != "admin" || con[0].Username != "secadmin" {
			t.Fatalf("audit: %+v %+v", req, con)
		}
		if !strings.Contains(con[0].Detail, "流动人口基数填错") {
			t.Errorf("consent audit detail %v", con[0].Detail)
		}
		// unlocked: the summary is live again, the set editable
		if _, _, ok, _ := f.s.Approved(f.ctx, f.tr.A.ID, year); ok {
			t.Errorf("an unlocked set still answers its snapshot")
		}
		f.hui(t, f.tr.A)
		if x, err = f.s.Update(f.ctx, f.staffA, x.ID, x.Version, approval.Narrative{Work: "更正后", Problems: "p", Plans: "n"}); err != nil {
			t.Fatal(err)
		}
		x, _ = f.s.Submit(f.ctx, f.staffA, x.ID, x.Version)
		if x, err = f.s.Approve(f.ctx, f.admin, x.ID, x.Version); err != nil {
			t.Fatal(err)
		}
		snaps, err := f.s.Snapshots(f.ctx, f.staffA, x.ID)
		if err != nil || len(snaps) != 2 {
			t.Fatalf("snapshots: %d %v", len(snaps), err)
		}
		v2, v1 := snaps[0], snaps[1]
		if v2.Version != 2 || v1.Version != 1 || v2.Work != "更正后" || v1.Work != "甲居委办了讲座" {
			t.Errorf("versions: %d %q, %d %q", v2.Version, v2.Work, v1.Version, v1.Work)
		}
		if number(t, v1.Figures["minority_registered"]) != 1 || number(t, v2.Figures["minority_registered"]) != 2 {
			t.Errorf("figures: v1 %v v2 %v", v1.Figures["minority_registered"], v2.Figures["minority_registered"])
		}
		if v1.UnlockReason != "流动人口基数填错" || v1.UnlockRequestedBy != "测试admin" || v1.UnlockConsentedBy != "测试secadmin" || v2.UnlockReason != "" {
			t.Errorf("v1 unlock: %+v", v1)
		}
		if v, _, ok, _ := f.s.Approved(f.ctx, f.tr.A.ID, year); !ok || v != 2 {
			t.Errorf("approved version %d", v)
		}
	})
}

// The figures' JSON survives the snapshot: a percentage keeps its decimal.
func TestSnapshotKeepsDecimals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		f.hui(t, f.tr.A)
		if err := (&org.Service{DB: d}).SetPopulation(f.ctx, auth.System("test"), f.tr.A.ID, org.Population{Year: year, Registered: 8}); err != nil {
			t.Skipf("population: %v", err)
		}
		x := f.submitted(t, f.staffA, f.tr.A)
		x, err := f.s.Approve(f.ctx, f.admin, x.ID, x.Version)
		if err != nil {
			t.Fatal(err)
		}
		_, vals, _, _ := f.s.Approved(f.ctx, f.tr.A.ID, year)
		b, _ := json.Marshal(vals["minority_share_pct"])
		if string(b) != "12.5" {
			t.Errorf("minority_share_pct = %s, want 12.5", b)
		}
	})
}
