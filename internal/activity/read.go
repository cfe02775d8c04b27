package activity

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

const activityCols = `x.id, x.org_id, o.name, o.path, x.kind_id, k.code, k.name, COALESCE(x.series_id, 0), x.seq, x.detached, x.title, x.starts_at, x.ends_at,
	x.place, x.festival, x.status, x.cancel_reason, x.others_count, x.others_minority, x.summary, x.version, x.created_at, x.updated_at`

const activityFrom = ` FROM activities x JOIN org_units o ON o.id = x.org_id JOIN activity_kinds k ON k.id = x.kind_id`

func scanActivity(sc db.Scanner) (*Activity, error) {
	var x Activity
	var detached int
	var status string
	err := sc.Scan(&x.ID, &x.OrgID, &x.OrgName, &x.OrgPath, &x.KindID, &x.KindCode, &x.KindName, &x.SeriesID, &x.Seq, &detached, &x.Title,
		&x.StartsAt, &x.EndsAt, &x.Place, &x.Festival, &status, &x.CancelReason, &x.OthersCount, &x.OthersMinority, &x.Summary, &x.Version,
		&x.CreatedAt, &x.UpdatedAt)
	x.Detached, x.Status = detached == 1, Status(status)
	return &x, err
}

// Get returns an activity the actor may open, with its series, figures,
// households, photos and partners.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Activity, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	x, err := s.get(ctx, s.DB, a, id)
	if err != nil {
		return nil, err
	}
	if x.SeriesID != 0 {
		if x.Series, err = loadSeries(ctx, s.DB, x.SeriesID); err != nil {
			return nil, err
		}
	}
	if err := s.fillStats(ctx, []*Activity{x}); err != nil {
		return nil, err
	}
	cond, args := a.Scope().Households("h")
	rows, err := s.DB.Query(ctx, `SELECT h.id, h.address, COALESCE(hp.name, ''), o.name FROM activity_households ah JOIN households h ON h.id = ah.household_id
		JOIN org_units o ON o.id = h.org_id LEFT JOIN persons hp ON hp.id = h.head_person_id WHERE ah.activity_id = ? AND `+cond+` ORDER BY o.path, h.address`,
		append([]any{id}, args...)...)
	if x.Households, err = db.Collect(rows, err, func(sc db.Scanner) (Household, error) {
		var h Household
		return h, sc.Scan(&h.ID, &h.Address, &h.Head, &h.OrgName)
	}); err != nil {
		return nil, err
	}
	rows, err = s.DB.Query(ctx, `SELECT af.id, af.file_id, f.name, f.mime, f.size, af.caption FROM activity_files af JOIN files f ON f.id = af.file_id
		WHERE af.activity_id = ? ORDER BY af.id`, id)
	if x.Photos, err = db.Collect(rows, err, func(sc db.Scanner) (Photo, error) {
		var p Photo
		return p, sc.Scan(&p.ID, &p.FileID, &p.Name, &p.Mime, &p.Size, &p.Caption)
	}); err != nil {
		return nil, err
	}
	rows, err = s.DB.Query(ctx, `SELECT partner_id FROM activity_partners WHERE activity_id = ? ORDER BY partner_id`, id)
	x.PartnerIDs, err = db.Collect(rows, err, db.ScanID)
	return x, err
}

