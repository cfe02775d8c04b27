// Package venue is community life's venues (场所: the 民族之家 rooms, the
// community school) with their opening hours and capacity, and their
// bookings — for an activity occurrence or an outside group — of which no
// two live ones of a venue overlap (see BookTx).
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

// Service is venues and their bookings.
type Service struct {
	DB *db.DB
	// Now is the clock (tests move it).
	Now func() time.Time
	// afterCheck, when set, runs between the overlap check and the insert
	// (a test holds two bookings there to reach the constraint).
	afterCheck func()
}

// New returns the service.
func New(d *db.DB) *Service { return &Service{DB: d, Now: time.Now} }

// Today is the current date in China.
func (s *Service) Today() string { return s.Now().In(ref.China).Format(db.DateLayout) }

// Hours is a venue's opening hours on one weekday.
type Hours struct {
	// Weekday is ISO: 1 (Monday) … 7 (Sunday).
	Weekday int
	// Opens and Closes are 'HH:MM' China time.
	Opens, Closes string
}

// Venue is a room or a hall that can be booked.
type Venue struct {
	ID      int64
	OrgID   int64
	OrgName string
	OrgPath string
	Name    string
	Address string
	// Capacity is how many people it holds; 0 is not stated (no check).
	Capacity  int
	Note      string
	Active    bool
	Version   int
	CreatedAt string
	UpdatedAt string
	// Hours are the opening hours, by weekday; a day without is closed.
	Hours []Hours
}

// HoursOn returns the opening hours on an ISO weekday.
func (v *Venue) HoursOn(weekday int) (Hours, bool) {
	for _, h := range v.Hours {
		if h.Weekday == weekday {
			return h, true
		}
	}
	return Hours{}, false
}

// Input is what a form or the API gives for a venue.
type Input struct {
	// OrgID is the unit the venue belongs to (default: the actor's).
	OrgID    int64
	Name     string
	Address  string
	Capacity int
	Note     string
	// Active: an inactive venue takes no new booking (Update only; a new
	// venue is active).
	Active bool
	Hours  []Hours
	// Version is the version read (Update).
	Version int
}

// readable limits venues (alias v) to those the actor may see and book:
// of the actor's subtree, or of a unit above the actor (a committee books
// its subdistrict's 民族之家). A sibling's venue is not seen.
func readable(a *auth.Actor, v string) (string, []any) {
	return a.Scope().InSubtreeOrAbove(v + ".org_id")
}

// Manages reports whether the actor may change a venue of the unit with
// path: one of their subtree (not one above them).
func Manages(a *auth.Actor, path string) bool { return manages(a, path) }

func manages(a *auth.Actor, path string) bool {
	return a.Can(auth.VenueManage) && a.Scope().Contains(path)
}

const venueCols = `v.id, v.org_id, o.name, o.path, v.name, v.address, v.capacity, v.note, v.active, v.version, v.created_at, v.updated_at`
const venueFrom = ` FROM venues v JOIN org_units o ON o.id = v.org_id`

func scanVenue(sc db.Scanner) (*Venue, error) {
	var v Venue
	var active int
	err := sc.Scan(&v.ID, &v.OrgID, &v.OrgName, &v.OrgPath, &v.Name, &v.Address, &v.Capacity, &v.Note, &active, &v.Version, &v.CreatedAt, &v.UpdatedAt)
	v.Active = active == 1
	return &v, err
}

