package auth

import (
	"shiliu/internal/access"
	"shiliu/internal/audit"
	"shiliu/internal/errs"
)

// Actor is the user behind a request, with what their scope is built from.
// Service methods take an Actor, authorise it (Require) and filter by its
// Scope, so no screen, API, export, job or command can forget either.
//
// A nil Actor is a mistake, never a shortcut: it holds no permission and
// sees nothing. Work run by the machine's operator (the command line, the
// demo loader, scheduled jobs) says so with System.
type Actor struct {
	UserID      int64
	Username    string
	DisplayName string
	Role        Role
	OrgID       int64
	// OrgPath is the materialised path of the user's org unit, '/1/4/'.
	OrgPath            string
	OrgName            string
	Lang               string
	MustChangePassword bool
	// Set per request.
	IP        string
	RequestID string
	// ViaToken is true when the request came with a personal access token.
	ViaToken bool
	// system marks the machine's operator (see System); only System sets it,
	// so no request can carry it.
	system bool
}

// System returns the actor of work the machine's operator runs: the command
// line, the demo loader, scheduled jobs. It holds every permission and sees
// the whole tree; name ("cli", "demo", "escalation") is what the audit log
// records as the user.
func System(name string) *Actor {
	return &Actor{Username: "(" + name + ")", OrgPath: "/", system: true}
}

// IsSystem reports whether a is the machine's operator (System).
func (a *Actor) IsSystem() bool { return a != nil && a.system }

// Can reports whether the actor's role holds p. A nil actor holds nothing;
// the system actor holds everything.
func (a *Actor) Can(p Permission) bool {
	if a == nil {
		return false
	}
	return a.system || p == Public || a.Role.Has(p)
}

// ErrNoActor is what a service answers when it is called without an actor:
// refused, never "sees everything".
var ErrNoActor = errs.E(errs.Forbidden, "err.forbidden")

// Require is the check every service method starts with: nil unless the
// actor is present and holds p, else a Forbidden error. The route guard is
// the first wall; Require makes a service as safe from the command line, the
// API or a job as from a page.
func (a *Actor) Require(p Permission) error {
	if a == nil {
		return ErrNoActor
	}
	if !a.Can(p) {
		return errs.ErrForbidden
	}
	return nil
}

// RequireAny is Require for methods that several permissions open (a
// leader's emergencies and a handler's cases read from one list).
func (a *Actor) RequireAny(ps ...Permission) error {
	if a == nil {
		return ErrNoActor
	}
	for _, p := range ps {
		if a.Can(p) {
			return nil
		}
	}
	return errs.ErrForbidden
}

// Scope is the part of the org tree an actor may see. A nil actor sees
// nothing; the system actor sees the whole tree.
func (a *Actor) Scope() Scope {
	if a == nil {
		return Scope{}
	}
	if a.system {
		return access.Whole()
	}
	s := Scope{Path: a.OrgPath}
	if a.Role == Liaison {
		s.LiaisonUserID = a.UserID
	}
	return s
}

// ReadsAudit reports whether the actor may read the audit log
// (audit.Reader).
func (a *Actor) ReadsAudit() bool { return a.Can(AuditView) }

// Who is the actor as the audit log records them.
func (a *Actor) Who() audit.Who {
	if a == nil {
		return audit.Who{Username: "(none)"}
	}
	return audit.Who{UserID: a.UserID, Username: a.Username, Role: string(a.Role), OrgID: a.OrgID, IP: a.IP, RequestID: a.RequestID}
}
