package people

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/ref"
)

// Filter selects persons. Q is one search box: a name fragment (张, 晓明),
// pinyin (zhangxiaoming) or its initials (zxm), a whole ID number, the last
// four characters of one, or a phone number.
type Filter struct {
	Q         string
	Tags      Tags // all of these
	Ethnicity string
	OrgID     int64 // a committee, building group or any unit: its subtree
	Kind      Kind
	// Status: "" active (default), "all", or a Status.
	Status string
	// Minority limits to non-Han persons.
	Minority bool
	// Archived includes archived records.
	Archived bool
	// HouseholdID limits to a household's members; NoHousehold to persons
	// in none.
	NoHousehold bool
	// Sort: name (pinyin, default), birth, updated, org.
	Sort   string
	Limit  int
	Offset int
}

// QueryKind says how Q was understood.
type QueryKind string

// The ways a search box is read.
const (
	QNone     QueryKind = ""
	QIDNumber QueryKind = "id"
	QLast4    QueryKind = "last4"
	QPhone    QueryKind = "phone"
	QPinyin   QueryKind = "pinyin"
	QName     QueryKind = "name"
)

// ClassifyQuery decides how a search box is read.
func ClassifyQuery(q string) (QueryKind, string) {
	q = strings.TrimSpace(q)
	if q == "" {
		return QNone, ""
	}
	if id := ref.NormaliseID(q); len(id) == 18 || len(id) == 15 {
		if v, err := ref.ValidateID(id); err == nil {
			return QIDNumber, v.Number
		}
	}
	if id := ref.NormaliseID(q); len(id) == 4 && strings.Trim(id, "0123456789X") == "" {
		return QLast4, id
	}
	if p, ok := ref.NormalisePhone(q); ok {
		return QPhone, p
	}
	ascii := true
	for _, r := range q {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || r == ' ') {
			ascii = false
			break
		}
	}
	if ascii {
		return QPinyin, strings.ToLower(strings.ReplaceAll(q, " ", ""))
	}
	return QName, ref.NormaliseName(q)
}

// where builds the WHERE clause for f within the actor's scope.
//
// The conditions are shaped for the indexes of migration 0003 (see
// 0003_search.sql), so that a count or a page reads index entries of the
// matching persons only: the scope and the filters come first as equality
// seeks on persons_scope (org_id, status, archived, kind, ethnicity), tags
// go to the partial index persons_tagged, and an org filter narrows the
// committees sought instead of being checked on every row.
func (s *Service) where(a *auth.Actor, f Filter) (string, []any, QueryKind) {
	return s.whereIn(a, f, false)
}

// scopePlan is how a search checks the actor's scope: the same rows, read
// in the order each kind of search finds cheapest.
type scopePlan int

const (
	// scopeNone: the actor sees the whole registry and no unit filter is
	// set (seesAll): no condition at all.
	scopeNone scopePlan = iota
	// scopeFilterUnit: a unit filter, intersected with the scope — its
	// subtree, or for a building group its committee and members: one list
	// of committees to seek.
	scopeFilterUnit
	// scopePerCandidate: a search that its own index narrows to a few
	// persons checks each one's unit, rather than listing every unit of
	// the scope first (a city's district holds some 15,000 with its
	// building groups).
	scopePerCandidate
	// scopeList: the scope's units (and a liaison's assignments), then any
	// unit filter.
	scopeList
)

// choosePlan picks the scope plan of a search of kind for a's filter f;
// all is seesAll's answer.
func choosePlan(a *auth.Actor, f Filter, kind QueryKind, all bool) scopePlan {
	liaison := a.Scope().IsLiaison()
	switch {
	case all && f.OrgID == 0:
		return scopeNone
	case f.OrgID != 0 && !liaison:
		return scopeFilterUnit
	case !liaison && (kind == QIDNumber || kind == QPhone || kind == QLast4 || kind == QPinyin && wholeTree(a)):
		return scopePerCandidate
	}
	return scopeList
}

