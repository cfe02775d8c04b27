// Package figures computes the report's figures (DOMAIN.md "The annual
// figures") from the live records, for any org unit's subtree and any
// period, on both engines. Every figure that counts records is defined by
// the SQL that selects them: its value is the count of that selection and
// its record list is the selection itself, so a figure and the list behind
// it cannot disagree. A figure whose data is not kept yet is "not
// available", never 0.
package figures

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"shiliu/internal/access"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Kind is what an indicator's value is.
type Kind int

// The kinds of value.
const (
	// Count is a number of records (or a base figure).
	Count Kind = iota
	// Percent is one figure over another × 100, one decimal.
	Percent
	// Breakdown is a count per key (an ethnicity, a month, a kind).
	Breakdown
)

// Period is the dates a figure covers, inclusive: a year, or a range.
type Period struct {
	From, To string
	// Year is set for a calendar year (base figures are per year).
	Year int
}

// Year is the calendar year y.
func Year(y int) Period {
	return Period{From: fmt.Sprintf("%04d-01-01", y), To: fmt.Sprintf("%04d-12-31", y), Year: y}
}

// Range is the dates from and to, inclusive; the base figures are those of
// to's year.
func Range(from, to string) (Period, error) {
	f, err1 := time.Parse(db.DateLayout, from)
	t, err2 := time.Parse(db.DateLayout, to)
	if err1 != nil || err2 != nil || t.Before(f) {
		return Period{}, errs.InvalidFields(map[string]string{"period": "err.period_invalid"})
	}
	return Period{From: from, To: to, Year: t.Year()}, nil
}

// Query is what an indicator is computed for: the subtree of a unit, over
// a period.
type Query struct {
	UnitID   int64
	UnitPath string
	Period   Period
	// Today bounds "held" activities and the activity of records; Now is
	// the moment (a stored timestamp) that bounds "overdue".
	Today string
	Now   string
	// Whole is set when the unit is the root of the only tree: every
	// record is in its subtree (Within).
	Whole bool
}

// Within is Subtree, or no condition at all for the whole tree: a
// district's cases or activities are then read by their date's index
// rather than tested against the list of its 15,000 units (0.7 s → 13 ms
// for the year's cases at 200,000). (The persons keep Subtree: their
// index leads with the unit.)
func (q Query) Within(col string) (string, []any) {
	if q.Whole {
		return "1 = 1", nil
	}
	return q.Subtree(col)
}

// Subtree is the condition "column col names a unit of the query's
// subtree", with its arguments.
func (q Query) Subtree(col string) (string, []any) {
	return access.Scope{Path: q.UnitPath}.InSubtree(col)
}

// Indicator is one figure of the report.
type Indicator struct {
	ID string
	ZH string
	EN string
	// Definition says in Chinese exactly what is counted (shown in the UI).
	Definition string
	Kind       Kind
	// Entity is the kind of record a count's list holds: person,
	// household, case, activity, org.
	Entity string
	// Records selects the ids of the records a Count counts, one row each.
	Records func(q Query) (string, []any)
	// Value computes a Count that is not a count of records (a base figure,
	// a sum); ok false when it is not available.
	Value func(ctx context.Context, d *db.DB, q Query) (v float64, ok bool, err error)
	// Of names the numerator and denominator of a Percent.
	Of [2]string
	// Keys selects (key, count) rows of a Breakdown, largest first;
	// KeyName, when set, shows a key (a code) by its name.
	Keys    func(q Query) (string, []any)
	KeyName func(string) string
	// KeyRecords selects the ids of the records one key of a Breakdown
	// counts (the key as Keys gives it, before KeyName).
	KeyRecords func(q Query, key string) (string, []any)
	// KeyOrder: a breakdown's keys are in their own order (months), not
	// largest first.
	KeyOrder bool
	// Parts computes a Breakdown that is not a count of records (hours).
	Parts func(ctx context.Context, d *db.DB, q Query) ([]Part, error)
	// tally reads a person figure from the persons' tally, one pass for
	// all of them (tally.go); a count's Records come from the same
	// condition.
	tally *tallied
	// Decimals is how many decimals a Count that is a sum keeps (yuan 2,
	// hours 1); 0 for counts.
	Decimals int
	// Needs names a table whose absence makes the figure not available
	// (its part of the software is not installed yet).
	Needs string
}

