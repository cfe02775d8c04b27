package cases_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/workday"
)

// The holiday calendar is a Calendar.
var _ cases.Calendar = (*workday.Calendar)(nil)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

// TestWeekdayCalendar checks the fallback calendar, and the same calendar
// with a holiday week and its make-up working days.
func TestWeekdayCalendar(t *testing.T) {
	plain := cases.WeekdayCalendar{}
	holidays := cases.WeekdayCalendar{
		Holidays: map[string]bool{"2026-10-01": true, "2026-10-02": true, "2026-10-05": true, "2026-10-06": true, "2026-10-07": true},
		Workdays: map[string]bool{"2026-09-27": true, "2026-10-10": true},
	}
	tests := []struct {
		name string
		cal  cases.WeekdayCalendar
		from string
		n    int
		want string
	}{
		{"Monday +1", plain, "2026-06-15 10:00", 1, "2026-06-16"},
		{"Friday +1 skips the weekend", plain, "2026-06-19 16:00", 1, "2026-06-22"},
		{"Friday +5", plain, "2026-06-19 16:00", 5, "2026-06-26"},
		{"Saturday +1", plain, "2026-06-20 09:00", 1, "2026-06-22"},
		{"Saturday +0 is Monday", plain, "2026-06-20 09:00", 0, "2026-06-22"},
		{"late evening counts as its day", plain, "2026-06-15 23:30", 1, "2026-06-16"},
		{"Friday before the make-up Sunday", holidays, "2026-09-25 15:00", 1, "2026-09-27"},
		{"across the make-up Sunday", holidays, "2026-09-25 15:00", 3, "2026-09-29"},
		{"across the holiday week", holidays, "2026-09-30 11:00", 1, "2026-10-08"},
		{"holiday week and the make-up Saturday", holidays, "2026-09-30 11:00", 10, "2026-10-20"},
		{"from a holiday", holidays, "2026-10-02 11:00", 2, "2026-10-09"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.AddWorkdays(at(tc.from), tc.n).In(cst)
			if got.Format("2006-01-02 15:04:05") != tc.want+" 23:59:59" {
				t.Errorf("AddWorkdays(%s, %d) = %s, want the end of %s", tc.from, tc.n, got, tc.want)
			}
			if tc.n > 0 {
				if back := tc.cal.WorkdaysBetween(at(tc.from), got); back != tc.n {
					t.Errorf("WorkdaysBetween back = %d, want %d", back, tc.n)
				}
			}
		})
	}
	if !holidays.IsWorkday(at("2026-09-27 10:00")) || holidays.IsWorkday(at("2026-10-01 10:00")) || !holidays.IsWorkday(at("2026-10-09 10:00")) {
		t.Error("IsWorkday disagrees with the holiday table")
	}
	if n := plain.WorkdaysBetween(at("2026-06-20 10:00"), at("2026-06-15 10:00")); n != 0 {
		t.Errorf("WorkdaysBetween backwards = %d", n)
	}
}

