package cases_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
)

// TestStateMachine walks the matrix of every status × every action (for an
// ordinary case and an emergency), generated from cases.Steps: each step
// the table lists succeeds, lands in its status and is recorded in the
// timeline and the audit log; every other is refused with
// err.case_transition and changes nothing.
func TestStateMachine(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		allowed, refused := 0, 0
		for _, kind := range []cases.Kind{cases.Dispute, cases.Emergency} {
			for _, st := range cases.Statuses {
				for _, act := range cases.Actions {
					name := fmt.Sprintf("%s/%s/%s", kind, st, act)
					t.Run(name, func(t *testing.T) {
						c := f.toStatus(t, kind, st)
						evsBefore := len(f.events(t, c.ID))
						auditBefore := len(f.auditRecords(t, "update", "case", strconv.FormatInt(c.ID, 10)))
						in := f.validInput(act, kind)
						in.Version = c.Version
						got, err := f.s.Transition(f.ctx, f.admin, c.ID, in)
						step, ok := cases.StepFor(act, st, kind)
						if !ok {
							refused++
							wantKind(t, err, errs.Invalid, "err.case_transition")
							after := f.get(t, f.admin, c.ID)
							if after.Status != c.Status || after.Version != c.Version || after.UpdatedAt != c.UpdatedAt {
								t.Errorf("refused step changed the case: %s v%d → %s v%d", c.Status, c.Version, after.Status, after.Version)
							}
							if n := len(f.events(t, c.ID)); n != evsBefore {
								t.Errorf("refused step wrote %d events", n-evsBefore)
							}
							if n := len(f.auditRecords(t, "update", "case", strconv.FormatInt(c.ID, 10))); n != auditBefore {
								t.Errorf("refused step wrote %d audit records", n-auditBefore)
							}
							return
						}
						allowed++
						if err != nil {
							t.Fatalf("allowed step refused: %v", err)
						}
						if got.Status != step.To {
							t.Errorf("status %s, want %s", got.Status, step.To)
						}
						evs := f.events(t, c.ID)
						var last *cases.Event
						for i := len(evs) - 1; i >= 0; i-- {
							if evs[i].Action == act {
								last = &evs[i]
								break
							}
						}
						if last == nil || len(evs) <= evsBefore || last.FromStatus != st || last.ToStatus != step.To || last.Username != "admin" {
							t.Errorf("timeline %+v", evs[evsBefore:])
						}
						recs := f.auditRecords(t, "update", "case", strconv.FormatInt(c.ID, 10))
						if len(recs) != auditBefore+1 || !strings.Contains(recs[len(recs)-1].Detail, `"action":"`+string(act)+`"`) {
							t.Errorf("audit %+v", recs)
						}
						versioned := act != cases.ActNote && act != cases.ActReport
						if versioned && got.Version != c.Version+1 || !versioned && got.Version != c.Version {
							t.Errorf("version %d → %d", c.Version, got.Version)
						}
					})
				}
			}
		}
		// Every step of the table was tried, and many refusals.
		if allowed != len(cases.Steps)+len(slices.DeleteFunc(slices.Clone(cases.Steps), func(s cases.Step) bool { return s.EmergencyOnly })) {
			t.Errorf("%d allowed steps tried for %d in the table", allowed, len(cases.Steps))
		}
		if refused < 50 {
			t.Errorf("only %d refused steps tried", refused)
		}
	})
}

