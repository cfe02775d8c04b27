package activity_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/errs/errstest"
	"shiliu/internal/fixture"
	"shiliu/internal/pairing"
)

// A volunteer's hours from all four sources: helping at an activity (2 h),
// a hotline shift (3 h), a pairing visit (1.5 h) and hours logged by
// themselves (4 h approved, 2 h waiting, 1 h refused): 10.5 h count.
func TestVolunteerHoursFourSources(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ps := pairing.New(d, t.TempDir())
		ps.Now = func() time.Time { return f.now }

		x := f.create(t, f.staffA, activity.Input{Title: "社区义诊", Date: "2027-02-20", StartTime: "09:00", EndTime: "11:00", KindCode: "health_talk"})
		if err := f.s.Mark(f.ctx, f.staffA, x.ID, f.volA.ID, true, activity.RoleHelper); err != nil {
			t.Fatal(err)
		}
		// a participant's presence is not a volunteer's hours
		if err := f.s.Mark(f.ctx, f.staffA, x.ID, f.huiA.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		// a cancelled activity's helper rows count nowhere
		y := f.create(t, f.staffA, activity.Input{Title: "取消的活动", Date: "2027-02-21", StartTime: "09:00", EndTime: "12:00"})
		if err := f.s.Mark(f.ctx, f.staffA, y.ID, f.volA.ID, true, activity.RoleHelper); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Cancel(f.ctx, f.staffA, y.ID, activity.ThisOne, "下雨"); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.LogDuty(f.ctx, f.admin, pairing.DutyInput{OrgID: f.tr.Sub.ID, Service: pairing.Hotline, Date: "2027-02-22", PersonID: f.volA.ID,
			Minutes: 180}); err != nil {
			t.Fatal(err)
		}
		pr, err := ps.Create(f.ctx, f.staffA, pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.volA.ID, TargetPersonID: f.huiA.ID,
			StartDate: "2027-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ps.LogVisit(f.ctx, f.staffA, pr.ID, pairing.VisitInput{Date: "2027-02-23", Help: "陪同就医", Minutes: 90}); err != nil {
			t.Fatal(err)
		}
		logged := func(date, hours string) int64 {
			t.Helper()
			id, err := f.s.LogHours(f.ctx, f.staffA, activity.HoursInput{PersonID: f.volA.ID, Date: date, Hours: hours, What: "编织毛衣"})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		ok, waiting, refused := logged("2027-02-24", "4"), logged("2027-02-25", "2"), logged("2027-02-26", "1")
		if err := f.s.Decide(f.ctx, f.staffA, ok, true, ""); err != nil {
			t.Fatal(err)
		}
		errstest.WantFields(t, f.s.Decide(f.ctx, f.staffA, refused, false, ""), map[string]string{"reason": "err.required"})
		if err := f.s.Decide(f.ctx, f.staffA, refused, false, "重复登记"); err != nil {
			t.Fatal(err)
		}
		errstest.WantKind(t, f.s.Decide(f.ctx, f.staffA, ok, false, "x"), errs.Conflict, "err.hours_decided")
		if err := f.s.Decide(f.ctx, f.staffB, waiting, true, ""); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("B approves A's volunteer: %v", err)
		}
		if n := len(fixture.AuditRecords(t, d, "approve", "volunteer_hours", strconv.FormatInt(ok, 10))); n != 1 {
			t.Errorf("%d approvals audited", n)
		}

		list, err := f.s.Volunteers(f.ctx, f.staffA, "2027-01-01", "2027-12-31")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].PersonID != f.volA.ID {
			t.Fatalf("volunteers: %+v", list)
		}
		v := list[0]
		if v.Total != 630 || v.Pending != 120 || v.Minutes[activity.FromActivity] != 120 || v.Minutes[activity.FromDuty] != 180 ||
			v.Minutes[activity.FromVisit] != 90 || v.Minutes[activity.FromSelf] != 240 {
			t.Errorf("hours %+v", v)
		}
		ledger, err := f.s.Ledger(f.ctx, f.staffA, f.volA.ID, "2027-02-01", "2027-02-28")
		if err != nil || len(ledger) != 6 {
			t.Fatalf("ledger %d lines, %v: %+v", len(ledger), err, ledger)
		}
		if ledger[0].Source != activity.FromActivity || ledger[1].What != "热线值班" || ledger[5].Status != activity.HoursRejected || ledger[5].Counts() {
			t.Errorf("ledger %+v", ledger)
		}
		// the period bounds it
		if list, _ := f.s.Volunteers(f.ctx, f.staffA, "2027-02-23", "2027-02-23"); list[0].Total != 90 {
			t.Errorf("one day: %+v", list[0])
		}
		// another committee sees neither the volunteer nor the ledger
		if list, _ := f.s.Volunteers(f.ctx, f.staffB, "2027-01-01", "2027-12-31"); len(list) != 0 {
			t.Errorf("B sees %+v", list)
		}
		if _, err := f.s.Ledger(f.ctx, f.staffB, f.volA.ID, "2027-01-01", "2027-12-31"); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("B reads the ledger: %v", err)
		}
	})
}

