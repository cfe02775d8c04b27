package pairing

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// inRange reports whether a unit with path is in the actor's reach (for a
// liaison, the committees beside their group: auth.Scope.Reach).
func inRange(a *auth.Actor, path string) bool { return a.Scope().InReach(path) }

// isLiaison reports whether the actor's scope is narrowed to assignments.
func isLiaison(a *auth.Actor) bool { return a.Scope().IsLiaison() }

var errForbidden = errs.ErrForbidden

// pairingScope limits pairings (alias pr) to the actor's scope: the org
// subtree of the actor through the target's committee; a liaison sees the
// pairings whose target is assigned to them. Everyone sees the pairings in
// which they are the helper.
func pairingScope(a *auth.Actor, pr string) (string, []any) {
	sc := a.Scope()
	org, args := sc.InReachSQL(pr + ".org_id")
	if !sc.IsLiaison() {
		return "(" + org + " OR " + pr + ".helper_user_id = ?)", append(args, a.UserID)
	}
	person, pargs := sc.AssignedPerson(pr+".target_person_id", "")
	hh, hargs := sc.AssignedHousehold(pr + ".target_household_id")
	args = append(append(append([]any{a.UserID}, args...), pargs...), hargs...)
	return "(" + pr + ".helper_user_id = ? OR (" + org + " AND (" + person + " OR " + hh + ")))", args
}

// contactScope limits contacts (alias c) like pairings: the subtree through
// the person's committee, for a liaison the persons assigned to them; and
// everyone sees the contacts they made.
func contactScope(a *auth.Actor, c string) (string, []any) {
	sc := a.Scope()
	org, args := sc.InReachSQL(c + ".org_id")
	if !sc.IsLiaison() {
		return "(" + org + " OR " + c + ".user_id = ?)", append(args, a.UserID)
	}
	person, pargs := sc.AssignedPerson(c+".person_id", "")
	return "(" + c + ".user_id = ? OR (" + org + " AND " + person + "))", append(append([]any{a.UserID}, args...), pargs...)
}

// readableOrgs limits a column naming an org unit to the actor's subtree
// and the units above the actor (duty rosters of the subdistrict are read
// by the committees under it).
func readableOrgs(a *auth.Actor, col string) (string, []any) { return a.Scope().InSubtreeOrAbove(col) }

// officialRoles are the roles whose accounts may help as officials or be
// named on a roster.
var officialRoles = []auth.Role{auth.StreetAdmin, auth.StreetStaff, auth.CommitteeStaff, auth.Leader}

// checkUser checks that userID is an enabled account usable by the actor
// as a helper, visitor or person on duty: of one of roles, attached to a
// unit in the actor's subtree or above the actor. It returns the field
// error key, or "".
func checkUser(ctx context.Context, q interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}, a *auth.Actor, userID int64, roles []auth.Role, key string) (string, error) {
	var role, path string
	var disabled int
	err := q.QueryRow(ctx, `SELECT u.role, u.disabled, o.path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, userID).Scan(&role, &disabled, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return key, nil
	}
	if err != nil {
		return "", err
	}
	ok := disabled == 0
	if ok {
		ok = false
		for _, r := range roles {
			ok = ok || auth.Role(role) == r
		}
	}
	if ok {
		ok = a.Scope().Contains(path) || strings.HasPrefix(a.OrgPath, path)
	}
	if !ok {
		return key, nil
	}
	return "", nil
}

// checkPerson checks that personID is an active registered person in the
// actor's subtree (a volunteer as helper or on duty). It returns the
// person's tags, or a field error key.
func checkPerson(ctx context.Context, tx *db.Tx, a *auth.Actor, personID int64, key string) (int64, string, error) {
	var path, status string
	var archived int
	var tags int64
	err := tx.QueryRow(ctx, `SELECT o.path, p.status, p.archived, p.tags FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = ?`, personID).
		Scan(&path, &status, &archived, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, key, nil
	}
	if err != nil {
		return 0, "", err
	}
	if status != "active" || archived != 0 || !inRange(a, path) {
		return 0, key, nil
	}
	return tags, "", nil
}
