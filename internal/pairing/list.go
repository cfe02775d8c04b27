package pairing

import (
	"context"
	"fmt"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/db"
)

// Filter selects pairings.
type Filter struct {
	// OrgID limits to the target's committee under this unit (its subtree).
	OrgID int64
	// Status: "" all, "active", "ended".
	Status            Status
	HelperKind        HelperKind
	HelperUserID      int64
	HelperPersonID    int64
	TargetPersonID    int64
	TargetHouseholdID int64
	// Overdue limits to active pairings whose next visit is past due.
	Overdue bool
	Limit   int
	Offset  int
}

func (s *Service) where(a *auth.Actor, f Filter) (string, []any) {
	cond, args := pairingScope(a, "pr")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	if f.OrgID != 0 {
		add(`pr.org_id IN (SELECT c.id FROM org_units c, org_units u WHERE u.id = ? AND c.path >= u.path AND c.path < substr(u.path, 1, length(u.path) - 1) || '0')`, f.OrgID)
	}
	if f.Status != "" {
		add("pr.status = ?", string(f.Status))
	}
	if f.HelperKind != "" {
		add("pr.helper_kind = ?", string(f.HelperKind))
	}
	if f.HelperUserID != 0 {
		add("pr.helper_user_id = ?", f.HelperUserID)
	}
	if f.HelperPersonID != 0 {
		add("pr.helper_person_id = ?", f.HelperPersonID)
	}
	if f.TargetPersonID != 0 {
		add("pr.target_person_id = ?", f.TargetPersonID)
	}
	if f.TargetHouseholdID != 0 {
		add("pr.target_household_id = ?", f.TargetHouseholdID)
	}
	if f.Overdue {
		add("pr.status = 'active' AND pr.next_due_date <> '' AND pr.next_due_date < ?", s.Today())
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List returns the pairings matching f in the actor's scope and their
// total: active first, the most overdue first, then the newest.
func (s *Service) List(ctx context.Context, a *auth.Actor, f Filter) ([]*Pairing, int, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, 0, err
	}
	where, args := s.where(a, f)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM pairings pr`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count pairings: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	list, err := s.query(ctx, where+` ORDER BY `+pairingOrder+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	return list, total, err
}

const pairingOrder = `CASE WHEN pr.status = 'active' THEN 0 ELSE 1 END, CASE WHEN pr.next_due_date = '' THEN 1 ELSE 0 END, pr.next_due_date,
	pr.start_date DESC, pr.id DESC`

func (s *Service) query(ctx context.Context, tail string, args ...any) ([]*Pairing, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+pairingCols+pairingFrom+tail, args...)
	out, err := db.Collect(rows, err, s.scanPairing)
	if err != nil {
		return nil, fmt.Errorf("list pairings: %w", err)
	}
	return out, nil
}

// all returns every pairing in scope matching an extra condition, in list
// order.
func (s *Service) all(ctx context.Context, a *auth.Actor, cond string, args ...any) ([]*Pairing, error) {
	sc, sargs := pairingScope(a, "pr")
	return s.query(ctx, ` WHERE `+sc+` AND `+cond+` ORDER BY `+pairingOrder, append(sargs, args...)...)
}

// ForPerson lists the pairings of a person's page: those that help the
// person, and those that help their household.
func (s *Service) ForPerson(ctx context.Context, a *auth.Actor, personID int64) ([]*Pairing, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	return s.all(ctx, a, `(pr.target_person_id = ? OR pr.target_household_id IN (SELECT household_id FROM persons WHERE id = ? AND household_id IS NOT NULL))`,
		personID, personID)
}

// ForHousehold lists the pairings that help a household or one of its
// members.
func (s *Service) ForHousehold(ctx context.Context, a *auth.Actor, householdID int64) ([]*Pairing, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	return s.all(ctx, a, `(pr.target_household_id = ? OR pr.target_person_id IN (SELECT id FROM persons WHERE household_id = ?))`, householdID, householdID)
}

// ForHelperUser lists the pairings in which an account (liaison or
// official) is the helper.
func (s *Service) ForHelperUser(ctx context.Context, a *auth.Actor, userID int64) ([]*Pairing, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	return s.all(ctx, a, `pr.helper_user_id = ?`, userID)
}

// ForHelperPerson lists the pairings in which a person (a volunteer) is the
// helper: the volunteer's page.
func (s *Service) ForHelperPerson(ctx context.Context, a *auth.Actor, personID int64) ([]*Pairing, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	return s.all(ctx, a, `pr.helper_person_id = ?`, personID)
}
