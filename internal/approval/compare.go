package approval

import (
	"context"
	"database/sql"
	"errors"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
)

// Column is one unit beside its siblings: its approved figures of the
// year, or none when its set is not approved (Status says where it stands:
// "" not begun, draft, submitted).
type Column struct {
	OrgID   int64
	OrgName string
	OrgKind string
	Status  Status
	// Version is the approved snapshot shown (0: not approved).
	Version int
	Figures map[string]figures.Value
}

// Approved reports whether the column shows approved figures.
func (c Column) Approved() bool { return c.Version > 0 }

// Compare returns the units directly under unitID (a district's
// subdistricts, a subdistrict's committees; not archived) with their
// approved figures of year side by side — what a district reads of its
// subdistricts. Units not yet approved are there without figures.
func (s *Service) Compare(ctx context.Context, a *auth.Actor, unitID int64, year int) (parent string, cols []Column, err error) {
	if err := a.Require(auth.FigureView); err != nil {
		return "", nil, err
	}
	var path string
	err = s.DB.QueryRow(ctx, `SELECT name, path FROM org_units WHERE id = ?`, unitID).Scan(&parent, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, errs.ErrNotFound
	}
	if err != nil {
		return "", nil, err
	}
	if !a.Scope().Contains(path) {
		return "", nil, errs.ErrOutOfScope
	}
	rows, err := s.DB.Query(ctx, `SELECT u.id, u.name, u.kind, COALESCE(r.status, ''), COALESCE(x.version, 0), COALESCE(x.figures, '')
		FROM org_units u LEFT JOIN report_sets r ON r.org_id = u.id AND r.year = ?
		LEFT JOIN report_snapshots x ON x.set_id = r.id AND x.version = r.approved_version AND r.status = 'approved'
		WHERE u.parent_id = ? AND u.archived = 0 AND u.kind IN ('subdistrict', 'committee') ORDER BY u.path`, year, unitID)
	type item struct {
		col  Column
		figs string
	}
	items, err := db.Collect(rows, err, func(sc db.Scanner) (item, error) {
		var it item
		var st string
		err := sc.Scan(&it.col.OrgID, &it.col.OrgName, &it.col.OrgKind, &st, &it.col.Version, &it.figs)
		it.col.Status = Status(st)
		return it, err
	})
	if err != nil {
		return "", nil, err
	}
	for _, it := range items {
		if it.col.Version > 0 {
			sum, err := decodeFigures(it.figs)
			if err != nil {
				return "", nil, err
			}
			it.col.Figures = figures.FromSummary(sum)
		}
		cols = append(cols, it.col)
	}
	return parent, cols, nil
}
