package people

import (
	"context"
	"strconv"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
)

// DuplicatePair is two records that look like one person: same name and
// birth date, different ID numbers.
type DuplicatePair struct {
	A, B *Person
}

// Duplicates lists suspected duplicates in scope (both records in scope).
func (s *Service) Duplicates(ctx context.Context, a *auth.Actor, limit int) ([]DuplicatePair, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	ca, argsA := a.Scope().Persons("x")
	cb, argsB := a.Scope().Persons("y")
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.DB.Query(ctx, `SELECT x.id, y.id FROM persons x JOIN persons y ON y.birth_date = x.birth_date AND y.name = x.name AND y.id > x.id
		WHERE x.status <> 'merged' AND y.status <> 'merged' AND x.archived = 0 AND y.archived = 0 AND `+ca+` AND `+cb+`
		ORDER BY x.name, x.id LIMIT ?`, append(append(argsA, argsB...), limit)...)
	ids, err := db.Collect(rows, err, func(sc db.Scanner) ([2]int64, error) {
		var p [2]int64
		err := sc.Scan(&p[0], &p[1])
		return p, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]DuplicatePair, 0, len(ids))
	for _, p := range ids {
		x, err := s.Get(ctx, a, p[0])
		if err != nil {
			return nil, err
		}
		y, err := s.Get(ctx, a, p[1])
		if err != nil {
			return nil, err
		}
		out = append(out, DuplicatePair{x, y})
	}
	return out, nil
}

// Merge folds the record drop into keep: drop is marked merged (kept, with
// its history, which keep's page shows with its own), its liaison
// assignments move to keep, and keep takes drop's household if it has none.
func (s *Service) Merge(ctx context.Context, a *auth.Actor, keep, drop int64) error {
	if err := a.Require(auth.PersonEdit); err != nil {
		return err
	}
	if keep == drop {
		return errs.E(errs.Invalid, "err.merge_same")
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		k, err := s.get(ctx, tx, a, keep)
		if err != nil {
			return err
		}
		d, err := s.get(ctx, tx, a, drop)
		if err != nil {
			return err
		}
		if k.Status == Merged || d.Status == Merged {
			return errs.E(errs.Invalid, "err.person_merged")
		}
		now := db.FormatTime(s.Now())
		if _, err := tx.Exec(ctx, `UPDATE persons SET status = 'merged', merged_into = ?, status_date = ?, household_id = NULL, version = version + 1, updated_at = ? WHERE id = ?`,
			keep, s.Today(), now, drop); err != nil {
			return err
		}
		// Records merged earlier into drop now point at keep, whose history
		// lists the events of every record merged into it.
		if _, err := tx.Exec(ctx, `UPDATE persons SET merged_into = ? WHERE merged_into = ?`, keep, drop); err != nil {
			return err
		}
		if k.HouseholdID == 0 && d.HouseholdID != 0 {
			if _, err := tx.Exec(ctx, `UPDATE persons SET household_id = ?, relation = ?, version = version + 1, updated_at = ? WHERE id = ?`, d.HouseholdID, d.Relation, now, keep); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE households SET head_person_id = ? WHERE head_person_id = ?`, keep, drop); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE households SET head_person_id = NULL WHERE head_person_id = ?`, drop); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE liaison_assignments SET person_id = ? WHERE person_id = ? AND user_id NOT IN (SELECT user_id FROM liaison_assignments WHERE person_id = ?)`, keep, drop, keep); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM liaison_assignments WHERE person_id = ?`, drop); err != nil {
			return err
		}
		note := "#" + strconv.FormatInt(drop, 10) + " → #" + strconv.FormatInt(keep, 10)
		if err := s.event(ctx, tx, a, keep, "merged", s.Today(), 0, 0, note); err != nil {
			return err
		}
		if err := s.event(ctx, tx, a, drop, "merged", s.Today(), 0, 0, note); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "merge", Entity: "person", EntityID: strconv.FormatInt(keep, 10),
			Detail: map[string]any{"kept": keep, "merged": drop}})
	})
}

// Quality is the data quality page's counts.
type Quality struct {
	Duplicates       int
	NoHousehold      int
	CommitteeGone    int
	OverStay         int
	PermitExpired    int
	PermitExpiring30 int
}