// get reads an activity in the actor's readable scope; out of scope is
// ErrOutOfScope.
func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Activity, error) {
	x, err := scanActivity(q.QueryRow(ctx, `SELECT `+activityCols+activityFrom+` WHERE x.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	cond, args := readable(a, "x")
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM activities x WHERE x.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errs.ErrOutOfScope
	}
	return x, nil
}

// writable loads an activity the actor may change: its organiser is in the
// actor's subtree. A committee reads the subdistrict's activities and takes
// their roll call, but to a change they are out of scope (not found).
func (s *Service) writable(ctx context.Context, tx *db.Tx, a *auth.Actor, id int64) (*Activity, error) {
	x, err := s.get(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	if a.Scope().IsLiaison() {
		return nil, errs.ErrForbidden
	}
	if !a.Scope().Contains(x.OrgPath) {
		return nil, errs.ErrOutOfScope
	}
	return x, nil
}

// Filter selects activities.
type Filter struct {
	// From and To are dates, inclusive.
	From, To string
	KindID   int64
	KindCode string
	// OrgID limits to a unit's subtree.
	OrgID    int64
	SeriesID int64
	// Status: "" every status, or one.
	Status   Status
	Festival string
	// Q matches the title or the place.
	Q string
	// Desc lists the latest first.
	Desc          bool
	Limit, Offset int
}

func (f Filter) where(ctx context.Context, q db.Querier, a *auth.Actor) (string, []any, error) {
	cond, args := readable(a, "x")
	w := []string{cond}
	add := func(c string, v ...any) { w = append(w, c); args = append(args, v...) }
	if f.From != "" {
		add("x.starts_at >= ?", f.From)
	}
	if f.To != "" {
		add("x.starts_at < ?", f.To+"U") // past any time of that day
	}
	if f.KindID != 0 {
		add("x.kind_id = ?", f.KindID)
	}
	if f.KindCode != "" {
		add("k.code = ?", f.KindCode)
	}
	if f.SeriesID != 0 {
		add("x.series_id = ?", f.SeriesID)
	}
	if f.Status != "" {
		add("x.status = ?", string(f.Status))
	}
	if f.Festival != "" {
		add("x.festival = ?", f.Festival)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		add(`(x.title LIKE ? ESCAPE '\' OR x.place LIKE ? ESCAPE '\')`, like, like)
	}
	if f.OrgID != 0 {
		var path string
		if err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, f.OrgID).Scan(&path); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return "", nil, errs.ErrNotFound
			}
			return "", nil, err
		}
		c, v := access.Scope{Path: path}.InSubtree("x.org_id")
		add(c, v...)
	}
	return " WHERE " + strings.Join(w, " AND "), args, nil
}

// List returns a page of activities in the actor's scope with their
// figures, and how many match.
func (s *Service) List(ctx context.Context, a *auth.Actor, f Filter) ([]*Activity, int, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, 0, err
	}
	where, args, err := f.where(ctx, s.DB, a)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+activityFrom+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count activities: %w", err)
	}
	order := " ORDER BY x.starts_at, x.id"
	if f.Desc {
		order = " ORDER BY x.starts_at DESC, x.id DESC"
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+activityCols+activityFrom+where+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	list, err := db.Collect(rows, err, scanActivity)
	if err != nil {
		return nil, 0, err
	}
	return list, total, s.fillStats(ctx, list)
}

// fillStats computes the figures of the activities in list.
func (s *Service) fillStats(ctx context.Context, list []*Activity) error {
	if len(list) == 0 {
		return nil
	}
	byID := map[int64]*Activity{}
	ids := make([]any, 0, len(list))
	for _, x := range list {
		byID[x.ID] = x
		ids = append(ids, x.ID)
	}
	in := "(" + db.Placeholders(len(ids)) + ")"
	rows, err := s.DB.Query(ctx, `SELECT t.activity_id, COUNT(*), SUM(t.present), SUM(CASE WHEN t.present = 1 AND p.ethnicity <> '01' THEN 1 ELSE 0 END)
		FROM attendance t JOIN persons p ON p.id = t.person_id WHERE t.activity_id IN `+in+` GROUP BY t.activity_id`, ids...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var st Stats
		if err := rows.Scan(&id, &st.SignedUp, &st.Present, &st.Minority); err != nil {
			rows.Close()
			return err
		}
		byID[id].Stats = st
	}
	if err := rows.Close(); err != nil {
		return err
	}
	rows, err = s.DB.Query(ctx, `SELECT u.activity_id, COUNT(DISTINCT u.household_id),
		COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM persons m WHERE m.household_id = u.household_id AND m.status = 'active' AND m.ethnicity <> '01')
			THEN u.household_id END)
		FROM (SELECT t.activity_id, p.household_id FROM attendance t JOIN persons p ON p.id = t.person_id
			WHERE t.present = 1 AND p.household_id IS NOT NULL AND t.activity_id IN `+in+`
			UNION SELECT activity_id, household_id FROM activity_households WHERE activity_id IN `+in+`) u GROUP BY u.activity_id`,
		append(append([]any{}, ids...), ids...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var h, mh int
		if err := rows.Scan(&id, &h, &mh); err != nil {
			rows.Close()
			return err
		}
		byID[id].Stats.Households, byID[id].Stats.MinorityHomes = h, mh
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, x := range list {
		x.Stats.Participants = x.Stats.Present + x.OthersCount
		x.Stats.Minority += x.OthersMinority
	}
	return nil
}