// Value is a computed figure.
type Value struct {
	ID string `json:"id"`
	// Available is false for a figure whose data is not kept.
	Available bool `json:"available"`
	// Number is a count or a percentage (one decimal).
	Number float64 `json:"number"`
	// Parts are a breakdown's counts, largest first.
	Parts []Part `json:"parts,omitempty"`
}

// Part is one key of a breakdown.
type Part struct {
	Key string `json:"key"`
	// Code is the key as stored (an ethnicity's code), what a record
	// list's key= names.
	Code  string  `json:"code"`
	Count float64 `json:"count"`
}

// Service computes figures.
type Service struct {
	DB  *db.DB
	Now func() time.Time
	// Cache keeps slow computations for the pages (Latest); nil for none.
	Cache *Cache
	// Snapshots are the approved figures; nil: none (always live).
	Snapshots Snapshots
}

// New returns the service.
func New(d *db.DB) *Service { return &Service{DB: d, Now: time.Now} }

// unit reads the unit a figure is asked for and checks that the actor's
// scope holds it.
func (s *Service) unit(ctx context.Context, a *auth.Actor, id int64) (string, error) {
	var path string
	err := s.DB.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	if !a.Scope().Contains(path) {
		return "", errs.ErrOutOfScope
	}
	return path, nil
}

func (s *Service) query(ctx context.Context, a *auth.Actor, unitID int64, p Period) (Query, error) {
	path, err := s.unit(ctx, a, unitID)
	if err != nil {
		return Query{}, err
	}
	now := s.Now()
	q := Query{UnitID: unitID, UnitPath: path, Period: p, Today: now.In(china).Format(db.DateLayout), Now: db.FormatTime(now)}
	if strings.Count(path, "/") == 2 {
		var roots int
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM org_units WHERE parent_id IS NULL`).Scan(&roots); err != nil {
			return Query{}, err
		}
		q.Whole = roots == 1
	}
	return q, nil
}

var china = time.FixedZone("CST", 8*3600)

// Compute computes every indicator for a unit's subtree over a period.
// The actor holds figure.view and the unit is in their scope; figures
// carry no names.
func (s *Service) Compute(ctx context.Context, a *auth.Actor, unitID int64, p Period) (map[string]Value, error) {
	if err := a.Require(auth.FigureView); err != nil {
		return nil, err
	}
	q, err := s.query(ctx, a, unitID, p)
	if err != nil {
		return nil, err
	}
	return s.computeQ(ctx, q)
}

// computeQ computes every indicator for q.
func (s *Service) computeQ(ctx context.Context, q Query) (map[string]Value, error) {
	var counts, percents []*Indicator
	for i := range Indicators {
		ind := &Indicators[i]
		if ind.Kind == Percent {
			percents = append(percents, ind)
		} else {
			counts = append(counts, ind)
		}
	}
	out, err := s.computeAll(ctx, counts, q)
	if err != nil {
		return nil, err
	}
	for _, ind := range percents {
		num, den := out[ind.Of[0]], out[ind.Of[1]]
		v := Value{ID: ind.ID}
		if num.Available && den.Available && den.Number > 0 {
			v.Available, v.Number = true, math.Round(num.Number/den.Number*1000)/10
		}
		out[ind.ID] = v
	}
	return out, nil
}

// Parallel is how many figures Compute computes at once, each query on a
// connection of its own (SQLite's readers, PostgreSQL's pool): the
// summary of a district is some forty queries, most of them independent
// scans. 0 is one per CPU, at most 4.
var Parallel = 0

func parallel() int {
	if Parallel > 0 {
		return Parallel
	}
	return min(runtime.GOMAXPROCS(0), 4)
}

// each calls f(0) … f(n-1), parallel() at a time, and returns when all
// are done.
func each(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel(), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// computeAll computes the indicators for q, several at a time.
func (s *Service) computeAll(ctx context.Context, inds []*Indicator, q Query) (map[string]Value, error) {
	ctx = withMemo(ctx)
	vals := make([]Value, len(inds))
	fails := make([]error, len(inds))
	each(len(inds), func(i int) { vals[i], fails[i] = s.compute(ctx, inds[i], q) })
	out := make(map[string]Value, len(inds))
	for i, ind := range inds {
		if fails[i] != nil {
			return nil, fmt.Errorf("figure %s: %w", ind.ID, fails[i])
		}
		out[ind.ID] = vals[i]
	}
	return out, nil
}

func (s *Service) compute(ctx context.Context, ind *Indicator, q Query) (Value, error) {
	v := Value{ID: ind.ID}
	if ind.Needs != "" {
		ok, err := s.hasTable(ctx, ind.Needs)
		if err != nil || !ok {
			return v, err
		}
	}
	switch {
	case ind.tally != nil:
		cells, err := memoOf(ctx).tally(ctx, s.DB, q)
		if err != nil {
			return v, err
		}
		return fromTally(ind, cells), nil
	case ind.Parts != nil:
		parts, err := ind.Parts(ctx, s.DB, q)
		if err != nil {
			return v, err
		}
		v.Available, v.Parts = true, parts
		for _, p := range parts {
			v.Number += p.Count
		}
	case ind.Kind == Breakdown:
		query, args := ind.Keys(q)
		rows, err := s.DB.Query(ctx, query, args...)
		parts, err := db.Collect(rows, err, func(sc db.Scanner) (Part, error) {
			var p Part
			var n int64
			err := sc.Scan(&p.Key, &n)
			p.Code, p.Count = p.Key, float64(n)
			if ind.KeyName != nil {
				p.Key = ind.KeyName(p.Key)
			}
			return p, err
		})
		if err != nil {
			return v, err
		}
		v.Available, v.Parts = true, parts
		for _, p := range parts {
			v.Number += p.Count
		}
	case ind.Value != nil:
		n, ok, err := ind.Value(ctx, s.DB, q)
		if err != nil {
			return v, err
		}
		v.Available, v.Number = ok, n
	default:
		query, args := ind.Records(q)
		var n int64
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (`+query+`) r`, args...).Scan(&n); err != nil {
			return v, err
		}
		v.Available, v.Number = true, float64(n)
	}
	return v, nil
}