// QualityCounts counts the registry's known problems in scope.
func (s *Service) QualityCounts(ctx context.Context, a *auth.Actor) (*Quality, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	q := &Quality{}
	dups, err := s.Duplicates(ctx, a, 1000)
	if err != nil {
		return nil, err
	}
	q.Duplicates = len(dups)
	for _, c := range []struct {
		n    *int
		list QualityList
	}{{&q.NoHousehold, ListNoHousehold}, {&q.CommitteeGone, ListCommitteeGone}, {&q.OverStay, ListOverStay}, {&q.PermitExpired, ListPermitExpired}, {&q.PermitExpiring30, ListPermitExpiring}} {
		where, args := s.qualityWhere(a, c.list)
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM persons p`+where, args...).Scan(c.n); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// QualityList names a list of the data quality page.
type QualityList string

// The lists.
const (
	ListNoHousehold    QualityList = "no_household"
	ListCommitteeGone  QualityList = "committee_gone"
	ListOverStay       QualityList = "over_stay"
	ListPermitExpired  QualityList = "permit_expired"
	ListPermitExpiring QualityList = "permit_expiring"
)

func (s *Service) qualityWhere(a *auth.Actor, l QualityList) (string, []any) {
	cond, args := a.Scope().Persons("p")
	today := s.Today()
	in30 := s.Now().In(ref.China).AddDate(0, 0, 30).Format(time.DateOnly)
	w := " WHERE p.status = 'active' AND p.archived = 0 AND " + cond
	switch l {
	case ListNoHousehold:
		w += " AND p.household_id IS NULL"
	case ListCommitteeGone:
		w += " AND p.org_id IN (SELECT id FROM org_units WHERE archived = 1 OR kind <> 'committee')"
	case ListOverStay:
		w += " AND p.kind = 2 AND p.expected_leave_date <> '' AND p.expected_leave_date < ?"
		args = append(args, today)
	case ListPermitExpired:
		w += " AND p.kind = 2 AND p.permit_expiry <> '' AND p.permit_expiry < ?"
		args = append(args, today)
	case ListPermitExpiring:
		w += " AND p.kind = 2 AND p.permit_expiry >= ? AND p.permit_expiry <= ?"
		args = append(args, today, in30)
	default:
		w += " AND 1 = 0"
	}
	return w, args
}

// QualityPersons lists the persons of a quality list, and the total.
func (s *Service) QualityPersons(ctx context.Context, a *auth.Actor, l QualityList, limit, offset int) ([]*Person, int, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, 0, err
	}
	where, args := s.qualityWhere(a, l)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM persons p`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	sort := "name"
	if l == ListPermitExpired || l == ListPermitExpiring {
		sort = "permit"
	} else if l == ListOverStay {
		sort = "leave"
	}
	list, err := s.page(ctx, where, args, Filter{Limit: limit, Offset: offset, Sort: sort})
	return list, total, err
}

// Counts are the registry's headline figures for a dashboard: numbers only,
// no names, so leaders (who see figures, not persons) may have them.
type Counts struct {
	Active, Registered, Floating, Minority, MinorityRegistered, MinorityFloating, Households, MixedHouseholds int
}

// DashboardCounts counts active persons and households in the actor's org
// subtree. It ignores a liaison's narrower scope on purpose: callers show
// it to roles that read figures.
func (s *Service) DashboardCounts(ctx context.Context, a *auth.Actor) (*Counts, error) {
	if err := a.Require(auth.FigureView); err != nil {
		return nil, err
	}
	lo, hi := a.Scope().PathRange()
	c := &Counts{}
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN kind = 1 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ethnicity <> '01' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ethnicity <> '01' AND kind = 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ethnicity <> '01' AND kind = 2 THEN 1 ELSE 0 END), 0)
		FROM persons WHERE status = 'active' AND archived = 0 AND org_id IN (SELECT id FROM org_units WHERE path >= ? AND path < ?)`, lo, hi).
		Scan(&c.Active, &c.Registered, &c.Floating, &c.Minority, &c.MinorityRegistered, &c.MinorityFloating)
	if err != nil {
		return nil, err
	}
	err = s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), 0) FROM (
		SELECT h.id, (SELECT COUNT(DISTINCT m.ethnicity) FROM persons m WHERE m.household_id = h.id AND m.status = 'active') AS n
		FROM households h WHERE h.archived = 0 AND h.org_id IN (SELECT id FROM org_units WHERE path >= ? AND path < ?)) x`, lo, hi).Scan(&c.Households, &c.MixedHouseholds)
	return c, err
}
