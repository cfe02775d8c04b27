package people

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"shiliu/internal/auth"
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
func (s *Service) where(a *auth.Actor, f Filter) (string, []any, QueryKind) {
	cond, args := scope(a, "p")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
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
	kind, v := ClassifyQuery(f.Q)
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
		add("((p.pinyin >= ? AND p.pinyin < ?) OR (p.initials >= ? AND p.initials < ?))", v, v+"{", v, v+"{")
	case QName:
		// A fragment anywhere in the name; within a subdistrict's scope the
		// scan covers only its committees' rows (persons_org).
		add("p.name LIKE ?", "%"+likeEscape(v)+"%")
	}
	if f.Tags != 0 {
		add("(p.tags & ?) = ?", int(f.Tags), int(f.Tags))
	}
	if f.Ethnicity != "" {
		if e, ok := ref.ParseEthnicity(f.Ethnicity); ok {
			add("p.ethnicity = ?", e.Code)
		}
	}
	if f.Minority {
		add("p.ethnicity <> '01'")
	}
	if f.Kind.Valid() {
		add("p.kind = ?", int(f.Kind))
	}
	if f.OrgID != 0 {
		add(`p.org_id IN (SELECT c.id FROM org_units c, org_units u WHERE u.id = ? AND c.path >= u.path AND c.path < substr(u.path, 1, length(u.path) - 1) || '0')
			OR p.building_group_id = ?`, f.OrgID, f.OrgID)
		conds[len(conds)-1] = "(" + conds[len(conds)-1] + ")"
	}
	if f.NoHousehold {
		add("p.household_id IS NULL")
	}
	return " WHERE " + strings.Join(conds, " AND "), args, kind
}

func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// Search returns the persons matching f in the actor's scope and their
// total.
func (s *Service) Search(ctx context.Context, a *auth.Actor, f Filter) ([]*Person, int, error) {
	where, args, _ := s.where(a, f)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM persons p`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count persons: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	list, err := s.page(ctx, where, args, f)
	return list, total, err
}

// SearchPage returns one page without counting (for exports and quick
// lookups).
func (s *Service) SearchPage(ctx context.Context, a *auth.Actor, f Filter) ([]*Person, error) {
	where, args, _ := s.where(a, f)
	return s.page(ctx, where, args, f)
}

func (s *Service) page(ctx context.Context, where string, args []any, f Filter) ([]*Person, error) {
	order := map[string]string{"birth": "p.birth_date, p.id", "updated": "p.updated_at DESC, p.id DESC", "org": "o.path, p.pinyin, p.id",
		"permit": "p.permit_expiry, p.id", "leave": "p.expected_leave_date, p.id"}[f.Sort]
	if order == "" {
		order = "p.pinyin, p.id"
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+personCols+personFrom+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("search persons: %w", err)
	}
	defer rows.Close()
	var out []*Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
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
	cond, args := householdScope(a, "h")
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
