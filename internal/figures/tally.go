package figures

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"

	"shiliu/internal/activity"
	"shiliu/internal/db"
	"shiliu/internal/people"
)

// who is a condition on the persons of a subtree living there at the
// period's end: one definition gives both the SQL that selects them (the
// figure's record list) and the test of a tally's cell (the figure).
type who struct {
	minority bool
	// kind: 1 registered, 2 floating, 0 either
	kind int
	// workplace: 1 a local unit, 2 a new organisation, 0 any
	workplace int
	// tag the person must carry, 0 none
	tag people.Tag
}

// cond is the condition in SQL over persons p.
func (w who) cond() string {
	var cs []string
	if w.minority {
		cs = append(cs, minority)
	}
	if w.kind != 0 {
		cs = append(cs, "p.kind = "+strconv.Itoa(w.kind))
	}
	if w.workplace != 0 {
		cs = append(cs, "p.workplace_kind = "+strconv.Itoa(w.workplace))
	}
	if w.tag != 0 {
		cs = append(cs, tagged(w.tag))
	}
	if len(cs) == 0 {
		return "1 = 1"
	}
	return strings.Join(cs, " AND ")
}

// holds is the same condition on a tally's cell.
func (w who) holds(c cell) bool {
	return (!w.minority || c.ethnicity != "01") && (w.kind == 0 || c.kind == w.kind) &&
		(w.workplace == 0 || c.workplace == w.workplace) && (w.tag == 0 || c.tags&int64(w.tag) != 0)
}

// tallied is how an indicator is read from the persons' tally: a count of
// the persons who, their number by ethnicity (a breakdown), or the number
// of ethnicities among them.
type tallied struct {
	who who
	by  string // "" count, "ethnicity" breakdown, "groups" distinct ethnicities
}

// tallyTags are the tags a tally tells apart.
const tallyTags = people.TagLiaison | people.TagVolunteer

// cell is one group of a tally: how many persons have these attributes.
type cell struct {
	ethnicity       string
	kind, workplace int
	tags            int64
	n               int64
}

// tallySQL counts the persons of the subtree living there at the period's
// end by the attributes the person figures test, in one pass (over the
// covering index persons_figures): nine figures that were nine scans of a
// million persons are one. byUnit counts them by unit too (org_id first).
func tallySQL(q Query, byUnit bool) (string, []any) {
	sub, sargs := q.Subtree("p.org_id")
	act, aargs := activeAt(q)
	cols := `p.ethnicity, p.kind, p.workplace_kind, p.tags & ` + strconv.Itoa(int(tallyTags))
	if byUnit {
		cols = `p.org_id, ` + cols
	}
	return `SELECT ` + cols + `, COUNT(*) AS n FROM persons p WHERE ` + sub + ` AND ` + act + ` GROUP BY ` + cols, append(sargs, aargs...)
}

// scanCell reads a cell after the columns before it in dest.
func scanCell(sc db.Scanner, c *cell, before ...any) error {
	return sc.Scan(append(before, &c.ethnicity, &c.kind, &c.workplace, &c.tags, &c.n)...)
}

// memo holds what the figures of one query share: the persons' tally,
// read once by whichever figure needs it first.
type memo struct {
	once  sync.Once
	cells []cell
	err   error
	// the volunteers' minutes by source (indicators_more.go)
	hoursOnce sync.Once
	hours     map[activity.Source]int
	hoursErr  error
}

// memoKey carries a computation's memo in its context, to compute and to
// the Value and Parts functions.
type memoKey struct{}

// withMemo gives ctx a new memo for one computation.
func withMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{})
}

// memoOf is ctx's memo, or a new one when the computation shares none.
func memoOf(ctx context.Context) *memo {
	if m, ok := ctx.Value(memoKey{}).(*memo); ok {
		return m
	}
	return &memo{}
}

func (m *memo) tally(ctx context.Context, d *db.DB, q Query) ([]cell, error) {
	m.once.Do(func() {
		query, args := tallySQL(q, false)
		rows, err := d.Query(ctx, query, args...)
		m.cells, m.err = db.Collect(rows, err, func(sc db.Scanner) (cell, error) {
			var c cell
			return c, scanCell(sc, &c)
		})
	})
	return m.cells, m.err
}

// fromTally reads an indicator from the tally.
func fromTally(ind *Indicator, cells []cell) Value {
	v := Value{ID: ind.ID, Available: true}
	t := ind.tally
	by := map[string]int64{}
	for _, c := range cells {
		if t.who.holds(c) {
			v.Number += float64(c.n)
			by[c.ethnicity] += c.n
		}
	}
	switch t.by {
	case "groups":
		v.Number = float64(len(by))
	case "ethnicity":
		for code, n := range by {
			v.Parts = append(v.Parts, Part{Key: code, Code: code, Count: float64(n)})
		}
		// as the SQL of a breakdown orders them: largest first, then by code
		sort.Slice(v.Parts, func(i, j int) bool {
			a, b := v.Parts[i], v.Parts[j]
			return a.Count > b.Count || a.Count == b.Count && a.Code < b.Code
		})
		if ind.KeyName != nil {
			for i := range v.Parts {
				v.Parts[i].Key = ind.KeyName(v.Parts[i].Code)
			}
		}
	}
	return v
}

// allTallied reports whether every indicator of ids is read from the tally.
func allTallied(ids []string) bool {
	for _, id := range ids {
		if ind := ByID(id); ind == nil || ind.tally == nil {
			return false
		}
	}
	return len(ids) > 0
}

// tallyChildren computes tallied indicators for the units under q's unit
// from one tally of q's subtree by unit: the persons of each unit are
// added to the child whose subtree holds it. (Asking each of a district's
// 250 subdistricts in turn took a minute at a million persons.)
func (s *Service) tallyChildren(ctx context.Context, q Query, kids []Child, paths []string, ids []string) ([]Child, error) {
	query, args := tallySQL(q, true)
	rows, err := s.DB.Query(ctx, `SELECT o.path, t.* FROM (`+query+`) t JOIN org_units o ON o.id = t.org_id`, args...)
	if err != nil {
		return nil, err
	}
	// the child of each unit's path: the longest child path it begins with
	// (child paths do not nest, so the first that matches)
	byChild := make([][]cell, len(kids))
	find := map[string]int{}
	for rows.Next() {
		var path string
		var orgID int64
		var c cell
		if err := scanCell(rows, &c, &path, &orgID); err != nil {
			rows.Close()
			return nil, err
		}
		i, ok := find[path]
		if !ok {
			i = -1
			for k, cp := range paths {
				if strings.HasPrefix(path, cp) {
					i = k
					break
				}
			}
			find[path] = i
		}
		if i >= 0 {
			byChild[i] = append(byChild[i], c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range kids {
		kids[i].Values = map[string]Value{}
		for _, id := range ids {
			kids[i].Values[id] = fromTally(ByID(id), byChild[i])
		}
	}
	return kids, nil
}

// init gives every tallied count its record list: the persons the same
// condition selects.
func init() {
	for i := range Indicators {
		if t := Indicators[i].tally; t != nil && t.by == "" {
			Indicators[i].Records = persons(t.who.cond())
		}
	}
}
