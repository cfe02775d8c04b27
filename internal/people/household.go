package people

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
)

const householdCols = `h.id, h.org_id, o.name, o.path, COALESCE(h.building_group_id, 0), COALESCE(bg.name, ''), h.code, h.address,
	COALESCE(h.head_person_id, 0), COALESCE(hp.name, ''), h.note, h.archived, h.version, h.updated_at`

const householdFrom = ` FROM households h JOIN org_units o ON o.id = h.org_id LEFT JOIN org_units bg ON bg.id = h.building_group_id
	LEFT JOIN persons hp ON hp.id = h.head_person_id`

func scanHousehold(sc interface{ Scan(...any) error }) (*Household, error) {
	var h Household
	var archived int
	err := sc.Scan(&h.ID, &h.OrgID, &h.OrgName, &h.orgPath, &h.BuildingGroupID, &h.BuildingGroup, &h.Code, &h.Address, &h.HeadPersonID, &h.HeadName,
		&h.Note, &archived, &h.Version, &h.UpdatedAt)
	h.Archived = archived == 1
	return &h, err
}

// Household returns a household in scope with its members (current and
// past: members who moved out or died are listed with their status).
func (s *Service) Household(ctx context.Context, a *auth.Actor, id int64) (*Household, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	return s.household(ctx, s.DB, a, id)
}

func (s *Service) household(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Household, error) {
	h, err := scanHousehold(q.QueryRow(ctx, `SELECT `+householdCols+householdFrom+` WHERE h.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	cond, args := a.Scope().Households("h")
	if err := s.checkScope(ctx, q, "households h", "h", cond, args, id); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+personCols+personFrom+` WHERE p.household_id = ? AND p.status <> 'merged' ORDER BY p.id = ? DESC, p.birth_date`, id, h.HeadPersonID)
	if h.Members, err = db.Collect(rows, err, scanPerson); err != nil {
		return nil, err
	}
	eth := map[string]bool{}
	for _, p := range h.Members {
		if p.Status == Active && !eth[p.Ethnicity] {
			eth[p.Ethnicity] = true
			h.Ethnicities = append(h.Ethnicities, p.Ethnicity)
		}
	}
	h.Size = len(h.Members)
	return h, nil
}

// HouseholdInput is what a form gives for a household.
type HouseholdInput struct {
	OrgID           int64
	BuildingGroupID int64
	Code            string
	Address         string
	Note            string
	Version         int
}

func (s *Service) checkHousehold(ctx context.Context, tx *db.Tx, a *auth.Actor, in *HouseholdInput) error {
	in.Code, in.Address, in.Note = strings.TrimSpace(in.Code), strings.TrimSpace(in.Address), strings.TrimSpace(in.Note)
	f := map[string]string{}
	if ref.TooLong(in.Code, 40) {
		f["code"] = "err.too_long"
	}
	if ref.TooLong(in.Address, 200) {
		f["address"] = "err.too_long"
	}
	if ref.TooLong(in.Note, 1000) {
		f["note"] = "err.too_long"
	}
	if err := s.checkPlace(ctx, tx, a, in.OrgID, in.BuildingGroupID, f); err != nil {
		return err
	}
	if len(f) > 0 {
		return errs.InvalidFields(f)
	}
	return nil
}

// CreateHousehold adds a household.
func (s *Service) CreateHousehold(ctx context.Context, a *auth.Actor, in HouseholdInput) (*Household, error) {
	if err := a.Require(auth.PersonEdit); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.createHousehold(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Household(ctx, a, id)
}

func (s *Service) createHousehold(ctx context.Context, tx *db.Tx, a *auth.Actor, in HouseholdInput) (int64, error) {
	if err := s.checkHousehold(ctx, tx, a, &in); err != nil {
		return 0, err
	}
	now := db.FormatTime(s.Now())
	id, err := tx.InsertID(ctx, `INSERT INTO households (org_id, building_group_id, code, address, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		in.OrgID, db.NullID(in.BuildingGroupID), in.Code, in.Address, in.Note, now, now)
	if db.IsUniqueViolation(err) {
		return 0, errs.InvalidFields(map[string]string{"code": "err.household_code_taken"})
	}
	if err != nil {
		return 0, fmt.Errorf("insert household: %w", err)
	}
	return id, audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "household", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"org_id": in.OrgID, "code": in.Code}})
}

