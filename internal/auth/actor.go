package auth

import (
	"shiliu/internal/audit"
)

// Actor is the user behind a request, with what their scope is built from.
// Storage methods take an Actor and filter by its Scope, so no screen, API,
// export or count can forget the scope.
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
}

// Can reports whether the actor's role holds p.
func (a *Actor) Can(p Permission) bool {
	if a == nil {
		return false
	}
	return p == Public || a.Role.Has(p)
}

// Scope is the part of the org tree an actor may see.
// A nil actor is the command line or a system job, run by the machine's
// operator: it sees the whole tree.
func (a *Actor) Scope() Scope {
	if a == nil {
		return Scope{Path: "/"}
	}
	s := Scope{Path: a.OrgPath}
	if a.Role == Liaison {
		s.LiaisonUserID = a.UserID
	}
	return s
}

// Who is the actor as the audit log records them.
func (a *Actor) Who() audit.Who {
	if a == nil { // the command line, run by the machine's operator
		return audit.Who{Username: "(cli)"}
	}
	return audit.Who{UserID: a.UserID, Username: a.Username, Role: string(a.Role), OrgID: a.OrgID, IP: a.IP, RequestID: a.RequestID}
}

// Scope is an org subtree, given by the path of its root. A zero Scope sees
// nothing. A liaison's scope is further narrowed to the persons and
// households assigned to them (LiaisonUserID), applied by those domains.
type Scope struct {
	Path          string
	LiaisonUserID int64
}

// PathRange returns the half-open range [lo, hi) of org paths inside the
// scope: '/1/4/' → ['/1/4/', '/1/40'). '0' is the byte after '/', so every
// descendant path sorts inside and nothing else does. Paths are compared
// bytewise on both engines (COLLATE "C" on PostgreSQL).
func (s Scope) PathRange() (lo, hi string) {
	if s.Path == "" {
		return "", "" // the empty range (and valid text on every engine)
	}
	return s.Path, s.Path[:len(s.Path)-1] + "0"
}

// Contains reports whether an org unit with the given path is in scope.
func (s Scope) Contains(path string) bool {
	lo, hi := s.PathRange()
	return path >= lo && path < hi
}
