package pairing_test

import (
	"slices"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/pairing"
)

// TestCreateAndEnd creates pairings of every helper kind with a person or
// a household, checks what is kept and shown, and ends them.
func TestCreateAndEnd(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		cases := []struct {
			name       string
			actor      *auth.Actor
			in         pairing.Input
			wantOrg    int64
			wantHelper string
			wantTarget string
			wantDue    string
			wantStart  string
		}{
			{
				name:  "volunteer helps a person, monthly",
				actor: f.staffA,
				in: pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.vol.ID, TargetPersonID: f.pA.ID, StartDate: "2026/5/1",
					EndDate: "2026-12-31", Agreement: " 每月上门一次，帮助购买生活用品 ", CadenceDays: 30},
				wantOrg: f.a.ID, wantHelper: "志愿小马", wantTarget: "马大爷", wantDue: "2026-05-31", wantStart: "2026-05-01",
			},
			{
				name:    "liaison helps a household, start defaults to today",
				actor:   f.admin,
				in:      pairing.Input{HelperKind: pairing.HelperLiaison, HelperUserID: f.liaisonA.UserID, TargetHouseholdID: f.hA.ID, CadenceDays: 14},
				wantOrg: f.a.ID, wantHelper: "测试liaisona", wantTarget: "马二婶", wantDue: "2026-06-29", wantStart: today,
			},
			{
				name:    "partner organisation helps a household of B, no cadence",
				actor:   f.admin,
				in:      pairing.Input{HelperKind: pairing.HelperPartner, HelperName: " 清真餐厅 ", HelperUserID: f.staffA.UserID, TargetHouseholdID: f.hB.ID, StartDate: "2026-01-01"},
				wantOrg: f.b.ID, wantHelper: "清真餐厅", wantTarget: "B-001号", wantStart: "2026-01-01",
			},
			{
				name:    "official of the subdistrict helps a person of A (named by A's staff)",
				actor:   f.staffA,
				in:      pairing.Input{HelperKind: pairing.HelperOfficial, HelperUserID: f.leader.UserID, TargetPersonID: f.pA2.ID, StartDate: "2026-03-01", CadenceDays: 90},
				wantOrg: f.a.ID, wantHelper: "测试leader", wantTarget: "马二婶", wantDue: "2026-05-30", wantStart: "2026-03-01",
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := f.pair(t, c.actor, c.in)
				if p.OrgID != c.wantOrg || p.HelperKind != c.in.HelperKind || p.HelperName != c.wantHelper || p.TargetName != c.wantTarget {
					t.Errorf("org %d helper %s %q target %q", p.OrgID, p.HelperKind, p.HelperName, p.TargetName)
				}
				if p.TargetPersonID != c.in.TargetPersonID || p.TargetHouseholdID != c.in.TargetHouseholdID {
					t.Errorf("target %d/%d", p.TargetPersonID, p.TargetHouseholdID)
				}
				if c.in.HelperKind == pairing.HelperPartner && (p.HelperUserID != 0 || p.HelperPersonID != 0) {
					t.Errorf("partner kept ids %d/%d", p.HelperUserID, p.HelperPersonID)
				}
				if p.StartDate != c.wantStart || p.EndDate != c.in.EndDate || p.Agreement != strings.TrimSpace(c.in.Agreement) || p.CadenceDays != c.in.CadenceDays {
					t.Errorf("start %s end %s agreement %q cadence %d", p.StartDate, p.EndDate, p.Agreement, p.CadenceDays)
				}
				if p.Status != pairing.Active || p.Version != 1 || p.NextDueDate != c.wantDue || p.LastVisitDate != "" || p.Visits != 0 {
					t.Errorf("status %s version %d due %q last %q visits %d", p.Status, p.Version, p.NextDueDate, p.LastVisitDate, p.Visits)
				}
				f.wantAudit(t, "create", "pairing", p.ID, 1, c.actor.Username)

				// Ending: a reason is required, the date not in the future nor
				// before the start.
				wantFields(t, f.s.End(f.ctx, c.actor, p.ID, today, " "), map[string]string{"end_reason": "err.reason_required"})
				wantFields(t, f.s.End(f.ctx, c.actor, p.ID, "2026-06-16", "搬走"), map[string]string{"ended_at": "err.date_future"})
				wantFields(t, f.s.End(f.ctx, c.actor, p.ID, "2025-12-31", "搬走"), map[string]string{"ended_at": "err.date_before_start"})
				if err := f.s.End(f.ctx, c.actor, p.ID, "", " 家庭情况好转 "); err != nil {
					t.Fatalf("end: %v", err)
				}
				got, err := f.s.Get(f.ctx, c.actor, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != pairing.Ended || got.EndedAt != today || got.EndReason != "家庭情况好转" || got.Version != 2 || got.Overdue() {
					t.Errorf("ended: status %s at %s reason %q version %d", got.Status, got.EndedAt, got.EndReason, got.Version)
				}
				wantKind(t, f.s.End(f.ctx, c.actor, p.ID, today, "again"), errs.Conflict, "err.pairing_ended")
				f.wantAudit(t, "end", "pairing", p.ID, 1, c.actor.Username)
			})
		}
	})
}