// TestStepEffects checks what each step leaves on the case: assignment,
// response time, return clears the assignee, close and follow-up fields,
// reopen clears them and starts a new resolve period.
func TestStepEffects(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		c := f.inA(t, "楼上漏水")
		c = f.step(t, f.admin, c, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID, UserID: f.staffA.UserID, Partner: "石榴物业"})
		if c.AssigneeOrgID != f.a.ID || c.AssigneeUserID != f.staffA.UserID || c.AssigneeName != "测试staffa" || c.Partner != "石榴物业" || c.RespondedAt != "" {
			t.Errorf("assigned %+v", c)
		}
		if got := f.notified(t, cases.NotifyAssigned, c.ID); !slices.Equal(got, []string{"staffa"}) {
			t.Errorf("assignment notified %v", got)
		}
		f.now = f.now.Add(time.Hour)
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActAccept})
		if c.RespondedAt != db.FormatTime(f.now) {
			t.Errorf("responded at %q", c.RespondedAt)
		}
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActReturn, Note: "应由物业处理"})
		if c.Status != cases.StatusIntake || c.AssigneeOrgID != 0 || c.AssigneeUserID != 0 || c.Partner != "" || c.RespondedAt == "" {
			t.Errorf("returned %+v", c)
		}
		if got := f.notified(t, cases.NotifyReturned, c.ID); !slices.Equal(got, []string{"admin"}) {
			t.Errorf("return notified %v", got)
		}
		c = f.step(t, f.admin, c, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID})
		if got := f.notified(t, cases.NotifyAssigned, c.ID); !slices.Equal(got, []string{"staffa", "staffa", "staffa2"}) {
			t.Errorf("unit assignment notified %v", got)
		}
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActAccept})
		c = f.step(t, f.staffA, c, cases.TransitionInput{Action: cases.ActClose, Resolution: "物业已维修", Result: cases.Resolved})
		if c.ClosedAt == "" || c.Resolution != "物业已维修" || c.Result != cases.Resolved {
			t.Errorf("closed %+v", c)
		}
		c = f.step(t, f.admin, c, cases.TransitionInput{Action: cases.ActFollowUp, Satisfaction: 4, Note: "基本满意"})
		if c.Satisfaction != 4 || c.FollowedUpAt == "" {
			t.Errorf("followed up %+v", c)
		}
		f.now = f.now.AddDate(0, 0, 30)
		c = f.step(t, f.admin, c, cases.TransitionInput{Action: cases.ActReopen, Note: "又漏水了"})
		if c.Status != cases.StatusInProgress || c.ClosedAt != "" || c.Result != "" || c.Satisfaction != 0 || c.FollowedUpAt != "" || c.Resolution != "" {
			t.Errorf("reopened %+v", c)
		}
		if c.ResolveDue <= db.FormatTime(f.now) {
			t.Errorf("reopened resolve due %s not after now", c.ResolveDue)
		}
		want := []cases.Action{"intake", "assign", "accept", "return", "assign", "accept", "close", "follow_up", "reopen"}
		evs := f.events(t, c.ID)
		if got := actions(evs); !slices.Equal(got, want) {
			t.Errorf("timeline %v, want %v", got, want)
		}
		if evs[3].Note != "应由物业处理" || evs[6].Note != "物业已维修" || evs[1].Partner != "石榴物业" || evs[1].TargetName != "测试staffa" || evs[1].OrgName != "甲居委" {
			t.Errorf("timeline details %+v", evs)
		}
	})
}