// UpdateHousehold changes a household's place, code, address and note.
func (s *Service) UpdateHousehold(ctx context.Context, a *auth.Actor, id int64, in HouseholdInput) error {
	if err := a.Require(auth.PersonEdit); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, err := s.household(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := s.checkHousehold(ctx, tx, a, &in); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE households SET org_id = ?, building_group_id = ?, code = ?, address = ?, note = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, in.OrgID, db.NullID(in.BuildingGroupID), in.Code, in.Address, in.Note, db.FormatTime(s.Now()), id, in.Version)
		if db.IsUniqueViolation(err) {
			return errs.InvalidFields(map[string]string{"code": "err.household_code_taken"})
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		changes := audit.Changes(map[string]any{"org_id": old.OrgID, "building_group_id": old.BuildingGroupID, "code": old.Code, "address": old.Address, "note": old.Note},
			map[string]any{"org_id": in.OrgID, "building_group_id": in.BuildingGroupID, "code": in.Code, "address": in.Address, "note": in.Note})
		if len(changes) == 0 {
			return nil
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "household", EntityID: strconv.FormatInt(id, 10), Detail: changes})
	})
}

// SetMember puts a person into a household with a relation to its head
// (relation 户主 makes them the head), or takes them out when householdID is
// 0. A person belongs to at most one household: joining one leaves the
// previous.
func (s *Service) SetMember(ctx context.Context, a *auth.Actor, personID, householdID int64, relation string) error {
	if err := a.Require(auth.PersonEdit); err != nil {
		return err
	}
	relation = strings.TrimSpace(relation)
	if ref.TooLong(relation, 20) {
		return errs.InvalidFields(map[string]string{"relation": "err.too_long"})
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error { return s.setMember(ctx, tx, a, personID, householdID, relation) })
}

func (s *Service) setMember(ctx context.Context, tx *db.Tx, a *auth.Actor, personID, householdID int64, relation string) error {
	p, err := s.get(ctx, tx, a, personID)
	if err != nil {
		return err
	}
	if householdID != 0 {
		if _, err := s.household(ctx, tx, a, householdID); err != nil {
			return err
		}
	} else {
		relation = ""
	}
	if p.HouseholdID == householdID && p.Relation == relation {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE persons SET household_id = ?, relation = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		db.NullID(householdID), relation, db.FormatTime(s.Now()), personID); err != nil {
		return err
	}
	if p.HouseholdID != 0 && p.HouseholdID != householdID {
		if _, err := tx.Exec(ctx, `UPDATE households SET head_person_id = NULL WHERE id = ? AND head_person_id = ?`, p.HouseholdID, personID); err != nil {
			return err
		}
	}
	if householdID != 0 {
		if relation == "户主" {
			// One head: the previous head becomes a plain member.
			if _, err := tx.Exec(ctx, `UPDATE persons SET relation = '' WHERE household_id = ? AND relation = '户主' AND id <> ?`, householdID, personID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE households SET head_person_id = ?, version = version + 1 WHERE id = ?`, personID, householdID); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE households SET head_person_id = NULL WHERE id = ? AND head_person_id = ?`, householdID, personID); err != nil {
			return err
		}
	}
	note := ""
	if householdID != 0 {
		note = relation
	}
	if p.HouseholdID != householdID {
		if err := s.event(ctx, tx, a, personID, "household", s.Today(), 0, 0, note); err != nil {
			return err
		}
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "person", EntityID: strconv.FormatInt(personID, 10),
		Detail: audit.Changes(map[string]any{"household_id": p.HouseholdID, "relation": p.Relation}, map[string]any{"household_id": householdID, "relation": relation})})
}
