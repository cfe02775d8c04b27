package people

import (
	"context"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
)

// Change is a lifecycle step: what happens, when, and where to (for moves
// and returns).
type Change struct {
	// Kind is moved (to another committee), moved_out (迁出, or a floating
	// resident left), deceased, returned (back to active).
	Kind            string
	Date            string
	OrgID           int64 // moved, returned: the committee
	BuildingGroupID int64
	Note            string
	Version         int
}

// Lifecycle applies a change to a person, keeping it in the history with
// its date. Nothing is deleted: a person who moved out or died stays in the
// registry with that status, and can come back.
func (s *Service) Lifecycle(ctx context.Context, a *auth.Actor, id int64, c Change) error {
	if err := a.Require(auth.PersonEdit); err != nil {
		return err
	}
	f := map[string]string{}
	t, ok := ref.ParseDate(c.Date)
	if !ok {
		f["date"] = "err.date_invalid"
	} else {
		c.Date = t.Format(db.DateLayout)
		if c.Date > s.Today() {
			f["date"] = "err.date_future"
		}
	}
	c.Note = strings.TrimSpace(c.Note)
	if ref.TooLong(c.Note, 500) {
		f["note"] = "err.too_long"
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		p, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if p.Status == Merged {
			return errs.E(errs.Invalid, "err.person_merged")
		}
		var status Status
		org, bg := p.OrgID, p.BuildingGroupID
		switch c.Kind {
		case "moved":
			if p.Status != Active {
				return errs.E(errs.Invalid, "err.person_not_active")
			}
			status, org, bg = Active, c.OrgID, c.BuildingGroupID
			if c.OrgID == p.OrgID {
				f["org_id"] = "err.same_committee"
			}
			if err := s.checkPlace(ctx, tx, a, org, bg, f); err != nil {
				return err
			}
		case "returned":
			if p.Status == Active {
				return errs.E(errs.Invalid, "err.person_already_active")
			}
			status, org, bg = Active, c.OrgID, c.BuildingGroupID
			if org == 0 {
				org, bg = p.OrgID, p.BuildingGroupID
			}
			if err := s.checkPlace(ctx, tx, a, org, bg, f); err != nil {
				return err
			}
		case "moved_out", "deceased":
			if p.Status != Active {
				return errs.E(errs.Invalid, "err.person_not_active")
			}
			status = MovedOut
			if c.Kind == "deceased" {
				status = Deceased
			}
		default:
			return errs.InvalidFields(map[string]string{"kind": "err.invalid"})
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		res, err := tx.Exec(ctx, `UPDATE persons SET status = ?, status_date = ?, org_id = ?, building_group_id = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, string(status), c.Date, org, db.NullID(bg), db.FormatTime(s.Now()), id, c.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		if status != Active && p.HouseholdID != 0 {
			// A person who left or died stays listed in the household's
			// history but no longer heads it.
			if _, err := tx.Exec(ctx, `UPDATE households SET head_person_id = NULL WHERE id = ? AND head_person_id = ?`, p.HouseholdID, id); err != nil {
				return err
			}
		}
		if err := s.event(ctx, tx, a, id, c.Kind, c.Date, p.OrgID, org, c.Note); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "person", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"lifecycle": c.Kind, "date": c.Date, "status": audit.Change{Old: p.Status, New: status}, "org_id": audit.Change{Old: p.OrgID, New: org}}})
	})
}

// SetArchived hides a person from lists (or shows them again). Archiving is
// how a mistaken record is taken out: nothing is deleted, and the audit log
// keeps who did it.
func (s *Service) SetArchived(ctx context.Context, a *auth.Actor, id int64, archived bool, reason string) error {
	if err := a.Require(auth.PersonEdit); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if archived && reason == "" {
		return errs.InvalidFields(map[string]string{"reason": "err.reason_required"})
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		p, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if p.Archived == archived {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE persons SET archived = ?, version = version + 1, updated_at = ? WHERE id = ?`, boolInt(archived), db.FormatTime(s.Now()), id); err != nil {
			return err
		}
		kind, action := "archived", audit.ActionArchive
		if !archived {
			kind, action = "restored", "restore"
		}
		if err := s.event(ctx, tx, a, id, kind, s.Today(), 0, 0, reason); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: action, Entity: "person", EntityID: strconv.FormatInt(id, 10), Detail: map[string]any{"reason": reason}})
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