// hasTable reports whether the database has table name.
func (s *Service) hasTable(ctx context.Context, name string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if s.DB.Dialect == db.Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	var n int
	err := s.DB.QueryRow(ctx, q, name).Scan(&n)
	return n > 0, err
}

// EntityPerm is the permission that reads the records of each kind: a
// record list needs it beside figure.view (leaders see figures, not names).
var EntityPerm = map[string]auth.Permission{"person": auth.PersonView, "household": auth.PersonView, "case": auth.CaseView,
	"activity": auth.CommunityView, "honour": auth.CommunityView, "pairing": auth.PairingView, "visit": auth.PairingView, "org": auth.OrgView}

// HasRecords reports whether figure id (with key, for a breakdown) has a
// record list.
func (ind *Indicator) HasRecords(key string) bool {
	if key != "" || ind.Kind == Breakdown {
		return ind.KeyRecords != nil
	}
	return ind.Records != nil
}

// CanOpen reports whether the actor may open the figure's records.
func (ind *Indicator) CanOpen(a *auth.Actor, key string) bool {
	perm, ok := EntityPerm[ind.Entity]
	return ok && ind.HasRecords(key) && a.Can(perm) && a.Can(auth.FigureView)
}

// Records returns the ids of the records a count (or one key of a
// breakdown) counts, and their kind. Reading them needs the permission
// that reads the entity: leaders see figures, not names.
func (s *Service) Records(ctx context.Context, a *auth.Actor, id string, unitID int64, p Period, key string) (entity string, ids []int64, err error) {
	entity, ids, _, err = s.records(ctx, a, id, unitID, p, key, -1, 0)
	return entity, ids, err
}

