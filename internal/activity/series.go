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
)

// through is the last date a series starting on first is generated up to
// now: the rule's end, or Horizon days past today (or past first, if that
// is later).
func (s *Service) through(r Rule, first string) string {
	from := s.Today()
	if first > from {
		from = first
	}
	t, _ := time.Parse(db.DateLayout, from)
	h := t.AddDate(0, 0, Horizon).Format(db.DateLayout)
	if r.Open() {
		return h
	}
	// a closed rule is generated whole (at most MaxCount occurrences)
	return "2100-12-31"
}

// createSeries writes a series for c with its occurrences; seq numbers
// start at 1.
func (s *Service) createSeries(ctx context.Context, tx *db.Tx, a *auth.Actor, c *checked, _ int) (int64, []int64, error) {
	until := s.through(*c.rule, c.Date)
	dates := c.rule.Dates(c.Date, until)
	status := "active"
	if !c.rule.Open() {
		status = "ended"
	}
	now := db.FormatTime(s.Now())
	seriesID, err := tx.InsertID(ctx, `INSERT INTO activity_series (org_id, kind_id, title, rule, first_date, start_time, end_time, generated_until, place, status,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.OrgID, c.KindID, c.Title, c.rule.String(), c.Date, c.start, c.end, until, c.Place, status, db.NullID(a.UserID), now, now)
	if err != nil {
		return 0, nil, fmt.Errorf("insert series: %w", err)
	}
	var ids []int64
	for i, d := range dates {
		id, err := s.insert(ctx, tx, a, c, d, seriesID, i+1)
		if err != nil {
			return 0, nil, err
		}
		ids = append(ids, id)
	}
	return seriesID, ids, nil
}

// Extend generates the occurrences of open series up to Horizon days
// ahead. It is run daily by the app (as the system).
func (s *Service) Extend(ctx context.Context, a *auth.Actor) (int, error) {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return 0, err
	}
	if !a.IsSystem() {
		return 0, errs.ErrForbidden
	}
	// a week's slack: each open series is extended about once a week
	t, _ := time.Parse(db.DateLayout, s.Today())
	due := t.AddDate(0, 0, Horizon-7).Format(db.DateLayout)
	rows, err := s.DB.Query(ctx, `SELECT id FROM activity_series WHERE status = 'active' AND generated_until < ?`, due)
	ids, err := db.Collect(rows, err, db.ScanID)
	if err != nil {
		return 0, err
	}
	added := 0
	for _, id := range ids {
		err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
			n, err := s.extendTx(ctx, tx, a, id)
			added += n
			return err
		})
		if err != nil {
			return added, fmt.Errorf("extend series %d: %w", id, err)
		}
	}
	return added, nil
}

func (s *Service) extendTx(ctx context.Context, tx *db.Tx, a *auth.Actor, seriesID int64) (int, error) {
	// the series' row first, so that two instances extending it at once
	// take turns (on PostgreSQL the second waits, then sees the rows)
	if _, err := tx.Exec(ctx, `UPDATE activity_series SET version = version WHERE id = ?`, seriesID); err != nil {
		return 0, err
	}
	sr, err := loadSeries(ctx, tx, seriesID)
	if err != nil {
		return 0, err
	}
	until := s.through(sr.Rule, sr.FirstDate)
	if until <= sr.GeneratedUntil || !sr.Rule.Open() {
		return 0, nil
	}
	var maxSeq int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM activities WHERE series_id = ?`, seriesID).Scan(&maxSeq); err != nil {
		return 0, err
	}
	dates := sr.Rule.Dates(sr.FirstDate, until)
	c := &checked{Input: Input{OrgID: sr.OrgID, KindID: sr.KindID, Title: sr.Title, Place: sr.Place}, start: sr.StartTime, end: sr.EndTime}
	// the new occurrences book the room the series' latest one holds
	if s.Venues != nil {
		err := tx.QueryRow(ctx, `SELECT b.venue_id, b.people FROM bookings b JOIN activities x ON x.id = b.activity_id
			WHERE x.series_id = ? AND x.status <> 'cancelled' AND b.status <> 'cancelled' ORDER BY x.seq DESC LIMIT 1`, seriesID).Scan(&c.VenueID, &c.People)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	n := 0
	var unbooked []string
	var firstUnbooked int64
	for i := maxSeq; i < len(dates); i++ {
		id, err := s.insert(ctx, tx, a, c, dates[i], seriesID, i+1)
		if err != nil {
			return n, err
		}
		n++
		if err := s.book(ctx, tx, a, c, id); err != nil {
			// the room is taken or closed that day: the occurrence is kept
			// without it and its organiser is told, the series goes on
			e, ok := errs.As(err)
			if !ok || (e.Kind != errs.Conflict && e.Kind != errs.Invalid) {
				return n, err
			}
			if firstUnbooked == 0 {
				firstUnbooked = id
			}
			unbooked = append(unbooked, dates[i])
		}
	}
	_, err = tx.Exec(ctx, `UPDATE activity_series SET generated_until = ?, updated_at = ? WHERE id = ?`, until, db.FormatTime(s.Now()), seriesID)
	if err != nil || n == 0 {
		return n, err
	}
	detail := map[string]any{"generated_until": until, "added": n}
	if len(unbooked) > 0 {
		detail["unbooked"] = unbooked
		if err := s.tellUnbooked(ctx, tx, sr, firstUnbooked, unbooked); err != nil {
			return n, err
		}
	}
	return n, audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "activity_series", EntityID: strconv.FormatInt(seriesID, 10),
		Detail: detail})
}

