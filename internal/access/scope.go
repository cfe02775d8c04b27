// Package access holds the org-tree scope every read is limited by. It is a
// leaf (no imports of Shiliu's own) so that auth, which writes audit
// records, and audit, which limits the audit log to its reader's scope, can
// both use it.
package access

import (
	"strconv"
	"strings"
)

// Scope is an org subtree, given by the path of its root. A zero Scope sees
// nothing. A liaison's scope is further narrowed to the persons and
// households assigned to them (LiaisonUserID).
//
// Every package reads its records through these helpers, so the rules are
// written once: the subtree range, the liaison's reach beside their group,
// and "assigned to this liaison".
type Scope struct {
	Path          string
	LiaisonUserID int64
	// all is the system actor's whole tree.
	all bool
}

// Whole is the scope of the whole tree: the system actor's (auth.System).
func Whole() Scope { return Scope{Path: "/", all: true} }

// All reports whether the scope is the whole tree (the system actor).
func (s Scope) All() bool { return s.all }

// IsLiaison reports whether the scope is narrowed to a liaison's
// assignments.
func (s Scope) IsLiaison() bool { return s.LiaisonUserID != 0 }

// PathRange returns the half-open range [lo, hi) of org paths inside the
// scope: '/1/4/' → ['/1/4/', '/1/40'). '0' is the byte after '/', so every
// descendant path sorts inside and nothing else does (not '/1/40/', whose
// id merely starts with 4). Paths are compared bytewise on both engines
// (COLLATE "C" on PostgreSQL). The zero scope gives the empty range ("", ""),
// which is valid text on every engine and holds no path.
func (s Scope) PathRange() (lo, hi string) {
	if s.Path == "" || !strings.HasSuffix(s.Path, "/") {
		return "", ""
	}
	return s.Path, s.Path[:len(s.Path)-1] + "0"
}

// Contains reports whether an org unit with the given path is in scope.
func (s Scope) Contains(path string) bool {
	lo, hi := s.PathRange()
	return path >= lo && path < hi
}

// Reach is the scope whose records an actor may see or route to, before a
// liaison's narrowing to assignments. A liaison belongs to a liaison group,
// which stands beside the committees it serves, under a subdistrict or a
// committee: the persons assigned to them live under the group's parent.
// For everyone else it is the scope itself.
func (s Scope) Reach() Scope {
	if s.LiaisonUserID == 0 || s.Path == "" {
		return s
	}
	if i := strings.LastIndexByte(strings.TrimSuffix(s.Path, "/"), '/'); i > 0 {
		s.Path = s.Path[:i+1]
	}
	return s
}

// ReachRange is Reach().PathRange().
func (s Scope) ReachRange() (lo, hi string) { return s.Reach().PathRange() }

// InReach reports whether a unit with the given path is in Reach.
func (s Scope) InReach(path string) bool { return s.Reach().Contains(path) }

// InSubtree is the SQL condition "column col names an org unit in the
// scope's subtree", with its arguments. The system actor's is always true
// and costs nothing.
func (s Scope) InSubtree(col string) (string, []any) {
	if s.all {
		return "1 = 1", nil
	}
	lo, hi := s.PathRange()
	return inRange(col, lo, hi)
}

// Above returns the ids of the units on the scope's path ('/1/4/9/' → 1,
// 4, 9): its root and the units above it.
func (s Scope) Above() []any {
	var out []any
	for _, p := range strings.Split(strings.Trim(s.Path, "/"), "/") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// InSubtreeOrAbove is InSubtree widened to the units above the scope's
// root: what a committee reads of its subdistrict (duty rosters,
// activities, teams, venues, partners, rules) but does not change.
func (s Scope) InSubtreeOrAbove(col string) (string, []any) {
	cond, args := s.InSubtree(col)
	if s.all {
		return cond, args
	}
	ids := s.Above()
	if len(ids) == 0 {
		return cond, args
	}
	return "(" + cond + " OR " + col + " IN (?" + strings.Repeat(", ?", len(ids)-1) + "))", append(args, ids...)
}

// InReachSQL is InSubtree for the liaison's Reach: the committees beside
// their group.
func (s Scope) InReachSQL(col string) (string, []any) {
	if s.all {
		return "1 = 1", nil
	}
	lo, hi := s.ReachRange()
	return inRange(col, lo, hi)
}

func inRange(col, lo, hi string) (string, []any) {
	return col + " IN (SELECT id FROM org_units WHERE path >= ? AND path < ?)", []any{lo, hi}
}

// AssignedPerson is the SQL condition "the person whose id is in column
// idCol is assigned to the liaison", directly or through their household.
// hhCol, when the row at hand has the person's household column (persons
// p: "p.household_id"), makes the household test a plain lookup; leave it
// empty for a column that only names a person (a pairing's target). Outside
// a liaison's scope it is always true.
func (s Scope) AssignedPerson(idCol, hhCol string) (string, []any) {
	uid := s.LiaisonUserID
	if uid == 0 {
		return "1 = 1", nil
	}
	direct := idCol + " IN (SELECT person_id FROM liaison_assignments WHERE user_id = ? AND person_id IS NOT NULL)"
	if hhCol != "" {
		return "(" + direct + " OR " + hhCol + " IN (SELECT household_id FROM liaison_assignments WHERE user_id = ? AND household_id IS NOT NULL))", []any{uid, uid}
	}
	return "(" + direct + " OR " + idCol + " IN (SELECT p.id FROM persons p JOIN liaison_assignments la ON la.household_id = p.household_id WHERE la.user_id = ?))", []any{uid, uid}
}

// AssignedHousehold is the SQL condition "the household in column col is
// assigned to the liaison", directly or through one of its members. Outside
// a liaison's scope it is always true.
func (s Scope) AssignedHousehold(col string) (string, []any) {
	uid := s.LiaisonUserID
	if uid == 0 {
		return "1 = 1", nil
	}
	return "(" + col + " IN (SELECT household_id FROM liaison_assignments WHERE user_id = ? AND household_id IS NOT NULL) OR " +
		col + " IN (SELECT p.household_id FROM persons p JOIN liaison_assignments la ON la.person_id = p.id WHERE la.user_id = ? AND p.household_id IS NOT NULL))", []any{uid, uid}
}

// Persons is the whole scope condition on a persons row (alias p): in the
// reach, and for a liaison assigned to them.
func (s Scope) Persons(p string) (string, []any) {
	return s.and(p+".org_id", func() (string, []any) { return s.AssignedPerson(p+".id", p+".household_id") })
}

// Households is the whole scope condition on a households row (alias h).
func (s Scope) Households(h string) (string, []any) {
	return s.and(h+".org_id", func() (string, []any) { return s.AssignedHousehold(h + ".id") })
}

func (s Scope) and(orgCol string, assigned func() (string, []any)) (string, []any) {
	cond, args := s.InReachSQL(orgCol)
	if s.LiaisonUserID != 0 {
		c, a := assigned()
		cond, args = cond+" AND "+c, append(args, a...)
	}
	return cond, args
}