// TestIntakeDeadlines: deadlines come from the kind's rule counted in
// working days with the calendar in force: across a weekend, across a
// holiday with a make-up day, the same day for emergencies and urgent
// cases; a manual deadline replaces the rule's, and one in the past is
// refused.
func TestIntakeDeadlines(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		holidays := cases.WeekdayCalendar{
			Holidays: map[string]bool{"2026-10-01": true, "2026-10-02": true, "2026-10-05": true, "2026-10-06": true, "2026-10-07": true},
			Workdays: map[string]bool{"2026-09-27": true, "2026-10-10": true},
		}
		tests := []struct {
			name             string
			cal              cases.WeekdayCalendar
			now              string
			kind             cases.Kind
			urgency          cases.Urgency
			due              string
			respond, resolve string
		}{
			{"hardship on a Friday", cases.WeekdayCalendar{}, "2026-06-19 16:00", cases.Hardship, "", "", "2026-06-22", "2026-06-26"},
			{"suggestion", cases.WeekdayCalendar{}, "2026-06-15 10:00", cases.Suggestion, "", "", "2026-06-17", "2026-07-06"},
			{"urgent consultation answered the same day", cases.WeekdayCalendar{}, "2026-06-15 10:00", cases.Consultation, cases.Urgent, "", "2026-06-15", "2026-06-18"},
			{"emergency on a Saturday", cases.WeekdayCalendar{}, "2026-06-20 21:00", cases.Emergency, cases.Urgent, "", "2026-06-20", "2026-06-22"},
			{"consultation before the make-up Sunday", holidays, "2026-09-25 15:00", cases.Consultation, "", "", "2026-09-27", "2026-09-29"},
			{"rights across the holiday week", holidays, "2026-09-30 11:00", cases.Rights, "", "", "2026-10-08", "2026-10-20"},
			{"manual deadline", cases.WeekdayCalendar{}, "2026-06-15 10:00", cases.Rights, "", "2026-06-20", "2026-06-16", "2026-06-20"},
			{"manual deadline before the answer is due", cases.WeekdayCalendar{}, "2026-06-15 10:00", cases.Suggestion, "", "2026-06-16", "2026-06-16", "2026-06-16"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f.s.Cal = cases.Weekdays(tc.cal)
				f.now = at(tc.now)
				in := anon(tc.name)
				in.Kind, in.Urgency, in.OrgID, in.ResolveDue = tc.kind, tc.urgency, f.a.ID, tc.due
				if tc.kind == cases.Emergency {
					in = f.emergencyIn()
				}
				c := f.intake(t, f.admin, in)
				if got := cstTime(c.RespondDue)[:19]; got != tc.respond+" 23:59:59" {
					t.Errorf("respond due %s, want the end of %s", got, tc.respond)
				}
				if got := cstTime(c.ResolveDue)[:19]; got != tc.resolve+" 23:59:59" {
					t.Errorf("resolve due %s, want the end of %s", got, tc.resolve)
				}
				r1, r2, err := f.s.Deadlines(f.ctx, in.Kind, in.Urgency, f.now)
				if err != nil || (tc.due == "" && (db.FormatTime(r1) != c.RespondDue || db.FormatTime(r2) != c.ResolveDue)) {
					t.Errorf("Deadlines = %s %s (%v), intake gave %s %s", r1, r2, err, c.RespondDue, c.ResolveDue)
				}
			})
		}
		// The same with the real holiday calendar, from the database.
		src := &workday.Source{DB: d}
		for _, e := range []workday.Entry{{Date: "2026-09-27", Kind: workday.KindWork, Name: "国庆节调休"}, {Date: "2026-10-01", Kind: workday.KindOff, Name: "国庆节"},
			{Date: "2026-10-02", Kind: workday.KindOff}, {Date: "2026-10-05", Kind: workday.KindOff}, {Date: "2026-10-06", Kind: workday.KindOff},
			{Date: "2026-10-07", Kind: workday.KindOff}, {Date: "2026-10-10", Kind: workday.KindWork}} {
			if err := src.Set(f.ctx, f.admin, e); err != nil {
				t.Fatalf("holiday %s: %v", e.Date, err)
			}
		}
		f.s.Cal = cases.FromSource(src.Calendar)
		f.now = at("2026-09-30 11:00")
		in := anon("国庆前夕的维权")
		in.Kind, in.OrgID = cases.Rights, f.a.ID
		if c := f.intake(t, f.admin, in); cstTime(c.RespondDue)[:10] != "2026-10-08" || cstTime(c.ResolveDue)[:10] != "2026-10-20" {
			t.Errorf("with the holiday calendar: respond %s resolve %s", cstTime(c.RespondDue), cstTime(c.ResolveDue))
		}

		f.s.Cal = cases.Weekdays(cases.WeekdayCalendar{})
		f.now = monday
		in = anon("过去的期限")
		in.ResolveDue = "2026-06-14"
		_, err := f.s.Intake(f.ctx, f.admin, in)
		wantFields(t, err, map[string]string{"resolve_due": "err.deadline_past"})

		// The rule is data: a new rule counts for new cases only.
		before := f.inA(t, "改规则前")
		if err := f.s.SetRule(f.ctx, f.admin, cases.KindRule{Kind: cases.Dispute, RespondDays: 2, ResolveDays: 20}); err != nil {
			t.Fatal(err)
		}
		after := f.inA(t, "改规则后")
		if cstTime(after.ResolveDue)[:10] != "2026-07-13" || f.get(t, f.admin, before.ID).ResolveDue != before.ResolveDue {
			t.Errorf("after the new rule: %s; old case %s", cstTime(after.ResolveDue), before.ResolveDue)
		}
		if recs := f.auditRecords(t, "update", "case_kind_rule", "dispute"); len(recs) != 1 {
			t.Errorf("rule audit %+v", recs)
		}
		rules, err := f.s.Rules(f.ctx)
		if err != nil || len(rules) != len(cases.Kinds) || rules[3].Kind != cases.Dispute || rules[3].ResolveDays != 20 || rules[6].Kind != cases.Emergency || rules[6].ResolveDays != 1 {
			t.Errorf("rules %+v %v", rules, err)
		}
		wantFields(t, f.s.SetRule(f.ctx, f.admin, cases.KindRule{Kind: cases.Rights, RespondDays: 5, ResolveDays: 2}), map[string]string{"resolve_days": "err.days_invalid"})
		wantFields(t, f.s.SetRule(f.ctx, f.admin, cases.KindRule{Kind: "x", RespondDays: -1, ResolveDays: 2}), map[string]string{"kind": "err.kind_invalid", "respond_days": "err.days_invalid"})
		wantKind(t, f.s.SetRule(f.ctx, f.staffA, cases.KindRule{Kind: cases.Rights, RespondDays: 1, ResolveDays: 2}), errs.Forbidden, "err.forbidden")
	})
}

