package pairing

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// scopeRange returns the range of org paths whose records the actor may
// see. A liaison belongs to a liaison group, which stands beside the
// committees it serves: the persons assigned to them live under the group's
// parent (the same rule as the registry's). A nil actor (the command line)
// sees everything.
func scopeRange(a *auth.Actor) (lo, hi string) {
	if a == nil {
		return "/", "0"
	}
	sc := a.Scope()
	if sc.Path == "" {
		return "", ""
	}
	if sc.LiaisonUserID != 0 {
		if i := strings.LastIndexByte(strings.TrimSuffix(sc.Path, "/"), '/'); i > 0 {
			sc.Path = sc.Path[:i+1]
		}
	}
	return sc.PathRange()
}

func inRange(a *auth.Actor, path string) bool {
	lo, hi := scopeRange(a)
	return path >= lo && path < hi
}

// isLiaison reports whether the actor's scope is narrowed to assignments.
func isLiaison(a *auth.Actor) bool { return a != nil && a.Scope().LiaisonUserID != 0 }

// uidOf returns the actor's user id, 0 for the command line.
func uidOf(a *auth.Actor) int64 {
	if a == nil {
		return 0
	}
	return a.UserID
}

// can reports whether the actor holds p; the command line holds all.
func can(a *auth.Actor, p auth.Permission) bool { return a == nil || a.Can(p) }

var errForbidden = errs.E(errs.Forbidden, "err.forbidden")

// orgRange is the condition "col names an org unit in [lo, hi)".
func orgRange(col string) string {
	return col + " IN (SELECT id FROM org_units WHERE path >= ? AND path < ?)"
}

// assignedTarget is the condition "the pairing (alias pr) targets a person
// or household assigned to liaison uid": the person directly or through
// their household, the household directly or through one of its members
// (as the registry's liaison scope reads them).
func assignedTarget(pr string, uid int64) (string, []any) {
	return "(" + pr + ".target_person_id IN (SELECT person_id FROM liaison_assignments WHERE user_id = ? AND person_id IS NOT NULL)" +
			" OR " + pr + ".target_person_id IN (SELECT p.id FROM persons p JOIN liaison_assignments la ON la.household_id = p.household_id WHERE la.user_id = ?)" +
			" OR " + pr + ".target_household_id IN (SELECT household_id FROM liaison_assignments WHERE user_id = ? AND household_id IS NOT NULL)" +
			" OR " + pr + ".target_household_id IN (SELECT p.household_id FROM persons p JOIN liaison_assignments la ON la.person_id = p.id WHERE la.user_id = ? AND p.household_id IS NOT NULL))",
		[]any{uid, uid, uid, uid}
}

// assignedPerson is the condition "person (column col) is assigned to
// liaison uid, directly or through their household".
func assignedPerson(col string, uid int64) (string, []any) {
	return "(" + col + " IN (SELECT person_id FROM liaison_assignments WHERE user_id = ? AND person_id IS NOT NULL)" +
			" OR " + col + " IN (SELECT p.id FROM persons p JOIN liaison_assignments la ON la.household_id = p.household_id WHERE la.user_id = ?))",
		[]any{uid, uid}
}

// pairingScope limits pairings (alias pr) to the actor's scope: the org
// subtree of the actor through the target's committee; a liaison sees the
// pairings whose target is assigned to them. Everyone sees the pairings in
// which they are the helper.
func pairingScope(a *auth.Actor, pr string) (string, []any) {
	if a == nil {
		return "1 = 1", nil
	}
	lo, hi := scopeRange(a)
	if !isLiaison(a) {
		return "(" + orgRange(pr+".org_id") + " OR " + pr + ".helper_user_id = ?)", []any{lo, hi, a.UserID}
	}
	cond, args := assignedTarget(pr, a.UserID)
	return "(" + pr + ".helper_user_id = ? OR (" + orgRange(pr+".org_id") + " AND " + cond + "))", append([]any{a.UserID, lo, hi}, args...)
}

// contactScope limits contacts (alias c) like pairings: the subtree through
// the person's committee, for a liaison the persons assigned to them; and
// everyone sees the contacts they made.
func contactScope(a *auth.Actor, c string) (string, []any) {
	if a == nil {
		return "1 = 1", nil
	}
	lo, hi := scopeRange(a)
	if !isLiaison(a) {
		return "(" + orgRange(c+".org_id") + " OR " + c + ".user_id = ?)", []any{lo, hi, a.UserID}
	}
	cond, args := assignedPerson(c+".person_id", a.UserID)
	return "(" + c + ".user_id = ? OR (" + orgRange(c+".org_id") + " AND " + cond + "))", append([]any{a.UserID, lo, hi}, args...)
}

// ancestorIDs returns the ids of the units on an org path ('/1/4/9/' → 1,
// 4, 9): the actor's unit and the units above it.
func ancestorIDs(path string) []any {
	var out []any
	for _, s := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// readableOrgs limits a column naming an org unit to the actor's subtree
// and the units above the actor (duty rosters of the subdistrict are read
// by the committees under it).
func readableOrgs(a *auth.Actor, col string) (string, []any) {
	if a == nil {
		return "1 = 1", nil
	}
	lo, hi := a.Scope().PathRange()
	cond := "(" + orgRange(col)
	args := []any{lo, hi}
	if ids := ancestorIDs(a.OrgPath); len(ids) > 0 {
		cond += " OR " + col + " IN (" + db.Placeholders(len(ids)) + ")"
		args = append(args, ids...)
	}
	return cond + ")", args
}

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
	if ok && a != nil {
		lo, hi := a.Scope().PathRange()
		ok = (path >= lo && path < hi) || strings.HasPrefix(a.OrgPath, path)
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
	if status != "active" || archived != 0 || (a != nil && !inRange(a, path)) {
		return 0, key, nil
	}
	return tags, "", nil
}
