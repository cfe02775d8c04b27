package activity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/ref"
	"shiliu/internal/venue"
)

// Service is activities, attendance and volunteers' hours.
type Service struct {
	DB    *db.DB
	Files *files.Store
	// Now is the clock (tests move it).
	Now func() time.Time
	// Costs records the cost of an imported activity in the budget (nil:
	// the cost column is checked and reported, not recorded).
	Costs CostRecorder
	// Venues books a venue for an occurrence in the activity's own
	// transaction (the venue service); nil when venues are not kept.
	Venues Booker
	// Notify tells a series' creator when occurrences added later cannot
	// book its venue (the notification centre; nil: not told).
	Notify Notifier
}

// Notifier writes in-app notifications in the caller's transaction.
type Notifier interface {
	NotifyTx(ctx context.Context, tx *db.Tx, users []int64, kind, title, body, link string) error
}

// Booker books and releases venues inside the transaction that writes the
// activity, so an activity and its booking are saved together or not at
// all: a double booking refuses the activity with the other booking named.
type Booker interface {
	BookTx(ctx context.Context, tx *db.Tx, a *auth.Actor, in venue.BookingInput) (int64, error)
	CancelActivityTx(ctx context.Context, tx *db.Tx, a *auth.Actor, activityID int64, reason string) (int, error)
}

// New returns the service.
func New(d *db.DB) *Service { return &Service{DB: d, Files: files.New(d), Now: time.Now} }

// Today is the current date in China.
func (s *Service) Today() string { return s.Now().In(ref.China).Format(db.DateLayout) }

// readable limits activities (alias x) to those the actor may open: the
// organiser is in the actor's subtree, or above the actor (a subdistrict's
// festival event is seen, and its roll call taken, by its committees and
// its liaison group). An activity is not personal data; who attended is
// filtered by the persons' own scope.
func readable(a *auth.Actor, x string) (string, []any) {
	return a.Scope().InSubtreeOrAbove(x + ".org_id")
}

// Kinds lists the kinds of activity, the built-in ones first.
func (s *Service) Kinds(ctx context.Context, a *auth.Actor) ([]Kind, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, code, name, builtin, active FROM activity_kinds ORDER BY sort, id`)
	return db.Collect(rows, err, func(sc db.Scanner) (Kind, error) {
		var k Kind
		var b, act int
		err := sc.Scan(&k.ID, &k.Code, &k.Name, &b, &act)
		k.Builtin, k.Active = b == 1, act == 1
		return k, err
	})
}

// AddKind adds an office's own kind of activity.
func (s *Service) AddKind(ctx context.Context, a *auth.Actor, name string) (int64, error) {
	if err := a.Require(auth.ActivityConfig); err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return 0, errs.InvalidFields(map[string]string{"name": "err.required"})
	case ref.TooLong(name, 30):
		return 0, errs.InvalidFields(map[string]string{"name": "err.too_long"})
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM activity_kinds WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.InvalidFields(map[string]string{"name": "err.activity_kind_exists"})
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO activity_kinds (code, name, builtin, sort, created_at) VALUES (?, ?, 0, 1000, ?)`,
			"own_"+strconv.FormatInt(s.Now().UnixNano(), 36), name, db.FormatTime(s.Now()))
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "activity_kind", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"name": name}})
	})
	return id, err
}