// get reads a venue the actor may see, with its hours.
func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Venue, error) {
	v, err := scanVenue(q.QueryRow(ctx, `SELECT `+venueCols+venueFrom+` WHERE v.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get venue %d: %w", id, err)
	}
	cond, args := readable(a, "v")
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM venues v WHERE v.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	if err != nil {
		return nil, err
	}
	hours, err := s.hours(ctx, q, []int64{id})
	v.Hours = hours[id]
	return v, err
}

func (s *Service) hours(ctx context.Context, q db.Querier, ids []int64) (map[int64][]Hours, error) {
	out := map[int64][]Hours{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.Query(ctx, `SELECT venue_id, weekday, opens, closes FROM venue_hours WHERE venue_id IN (`+db.Placeholders(len(ids))+`) ORDER BY venue_id, weekday`, args...)
	type row struct {
		id int64
		h  Hours
	}
	list, err := db.Collect(rows, err, func(sc db.Scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.id, &r.h.Weekday, &r.h.Opens, &r.h.Closes)
	})
	for _, r := range list {
		out[r.id] = append(out[r.id], r.h)
	}
	return out, err
}

// Venue returns a venue the actor may see.
func (s *Service) Venue(ctx context.Context, a *auth.Actor, id int64) (*Venue, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

// Venues lists the venues the actor may see (the inactive ones too when
// asked), by unit and name.
func (s *Service) Venues(ctx context.Context, a *auth.Actor, withInactive bool) ([]*Venue, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	cond, args := readable(a, "v")
	if !withInactive {
		cond += " AND v.active = 1"
	}
	rows, err := s.DB.Query(ctx, `SELECT `+venueCols+venueFrom+` WHERE `+cond+` ORDER BY o.path, v.name, v.id LIMIT 500`, args...)
	list, err := db.Collect(rows, err, scanVenue)
	if err != nil {
		return nil, fmt.Errorf("list venues: %w", err)
	}
	ids := make([]int64, len(list))
	for i, v := range list {
		ids[i] = v.ID
	}
	hours, err := s.hours(ctx, s.DB, ids)
	for _, v := range list {
		v.Hours = hours[v.ID]
	}
	return list, err
}

// check validates in into f; the unit is checked in tx.
func (s *Service) check(ctx context.Context, tx *db.Tx, a *auth.Actor, in *Input, f map[string]string) error {
	in.Name, in.Address, in.Note = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address), strings.TrimSpace(in.Note)
	switch {
	case in.Name == "":
		f["name"] = "err.required"
	case ref.TooLong(in.Name, 60):
		f["name"] = "err.too_long"
	}
	if ref.TooLong(in.Address, 200) {
		f["address"] = "err.too_long"
	}
	if ref.TooLong(in.Note, 2000) {
		f["note"] = "err.too_long"
	}
	if in.Capacity < 0 || in.Capacity > 100000 {
		f["capacity"] = "err.number_invalid"
	}
	seen := map[int]bool{}
	var hours []Hours
	for _, h := range in.Hours {
		if h.Opens == "" && h.Closes == "" {
			continue // closed that day
		}
		o, ok1 := parseClock(h.Opens)
		c, ok2 := parseClock(h.Closes)
		key := "hours_" + strconv.Itoa(h.Weekday)
		switch {
		case h.Weekday < 1 || h.Weekday > 7 || seen[h.Weekday]:
			f["hours"] = "err.venue_hours_invalid"
		case !ok1 || !ok2:
			f[key] = "err.time_invalid"
		case c <= o:
			f[key] = "err.end_before_start"
		}
		seen[h.Weekday] = true
		hours = append(hours, Hours{Weekday: h.Weekday, Opens: o, Closes: c})
	}
	in.Hours = hours
	if in.OrgID == 0 {
		in.OrgID = a.OrgID
	}
	var path string
	err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ? AND archived = 0`, in.OrgID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !manages(a, path) {
		f["org_id"] = "err.org_unknown"
	} else if err != nil {
		return err
	}
	return nil
}

// Create adds a venue with its opening hours.
func (s *Service) Create(ctx context.Context, a *auth.Actor, in Input) (*Venue, error) {
	if err := a.Require(auth.VenueManage); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		f := map[string]string{}
		if err := s.check(ctx, tx, a, &in, f); err != nil {
			return err
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		now := db.FormatTime(s.Now())
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO venues (org_id, name, address, capacity, note, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
			in.OrgID, in.Name, in.Address, in.Capacity, in.Note, now, now)
		if err != nil {
			return fmt.Errorf("insert venue: %w", err)
		}
		if err := writeHours(ctx, tx, id, in.Hours); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "venue", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"name": in.Name, "org_id": in.OrgID, "capacity": in.Capacity, "hours": hoursText(in.Hours)}})
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

// Update changes a venue of the actor's subtree; in.Version must be the
// version read.
func (s *Service) Update(ctx context.Context, a *auth.Actor, id int64, in Input) (*Venue, error) {
	if err := a.Require(auth.VenueManage); err != nil {
		return nil, err
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !manages(a, old.OrgPath) {
			return errs.ErrOutOfScope
		}
		f := map[string]string{}
		if err := s.check(ctx, tx, a, &in, f); err != nil {
			return err
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		res, err := tx.Exec(ctx, `UPDATE venues SET org_id = ?, name = ?, address = ?, capacity = ?, note = ?, active = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, in.OrgID, in.Name, in.Address, in.Capacity, in.Note, boolInt(in.Active), db.FormatTime(s.Now()), id, in.Version)
		if err != nil {
			return fmt.Errorf("update venue: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		if err := writeHours(ctx, tx, id, in.Hours); err != nil {
			return err
		}
		d := map[string]any{}
		change := func(k string, o, n any) {
			if o != n {
				d[k] = audit.Change{Old: o, New: n}
			}
		}
		change("name", old.Name, in.Name)
		change("org_id", old.OrgID, in.OrgID)
		change("address", old.Address, in.Address)
		change("capacity", old.Capacity, in.Capacity)
		change("note", old.Note, in.Note)
		change("active", old.Active, in.Active)
		change("hours", hoursText(old.Hours), hoursText(in.Hours))
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "venue", EntityID: strconv.FormatInt(id, 10), Detail: d})
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

func writeHours(ctx context.Context, tx *db.Tx, id int64, hours []Hours) error {
	if _, err := tx.Exec(ctx, `DELETE FROM venue_hours WHERE venue_id = ?`, id); err != nil {
		return err
	}
	for _, h := range hours {
		if _, err := tx.Exec(ctx, `INSERT INTO venue_hours (venue_id, weekday, opens, closes) VALUES (?, ?, ?, ?)`, id, h.Weekday, h.Opens, h.Closes); err != nil {
			return fmt.Errorf("venue hours: %w", err)
		}
	}
	return nil
}

// hoursText is the hours for the audit log: "1 09:00-17:00; 2 …".
func hoursText(hours []Hours) string {
	var parts []string
	for _, h := range hours {
		parts = append(parts, fmt.Sprintf("%d %s-%s", h.Weekday, h.Opens, h.Closes))
	}
	return strings.Join(parts, "; ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseClock reads 'H:MM' or 'HH:MM' (full-width digits and colon too) as
// 'HH:MM'.
func parseClock(s string) (string, bool) {
	s = strings.NewReplacer("：", ":", "０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9").
		Replace(strings.TrimSpace(s))
	t, err := time.Parse("15:04", s)
	if err != nil {
		return "", false
	}
	return t.Format("15:04"), true
}

// parseDate reads a date as 'YYYY-MM-DD'.
func parseDate(s string) (string, bool) {
	if strings.TrimSpace(s) == "" {
		return "", false
	}
	t, ok := ref.ParseDate(s)
	if !ok {
		return "", false
	}
	return t.Format(db.DateLayout), true
}
