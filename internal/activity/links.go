package activity

import (
	"context"
	"database/sql"
	"errors"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// PartnerRef names a partner organisation an activity can be done with.
type PartnerRef struct {
	ID      int64
	Name    string
	OrgName string
}

// Partners lists the partner organisations the actor's activities can
// name: those of the actor's subtree and of the units above it.
func (s *Service) Partners(ctx context.Context, a *auth.Actor) ([]PartnerRef, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	cond, args := readable(a, "x")
	rows, err := s.DB.Query(ctx, `SELECT x.id, x.name, o.name FROM partners x JOIN org_units o ON o.id = x.org_id WHERE x.active = 1 AND `+cond+
		` ORDER BY o.path, x.name LIMIT 500`, args...)
	return db.Collect(rows, err, scanPartnerRef)
}

func scanPartnerRef(sc db.Scanner) (PartnerRef, error) {
	var p PartnerRef
	return p, sc.Scan(&p.ID, &p.Name, &p.OrgName)
}

// PartnersByID names the partners of ids the actor may see.
func (s *Service) PartnersByID(ctx context.Context, a *auth.Actor, ids []int64) ([]PartnerRef, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cond, args := readable(a, "x")
	rows, err := s.DB.Query(ctx, `SELECT x.id, x.name, o.name FROM partners x JOIN org_units o ON o.id = x.org_id WHERE x.id IN (`+
		db.Placeholders(len(ids))+`) AND `+cond+` ORDER BY x.name`, append(anys(ids), args...)...)
	return db.Collect(rows, err, scanPartnerRef)
}

// HouseholdsByID names the households of ids in the actor's registry
// scope (the form of a holiday visit lists them).
func (s *Service) HouseholdsByID(ctx context.Context, a *auth.Actor, ids []int64) ([]Household, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	ids = uniq(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	cond, args := a.Scope().Households("h")
	rows, err := s.DB.Query(ctx, `SELECT h.id, h.address, COALESCE(hp.name, ''), o.name FROM households h JOIN org_units o ON o.id = h.org_id
		LEFT JOIN persons hp ON hp.id = h.head_person_id WHERE h.id IN (`+db.Placeholders(len(ids))+`) AND `+cond+` ORDER BY o.path, h.address`,
		append(anys(ids), args...)...)
	return db.Collect(rows, err, func(sc db.Scanner) (Household, error) {
		var h Household
		return h, sc.Scan(&h.ID, &h.Address, &h.Head, &h.OrgName)
	})
}

// PhotoActivity is the activity a photo belongs to, if the actor may open
// it.
func (s *Service) PhotoActivity(ctx context.Context, a *auth.Actor, photoID int64) (int64, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT activity_id FROM activity_files WHERE id = ?`, photoID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	_, err = s.get(ctx, s.DB, a, id)
	return id, err
}