// TestTransitionRefused: incomplete input, a deadline in the past, an
// assignment outside the assigner's scope, a stale version, a role without
// the step's permission — each refused with nothing changed.
func TestTransitionRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		intake := f.inA(t, "咨询低保")
		assigned := f.step(t, f.admin, f.inA(t, "纠纷"), cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID})
		working := f.step(t, f.staffA, f.step(t, f.admin, f.inA(t, "纠纷二"), cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID}),
			cases.TransitionInput{Action: cases.ActAccept})
		closed := f.step(t, f.staffA, f.step(t, f.staffA, f.step(t, f.admin, f.inA(t, "纠纷三"), cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID}),
			cases.TransitionInput{Action: cases.ActAccept}), cases.TransitionInput{Action: cases.ActClose, Resolution: "好了", Result: cases.Resolved})
		past := f.now.Add(-24 * time.Hour).In(cst).Format("2006-01-02")
		tests := []struct {
			name   string
			a      *auth.Actor
			c      *cases.Case
			in     cases.TransitionInput
			fields map[string]string
			kind   errs.Kind
			key    string
		}{
			{"assign to nobody", f.admin, intake, cases.TransitionInput{Action: cases.ActAssign}, map[string]string{"assignee": "err.assignee_required"}, 0, ""},
			{"assign to a sibling committee", f.staffA, intake, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.b.ID}, map[string]string{"org_id": "err.org_unknown"}, 0, ""},
			{"assign to another subdistrict", f.admin, intake, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.c.ID}, map[string]string{"org_id": "err.org_unknown"}, 0, ""},
			{"assign to a building group", f.admin, intake, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.bgA.ID}, map[string]string{"org_id": "err.org_unknown"}, 0, ""},
			{"assign to a user outside scope", f.staffA, intake, cases.TransitionInput{Action: cases.ActAssign, UserID: f.staffB.UserID}, map[string]string{"user_id": "err.assignee_unknown"}, 0, ""},
			{"assign to a user of another unit than named", f.admin, intake, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID, UserID: f.staffB.UserID}, map[string]string{"user_id": "err.assignee_unknown"}, 0, ""},
			{"assign to a leader", f.admin, intake, cases.TransitionInput{Action: cases.ActAssign, UserID: f.leader.UserID}, map[string]string{"user_id": "err.assignee_unknown"}, 0, ""},
			{"assign to a disabled user", f.admin, intake, cases.TransitionInput{Action: cases.ActAssign, UserID: f.disabledLeaderID}, map[string]string{"user_id": "err.assignee_unknown"}, 0, ""},
			{"assign with a past deadline", f.admin, intake, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID, Due: past}, map[string]string{"due": "err.deadline_past"}, 0, ""},
			{"assign with a bad deadline", f.admin, intake, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID, Due: "明天"}, map[string]string{"due": "err.date_invalid"}, 0, ""},
			{"reassign without reason", f.admin, assigned, cases.TransitionInput{Action: cases.ActReassign, OrgID: f.b.ID}, map[string]string{"note": "err.reason_required"}, 0, ""},
			{"return without reason", f.staffA, assigned, cases.TransitionInput{Action: cases.ActReturn}, map[string]string{"note": "err.reason_required"}, 0, ""},
			{"empty note", f.staffA, working, cases.TransitionInput{Action: cases.ActNote, Note: "  "}, map[string]string{"note": "err.required"}, 0, ""},
			{"close without anything", f.staffA, working, cases.TransitionInput{Action: cases.ActClose}, map[string]string{"resolution": "err.required", "result": "err.required"}, 0, ""},
			{"close with an unknown result", f.staffA, working, cases.TransitionInput{Action: cases.ActClose, Resolution: "x", Result: "great"}, map[string]string{"result": "err.required"}, 0, ""},
			{"satisfaction 0", f.admin, closed, cases.TransitionInput{Action: cases.ActFollowUp}, map[string]string{"satisfaction": "err.satisfaction_invalid"}, 0, ""},
			{"satisfaction 6", f.admin, closed, cases.TransitionInput{Action: cases.ActFollowUp, Satisfaction: 6}, map[string]string{"satisfaction": "err.satisfaction_invalid"}, 0, ""},
			{"reopen without reason", f.admin, closed, cases.TransitionInput{Action: cases.ActReopen}, map[string]string{"note": "err.reason_required"}, 0, ""},
			{"report on a dispute", f.admin, working, cases.TransitionInput{Action: cases.ActReport, Note: "x"}, nil, errs.Invalid, "err.case_transition"},
			{"unknown action", f.admin, working, cases.TransitionInput{Action: "delete"}, nil, errs.Invalid, "err.case_transition"},
			{"stale version", f.staffA, working, cases.TransitionInput{Action: cases.ActClose, Resolution: "x", Result: cases.Resolved, Version: working.Version - 1}, nil, errs.Conflict, "err.version_conflict"},
			{"liaison cannot assign", f.liaison, intake, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID}, nil, errs.NotFound, "err.not_found"},
			{"leader cannot handle", f.leader, working, cases.TransitionInput{Action: cases.ActNote, Note: "x"}, nil, errs.NotFound, "err.not_found"},
			{"sibling committee cannot touch", f.staffB, working, cases.TransitionInput{Action: cases.ActNote, Note: "x"}, nil, errs.NotFound, "err.not_found"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := f.get(t, f.admin, tc.c.ID)
				nEv := len(f.events(t, tc.c.ID))
				nAudit := f.count(t, `SELECT COUNT(*) FROM audit_log`)
				in := tc.in
				if in.Version == 0 {
					in.Version = before.Version
				}
				_, err := f.s.Transition(f.ctx, tc.a, tc.c.ID, in)
				if tc.fields != nil {
					wantFields(t, err, tc.fields)
				} else {
					wantKind(t, err, tc.kind, tc.key)
				}
				after := f.get(t, f.admin, tc.c.ID)
				if after.Version != before.Version || after.Status != before.Status || after.UpdatedAt != before.UpdatedAt || after.AssigneeOrgID != before.AssigneeOrgID {
					t.Errorf("case changed: %+v → %+v", before, after)
				}
				if len(f.events(t, tc.c.ID)) != nEv || f.count(t, `SELECT COUNT(*) FROM audit_log`) != nAudit {
					t.Errorf("refused step left a trace")
				}
			})
		}
		// Permission without scope: a liaison who can see a case (they took
		// it in) still may not assign it.
		in := anon("联络员走访收集")
		in.Channel = cases.Visit
		own := f.intake(t, f.liaison, in)
		_, err := f.s.Transition(f.ctx, f.liaison, own.ID, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID, Version: own.Version})
		wantKind(t, err, errs.Forbidden, "err.forbidden")
		// A deadline given on assignment replaces the resolve deadline.
		due := f.now.AddDate(0, 0, 3).In(cst).Format("2006-01-02")
		got := f.step(t, f.admin, intake, cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID, Due: due})
		if cstTime(got.ResolveDue) != due+" 23:59:59 Thu" {
			t.Errorf("resolve due %s, want the end of %s", cstTime(got.ResolveDue), due)
		}
	})
}