// SetKindActive hides a kind from new activities (or shows it again).
func (s *Service) SetKindActive(ctx context.Context, a *auth.Actor, id int64, active bool) error {
	if err := a.Require(auth.ActivityConfig); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE activity_kinds SET active = ? WHERE id = ?`, boolInt(active), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.ErrNotFound
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "activity_kind", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"active": active}})
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checked is an Input once validated: the kind and organiser resolved,
// times normalised.
type checked struct {
	Input
	rule  *Rule
	start string // 'HH:MM'
	end   string
}

// check validates in; f collects field errors. The organiser and the
// links are checked against the database in tx.
func (s *Service) check(ctx context.Context, tx *db.Tx, a *auth.Actor, in Input, f map[string]string) (*checked, error) {
	c := &checked{Input: in}
	c.Title, c.Place, c.Summary, c.Festival = strings.TrimSpace(in.Title), strings.TrimSpace(in.Place), strings.TrimSpace(in.Summary), strings.TrimSpace(in.Festival)
	switch {
	case c.Title == "":
		f["title"] = "err.required"
	case ref.TooLong(c.Title, 100):
		f["title"] = "err.too_long"
	}
	if ref.TooLong(c.Place, 100) {
		f["place"] = "err.too_long"
	}
	if ref.TooLong(c.Summary, 5000) {
		f["summary"] = "err.too_long"
	}
	if ref.TooLong(c.Festival, 40) {
		f["festival"] = "err.too_long"
	}
	if d, ok := parseDate(in.Date); ok {
		c.Date = d
	} else if strings.TrimSpace(in.Date) == "" {
		f["date"] = "err.required"
	} else {
		f["date"] = "err.date_invalid"
	}
	var ok bool
	if c.start, ok = parseClock(in.StartTime); !ok {
		f["start_time"] = "err.time_invalid"
	}
	switch end, okEnd := parseClock(in.EndTime); {
	case strings.TrimSpace(in.EndTime) != "" && !okEnd:
		f["end_time"] = "err.time_invalid"
	case okEnd:
		c.end = end
		if ok && c.end <= c.start {
			f["end_time"] = "err.end_before_start"
		}
	case ok:
		// no end: the default length, within the day
		t, _ := time.Parse("15:04", c.start)
		if c.end = t.Add(defaultLength * time.Minute).Format("15:04"); c.end < c.start {
			c.end = "23:59"
		}
	}
	if in.OthersCount < 0 || in.OthersCount > 100000 {
		f["others_count"] = "err.number_invalid"
	}
	if in.OthersMinority < 0 || in.OthersMinority > in.OthersCount {
		f["others_minority"] = "err.others_minority"
	}
	if strings.TrimSpace(in.Repeat) != "" {
		r, err := ParseRule(in.Repeat)
		if err != nil {
			key := err.Error()
			if !strings.HasPrefix(key, "err.") {
				key = "err.repeat_invalid"
			}
			f["repeat"] = key
		} else {
			if r.Until != "" && c.Date != "" && r.Until < c.Date {
				f["repeat"] = "err.repeat_until"
			}
			c.rule = &r
		}
	}
	// the kind
	q, arg := `SELECT id, active FROM activity_kinds WHERE id = ?`, any(in.KindID)
	if in.KindID == 0 {
		q, arg = `SELECT id, active FROM activity_kinds WHERE code = ?`, in.KindCode
	}
	var active int
	err := tx.QueryRow(ctx, q, arg).Scan(&c.KindID, &active)
	if errors.Is(err, sql.ErrNoRows) || err == nil && active == 0 {
		f["kind"] = "err.required"
	} else if err != nil {
		return nil, err
	}
	// the organiser
	if c.OrgID == 0 {
		c.OrgID = a.OrgID
	}
	var path string
	err = tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ? AND archived = 0`, c.OrgID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !a.Scope().Contains(path) {
		f["org_id"] = "err.org_unknown"
	} else if err != nil {
		return nil, err
	}
	// households a visit goes to: in the actor's registry scope
	c.HouseholdIDs = uniq(in.HouseholdIDs)
	if len(c.HouseholdIDs) > 0 {
		cond, args := a.Scope().Households("h")
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM households h WHERE h.archived = 0 AND h.id IN (`+db.Placeholders(len(c.HouseholdIDs))+`) AND `+cond,
			append(anys(c.HouseholdIDs), args...)...).Scan(&n)
		if err != nil {
			return nil, err
		}
		if n != len(c.HouseholdIDs) {
			f["household_ids"] = "err.household_unknown"
		}
	}
	// partners: of the actor's subtree or above it
	c.PartnerIDs = uniq(in.PartnerIDs)
	if len(c.PartnerIDs) > 0 {
		cond, args := readable(a, "x")
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM partners x WHERE x.id IN (`+db.Placeholders(len(c.PartnerIDs))+`) AND `+cond,
			append(anys(c.PartnerIDs), args...)...).Scan(&n)
		if err != nil {
			return nil, err
		}
		if n != len(c.PartnerIDs) {
			f["partner_ids"] = "err.partner_unknown"
		}
	}
	return c, nil
}