// records is Records, or with limit ≥ 0 one page of the ids from offset
// and the number of them all (a district's list holds hundreds of
// thousands: counted, not read).
func (s *Service) records(ctx context.Context, a *auth.Actor, id string, unitID int64, p Period, key string, limit, offset int) (entity string, ids []int64, total int, err error) {
	if err := a.Require(auth.FigureView); err != nil {
		return "", nil, 0, err
	}
	ind := ByID(id)
	if ind == nil || !ind.HasRecords(key) {
		return "", nil, 0, errs.ErrNotFound
	}
	if err := a.Require(EntityPerm[ind.Entity]); err != nil {
		return "", nil, 0, err
	}
	q, err := s.query(ctx, a, unitID, p)
	if err != nil {
		return "", nil, 0, err
	}
	if ind.Needs != "" {
		if ok, err := s.hasTable(ctx, ind.Needs); err != nil || !ok {
			return ind.Entity, nil, 0, err
		}
	}
	var query string
	var args []any
	if ind.Kind == Breakdown {
		query, args = ind.KeyRecords(q, key)
	} else {
		query, args = ind.Records(q)
	}
	if limit < 0 {
		rows, err := s.DB.Query(ctx, query+` ORDER BY 1`, args...)
		ids, err = db.Collect(rows, err, db.ScanID)
		return ind.Entity, ids, len(ids), err
	}
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (`+query+`) r`, args...).Scan(&total); err != nil {
		return "", nil, 0, err
	}
	page := query + ` ORDER BY 1 LIMIT ? OFFSET ?`
	if s.DB.Dialect == db.Postgres && offset > 0 {
		// PostgreSQL walks the primary key in id order, testing each row,
		// which finds a first page at once but reaches a later one only
		// after testing every person before it (a subdistrict's last page:
		// 1 s); fenced by OFFSET 0, it selects the records, then sorts them
		page = `SELECT r.* FROM (` + query + ` OFFSET 0) r ORDER BY 1 LIMIT ? OFFSET ?`
	}
	rows, err := s.DB.Query(ctx, page, append(args, limit, offset)...)
	ids, err = db.Collect(rows, err, db.ScanID)
	return ind.Entity, ids, total, err
}

// ByID returns the indicator with id, or nil.
func ByID(id string) *Indicator {
	for i := range Indicators {
		if Indicators[i].ID == id {
			return &Indicators[i]
		}
	}
	return nil
}

// Summary is the figures as the JSON summary writes them: numbers by id,
// the breakdowns as objects from key to count, null where not available.
func Summary(vals map[string]Value) map[string]any {
	out := map[string]any{}
	for _, ind := range Indicators {
		v := vals[ind.ID]
		switch {
		case !v.Available:
			out[ind.ID] = nil
		case ind.Kind == Breakdown:
			m := map[string]any{}
			for _, p := range v.Parts {
				m[p.Key] = jsonNumber(p.Count, ind.Decimals)
			}
			out[ind.ID] = m
		case ind.Kind == Percent:
			out[ind.ID] = fixed{v.Number, 1}
		case ind.Decimals > 0:
			out[ind.ID] = fixed{v.Number, ind.Decimals}
		default:
			out[ind.ID] = int64(v.Number)
		}
	}
	return out
}

// fixed keeps its decimals in JSON (12.0 stays a number with its decimal).
type fixed struct {
	v float64
	n int
}

func (f fixed) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(f.v, 'f', f.n, 64)), nil
}

func jsonNumber(v float64, decimals int) any {
	if decimals == 0 {
		return int64(v)
	}
	return fixed{v, decimals}
}

// FromSummary reads a summary back (a stored snapshot's): the figures as
// Compute returns them, so snapshots are shown through Show like live
// figures. An id absent or null is not available; numbers may be
// json.Number (a decoder with UseNumber), float64 or int64.
func FromSummary(sum map[string]any) map[string]Value {
	out := map[string]Value{}
	num := func(v any) (float64, bool) {
		switch x := v.(type) {
		case json.Number:
			f, err := x.Float64()
			return f, err == nil
		case float64:
			return x, true
		case int64:
			return float64(x), true
		case int:
			return float64(x), true
		case fixed:
			return x.v, true
		}
		return 0, false
	}
	for _, ind := range Indicators {
		raw, ok := sum[ind.ID]
		if !ok || raw == nil {
			out[ind.ID] = Value{ID: ind.ID}
			continue
		}
		v := Value{ID: ind.ID, Available: true}
		if m, isMap := raw.(map[string]any); isMap {
			for k, c := range m {
				n, _ := num(c)
				v.Parts = append(v.Parts, Part{Key: k, Count: n})
			}
			sortParts(v.Parts, ind.KeyOrder)
		} else if n, isNum := num(raw); isNum {
			v.Number = n
		} else {
			v.Available = false
		}
		out[ind.ID] = v
	}
	return out
}

// sortParts puts a breakdown largest first, then by key (byKey: by key).
func sortParts(ps []Part, byKey bool) {
	sort.SliceStable(ps, func(i, j int) bool {
		if !byKey && ps[i].Count != ps[j].Count {
			return ps[i].Count > ps[j].Count
		}
		return ps[i].Key < ps[j].Key
	})
}
