package venue

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
	"shiliu/internal/ref"
)

// Status is a booking's status.
type Status string

// The statuses. A cancelled booking is kept and conflicts with nothing.
const (
	Booked    Status = "booked"
	Cancelled Status = "cancelled"
)

// Booking is a venue booked for a time span.
type Booking struct {
	ID        int64
	VenueID   int64
	VenueName string
	// OrgID is the unit that booked it.
	OrgID   int64
	OrgName string
	OrgPath string
	// ActivityID is the activity occurrence it is for (0: an outside
	// group); ActivityTitle and ActivityStatus are that activity's.
	ActivityID     int64
	ActivityTitle  string
	ActivityStatus string
	// An outside group: its name, purpose and expected people.
	GroupName string
	Purpose   string
	People    int
	// StartsAt and EndsAt are China local time, 'YYYY-MM-DDTHH:MM'.
	StartsAt     string
	EndsAt       string
	Status       Status
	CancelReason string
	Note         string
	Version      int
	CreatedBy    string
	CreatedAt    string
}

// Date is the booking's day; StartTime and EndTime its clock times.
func (b *Booking) Date() string      { return b.StartsAt[:10] }
func (b *Booking) StartTime() string { return b.StartsAt[11:] }
func (b *Booking) EndTime() string   { return b.EndsAt[11:] }

// Cancelled reports whether the booking was cancelled.
func (b *Booking) Cancelled() bool { return b.Status == Cancelled }

// What is what the venue is booked for: the activity's title, or the
// outside group and its purpose.
func (b *Booking) What() string {
	if b.ActivityID != 0 {
		return b.ActivityTitle
	}
	if b.Purpose == "" {
		return b.GroupName
	}
	return b.GroupName + "：" + b.Purpose
}

// When is the span as people write it: '2026-05-06 09:00–10:30'.
func (b *Booking) When() string { return b.Date() + " " + b.StartTime() + "–" + b.EndTime() }

// BookingInput is what a form, the API or the activity service gives for a
// booking.
type BookingInput struct {
	VenueID int64
	// ActivityID books the venue for an activity occurrence; Date, times
	// left empty take the activity's.
	ActivityID int64
	// OrgID is the booking unit for an outside group (default: the
	// actor's); an activity's booking is its organiser's.
	OrgID int64
	// Date 'YYYY-MM-DD', StartTime and EndTime 'HH:MM', China time; a
	// booking lies within one day.
	Date      string
	StartTime string
	EndTime   string
	// An outside group: name and purpose required, People at least 1.
	GroupName string
	Purpose   string
	// People expected: checked against the venue's capacity.
	People int
	Note   string
}

const bookingCols = `b.id, b.venue_id, v.name, b.org_id, o.name, o.path, COALESCE(b.activity_id, 0), COALESCE(x.title, ''), COALESCE(x.status, ''),
	b.group_name, b.purpose, b.people, b.starts_at, b.ends_at, b.status, b.cancel_reason, b.note, b.version, COALESCE(u.username, ''), b.created_at`

const bookingFrom = ` FROM bookings b JOIN venues v ON v.id = b.venue_id JOIN org_units o ON o.id = b.org_id
	LEFT JOIN activities x ON x.id = b.activity_id LEFT JOIN users u ON u.id = b.created_by`

func scanBooking(sc db.Scanner) (*Booking, error) {
	var b Booking
	var st string
	err := sc.Scan(&b.ID, &b.VenueID, &b.VenueName, &b.OrgID, &b.OrgName, &b.OrgPath, &b.ActivityID, &b.ActivityTitle, &b.ActivityStatus,
		&b.GroupName, &b.Purpose, &b.People, &b.StartsAt, &b.EndsAt, &st, &b.CancelReason, &b.Note, &b.Version, &b.CreatedBy, &b.CreatedAt)
	b.Status = Status(st)
	return &b, err
}

// epochMinutes is a China local time 'YYYY-MM-DDTHH:MM' as minutes since
// the Unix epoch: what the engines compare.
func epochMinutes(local string) (int64, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04", local, ref.China)
	if err != nil {
		return 0, err
	}
	return t.Unix() / 60, nil
}

// isoWeekday is the ISO weekday (1 Monday … 7 Sunday) of a date.
func isoWeekday(date string) int {
	t, _ := time.Parse(db.DateLayout, date)
	return (int(t.Weekday())+6)%7 + 1
}

