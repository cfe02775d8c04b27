package honour

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"shiliu/internal/access"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

const honourCols = `h.id, h.org_id, o.name, h.kind_id, k.code, k.name, k.recipient, h.year, COALESCE(h.household_id, 0), COALESCE(h.person_id, 0),
	COALESCE(h.unit_id, 0), h.collective, COALESCE(hp.name, ''), COALESCE(hh.code, ''), COALESCE(p.name, ''), COALESCE(u.name, ''), h.deeds, h.status,
	COALESCE(NULLIF(nu.display_name, ''), nu.username, ''), h.nominated_at, COALESCE(NULLIF(ru.display_name, ''), ru.username, ''), h.reviewed_at,
	h.review_note, COALESCE(NULLIF(du.display_name, ''), du.username, ''), h.decided_at, COALESCE(g.name, ''), h.refused_at, h.refuse_reason,
	h.certificate_no, h.version, h.created_at`

const honourFrom = ` FROM honours h JOIN org_units o ON o.id = h.org_id JOIN honour_kinds k ON k.id = h.kind_id
	LEFT JOIN households hh ON hh.id = h.household_id LEFT JOIN persons hp ON hp.id = hh.head_person_id
	LEFT JOIN persons p ON p.id = h.person_id LEFT JOIN org_units u ON u.id = h.unit_id
	LEFT JOIN users nu ON nu.id = h.nominated_by LEFT JOIN users ru ON ru.id = h.reviewed_by LEFT JOIN users du ON du.id = h.decided_by
	LEFT JOIN org_units g ON g.id = h.granted_by_org`

func scanHonour(sc db.Scanner) (*Honour, error) {
	var h Honour
	var rec, status, head, code, person, unit string
	err := sc.Scan(&h.ID, &h.OrgID, &h.OrgName, &h.KindID, &h.KindCode, &h.KindName, &rec, &h.Year, &h.HouseholdID, &h.PersonID, &h.UnitID,
		&h.Collective, &head, &code, &person, &unit, &h.Deeds, &status, &h.NominatedBy, &h.NominatedAt, &h.ReviewedBy, &h.ReviewedAt, &h.ReviewNote,
		&h.DecidedBy, &h.DecidedAt, &h.GrantedByOrg, &h.RefusedAt, &h.RefuseReason, &h.CertificateNo, &h.Version, &h.CreatedAt)
	if err != nil {
		return nil, err
	}
	h.Recipient, h.Status = Recipient(rec), Status(status)
	switch {
	case h.HouseholdID != 0 && head != "":
		h.RecipientName = head
	case h.HouseholdID != 0:
		h.RecipientName = code
	case h.PersonID != 0:
		h.RecipientName = person
	case h.UnitID != 0:
		h.RecipientName = unit
	default:
		h.RecipientName = h.Collective
	}
	return &h, nil
}

// get reads an honour in the actor's scope (out of scope reads as not
// found).
func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Honour, error) {
	h, err := scanHonour(q.QueryRow(ctx, `SELECT `+honourCols+honourFrom+` WHERE h.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get honour %d: %w", id, err)
	}
	cond, args := readable(a, "h")
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM honours h WHERE h.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Get returns an honour in the actor's scope.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Honour, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

// Filter selects honours.
type Filter struct {
	Year   int
	KindID int64
	Status Status
	// OrgID limits to the honours of this unit's subtree.
	OrgID int64
	// HouseholdID and UnitID: the honours of one household or one unit
	// (a building group's own).
	HouseholdID int64
	UnitID      int64
	Limit       int
	Offset      int
}

// List returns the honours in the actor's scope matching f, newest year
// first, and their total.
func (s *Service) List(ctx context.Context, a *auth.Actor, f Filter) ([]*Honour, int, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, 0, err
	}
	cond, args := readable(a, "h")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	if f.Year != 0 {
		add("h.year = ?", f.Year)
	}
	if f.KindID != 0 {
		add("h.kind_id = ?", f.KindID)
	}
	if f.Status != "" {
		add("h.status = ?", string(f.Status))
	}
	if f.OrgID != 0 {
		var path string
		err := s.DB.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, f.OrgID).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, 0, nil
		}
		if err != nil {
			return nil, 0, err
		}
		c, v := access.Scope{Path: path}.InSubtree("h.org_id")
		add(c, v...)
	}
	if f.HouseholdID != 0 {
		add("h.household_id = ?", f.HouseholdID)
	}
	if f.UnitID != 0 {
		add("h.unit_id = ?", f.UnitID)
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM honours h`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count honours: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+honourCols+honourFrom+where+` ORDER BY h.year DESC, k.sort, h.id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	out, err := db.Collect(rows, err, scanHonour)
	if err != nil {
		return nil, 0, fmt.Errorf("list honours: %w", err)
	}
	return out, total, nil
}

// Figures are the report's counts of honours granted in a year.
type Figures struct {
	// HonouredFamilies: households granted 民族团结文明家庭.
	HonouredFamilies int
	// FeaturedBuildingGroups: building groups granted 民族团结特色楼组.
	FeaturedBuildingGroups int
}

// FiguresSQL counts the households or units granted a kind of honour in a
// year; the org condition is appended. It is the query the report runs.
const FiguresSQL = `SELECT COUNT(DISTINCT COALESCE(h.household_id, h.unit_id)) FROM honours h JOIN honour_kinds k ON k.id = h.kind_id
	WHERE k.code = ? AND h.status = 'granted' AND h.year = ? AND `

// Figures counts the honours granted in year in the actor's scope.
func (s *Service) Figures(ctx context.Context, a *auth.Actor, year int) (Figures, error) {
	var fg Figures
	if err := a.RequireAny(auth.CommunityView, auth.FigureView); err != nil {
		return fg, err
	}
	cond, args := readable(a, "h")
	for code, dst := range map[string]*int{KindCivilisedFamily: &fg.HonouredFamilies, KindFeaturedGroup: &fg.FeaturedBuildingGroups} {
		if err := s.DB.QueryRow(ctx, FiguresSQL+cond, append([]any{code, year}, args...)...).Scan(dst); err != nil {
			return fg, fmt.Errorf("honour figures: %w", err)
		}
	}
	return fg, nil
}