// scopeCond writes the scope condition of plan, one condition (or "" for
// scopeNone) on persons p, from the actor's access.Scope.
func scopeCond(a *auth.Actor, f Filter, plan scopePlan) (string, []any) {
	sc := a.Scope()
	switch plan {
	case scopeNone:
		return "", nil
	case scopeFilterUnit:
		lo, hi := sc.ReachRange()
		// A building group further limits to its members; for any other
		// unit the constant subquery is true and no row is read.
		return `p.org_id IN (SELECT c.id FROM org_units u, org_units c WHERE u.id = ? AND c.path >= ? AND c.path < ?
			AND ((c.path >= u.path AND c.path < substr(u.path, 1, length(u.path) - 1) || '0') OR (u.kind = 'building_group' AND c.id = u.parent_id)))` +
				` AND ((SELECT kind FROM org_units WHERE id = ?) <> 'building_group' OR p.building_group_id = ?)`,
			[]any{f.OrgID, lo, hi, f.OrgID, f.OrgID}
	case scopePerCandidate:
		lo, hi := sc.ReachRange()
		return `EXISTS (SELECT 1 FROM org_units so WHERE so.id = p.org_id AND so.path >= ? AND so.path < ?)`, []any{lo, hi}
	}
	cond, args := sc.Persons("p")
	if f.OrgID != 0 {
		cond += ` AND (p.org_id IN (SELECT c.id FROM org_units c, org_units u WHERE u.id = ? AND c.path >= u.path AND c.path < substr(u.path, 1, length(u.path) - 1) || '0')
			OR p.building_group_id = ?)`
		args = append(args, f.OrgID, f.OrgID)
	}
	return cond, args
}

// whereIn is where; with all set, for an actor who sees the whole registry
// (see seesAll), it leaves the scope out.
func (s *Service) whereIn(a *auth.Actor, f Filter, all bool) (string, []any, QueryKind) {
	var conds []string
	var args []any
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	kind, v := ClassifyQuery(f.Q)
	liaison := a.Scope().IsLiaison()
	// The first condition is the scope (see pinyin below): its plan is
	// chosen apart from the SQL that writes it.
	if cond, sargs := scopeCond(a, f, choosePlan(a, f, kind, all)); cond != "" {
		add(cond, sargs...)
	}
	nScope := len(args)
	switch f.Status {
	case "all":
		add("p.status <> 'merged'")
	case "":
		add("p.status = 'active'")
	default:
		add("p.status = ?", f.Status)
	}
	if !f.Archived {
		add("p.archived = 0")
	}
	eth := ""
	if f.Ethnicity != "" {
		if e, ok := ref.ParseEthnicity(f.Ethnicity); ok {
			eth = e.Code
		}
	}
	switch {
	case f.Kind.Valid():
		add("p.kind = ?", int(f.Kind))
	case eth != "" || f.Minority:
		// Every person is of kind 1 or 2: naming both lets the ethnicity
		// that follows kind in persons_scope be sought too.
		add("p.kind IN (1, 2)")
	}
	if eth != "" {
		add("p.ethnicity = ?", eth)
	}
	if f.Minority {
		add("p.ethnicity <> '01'")
	}
	switch kind {
	case QIDNumber:
		add("p.id_index = ?", s.Keys.Index(purposeID, v))
	case QLast4:
		add("p.id_last4 = ?", v)
	case QPhone:
		add("p.phone_index = ?", s.Keys.Index(purposeTel, v))
	case QPinyin:
		// Full pinyin or initials, as a prefix: 'zha' finds 张 and 赵…, 'zxm'
		// finds 张晓明. '{' is the byte after 'z'.
		if all && f.OrgID == 0 {
			add("((p.pinyin >= ? AND p.pinyin < ?) OR (p.initials >= ? AND p.initials < ?))", v, v+"{", v, v+"{")
			break
		}
		if wholeTree(a) && !liaison {
			// At the top of the tree, through the two indexes (persons_order,
			// persons_initials), each branch checking the scope on the index
			// entry before its row is read.
			sc, sa := conds[0], args[:nScope:nScope]
			pa := append(append([]any{v, v + "{"}, sa...), v, v+"{")
			pa = append(pa, sa...)
			add("((p.pinyin >= ? AND p.pinyin < ? AND "+sc+") OR (p.initials >= ? AND p.initials < ? AND "+sc+"))", pa...)
			break
		}
		// Within a subdistrict, through the scope: a short prefix (zh, ma)
		// matches tens of thousands in a city and a few hundred here, and
		// persons_scope holds both columns. SQLite is told so with unary +
		// (its planner assumes any scope lists 25 units).
		plus := ""
		if s.DB.Dialect == db.SQLite {
			plus = "+"
		}
		add("(("+plus+"p.pinyin >= ? AND "+plus+"p.pinyin < ?) OR ("+plus+"p.initials >= ? AND "+plus+"p.initials < ?))", v, v+"{", v, v+"{")
	case QName:
		// A fragment anywhere in the name, read from the index entries of
		// the scope (persons_scope holds the name). Without Latin letters,
		// whose case LIKE ignores, a plain substring test does the same
		// and is cheaper.
		// % and _ are dropped from the fragment, as they always were.
		add(s.nameCond(v))
	}
	if f.Tags != 0 {
		// Written with constants, one term per tag, so that the partial
		// index of tagged persons (WHERE tags <> 0) is seen to apply.
		add("p.tags <> 0")
		for _, t := range AllTags {
			if f.Tags.Has(t.Tag) {
				add("(p.tags & " + strconv.Itoa(int(t.Tag)) + ") <> 0")
			}
		}
	}
	if f.NoHousehold {
		add("p.household_id IS NULL")
	}
	if len(conds) == 0 {
		return "", nil, kind
	}
	return " WHERE " + strings.Join(conds, " AND "), args, kind
}

