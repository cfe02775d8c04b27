package pairing

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

// DutyService is what a duty roster staffs.
type DutyService string

// The services.
const (
	Hotline DutyService = "hotline" // 24-hour service and rights-protection hotline
	Window  DutyService = "window"  // reception window
)

// Valid reports whether d is a known service.
func (d DutyService) Valid() bool { return d == Hotline || d == Window }

// Slot is a recurring weekly duty: who staffs a service of an org unit on a
// weekday from a time to a time (China time), between optional dates.
type Slot struct {
	ID      int64
	OrgID   int64
	OrgName string
	Service DutyService
	// Weekday is ISO: 1 Monday … 7 Sunday.
	Weekday int
	// StartTime and EndTime are 'HH:MM'; an end before the start runs past
	// midnight into the next day, '24:00' ends at midnight.
	StartTime string
	EndTime   string
	UserID    int64
	PersonID  int64
	// Name is who is on duty as shown: the account's or person's name, or
	// the name given.
	Name      string
	ValidFrom string
	ValidTo   string
	Note      string
	Version   int
	UpdatedAt string
	orgPath   string
}

// Minutes is the length of the slot.
func (s *Slot) Minutes() int { return slotMinutes(s.StartTime, s.EndTime) }

// Overnight reports whether the slot runs past midnight.
func (s *Slot) Overnight() bool { return s.EndTime <= s.StartTime }

// SlotInput is what a form gives for a slot. ID 0 creates one.
type SlotInput struct {
	ID        int64
	OrgID     int64
	Service   DutyService
	Weekday   int
	StartTime string
	EndTime   string
	// One of the three: an account, a registered person (a volunteer) or a
	// name.
	UserID    int64
	PersonID  int64
	Name      string
	ValidFrom string
	ValidTo   string
	Note      string
	Version   int
}

// parseClock normalises 'H:MM' or 'HH:MM' (24:00 only when end is set).
func parseClock(s string, end bool) (string, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "：", ":"))
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return "", false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && (mm != 0 || !end)) {
		return "", false
	}
	return fmt.Sprintf("%02d:%02d", hh, mm), true
}

func clockMinutes(c string) int {
	if len(c) != 5 {
		return 0
	}
	h, _ := strconv.Atoi(c[:2])
	m, _ := strconv.Atoi(c[3:])
	return h*60 + m
}

func slotMinutes(start, end string) int {
	d := clockMinutes(end) - clockMinutes(start)
	if d <= 0 {
		d += 24 * 60
	}
	return d
}

const slotCols = `s.id, s.org_id, o.name, o.path, s.service, s.weekday, s.start_time, s.end_time, COALESCE(s.user_id, 0), COALESCE(s.person_id, 0),
	s.name, COALESCE(p.name, ''), COALESCE(u.display_name, ''), COALESCE(u.username, ''), s.valid_from, s.valid_to, s.note, s.version, s.updated_at`

const slotFrom = ` FROM duty_slots s JOIN org_units o ON o.id = s.org_id LEFT JOIN persons p ON p.id = s.person_id LEFT JOIN users u ON u.id = s.user_id`

func scanSlot(sc interface{ Scan(...any) error }) (*Slot, error) {
	var s Slot
	var service, pn, dn, un string
	if err := sc.Scan(&s.ID, &s.OrgID, &s.OrgName, &s.orgPath, &service, &s.Weekday, &s.StartTime, &s.EndTime, &s.UserID, &s.PersonID,
		&s.Name, &pn, &dn, &un, &s.ValidFrom, &s.ValidTo, &s.Note, &s.Version, &s.UpdatedAt); err != nil {
		return nil, err
	}
	s.Service = DutyService(service)
	switch {
	case s.PersonID != 0:
		s.Name = pn
	case s.UserID != 0:
		s.Name = userName(dn, un)
	}
	return &s, nil
}

func (s *Service) slots(ctx context.Context, q db.Querier, where string, args ...any) ([]*Slot, error) {
	rows, err := q.Query(ctx, `SELECT `+slotCols+slotFrom+where+` ORDER BY o.path, s.service, s.weekday, s.start_time, s.id`, args...)
	out, err := db.Collect(rows, err, scanSlot)
	if err != nil {
		return nil, fmt.Errorf("duty slots: %w", err)
	}
	return out, nil
}

// Slots lists the duty slots of a service ("" all) that the actor may
// read: those of the units in their subtree and of the units above them
// (a committee reads the subdistrict's hotline roster).
func (s *Service) Slots(ctx context.Context, a *auth.Actor, service DutyService) ([]*Slot, error) {
	if err := a.Require(auth.CaseView); err != nil {
		return nil, err
	}
	cond, args := readableOrgs(a, "s.org_id")
	if service != "" {
		cond += " AND s.service = ?"
		args = append(args, string(service))
	}
	return s.slots(ctx, s.DB, " WHERE "+cond, args...)
}