func uniq(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func anys(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// Create plans an activity, or a series with its occurrences (Input.Repeat)
// generated up to the rule's end or Horizon days ahead. It returns the
// activity, or a series' first occurrence.
func (s *Service) Create(ctx context.Context, a *auth.Actor, in Input) (*Activity, error) {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		f := map[string]string{}
		c, err := s.check(ctx, tx, a, in, f)
		if err != nil {
			return err
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		if c.rule == nil {
			id, err = s.insert(ctx, tx, a, c, c.Date, 0, 0)
			if err != nil {
				return err
			}
			if err := s.book(ctx, tx, a, c, id); err != nil {
				return err
			}
			return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "activity", EntityID: strconv.FormatInt(id, 10),
				Detail: map[string]any{"title": c.Title, "kind_id": c.KindID, "org_id": c.OrgID, "starts_at": c.Date + "T" + c.start}})
		}
		seriesID, ids, err := s.createSeries(ctx, tx, a, c, 1)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return errs.InvalidFields(map[string]string{"repeat": "err.repeat_empty"})
		}
		for _, oid := range ids {
			if err := s.book(ctx, tx, a, c, oid); err != nil {
				return err
			}
		}
		id = ids[0]
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "activity_series", EntityID: strconv.FormatInt(seriesID, 10),
			Detail: map[string]any{"title": c.Title, "rule": c.rule.String(), "first_date": c.Date, "occurrences": len(ids)}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// book books c's venue, if any, for occurrence id (its own date and times).
func (s *Service) book(ctx context.Context, tx *db.Tx, a *auth.Actor, c *checked, id int64) error {
	if c.VenueID == 0 {
		return nil
	}
	if s.Venues == nil {
		return errs.InvalidFields(map[string]string{"venue_id": "err.venue_unknown"})
	}
	_, err := s.Venues.BookTx(ctx, tx, a, venue.BookingInput{VenueID: c.VenueID, ActivityID: id, People: c.People})
	return err
}

// release cancels the venue bookings of occurrence id.
func (s *Service) release(ctx context.Context, tx *db.Tx, a *auth.Actor, id int64, reason string) error {
	if s.Venues == nil {
		return nil
	}
	_, err := s.Venues.CancelActivityTx(ctx, tx, a, id, reason)
	return err
}

// insert writes one activity row with its links.
func (s *Service) insert(ctx context.Context, tx *db.Tx, a *auth.Actor, c *checked, date string, seriesID int64, seq int) (int64, error) {
	now := db.FormatTime(s.Now())
	id, err := tx.InsertID(ctx, `INSERT INTO activities (org_id, kind_id, series_id, seq, title, starts_at, ends_at, place, festival, others_count, others_minority,
		summary, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.OrgID, c.KindID, db.NullID(seriesID), seq, c.Title, date+"T"+c.start, date+"T"+c.end, c.Place, c.Festival, c.OthersCount, c.OthersMinority,
		c.Summary, db.NullID(a.UserID), now, now)
	if err != nil {
		return 0, fmt.Errorf("insert activity: %w", err)
	}
	return id, s.writeLinks(ctx, tx, id, c)
}

// writeLinks sets an activity's households and partners to c's.
func (s *Service) writeLinks(ctx context.Context, tx *db.Tx, id int64, c *checked) error {
	if _, err := tx.Exec(ctx, `DELETE FROM activity_households WHERE activity_id = ?`, id); err != nil {
		return err
	}
	for _, h := range c.HouseholdIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO activity_households (activity_id, household_id) VALUES (?, ?)`, id, h); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM activity_partners WHERE activity_id = ?`, id); err != nil {
		return err
	}
	for _, p := range c.PartnerIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO activity_partners (activity_id, partner_id) VALUES (?, ?)`, id, p); err != nil {
			return err
		}
	}
	return nil
}