// TestCreateRefused checks bad input and out-of-scope targets and helpers:
// refused with a clear message, nothing written.
func TestCreateRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		vol := func(target int64) pairing.Input {
			return pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.vol.ID, TargetPersonID: target, CadenceDays: 30}
		}
		existing := f.pair(t, f.staffA, vol(f.pA2.ID))
		cases := []struct {
			name   string
			actor  *auth.Actor
			in     pairing.Input
			fields map[string]string
			kind   errs.Kind
			key    string
		}{
			{name: "target of a sibling committee", actor: f.staffA, in: vol(f.pB.ID), fields: map[string]string{"target_person_id": "err.target_unknown"}},
			{name: "target of another subdistrict", actor: f.admin, in: vol(f.pC.ID), fields: map[string]string{"target_person_id": "err.target_unknown"}},
			{name: "household of a sibling committee", actor: f.staffA,
				in:     pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "学校", TargetHouseholdID: f.hB.ID},
				fields: map[string]string{"target_household_id": "err.target_unknown"}},
			{name: "no such target", actor: f.admin, in: vol(999999), fields: map[string]string{"target_person_id": "err.target_unknown"}},
			{name: "no target", actor: f.admin, in: pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "学校"}, fields: map[string]string{"target": "err.required"}},
			{name: "two targets", actor: f.admin, in: pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "学校", TargetPersonID: f.pA.ID, TargetHouseholdID: f.hA.ID},
				fields: map[string]string{"target": "err.target_one"}},
			{name: "volunteer out of scope", actor: f.staffA, in: pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.volB.ID, TargetPersonID: f.pA.ID},
				fields: map[string]string{"helper_person_id": "err.volunteer_unknown"}},
			{name: "liaison helper who is no liaison", actor: f.admin, in: pairing.Input{HelperKind: pairing.HelperLiaison, HelperUserID: f.staffA.UserID, TargetPersonID: f.pA.ID},
				fields: map[string]string{"helper_user_id": "err.liaison_unknown"}},
			{name: "liaison of another group out of scope", actor: f.staffA, in: pairing.Input{HelperKind: pairing.HelperLiaison, HelperUserID: f.liaison.UserID, TargetPersonID: f.pA.ID},
				fields: map[string]string{"helper_user_id": "err.liaison_unknown"}},
			{name: "IT account as official", actor: f.admin, in: pairing.Input{HelperKind: pairing.HelperOfficial, HelperUserID: f.sysadmin.UserID, TargetPersonID: f.pA.ID},
				fields: map[string]string{"helper_user_id": "err.user_unknown"}},
			{name: "official of another subdistrict", actor: f.admin, in: pairing.Input{HelperKind: pairing.HelperOfficial, HelperUserID: f.staffC.UserID, TargetPersonID: f.pA.ID},
				fields: map[string]string{"helper_user_id": "err.user_unknown"}},
			{name: "partner without a name", actor: f.admin, in: pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "  ", TargetPersonID: f.pA.ID},
				fields: map[string]string{"helper_name": "err.required"}},
			{name: "no helper kind, bad dates, bad cadence", actor: f.admin,
				in:     pairing.Input{TargetPersonID: f.pA.ID, StartDate: "2026-02-30", EndDate: "soon", CadenceDays: -1, Agreement: strings.Repeat("约", 2001)},
				fields: map[string]string{"helper_kind": "err.required", "start_date": "err.date_invalid", "end_date": "err.date_invalid", "cadence_days": "err.cadence_invalid", "agreement": "err.too_long"}},
			{name: "end before start", actor: f.admin, in: pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "学校", TargetPersonID: f.pA.ID, StartDate: "2026-06-01", EndDate: "2026-05-01"},
				fields: map[string]string{"end_date": "err.date_before_start"}},
			{name: "unknown helper kind", actor: f.admin, in: pairing.Input{HelperKind: "robot", TargetPersonID: f.pA.ID}, fields: map[string]string{"helper_kind": "err.invalid"}},
			{name: "same helper and target again", actor: f.admin, in: vol(f.pA2.ID), kind: errs.Conflict, key: "err.pairing_exists"},
			{name: "a liaison cannot pair", actor: f.liaisonA, in: vol(f.pA.ID), kind: errs.Forbidden, key: "err.forbidden"},
			{name: "a leader cannot pair", actor: f.leader, in: vol(f.pA.ID), kind: errs.Forbidden, key: "err.forbidden"},
		}
		before := f.count(t, `SELECT COUNT(*) FROM pairings`)
		audits := f.count(t, `SELECT COUNT(*) FROM audit_log`)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.Create(f.ctx, c.actor, c.in)
				if c.fields != nil {
					wantFields(t, err, c.fields)
				} else {
					wantKind(t, err, c.kind, c.key)
				}
			})
		}
		if n := f.count(t, `SELECT COUNT(*) FROM pairings`); n != before {
			t.Errorf("pairings %d, want %d", n, before)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log`); n != audits {
			t.Errorf("audit records %d, want %d", n, audits)
		}
		// Once ended, the same pairing may be made again.
		if err := f.s.End(f.ctx, f.staffA, existing.ID, today, "重新结对"); err != nil {
			t.Fatal(err)
		}
		f.pair(t, f.staffA, vol(f.pA2.ID))
	})
}

// TestUpdate changes a pairing, checks the version and the audit record,
// and refuses those who may not edit.
func TestUpdate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		p := f.pair(t, f.staffA, pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.vol.ID, TargetPersonID: f.pA.ID, StartDate: "2026-05-01", CadenceDays: 30})
		in := pairing.Input{HelperKind: pairing.HelperLiaison, HelperUserID: f.liaisonA.UserID, StartDate: "2026-05-10", Agreement: "每两周电话一次", CadenceDays: 14,
			TargetPersonID: f.pB.ID, Version: 1}
		if err := f.s.Update(f.ctx, f.staffA, p.ID, in); err != nil {
			t.Fatalf("update: %v", err)
		}
		got, _ := f.s.Get(f.ctx, f.staffA, p.ID)
		if got.HelperKind != pairing.HelperLiaison || got.HelperUserID != f.liaisonA.UserID || got.HelperPersonID != 0 || got.HelperName != "测试liaisona" ||
			got.StartDate != "2026-05-10" || got.Agreement != "每两周电话一次" || got.CadenceDays != 14 || got.NextDueDate != "2026-05-24" || got.Version != 2 {
			t.Errorf("after update: %+v", got)
		}
		if got.TargetPersonID != f.pA.ID {
			t.Errorf("target changed to %d", got.TargetPersonID)
		}
		recs := f.wantAudit(t, "update", "pairing", p.ID, 1, "staffa")
		for _, k := range []string{`"helper_kind"`, `"helper_user_id"`, `"start_date"`, `"cadence_days"`, `"agreement"`} {
			if !strings.Contains(recs[0].Detail, k) {
				t.Errorf("audit detail %s lacks %s", recs[0].Detail, k)
			}
		}

		// Two users editing at once: the second is told.
		in.Agreement = "每周一次"
		wantKind(t, f.s.Update(f.ctx, f.admin, p.ID, in), errs.Conflict, "err.version_conflict")
		if got, _ := f.s.Get(f.ctx, f.staffA, p.ID); got.Agreement != "每两周电话一次" || got.Version != 2 {
			t.Errorf("stale update changed it: %q v%d", got.Agreement, got.Version)
		}
		f.wantAudit(t, "update", "pairing", p.ID, 1, "staffa")

		// Out of scope, or not allowed to edit.
		in.Version = 2
		wantOutOfScope(t, f.s.Update(f.ctx, f.staffB, p.ID, in))
		wantKind(t, f.s.Update(f.ctx, f.liaisonA, p.ID, in), errs.Forbidden, "err.forbidden")
		wantKind(t, f.s.End(f.ctx, f.liaisonA, p.ID, today, "不想做了"), errs.Forbidden, "err.forbidden")

		// The start cannot move past a visit already logged.
		f.visit(t, f.staffA, p.ID, pairing.VisitInput{Date: "2026-05-20", Help: "送米"})
		in.StartDate = "2026-05-21"
		wantFields(t, f.s.Update(f.ctx, f.staffA, p.ID, in), map[string]string{"start_date": "err.start_after_visits"})
		// Nor can it end before its last visit.
		wantFields(t, f.s.End(f.ctx, f.staffA, p.ID, "2026-05-15", "结束"), map[string]string{"ended_at": "err.date_before_last_visit"})

		// An update that changes nothing writes no record.
		cur, _ := f.s.Get(f.ctx, f.staffA, p.ID)
		same := pairing.Input{HelperKind: cur.HelperKind, HelperUserID: cur.HelperUserID, StartDate: cur.StartDate, Agreement: cur.Agreement,
			CadenceDays: cur.CadenceDays, Version: cur.Version}
		if err := f.s.Update(f.ctx, f.staffA, p.ID, same); err != nil {
			t.Fatal(err)
		}
		f.wantAudit(t, "update", "pairing", p.ID, 1, "staffa")
	})
}

// TestScope checks who sees which pairings: the subtree through the
// target's committee; a liaison the pairings of targets assigned to them;
// everyone the pairings they help in.
func TestScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		// pA is assigned to liaisonA; hB to liaison; pA2 lives in hA.
		pA := f.pair(t, f.staffA, pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.vol.ID, TargetPersonID: f.pA.ID, CadenceDays: 30})
		hA := f.pair(t, f.staffA, pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "社区医院", TargetHouseholdID: f.hA.ID})
		pA2 := f.pair(t, f.staffA, pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.vol.ID, TargetPersonID: f.pA2.ID})
		hB := f.pair(t, f.staffB, pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.volB.ID, TargetHouseholdID: f.hB.ID})
		// liaisonA helps B's resident: not assigned, but theirs as helper.
		pB := f.pair(t, f.admin, pairing.Input{HelperKind: pairing.HelperLiaison, HelperUserID: f.liaisonA.UserID, TargetPersonID: f.pB.ID})
		// staffA helps B's resident as an official.
		pB2 := f.pair(t, f.admin, pairing.Input{HelperKind: pairing.HelperOfficial, HelperUserID: f.staffA.UserID, TargetPersonID: f.pB.ID})
		pC := f.pair(t, auth.System("test"), pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "丙街道企业", TargetPersonID: f.pC.ID})
		if err := f.s.End(f.ctx, f.staffA, pA2.ID, today, "迁出"); err != nil {
			t.Fatal(err)
		}

		cases := []struct {
			name  string
			actor *auth.Actor
			want  []*pairing.Pairing
		}{
			{"subdistrict admin", f.admin, []*pairing.Pairing{pA, hA, pA2, hB, pB, pB2}},
			{"committee A (and their own as helper)", f.staffA, []*pairing.Pairing{pA, hA, pA2, pB2}},
			{"committee B", f.staffB, []*pairing.Pairing{hB, pB, pB2}},
			{"committee C", f.staffC, []*pairing.Pairing{pC}},
			{"liaison A: assigned pA, helper of pB", f.liaisonA, []*pairing.Pairing{pA, pB}},
			{"liaison S: assigned household hB", f.liaison, []*pairing.Pairing{hB}},
			{"command line", auth.System("test"), []*pairing.Pairing{pA, hA, pA2, hB, pB, pB2, pC}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				list, total, err := f.s.List(f.ctx, c.actor, pairing.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				if want := idsOf(c.want...); !slices.Equal(ids(list), want) || total != len(want) {
					t.Errorf("list %v (total %d), want %v", ids(list), total, want)
				}
				all := []*pairing.Pairing{pA, hA, pA2, hB, pB, pB2, pC}
				for _, p := range all {
					_, err := f.s.Get(f.ctx, c.actor, p.ID)
					if slices.ContainsFunc(c.want, func(w *pairing.Pairing) bool { return w.ID == p.ID }) {
						if err != nil {
							t.Errorf("get %d: %v", p.ID, err)
						}
					} else {
						wantOutOfScope(t, err)
					}
				}
			})
		}

		// Filters.
		filters := []struct {
			name string
			f    pairing.Filter
			want []*pairing.Pairing
		}{
			{"active", pairing.Filter{Status: pairing.Active}, []*pairing.Pairing{pA, hA, hB, pB, pB2}},
			{"ended", pairing.Filter{Status: pairing.Ended}, []*pairing.Pairing{pA2}},
			{"committee B", pairing.Filter{OrgID: f.b.ID}, []*pairing.Pairing{hB, pB, pB2}},
			{"subdistrict", pairing.Filter{OrgID: f.sub.ID}, []*pairing.Pairing{pA, hA, pA2, hB, pB, pB2}},
			{"helper user", pairing.Filter{HelperUserID: f.liaisonA.UserID}, []*pairing.Pairing{pB}},
			{"helper person", pairing.Filter{HelperPersonID: f.vol.ID}, []*pairing.Pairing{pA, pA2}},
			{"helper kind", pairing.Filter{HelperKind: pairing.HelperPartner}, []*pairing.Pairing{hA}},
			{"target person", pairing.Filter{TargetPersonID: f.pB.ID}, []*pairing.Pairing{pB, pB2}},
			{"target household", pairing.Filter{TargetHouseholdID: f.hA.ID}, []*pairing.Pairing{hA}},
			{"page", pairing.Filter{Limit: 2, Offset: 0}, nil},
		}
		for _, c := range filters {
			t.Run("filter "+c.name, func(t *testing.T) {
				list, total, err := f.s.List(f.ctx, f.admin, c.f)
				if err != nil {
					t.Fatal(err)
				}
				if c.want == nil {
					if len(list) != 2 || total != 6 {
						t.Errorf("page: %d rows of %d", len(list), total)
					}
					return
				}
				if want := idsOf(c.want...); !slices.Equal(ids(list), want) || total != len(want) {
					t.Errorf("list %v (total %d), want %v", ids(list), total, want)
				}
			})
		}

		// The pages of a person, a household, a volunteer and an account.
		pages := []struct {
			name  string
			actor *auth.Actor
			get   func() ([]*pairing.Pairing, error)
			want  []*pairing.Pairing
		}{
			{"person pA2: own and household's", f.staffA, func() ([]*pairing.Pairing, error) { return f.s.ForPerson(f.ctx, f.staffA, f.pA2.ID) }, []*pairing.Pairing{hA, pA2}},
			{"person pB seen by A's staff: only theirs", f.staffA, func() ([]*pairing.Pairing, error) { return f.s.ForPerson(f.ctx, f.staffA, f.pB.ID) }, []*pairing.Pairing{pB2}},
			{"household hA: own and members'", f.staffA, func() ([]*pairing.Pairing, error) { return f.s.ForHousehold(f.ctx, f.staffA, f.hA.ID) }, []*pairing.Pairing{hA, pA2}},
			{"household hB by liaison S", f.liaison, func() ([]*pairing.Pairing, error) { return f.s.ForHousehold(f.ctx, f.liaison, f.hB.ID) }, []*pairing.Pairing{hB}},
			{"volunteer", f.admin, func() ([]*pairing.Pairing, error) { return f.s.ForHelperPerson(f.ctx, f.admin, f.vol.ID) }, []*pairing.Pairing{pA, pA2}},
			{"liaison account", f.admin, func() ([]*pairing.Pairing, error) { return f.s.ForHelperUser(f.ctx, f.admin, f.liaisonA.UserID) }, []*pairing.Pairing{pB}},
			{"liaison account seen by B", f.staffB, func() ([]*pairing.Pairing, error) { return f.s.ForHelperUser(f.ctx, f.staffB, f.liaisonA.UserID) }, []*pairing.Pairing{pB}},
			{"person of C seen by A: nothing", f.staffA, func() ([]*pairing.Pairing, error) { return f.s.ForPerson(f.ctx, f.staffA, f.pC.ID) }, nil},
		}
		for _, c := range pages {
			t.Run("page "+c.name, func(t *testing.T) {
				list, err := c.get()
				if err != nil {
					t.Fatal(err)
				}
				if want := idsOf(c.want...); !slices.Equal(ids(list), want) {
					t.Errorf("got %v, want %v", ids(list), want)
				}
			})
		}
	})
}