// nameCond is the condition that a person's name holds a fragment.
func (s *Service) nameCond(v string) (string, string) {
	v = likeEscape(v)
	switch {
	case hasASCIILetter(v):
		return "p.name LIKE ?", "%" + v + "%"
	case s.DB.Dialect == db.Postgres:
		return "strpos(p.name, ?) > 0", v
	}
	return "instr(p.name, ?) > 0", v
}

// wholeTree reports whether the actor sees from the top of the org tree (a
// district, or a city's root): a scope of every person, where listing the
// scope's units costs more than checking the unit of each candidate.
func wholeTree(a *auth.Actor) bool {
	return strings.Count(a.Scope().Path, "/") <= 2
}

func hasASCIILetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// Search returns the persons matching f in the actor's scope and their
// total.
//
// The total is counted up to CountCap+1: a search of a whole district does
// not pay for counting half a million rows that no one pages through; the
// screen says "more than 10,000" and asks to narrow it.
func (s *Service) Search(ctx context.Context, a *auth.Actor, f Filter) ([]*Person, int, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, 0, err
	}
	all, list, total, done, err := s.searchWhole(ctx, a, f)
	if done || err != nil {
		return list, total, err
	}
	where, args, _ := s.whereIn(a, f, all)
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM persons p`+where+` LIMIT ?) x`, append(args, CountCap+1)...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count persons: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	list, err = s.pageOf(ctx, where, args, f, total)
	return list, total, err
}

// CountCap is how far Search counts; a total above it means "more".
const CountCap = 10000

// SearchPage returns one page without counting (for exports and quick
// lookups).
func (s *Service) SearchPage(ctx context.Context, a *auth.Actor, f Filter) ([]*Person, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	// (The whole-registry plans count, cheaply, to choose how to read the
	// page.)
	all, list, _, done, err := s.searchWhole(ctx, a, f)
	if done || err != nil {
		return list, err
	}
	where, args, _ := s.whereIn(a, f, all)
	return s.page(ctx, where, args, f)
}

// searchWhole answers f through a whole-registry plan when a sees the
// whole registry and one serves f (done); all reports whether a does, for
// the scope the other plans then leave out.
func (s *Service) searchWhole(ctx context.Context, a *auth.Actor, f Filter) (all bool, list []*Person, total int, done bool, err error) {
	if all, err = s.seesAll(ctx, a); err != nil || !all {
		return all, nil, 0, false, err
	}
	list, total, done, err = s.searchAll(ctx, a, f)
	return all, list, total, done, err
}

func (s *Service) page(ctx context.Context, where string, args []any, f Filter) ([]*Person, error) {
	return s.pageOf(ctx, where, args, f, -1)
}

// pageOf reads one page in two steps: the ids of the page, from index
// entries alone, then the rows of those ids only. total is the number of
// matches when the caller knows it, else -1.
//
// For the default order (pinyin), a page of many matches is fastest by
// walking persons_order in list order and stopping after the page; a page
// of few matches by collecting them through the filters' indexes and
// sorting them. The planners cannot tell the two apart (SQLite assumes any
// list of units holds 25, PostgreSQL misjudges a subdistrict's share), so
// the number of matches decides, counted up to the point where walking
// wins when not given.
func (s *Service) pageOf(ctx context.Context, where string, args []any, f Filter, total int) ([]*Person, error) {
	order := orderOf(f.Sort)
	f.Limit, f.Offset = pageBounds(f)
	from := " FROM persons p"
	inner := ""
	if strings.HasPrefix(order, "o.") {
		from += " JOIN org_units o ON o.id = p.org_id"
	} else if order == "p.pinyin, p.id" {
		walk := false
		if strings.TrimSpace(f.Q) == "" {
			// Filters only: their matches are spread over the list order.
			// (The matches of a name or pinyin search are not: 张 and zhang
			// all sit near the end, and walking to them would read most of
			// the index.)
			var err error
			if walk, err = s.walkInOrder(ctx, where, args, f, total); err != nil {
				return nil, err
			}
		}
		switch {
		case walk && s.DB.Dialect == db.SQLite:
			from = " FROM persons p INDEXED BY persons_order"
		case !walk && s.DB.Dialect == db.Postgres:
			// Few matches: collect them, then sort. PostgreSQL would walk
			// persons_order when it takes a subdistrict's units for many.
			inner = `WITH m AS MATERIALIZED (SELECT p.id, p.pinyin FROM persons p` + where + `) SELECT m.id FROM m ORDER BY m.pinyin, m.id LIMIT ? OFFSET ?`
		}
	}
	if inner == "" {
		inner = `SELECT p.id` + from + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	}
	return s.fetch(ctx, inner, append(args, f.Limit, f.Offset), order)
}

// orderOf is the ORDER BY of a sort (persons p, their unit o).
func orderOf(sort string) string {
	if order := map[string]string{"birth": "p.birth_date, p.id", "updated": "p.updated_at DESC, p.id DESC", "org": "o.path, p.pinyin, p.id",
		"permit": "p.permit_expiry, p.id", "leave": "p.expected_leave_date, p.id"}[sort]; order != "" {
		return order
	}
	return "p.pinyin, p.id"
}

// pageBounds is the limit (default 50) and offset of a page.
func pageBounds(f Filter) (int, int) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	return f.Limit, max(f.Offset, 0)
}

// fetch reads the persons whose ids the query inner selects, in order.
func (s *Service) fetch(ctx context.Context, inner string, args []any, order string) ([]*Person, error) {
	q := `SELECT ` + personCols + ` FROM (` + inner + `) k
		JOIN persons p ON p.id = k.id JOIN org_units o ON o.id = p.org_id LEFT JOIN org_units bg ON bg.id = p.building_group_id
		LEFT JOIN households h ON h.id = p.household_id ORDER BY ` + order
	rows, err := s.DB.Query(ctx, q, args...)
	out, err := db.Collect(rows, err, scanPerson)
	if err != nil {
		return nil, fmt.Errorf("search persons: %w", err)
	}
	return out, nil
}

// walkInOrder decides whether a page in pinyin order is read by walking
// persons_order (true) or by sorting the matches (false), sorting a match
// through the filters' indexes costing some three times walking past an
// entry (see walkLimit). Without a total it counts only as far as the
// limit.
func (s *Service) walkInOrder(ctx context.Context, where string, args []any, f Filter, total int) (bool, error) {
	most, err := s.walkLimit(ctx, f.Limit, f.Offset, 3)
	if err != nil || most < 0 {
		return false, err
	}
	if total < 0 {
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM persons p`+where+` LIMIT ?) x`, append(args[:len(args):len(args)], most+1)...).Scan(&total); err != nil {
			return false, err
		}
	}
	return total > most, nil
}