// Slot returns one slot the actor may read.
func (s *Service) Slot(ctx context.Context, a *auth.Actor, id int64) (*Slot, error) {
	if err := a.Require(auth.CaseView); err != nil {
		return nil, err
	}
	return s.slot(ctx, s.DB, a, id)
}

func (s *Service) slot(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Slot, error) {
	list, err := s.slots(ctx, q, " WHERE s.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.ErrNotFound
	}
	cond, args := readableOrgs(a, "s.org_id")
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM duty_slots s WHERE s.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

// OnDuty returns who is on duty for a service ("" all) at a moment, as the
// intake screen shows it.
func (s *Service) OnDuty(ctx context.Context, a *auth.Actor, service DutyService, at time.Time) ([]*Slot, error) {
	if err := a.RequireAny(auth.CaseView, auth.CaseIntake); err != nil {
		return nil, err
	}
	all, err := s.Slots(ctx, a, service)
	if err != nil {
		return nil, err
	}
	t := at.In(ref.China)
	wd := isoWeekday(t)
	hm := t.Format("15:04")
	date := t.Format(db.DateLayout)
	prev := t.AddDate(0, 0, -1)
	prevWd, prevDate := isoWeekday(prev), prev.Format(db.DateLayout)
	valid := func(sl *Slot, d string) bool {
		return (sl.ValidFrom == "" || d >= sl.ValidFrom) && (sl.ValidTo == "" || d <= sl.ValidTo)
	}
	var out []*Slot
	for _, sl := range all {
		today := sl.Weekday == wd && hm >= sl.StartTime && (sl.Overnight() || hm < sl.EndTime) && valid(sl, date)
		carried := sl.Overnight() && sl.Weekday == prevWd && hm < sl.EndTime && valid(sl, prevDate)
		if today || carried {
			out = append(out, sl)
		}
	}
	return out, nil
}

func isoWeekday(t time.Time) int {
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// checkDutyOrg checks that an org unit may hold a duty roster for the
// actor: a district, subdistrict or committee in their subtree.
func checkDutyOrg(ctx context.Context, tx *db.Tx, a *auth.Actor, orgID int64) (string, error) {
	var kind, path string
	err := tx.QueryRow(ctx, `SELECT kind, path FROM org_units WHERE id = ? AND archived = 0`, orgID).Scan(&kind, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return "err.org_unknown", nil
	}
	if err != nil {
		return "", err
	}
	if (kind != "district" && kind != "subdistrict" && kind != "committee") || !a.Scope().Contains(path) {
		return "err.org_unknown", nil
	}
	return "", nil
}

// checkWho checks who is on duty: exactly one of an account, a volunteer
// or a name.
func checkWho(ctx context.Context, tx *db.Tx, a *auth.Actor, userID, personID int64, name *string, f map[string]string) error {
	*name = strings.TrimSpace(*name)
	n := 0
	for _, set := range []bool{userID != 0, personID != 0, *name != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		f["who"] = "err.required"
	case n > 1:
		f["who"] = "err.who_one"
	case userID != 0:
		k, err := checkUser(ctx, tx, a, userID, append([]auth.Role{auth.Liaison}, officialRoles...), "err.user_unknown")
		if err != nil {
			return err
		}
		if k != "" {
			f["user_id"] = k
		}
	case personID != 0:
		_, k, err := checkPerson(ctx, tx, a, personID, "err.person_unknown")
		if err != nil {
			return err
		}
		if k != "" {
			f["person_id"] = k
		}
	default:
		if ref.TooLong(*name, 50) {
			f["name"] = "err.too_long"
		}
	}
	return nil
}

// maySetDuty: rosters are configured by CaseConfig holders, never by a
// liaison.
func maySetDuty(a *auth.Actor) bool { return a.Can(auth.CaseConfig) && !isLiaison(a) }

func (sl *Slot) fields() map[string]any {
	name := ""
	if sl.UserID == 0 && sl.PersonID == 0 {
		name = sl.Name
	}
	return map[string]any{"org_id": sl.OrgID, "service": sl.Service, "weekday": sl.Weekday, "start_time": sl.StartTime, "end_time": sl.EndTime,
		"user_id": sl.UserID, "person_id": sl.PersonID, "name": name, "valid_from": sl.ValidFrom, "valid_to": sl.ValidTo, "note": sl.Note}
}

// SetSlot creates (ID 0) or changes a duty slot; a stale Version is a
// conflict. The unit must be a district, subdistrict or committee in the
// actor's subtree.
func (s *Service) SetSlot(ctx context.Context, a *auth.Actor, in SlotInput) (*Slot, error) {
	if err := a.Require(auth.CaseConfig); err != nil {
		return nil, err
	}
	if !maySetDuty(a) {
		return nil, errForbidden
	}
	f := map[string]string{}
	if !in.Service.Valid() {
		f["service"] = "err.required"
	}
	if in.Weekday < 1 || in.Weekday > 7 {
		f["weekday"] = "err.weekday_invalid"
	}
	var ok bool
	if in.StartTime, ok = parseClock(in.StartTime, false); !ok {
		f["start_time"] = "err.time_invalid"
	}
	if in.EndTime, ok = parseClock(in.EndTime, true); !ok {
		f["end_time"] = "err.time_invalid"
	} else if in.EndTime == in.StartTime {
		f["end_time"] = "err.time_invalid"
	}
	for name, v := range map[string]*string{"valid_from": &in.ValidFrom, "valid_to": &in.ValidTo} {
		if strings.TrimSpace(*v) == "" {
			*v = ""
		} else if d, ok := parseDate(*v); ok {
			*v = d
		} else {
			f[name] = "err.date_invalid"
		}
	}
	if f["valid_to"] == "" && in.ValidFrom != "" && in.ValidTo != "" && in.ValidTo < in.ValidFrom {
		f["valid_to"] = "err.date_before_start"
	}
	in.Note = strings.TrimSpace(in.Note)
	if ref.TooLong(in.Note, 500) {
		f["note"] = "err.too_long"
	}
	id := in.ID
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var old *Slot
		if in.ID != 0 {
			var err error
			if old, err = s.slot(ctx, tx, a, in.ID); err != nil {
				return err
			}
			if !a.Scope().Contains(old.orgPath) {
				return errForbidden
			}
		}
		if k, err := checkDutyOrg(ctx, tx, a, in.OrgID); err != nil {
			return err
		} else if k != "" {
			f["org_id"] = k
		}
		if err := checkWho(ctx, tx, a, in.UserID, in.PersonID, &in.Name, f); err != nil {
			return err
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		now := db.FormatTime(s.Now())
		if old == nil {
			var err error
			id, err = tx.InsertID(ctx, `INSERT INTO duty_slots (org_id, service, weekday, start_time, end_time, user_id, person_id, name, valid_from, valid_to,
				note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				in.OrgID, string(in.Service), in.Weekday, in.StartTime, in.EndTime, db.NullID(in.UserID), db.NullID(in.PersonID), in.Name, in.ValidFrom,
				in.ValidTo, in.Note, now, now)
			if err != nil {
				return fmt.Errorf("insert duty slot: %w", err)
			}
			newS := Slot{OrgID: in.OrgID, Service: in.Service, Weekday: in.Weekday, StartTime: in.StartTime, EndTime: in.EndTime, UserID: in.UserID,
				PersonID: in.PersonID, Name: in.Name, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo, Note: in.Note}
			return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "duty_slot", EntityID: strconv.FormatInt(id, 10),
				Detail: newS.fields()})
		}
		res, err := tx.Exec(ctx, `UPDATE duty_slots SET org_id = ?, service = ?, weekday = ?, start_time = ?, end_time = ?, user_id = ?, person_id = ?,
			name = ?, valid_from = ?, valid_to = ?, note = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.OrgID, string(in.Service), in.Weekday, in.StartTime, in.EndTime, db.NullID(in.UserID), db.NullID(in.PersonID), in.Name, in.ValidFrom,
			in.ValidTo, in.Note, now, in.ID, in.Version)
		if err != nil {
			return fmt.Errorf("update duty slot: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		newS := *old
		newS.OrgID, newS.Service, newS.Weekday, newS.StartTime, newS.EndTime = in.OrgID, in.Service, in.Weekday, in.StartTime, in.EndTime
		newS.UserID, newS.PersonID, newS.Name, newS.ValidFrom, newS.ValidTo, newS.Note = in.UserID, in.PersonID, in.Name, in.ValidFrom, in.ValidTo, in.Note
		changes := audit.Changes(old.fields(), newS.fields())
		if len(changes) == 0 {
			return nil
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "duty_slot", EntityID: strconv.FormatInt(id, 10), Detail: changes})
	})
	if err != nil {
		return nil, err
	}
	return s.Slot(ctx, a, id)
}

// DeleteSlot removes a duty slot; shifts logged against it keep their
// hours (their slot is cleared).
func (s *Service) DeleteSlot(ctx context.Context, a *auth.Actor, id int64) error {
	if err := a.Require(auth.CaseConfig); err != nil {
		return err
	}
	if !maySetDuty(a) {
		return errForbidden
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, err := s.slot(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.Scope().Contains(old.orgPath) {
			return errForbidden
		}
		if _, err := tx.Exec(ctx, `UPDATE duty_log SET slot_id = NULL WHERE slot_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM duty_slots WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete duty slot: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "delete", Entity: "duty_slot", EntityID: strconv.FormatInt(id, 10), Detail: old.fields()})
	})
}
