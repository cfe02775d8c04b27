package people

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Liaison is a liaison account as an assignment target.
type Liaison struct {
	UserID      int64
	Username    string
	DisplayName string
	OrgName     string
}

// Liaisons lists the liaison accounts in the actor's scope.
func (s *Service) Liaisons(ctx context.Context, a *auth.Actor) ([]Liaison, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	lo, hi := a.Scope().ReachRange()
	rows, err := s.DB.Query(ctx, `SELECT u.id, u.username, u.display_name, o.name FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE u.role = 'liaison' AND u.disabled = 0 AND o.path >= ? AND o.path < ? ORDER BY u.display_name, u.username`, lo, hi)
	return db.Collect(rows, err, scanLiaison)
}

// liaisonInScope checks that userID is an active liaison in the actor's scope.
func (s *Service) liaisonInScope(ctx context.Context, tx *db.Tx, a *auth.Actor, userID int64) error {
	lo, hi := a.Scope().ReachRange()
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ? AND u.role = 'liaison' AND u.disabled = 0
		AND o.path >= ? AND o.path < ?`, userID, lo, hi).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.InvalidFields(map[string]string{"liaison": "err.liaison_unknown"})
	}
	return err
}

// Assign gives persons (and/or households) to a liaison to look after, or
// takes them away (assign false). Every id must be in the actor's scope.
func (s *Service) Assign(ctx context.Context, a *auth.Actor, liaisonUserID int64, personIDs, householdIDs []int64, assign bool) (int, error) {
	if err := a.Require(auth.PersonAssign); err != nil {
		return 0, err
	}
	n := 0
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if err := s.liaisonInScope(ctx, tx, a, liaisonUserID); err != nil {
			return err
		}
		now := db.FormatTime(s.Now())
		for _, pid := range personIDs {
			if _, err := s.get(ctx, tx, a, pid); err != nil {
				return err
			}
			k, err := setAssignment(ctx, tx, "person_id", liaisonUserID, pid, assign, now)
			if err != nil {
				return err
			}
			n += k
		}
		for _, hid := range householdIDs {
			if _, err := s.household(ctx, tx, a, hid); err != nil {
				return err
			}
			k, err := setAssignment(ctx, tx, "household_id", liaisonUserID, hid, assign, now)
			if err != nil {
				return err
			}
			n += k
		}
		action := "assign"
		if !assign {
			action = "unassign"
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: action, Entity: "liaison", EntityID: strconv.FormatInt(liaisonUserID, 10),
			Detail: map[string]any{"persons": personIDs, "households": householdIDs, "changed": n}})
	})
	return n, err
}

// setAssignment adds (assign) or removes one row of liaison_assignments
// for a person or a household (col is person_id or household_id, a fixed
// column name, never input) and returns how many rows changed.
func setAssignment(ctx context.Context, tx *db.Tx, col string, userID, id int64, assign bool, now string) (int, error) {
	var res sql.Result
	var err error
	if assign {
		res, err = tx.Exec(ctx, `INSERT INTO liaison_assignments (user_id, `+col+`, created_at) SELECT ?, ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM liaison_assignments WHERE user_id = ? AND `+col+` = ?)`, userID, id, now, userID, id)
	} else {
		res, err = tx.Exec(ctx, `DELETE FROM liaison_assignments WHERE user_id = ? AND `+col+` = ?`, userID, id)
	}
	if err != nil {
		return 0, err
	}
	k, _ := res.RowsAffected()
	return int(k), nil
}

// AssignedLiaisons lists the liaisons who look after a person (directly or
// through the household).
func (s *Service) AssignedLiaisons(ctx context.Context, a *auth.Actor, personID int64) ([]Liaison, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	p, err := s.Get(ctx, a, personID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT DISTINCT u.id, u.username, u.display_name, o.name FROM liaison_assignments la JOIN users u ON u.id = la.user_id
		JOIN org_units o ON o.id = u.org_id WHERE la.person_id = ? OR (la.household_id IS NOT NULL AND la.household_id = ?) ORDER BY u.username`, personID, p.HouseholdID)
	return db.Collect(rows, err, scanLiaison)
}

// scanLiaison reads the user id, username, display name and unit name of
// a liaison.
func scanLiaison(sc db.Scanner) (Liaison, error) {
	var l Liaison
	err := sc.Scan(&l.UserID, &l.Username, &l.DisplayName, &l.OrgName)
	return l, err
}