// NotifySeriesUnbooked is the notification kind telling a series' creator
// that occurrences added later could not book the series' venue.
const NotifySeriesUnbooked = "series_unbooked"

// tellUnbooked tells the series' creator which new occurrences are without
// their room, pointing at the first of them.
func (s *Service) tellUnbooked(ctx context.Context, tx *db.Tx, sr *Series, first int64, dates []string) error {
	if s.Notify == nil {
		return nil
	}
	var creator sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT created_by FROM activity_series WHERE id = ?`, sr.ID).Scan(&creator); err != nil {
		return err
	}
	if !creator.Valid {
		return nil
	}
	body := strings.Join(dates, "、")
	return s.Notify.NotifyTx(ctx, tx, []int64{creator.Int64}, NotifySeriesUnbooked, sr.Title, body, "/activities/"+strconv.FormatInt(first, 10))
}

const seriesCols = `id, org_id, kind_id, title, rule, first_date, start_time, end_time, generated_until, place, status, version`

func loadSeries(ctx context.Context, q db.Querier, id int64) (*Series, error) {
	var sr Series
	var rule string
	err := q.QueryRow(ctx, `SELECT `+seriesCols+` FROM activity_series WHERE id = ?`, id).Scan(&sr.ID, &sr.OrgID, &sr.KindID, &sr.Title, &rule,
		&sr.FirstDate, &sr.StartTime, &sr.EndTime, &sr.GeneratedUntil, &sr.Place, &sr.Status, &sr.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	sr.Rule, err = ParseRule(rule)
	if err != nil {
		return nil, fmt.Errorf("series %d: %w", id, err)
	}
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM activities WHERE series_id = ?`, id).Scan(&sr.Occurrences); err != nil {
		return nil, err
	}
	return &sr, nil
}

// RemainingRule is the rule of an occurrence and those after it: the
// series' rule with its COUNT reduced by the occurrences before seq. It is
// what "this and the following" starts from.
func RemainingRule(sr *Series, seq int) Rule {
	r := sr.Rule
	if r.Count > 0 && seq > 1 {
		r.Count -= seq - 1
		if r.Count < 1 {
			r.Count = 1
		}
	}
	return r
}

// dayBefore is the date before d.
func dayBefore(d string) string {
	t, _ := time.Parse(db.DateLayout, d)
	return t.AddDate(0, 0, -1).Format(db.DateLayout)
}