// invalid is a refusal with field messages, worded by the first of the
// venue's own rules it broke (opening hours, capacity) when there is one.
func invalid(f map[string]string, key string, args ...any) error {
	e := errs.InvalidFields(f)
	if key != "" {
		e.Key, e.Args = key, args
	}
	return e
}

// Book books a venue (see BookTx) in a transaction of its own.
func (s *Service) Book(ctx context.Context, a *auth.Actor, in BookingInput) (*Booking, error) {
	if err := a.Require(auth.VenueBook); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.BookTx(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Booking(ctx, a, id)
}

// BookTx books a venue inside the caller's transaction (the activity
// service books the room of an occurrence in the transaction that writes
// it) and returns the booking's id. It refuses, naming the field: a venue
// the actor cannot see or that is inactive, a span that ends before it
// starts, a day the venue is closed or a span outside its hours, more
// people than it holds. A span that overlaps a live booking of the venue
// is a conflict that names that booking (who, what, when). The overlap is
// checked in tx: on SQLite the single writer's BEGIN IMMEDIATE
// transaction makes the check and the insert one step; on PostgreSQL the
// exclusion constraint bookings_no_overlap refuses the second of two
// concurrent inserts, and the refusal is turned into the same conflict.
func (s *Service) BookTx(ctx context.Context, tx *db.Tx, a *auth.Actor, in BookingInput) (int64, error) {
	if err := a.Require(auth.VenueBook); err != nil {
		return 0, err
	}
	f := map[string]string{}
	var key string
	var keyArgs []any
	in.GroupName, in.Purpose, in.Note = strings.TrimSpace(in.GroupName), strings.TrimSpace(in.Purpose), strings.TrimSpace(in.Note)
	// the activity, if for one
	orgID := in.OrgID
	if in.ActivityID != 0 {
		var path, starts, ends, status string
		var xOrg int64
		cond, args := activityReadable(a, "x")
		err := tx.QueryRow(ctx, `SELECT x.org_id, o.path, x.starts_at, x.ends_at, x.status FROM activities x JOIN org_units o ON o.id = x.org_id
			WHERE x.id = ? AND `+cond, append([]any{in.ActivityID}, args...)...).Scan(&xOrg, &path, &starts, &ends, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f["activity_id"] = "err.activity_unknown"
		case err != nil:
			return 0, err
		case status == "cancelled":
			f["activity_id"] = "err.activity_cancelled"
		default:
			orgID = xOrg
			if strings.TrimSpace(in.Date) == "" && strings.TrimSpace(in.StartTime) == "" {
				in.Date, in.StartTime, in.EndTime = starts[:10], starts[11:], ends[11:]
			}
		}
	} else {
		switch {
		case in.GroupName == "":
			f["group_name"] = "err.required"
		case ref.TooLong(in.GroupName, 100):
			f["group_name"] = "err.too_long"
		}
		switch {
		case in.Purpose == "":
			f["purpose"] = "err.required"
		case ref.TooLong(in.Purpose, 200):
			f["purpose"] = "err.too_long"
		}
		if in.People < 1 {
			f["people"] = "err.booking_people"
		}
		if orgID == 0 {
			orgID = a.OrgID
		}
	}
	if in.People < 0 || in.People > 100000 {
		f["people"] = "err.booking_people"
	}
	if ref.TooLong(in.Note, 1000) {
		f["note"] = "err.too_long"
	}
	// the span
	date, okDate := parseDate(in.Date)
	if !okDate {
		f["date"] = "err.date_invalid"
		if strings.TrimSpace(in.Date) == "" {
			f["date"] = "err.required"
		}
	}
	start, okStart := parseClock(in.StartTime)
	if !okStart {
		f["start_time"] = "err.time_invalid"
	}
	end, okEnd := parseClock(in.EndTime)
	switch {
	case !okEnd:
		f["end_time"] = "err.time_invalid"
	case okStart && end <= start:
		f["end_time"] = "err.end_before_start"
	}
	// the venue: seen, active, open, big enough
	v, err := s.get(ctx, tx, a, in.VenueID)
	switch {
	case errors.Is(err, errs.ErrNotFound) || errors.Is(err, errs.ErrOutOfScope):
		f["venue_id"] = "err.venue_unknown"
	case err != nil:
		return 0, err
	case !v.Active:
		f["venue_id"] = "err.venue_inactive"
	default:
		if okDate && okStart && okEnd && end > start {
			wd := isoWeekday(date)
			if h, open := v.HoursOn(wd); !open {
				f["date"] = "err.venue_closed"
				key, keyArgs = "err.venue_closed_day", []any{v.Name}
			} else if start < h.Opens || end > h.Closes {
				if start < h.Opens || start >= h.Closes {
					f["start_time"] = "err.venue_outside_hours"
				}
				if end > h.Closes || end <= h.Opens {
					f["end_time"] = "err.venue_outside_hours"
				}
				key, keyArgs = "err.venue_hours", []any{v.Name, h.Opens, h.Closes}
			}
		}
		if v.Capacity > 0 && in.People > v.Capacity {
			f["people"] = "err.venue_over_capacity"
			if key == "" {
				key, keyArgs = "err.venue_capacity", []any{v.Name, v.Capacity}
			}
		}
	}
	// the booking unit
	if orgID != 0 && in.ActivityID == 0 {
		var path string
		err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ? AND archived = 0`, orgID).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !a.Scope().Contains(path) {
			f["org_id"] = "err.org_unknown"
		} else if err != nil {
			return 0, err
		}
	}
	if orgID == 0 && v != nil {
		orgID = v.OrgID // the system books in the venue's own name
	}
	if len(f) > 0 {
		return 0, invalid(f, key, keyArgs...)
	}
	startsAt, endsAt := date+"T"+start, date+"T"+end
	startMin, err := epochMinutes(startsAt)
	if err != nil {
		return 0, err
	}
	endMin, err := epochMinutes(endsAt)
	if err != nil {
		return 0, err
	}
	if c, err := s.conflict(ctx, tx, a, in.VenueID, startMin, endMin); err != nil || c != nil {
		return 0, conflictOr(c, err)
	}
	if s.afterCheck != nil {
		s.afterCheck()
	}
	// A savepoint, so that on PostgreSQL the transaction is still usable
	// after the exclusion constraint refuses the row: the booking that won
	// is read and named.
	if _, err := tx.Exec(ctx, `SAVEPOINT booking`); err != nil {
		return 0, err
	}
	now := db.FormatTime(s.Now())
	id, err := tx.InsertID(ctx, `INSERT INTO bookings (venue_id, org_id, activity_id, group_name, purpose, people, starts_at, ends_at, start_min, end_min, note,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.VenueID, orgID, db.NullID(in.ActivityID), in.GroupName, in.Purpose, in.People, startsAt, endsAt, startMin, endMin, in.Note,
		db.NullID(a.UserID), now, now)
	if db.IsExclusionViolation(err) {
		if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT booking`); rerr != nil {
			return 0, rerr
		}
		c, cerr := s.conflict(ctx, tx, a, in.VenueID, startMin, endMin)
		if cerr == nil && c == nil {
			// the winner was cancelled meanwhile: still a conflict of the moment
			return 0, errs.Wrap(errs.Conflict, err, "err.booking_taken")
		}
		return 0, conflictOr(c, cerr)
	}
	if err != nil {
		return 0, fmt.Errorf("insert booking: %w", err)
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT booking`); err != nil {
		return 0, err
	}
	return id, audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "booking", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"venue_id": in.VenueID, "activity_id": in.ActivityID, "group_name": in.GroupName, "starts_at": startsAt, "ends_at": endsAt,
			"people": in.People}})
}

