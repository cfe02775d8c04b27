package cases

import (
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
)

// TestAllowedStepUsesTheMatchedRow: two rows of one action asking for
// different permissions. The check must be the matched row's own, not the
// first row's of that action (the bug permFor had).
func TestAllowedStepUsesTheMatchedRow(t *testing.T) {
	steps := []Step{
		{ActReport, StatusIntake, StatusIntake, auth.CaseIntake, false},
		{ActReport, StatusInProgress, StatusInProgress, auth.CaseAssign, false},
	}
	liaison := &auth.Actor{UserID: 1, Role: auth.Liaison, OrgPath: "/1/"}          // CaseIntake, no CaseAssign
	committee := &auth.Actor{UserID: 2, Role: auth.CommitteeStaff, OrgPath: "/1/"} // both
	leader := &auth.Actor{UserID: 3, Role: auth.Leader, OrgPath: "/1/"}            // neither
	for _, c := range []struct {
		name string
		a    *auth.Actor
		from Status
		kind errs.Kind // -1: allowed
	}{
		{"liaison, first row", liaison, StatusIntake, -1},
		{"liaison, second row needs CaseAssign", liaison, StatusInProgress, errs.Forbidden},
		{"committee, second row", committee, StatusInProgress, -1},
		{"committee, no row from closed", committee, StatusClosed, errs.Invalid},
		{"leader holds no row's permission", leader, StatusClosed, errs.Forbidden},
		{"no actor", nil, StatusIntake, errs.Forbidden},
		{"system", auth.System("test"), StatusInProgress, -1},
	} {
		st, matched, err := allowedStep(steps, c.a, ActReport, c.from, Consultation)
		if err == nil && !matched {
			err = errTransition
		}
		switch {
		case c.kind == -1 && err != nil:
			t.Errorf("%s: %v, want allowed", c.name, err)
		case c.kind == -1 && st.From != c.from:
			t.Errorf("%s: matched the row from %s, want from %s", c.name, st.From, c.from)
		case c.kind != -1 && (err == nil || errs.KindOf(err) != c.kind):
			t.Errorf("%s: err %v (kind %d), want kind %d", c.name, err, errs.KindOf(err), c.kind)
		}
	}
	if _, _, err := allowedStep(steps, committee, ActClose, StatusInProgress, Consultation); errs.KindOf(err) != errs.Invalid {
		t.Errorf("an action no row names: %v, want invalid", err)
	}
}