// TestConcurrentClose: two users close the same case at once: one wins,
// the other is told of a conflict; notes written at the same time are all
// kept.
func TestConcurrentClose(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		c := f.toStatus(t, cases.Dispute, cases.StatusInProgress)
		var wg sync.WaitGroup
		const notes = 6
		for i := range notes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := []*auth.Actor{f.staffA, f.staffA2}[i%2]
				if _, err := f.s.Transition(f.ctx, a, c.ID, cases.TransitionInput{Action: cases.ActNote, Note: fmt.Sprintf("记录%d", i)}); err != nil {
					t.Errorf("note %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		// Notes leave the version alone: the close below is not stale.
		results := make([]error, 2)
		for i, a := range []*auth.Actor{f.staffA, f.staffA2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = f.s.Transition(f.ctx, a, c.ID, cases.TransitionInput{Action: cases.ActClose, Version: c.Version,
					Resolution: "由" + a.Username + "办结", Result: cases.Resolved})
			}()
		}
		wg.Wait()
		won, lost := 0, 0
		for _, err := range results {
			switch {
			case err == nil:
				won++
			case errs.KindOf(err) == errs.Conflict:
				lost++
			default:
				t.Errorf("close: %v", err)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("%d won, %d lost: %v", won, lost, results)
		}
		got := f.get(t, f.admin, c.ID)
		if got.Status != cases.StatusClosed || got.Version != c.Version+1 {
			t.Errorf("after the race: %s v%d", got.Status, got.Version)
		}
		evs := f.events(t, c.ID)
		n, closes := 0, 0
		for _, e := range evs {
			switch e.Action {
			case cases.ActNote:
				n++
			case cases.ActClose:
				closes++
				if e.Note != got.Resolution {
					t.Errorf("close event %q, case %q", e.Note, got.Resolution)
				}
			}
		}
		if n != notes || closes != 1 {
			t.Errorf("%d notes and %d closes in the timeline, want %d and 1", n, closes, notes)
		}
		// A note on the case closed meanwhile is refused, not lost silently.
		_, err := f.s.Transition(f.ctx, f.staffA, c.ID, cases.TransitionInput{Action: cases.ActNote, Note: "迟到的记录"})
		wantKind(t, err, errs.Invalid, "err.case_transition")
	})
}