// conflict returns the first live booking of the venue overlapping
// [startMin, endMin), nil when there is none.
func (s *Service) conflict(ctx context.Context, q db.Querier, a *auth.Actor, venueID, startMin, endMin int64) (*Booking, error) {
	b, err := scanBooking(q.QueryRow(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE b.venue_id = ? AND b.status <> 'cancelled'
		AND b.start_min < ? AND b.end_min > ? ORDER BY b.start_min, b.id LIMIT 1`, venueID, endMin, startMin))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return b, err
}

// conflictOr is the conflict error naming c: who booked, for what, when.
func conflictOr(c *Booking, err error) error {
	if err != nil {
		return err
	}
	return errs.E(errs.Conflict, "err.booking_conflict", c.OrgName, c.What(), c.When())
}

// activityReadable limits activities (alias x) as the activity service
// does: of the actor's subtree or of a unit above it.
func activityReadable(a *auth.Actor, x string) (string, []any) { return readable(a, x) }

// Booking returns a booking of a venue the actor may see.
func (s *Service) Booking(ctx context.Context, a *auth.Actor, id int64) (*Booking, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	return s.booking(ctx, s.DB, a, id)
}

func (s *Service) booking(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Booking, error) {
	b, err := scanBooking(q.QueryRow(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE b.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get booking %d: %w", id, err)
	}
	if _, err := s.get(ctx, q, a, b.VenueID); err != nil {
		return nil, err
	}
	return b, nil
}

// BookingFilter selects bookings.
type BookingFilter struct {
	VenueID    int64
	ActivityID int64
	// From and To are dates, inclusive.
	From, To string
	// WithCancelled lists cancelled bookings too.
	WithCancelled bool
	Limit         int
}

// Bookings lists the bookings of the venues the actor may see that start
// in [From, To], in time order: the venue's week, the activities
// calendar.
func (s *Service) Bookings(ctx context.Context, a *auth.Actor, f BookingFilter) ([]*Booking, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	cond, args := readable(a, "v")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	if f.VenueID != 0 {
		add("b.venue_id = ?", f.VenueID)
	}
	if f.ActivityID != 0 {
		add("b.activity_id = ?", f.ActivityID)
	}
	if d, ok := parseDate(f.From); ok {
		m, _ := epochMinutes(d + "T00:00")
		add("b.start_min >= ?", m)
	}
	if d, ok := parseDate(f.To); ok {
		m, _ := epochMinutes(d + "T00:00")
		add("b.start_min < ?", m+24*60)
	}
	if !f.WithCancelled {
		add("b.status <> 'cancelled'")
	}
	if f.Limit <= 0 || f.Limit > 2000 {
		f.Limit = 2000
	}
	rows, err := s.DB.Query(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY b.start_min, v.name, b.id LIMIT ?`,
		append(args, f.Limit)...)
	list, err := db.Collect(rows, err, scanBooking)
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return list, nil
}

// MayCancel reports whether the actor may cancel b: booked by a unit of
// their subtree, or of a venue they manage.
func MayCancel(a *auth.Actor, b *Booking, venueOrgPath string) bool {
	if !a.Can(auth.VenueBook) {
		return false
	}
	return a.Scope().Contains(b.OrgPath) || manages(a, venueOrgPath)
}

// Cancel cancels a booking: the booking unit's staff or the venue's
// managers may. The slot is free at once.
func (s *Service) Cancel(ctx context.Context, a *auth.Actor, id int64, reason string) error {
	if err := a.Require(auth.VenueBook); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		b, err := s.booking(ctx, tx, a, id)
		if err != nil {
			return err
		}
		var venuePath string
		if err := tx.QueryRow(ctx, `SELECT o.path FROM venues v JOIN org_units o ON o.id = v.org_id WHERE v.id = ?`, b.VenueID).Scan(&venuePath); err != nil {
			return err
		}
		if !MayCancel(a, b, venuePath) {
			return errs.ErrOutOfScope
		}
		if ref.TooLong(reason, 200) {
			return errs.InvalidFields(map[string]string{"reason": "err.too_long"})
		}
		if b.Cancelled() {
			return errs.E(errs.Conflict, "err.booking_cancelled")
		}
		return s.cancel(ctx, tx, a, b, reason)
	})
}