// HouseholdFilter selects households.
type HouseholdFilter struct {
	Q      string // code or address fragment, or a member's name
	OrgID  int64
	Mixed  bool // only mixed-ethnicity households
	Limit  int
	Offset int
}

// Households lists households in scope with their size and the
// ethnicities of their active members, and the total.
func (s *Service) Households(ctx context.Context, a *auth.Actor, f HouseholdFilter) ([]*Household, int, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, 0, err
	}
	cond, args := a.Scope().Households("h")
	where := " WHERE h.archived = 0 AND " + cond
	if q := strings.TrimSpace(f.Q); q != "" {
		where += " AND (h.code LIKE ? OR h.address LIKE ? OR h.id IN (SELECT household_id FROM persons WHERE name LIKE ? AND household_id IS NOT NULL))"
		like := "%" + likeEscape(q) + "%"
		args = append(args, like, like, like)
	}
	if f.OrgID != 0 {
		where += " AND (h.org_id = ? OR h.building_group_id = ?)"
		args = append(args, f.OrgID, f.OrgID)
	}
	if f.Mixed {
		where += " AND (SELECT COUNT(DISTINCT m.ethnicity) FROM persons m WHERE m.household_id = h.id AND m.status = 'active') > 1"
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM households h`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+householdCols+householdFrom+where+` ORDER BY o.path, h.code, h.id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	var out []*Household
	byID := map[int64]*Household{}
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, h)
		byID[h.ID] = h
	}
	rows.Close()
	if len(out) == 0 {
		return out, total, rows.Err()
	}
	ids := make([]any, 0, len(out))
	for _, h := range out {
		ids = append(ids, h.ID)
	}
	mrows, err := s.DB.Query(ctx, `SELECT household_id, ethnicity, status FROM persons WHERE household_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`) AND status <> 'merged' ORDER BY household_id, id`, ids...)
	if err != nil {
		return nil, 0, err
	}
	defer mrows.Close()
	for mrows.Next() {
		var hid int64
		var eth, status string
		if err := mrows.Scan(&hid, &eth, &status); err != nil {
			return nil, 0, err
		}
		h := byID[hid]
		if status != string(Active) {
			continue
		}
		h.Size++
		seen := false
		for _, e := range h.Ethnicities {
			seen = seen || e == eth
		}
		if !seen {
			h.Ethnicities = append(h.Ethnicities, eth)
		}
	}
	return out, total, mrows.Err()
}