// TestOverdueAndEscalation: a case that misses its response deadline is
// overdue for its committee and the subdistrict (not for a sibling); the
// escalation job moves it up one level and tells the subdistrict's admin
// and staff, once; a case still open a week of working days past its
// resolve deadline goes up to the district; a case at the top stays.
func TestOverdueAndEscalation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		late := f.inA(t, "迟迟无人签收") // dispute: respond by Tue 06-16, resolve by Mon 06-29
		soon := f.inA(t, "明天到期")
		soon = f.step(t, f.admin, soon, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID})
		soon = f.step(t, f.staffA, soon, cases.TransitionInput{Action: cases.ActAccept})
		done := f.step(t, f.staffA, f.step(t, f.staffA, f.step(t, f.admin, f.inA(t, "已办结"), cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID}),
			cases.TransitionInput{Action: cases.ActAccept}), cases.TransitionInput{Action: cases.ActClose, Resolution: "好", Result: cases.Resolved})
		inS := anon("街道本级的案件")
		inS.OrgID = f.sub.ID
		atS := f.intake(t, f.admin, inS)

		// Nothing is overdue on Monday.
		if n, err := f.s.OverdueCount(f.ctx, f.admin); err != nil || n != 0 {
			t.Fatalf("overdue on Monday: %d %v", n, err)
		}
		if moved, err := f.s.Escalate(f.ctx, f.now); err != nil || moved != 0 {
			t.Fatalf("escalated on Monday: %d %v", moved, err)
		}
		// Wednesday: late, and atS missed their response deadline.
		f.now = at("2026-06-17 09:00")
		checkOverdue := func(who string, want []string) {
			t.Helper()
			a := map[string]*auth.Actor{"staffa": f.staffA, "admin": f.admin, "staffb": f.staffB, "distadmin": f.distAdmin}[who]
			n, err := f.s.OverdueCount(f.ctx, a)
			list, err2 := f.s.Overdue(f.ctx, a)
			if err != nil || err2 != nil || n != len(want) || !slices.Equal(caseCodes(list), want) {
				t.Errorf("%s: overdue %d %v, want %v (%v %v)", who, n, caseCodes(list), want, err, err2)
			}
			codes, total := f.codes(t, a, cases.Filter{Overdue: true})
			if total != len(want) || !slices.Equal(codes, want) {
				t.Errorf("%s: overdue filter %v", who, codes)
			}
		}
		checkOverdue("staffa", sortedCodes(late))
		checkOverdue("admin", sortedCodes(late, atS))
		checkOverdue("staffb", []string{})
		checkOverdue("distadmin", sortedCodes(late, atS))
		if c := f.get(t, f.staffA, late.ID); !c.RespondLate || c.ResolveLate || !c.Overdue() {
			t.Errorf("late flags %v %v", c.RespondLate, c.ResolveLate)
		}
		// Due soon: soon's resolve deadline is Mon 06-29 end; within 13 days
		// of Wednesday 09:00 it is, within a day it is not.
		ds, err := f.s.DueSoon(f.ctx, f.staffA, 13*24*time.Hour)
		if err != nil || !slices.Equal(caseCodes(ds), sortedCodes(soon)) {
			t.Errorf("due soon %v %v", caseCodes(ds), err)
		}
		if ds, _ := f.s.DueSoon(f.ctx, f.staffA, 24*time.Hour); len(ds) != 0 {
			t.Errorf("due within a day %v", caseCodes(ds))
		}

		f.step(t, f.staffA, soon, cases.TransitionInput{Action: cases.ActClose, Resolution: "按期办结", Result: cases.Resolved})

		moved, err := f.s.Escalate(f.ctx, f.now)
		if err != nil || moved != 2 {
			t.Fatalf("escalate: %d %v", moved, err)
		}
		c := f.get(t, f.admin, late.ID)
		if c.EscalationLevel != 1 || c.EscalatedOrgID != f.sub.ID || c.EscalatedOrgName != "石榴街道" || c.EscalatedAt != db.FormatTime(f.now) || c.Version != late.Version {
			t.Errorf("escalated %+v", c)
		}
		if got := f.notified(t, cases.NotifyEscalated, late.ID); !slices.Equal(got, []string{"admin", "staff"}) {
			t.Errorf("escalation of a committee's case notified %v", got)
		}
		if c := f.get(t, f.admin, atS.ID); c.EscalationLevel != 1 || c.EscalatedOrgID != f.dist.ID {
			t.Errorf("subdistrict case escalated to %d (level %d)", c.EscalatedOrgID, c.EscalationLevel)
		}
		if got := f.notified(t, cases.NotifyEscalated, atS.ID); !slices.Equal(got, []string{"distadmin"}) {
			t.Errorf("escalation of a subdistrict's case notified %v", got)
		}
		evs := f.events(t, late.ID)
		if e := evs[len(evs)-1]; e.Action != cases.ActEscalate || e.Username != "(system)" || e.OrgName != "石榴街道" {
			t.Errorf("escalation event %+v", e)
		}
		if recs := f.auditRecords(t, "update", "case", strconv.FormatInt(late.ID, 10)); len(recs) != 1 || recs[0].Username != "(system)" {
			t.Errorf("escalation audit %+v", recs)
		}
		// Once per level: running again (as every few minutes) does nothing.
		f.now = f.now.Add(10 * time.Minute)
		if moved, err := f.s.Escalate(f.ctx, f.now); err != nil || moved != 0 {
			t.Errorf("second run moved %d (%v)", moved, err)
		}
		// Still open 5 working days after the resolve deadline (Mon 06-29):
		// Mon 07-06 → up to the district. The subdistrict's case is at the
		// top already.
		f.now = at("2026-07-06 09:00")
		if moved, err := f.s.Escalate(f.ctx, f.now); err != nil || moved != 1 {
			t.Errorf("week-late run moved %d (%v)", moved, err)
		}
		if c := f.get(t, f.admin, late.ID); c.EscalationLevel != 2 || c.EscalatedOrgID != f.dist.ID || !c.ResolveLate {
			t.Errorf("week late: level %d at %d", c.EscalationLevel, c.EscalatedOrgID)
		}
		if got := f.notified(t, cases.NotifyEscalated, late.ID); !slices.Equal(got, []string{"admin", "distadmin", "staff"}) {
			t.Errorf("second escalation notified %v", got)
		}
		f.now = at("2026-08-31 09:00")
		if moved, err := f.s.Escalate(f.ctx, f.now); err != nil || moved != 0 {
			t.Errorf("at the top, moved %d (%v)", moved, err)
		}
		// A reopened case starts again.
		c = f.step(t, f.admin, f.get(t, f.admin, late.ID), cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID})
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActAccept})
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActClose, Resolution: "终于办结", Result: cases.Partly})
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActReopen, Note: "未彻底解决"})
		if c.EscalationLevel != 0 || c.EscalatedOrgID != 0 || c.Overdue() {
			t.Errorf("reopened: level %d overdue %v", c.EscalationLevel, c.Overdue())
		}
		// Closed cases are never overdue.
		if c := f.get(t, f.admin, done.ID); c.Overdue() {
			t.Error("a closed case is overdue")
		}
	})
}