func (s *Service) cancel(ctx context.Context, tx *db.Tx, a *auth.Actor, b *Booking, reason string) error {
	_, err := tx.Exec(ctx, `UPDATE bookings SET status = 'cancelled', cancel_reason = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		reason, db.FormatTime(s.Now()), b.ID)
	if err != nil {
		return fmt.Errorf("cancel booking: %w", err)
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "cancel", Entity: "booking", EntityID: strconv.FormatInt(b.ID, 10),
		Detail: map[string]any{"venue_id": b.VenueID, "activity_id": b.ActivityID, "starts_at": b.StartsAt, "reason": reason}})
}

// CancelActivityTx releases the venue of an activity inside the caller's
// transaction (the activity service cancels or moves an occurrence): every
// live booking of the activity is cancelled, with reason. It returns how
// many were.
func (s *Service) CancelActivityTx(ctx context.Context, tx *db.Tx, a *auth.Actor, activityID int64, reason string) (int, error) {
	if err := a.RequireAny(auth.VenueBook, auth.ActivityEdit); err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE b.activity_id = ? AND b.status <> 'cancelled' ORDER BY b.id`, activityID)
	list, err := db.Collect(rows, err, scanBooking)
	if err != nil {
		return 0, err
	}
	for _, b := range list {
		if err := s.cancel(ctx, tx, a, b, strings.TrimSpace(reason)); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}
