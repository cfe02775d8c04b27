package auth_test

import (
	"errors"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
)

func TestActorCan(t *testing.T) {
	staff := &auth.Actor{UserID: 7, Username: "li", Role: auth.CommitteeStaff, OrgID: 4, OrgPath: "/1/4/"}
	leader := &auth.Actor{UserID: 8, Role: auth.Leader, OrgPath: "/1/"}
	for _, c := range []struct {
		a    *auth.Actor
		p    auth.Permission
		want bool
	}{
		{staff, auth.PersonEdit, true},
		{staff, auth.CaseConfig, false},
		{staff, auth.Public, true}, // public routes need no grant
		{leader, auth.FigureView, true},
		{leader, auth.PersonReveal, false},
		{&auth.Actor{Role: "no_such_role"}, auth.Self, false},
		{nil, auth.Self, false},
		{nil, auth.Public, false},
		{auth.System("test"), auth.PersonReveal, true},
		{auth.System("test"), auth.AuditView, true},
	} {
		if got := c.a.Can(c.p); got != c.want {
			t.Errorf("%+v Can(%s) = %v", c.a, c.p, got)
		}
	}
	if err := staff.Require(auth.PersonEdit); err != nil {
		t.Fatal(err)
	}
	if err := staff.Require(auth.UserManage); !errors.Is(err, errs.ErrForbidden) {
		t.Fatalf("staff Require(user.manage): %v", err)
	}
	var none *auth.Actor
	if err := none.Require(auth.Self); err == nil || errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("nil actor Require: %v", err)
	}
	if err := leader.RequireAny(auth.CaseView, auth.EmergencyView); err != nil {
		t.Fatalf("leader RequireAny: %v", err)
	}
	if err := leader.RequireAny(auth.CaseView, auth.PersonView); !errors.Is(err, errs.ErrForbidden) {
		t.Fatalf("leader RequireAny without a grant: %v", err)
	}
}

func TestActorScopeAndWho(t *testing.T) {
	staff := &auth.Actor{UserID: 7, Username: "li", Role: auth.CommitteeStaff, OrgID: 4, OrgPath: "/1/4/", IP: "10.0.0.1", RequestID: "r1"}
	if s := staff.Scope(); s.Path != "/1/4/" || s.IsLiaison() || s.All() {
		t.Fatalf("staff scope %+v", s)
	}
	liaison := &auth.Actor{UserID: 9, Role: auth.Liaison, OrgPath: "/1/4/12/"}
	if s := liaison.Scope(); s.LiaisonUserID != 9 || !s.IsLiaison() {
		t.Fatalf("liaison scope %+v", s)
	}
	var none *auth.Actor
	if s := none.Scope(); s.Contains("/1/") || s.Contains("/") {
		t.Fatalf("a nil actor sees %+v", s)
	}
	sys := auth.System("cli")
	if s := sys.Scope(); !s.All() || !s.Contains("/1/40/") || !sys.IsSystem() || staff.IsSystem() || none.IsSystem() {
		t.Fatalf("system scope %+v", s)
	}
	if w := staff.Who(); w.UserID != 7 || w.Username != "li" || w.Role != "committee_staff" || w.OrgID != 4 || w.IP != "10.0.0.1" || w.RequestID != "r1" {
		t.Fatalf("who %+v", w)
	}
	if w := sys.Who(); w.Username != "(cli)" || w.UserID != 0 {
		t.Fatalf("system who %+v", w)
	}
	if w := none.Who(); w.Username != "(none)" {
		t.Fatalf("nil who %+v", w)
	}
}
