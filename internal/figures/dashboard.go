package figures

import (
	"context"
	"fmt"
	"math"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
)

// Some computes the named indicators only (a dashboard's), with the
// numerator and denominator of each percentage; unknown ids are skipped.
func (s *Service) Some(ctx context.Context, a *auth.Actor, unitID int64, p Period, ids ...string) (map[string]Value, error) {
	if err := a.Require(auth.FigureView); err != nil {
		return nil, err
	}
	q, err := s.query(ctx, a, unitID, p)
	if err != nil {
		return nil, err
	}
	return s.some(ctx, q, ids)
}

func (s *Service) some(ctx context.Context, q Query, ids []string) (map[string]Value, error) {
	out := map[string]Value{}
	ctx = withMemo(ctx)
	var one func(id string) (Value, error)
	one = func(id string) (Value, error) {
		if v, ok := out[id]; ok {
			return v, nil
		}
		ind := ByID(id)
		if ind == nil {
			return Value{ID: id}, nil
		}
		var v Value
		if ind.Kind == Percent {
			num, err := one(ind.Of[0])
			if err != nil {
				return v, err
			}
			den, err := one(ind.Of[1])
			if err != nil {
				return v, err
			}
			v = Value{ID: id}
			if num.Available && den.Available && den.Number > 0 {
				v.Available, v.Number = true, math.Round(num.Number/den.Number*1000)/10
			}
		} else {
			var err error
			if v, err = s.compute(ctx, ind, q); err != nil {
				return v, fmt.Errorf("figure %s: %w", id, err)
			}
		}
		out[id] = v
		return v, nil
	}
	for _, id := range ids {
		if ByID(id) == nil {
			continue
		}
		if _, err := one(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Child is one unit directly under the unit asked for, with figures of its
// own subtree: a dashboard's distribution over committees or building
// groups.
type Child struct {
	UnitID int64
	Name   string
	Kind   string
	Values map[string]Value
}

// Children computes the named indicators for each unit directly under
// unitID (archived units and liaison groups left out), by code.
func (s *Service) Children(ctx context.Context, a *auth.Actor, unitID int64, p Period, ids ...string) ([]Child, error) {
	if err := a.Require(auth.FigureView); err != nil {
		return nil, err
	}
	path, err := s.unit(ctx, a, unitID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, name, kind, path FROM org_units WHERE parent_id = ? AND archived = 0 AND kind <> 'liaison_group' ORDER BY code, id`, unitID)
	type unit struct {
		id               int64
		name, kind, path string
	}
	list, err := db.Collect(rows, err, func(sc db.Scanner) (unit, error) {
		var u unit
		return u, sc.Scan(&u.id, &u.name, &u.kind, &u.path)
	})
	if err != nil {
		return nil, fmt.Errorf("child units: %w", err)
	}
	today := s.Now().In(china).Format(db.DateLayout)
	if allTallied(ids) {
		kids := make([]Child, len(list))
		paths := make([]string, len(list))
		for i, u := range list {
			kids[i], paths[i] = Child{UnitID: u.id, Name: u.name, Kind: u.kind}, u.path
		}
		return s.tallyChildren(ctx, Query{UnitID: unitID, UnitPath: path, Period: p, Today: today}, kids, paths, ids)
	}
	out := make([]Child, len(list))
	fails := make([]error, len(list))
	// the units side by side, several at a time (see Parallel)
	each(len(list), func(i int) {
		u := list[i]
		vals, err := s.some(ctx, Query{UnitID: u.id, UnitPath: u.path, Period: p, Today: today}, ids)
		out[i], fails[i] = Child{UnitID: u.id, Name: u.name, Kind: u.kind, Values: vals}, err
	})
	for _, err := range fails {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ToDate is the period from the first of January of year to the day of
// now's date in that year (the whole year when it is over): a dashboard
// compares it with the same span of the year before.
func ToDate(year int, now time.Time) Period {
	now = now.In(china)
	switch {
	case year < now.Year():
		return Year(year)
	case year > now.Year():
		return Year(year)
	}
	p, _ := Range(fmt.Sprintf("%04d-01-01", year), now.Format(db.DateLayout))
	return p
}

// SameSpanBefore is period p moved back one year (29 February becomes the
// 28th).
func SameSpanBefore(p Period) Period {
	back := func(d string) string {
		t, err := time.Parse(db.DateLayout, d)
		if err != nil {
			return d
		}
		y := t.AddDate(-1, 0, 0)
		if y.Day() != t.Day() { // 29 February
			y = y.AddDate(0, 0, -y.Day())
		}
		return y.Format(db.DateLayout)
	}
	q, err := Range(back(p.From), back(p.To))
	if err != nil {
		return p
	}
	return q
}