// 30 hours in a day, or a day's entries over 24 hours, are refused; so are
// hours of a person who is not a volunteer, or of another committee.
func TestLogHoursRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		log := func(person int64, date, hours string) error {
			_, err := f.s.LogHours(f.ctx, f.staffA, activity.HoursInput{PersonID: person, Date: date, Hours: hours, What: "值守"})
			return err
		}
		errstest.WantFields(t, log(f.volA.ID, "2027-02-01", "30"), map[string]string{"hours": "err.hours_day"})
		errstest.WantFields(t, log(f.volA.ID, "2027-02-01", "-2"), map[string]string{"hours": "err.hours_invalid"})
		errstest.WantFields(t, log(f.volA.ID, "2027-02-01", "两小时"), map[string]string{"hours": "err.hours_invalid"})
		errstest.WantFields(t, log(f.volA.ID, "2027-03-05", "2"), map[string]string{"date": "err.date_future"})
		errstest.WantFields(t, log(f.hanA.ID, "2027-02-01", "2"), map[string]string{"person_id": "err.not_volunteer"})
		errstest.WantFields(t, log(f.pB.ID, "2027-02-01", "2"), map[string]string{"person_id": "err.person_unknown"})
		if err := log(f.volA.ID, "2027-02-01", "20"); err != nil {
			t.Fatal(err)
		}
		errstest.WantFields(t, log(f.volA.ID, "2027-02-01", "5"), map[string]string{"hours": "err.hours_day"})
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM volunteer_hours`); n != 1 {
			t.Errorf("%d entries saved", n)
		}
	})
}

// A committee's volunteer team: members of its own scope only; another
// committee neither sees nor changes it.
func TestTeams(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		id, err := f.s.CreateTeam(f.ctx, f.staffA, activity.TeamInput{Name: "爱心编织队", Purpose: "为福利院儿童编织毛衣"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetTeamMember(f.ctx, f.staffA, id, f.volA.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetTeamMember(f.ctx, f.staffA, id, f.volA.ID, true); err != nil {
			t.Fatal(err)
		}
		errstest.WantFields(t, f.s.SetTeamMember(f.ctx, f.staffA, id, f.pB.ID, true), map[string]string{"person_id": "err.person_unknown"})
		team, err := f.s.Team(f.ctx, f.staffA, id)
		if err != nil || team.Size != 1 || len(team.Members) != 1 || team.Members[0].Name != "白志愿" {
			t.Fatalf("team %+v, %v", team, err)
		}
		if _, err := f.s.Team(f.ctx, f.staffB, id); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("B reads A's team: %v", err)
		}
		if err := f.s.SetTeamMember(f.ctx, f.staffB, id, f.pB.ID, true); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("B changes A's team: %v", err)
		}
		_, err = f.s.CreateTeam(f.ctx, f.staffA, activity.TeamInput{Name: "", OrgID: f.tr.B.ID})
		errstest.WantFields(t, err, map[string]string{"name": "err.required", "org_id": "err.org_unknown"})
	})
}
