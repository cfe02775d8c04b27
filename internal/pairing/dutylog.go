package pairing

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
)

// DutyInput is a shift served.
type DutyInput struct {
	// SlotID, when given, supplies the unit, service, who and length
	// (each may still be given to record a stand-in or a shorter shift).
	SlotID  int64
	OrgID   int64
	Service DutyService
	// Date defaults to today; not in the future.
	Date     string
	UserID   int64
	PersonID int64
	Name     string
	Minutes  int
	Note     string
}

// DutyEntry is a logged shift.
type DutyEntry struct {
	ID        int64
	OrgID     int64
	OrgName   string
	SlotID    int64
	Service   DutyService
	Date      string
	UserID    int64
	PersonID  int64
	Name      string // as shown
	Minutes   int
	Note      string
	CreatedBy string
	CreatedAt string
}

// mayLogDuty: staff who take cases or configure rosters record shifts;
// a liaison does not.
func mayLogDuty(a *auth.Actor) bool {
	return !isLiaison(a) && (a.Can(auth.CaseConfig) || a.Can(auth.CaseIntake))
}

// LogDuty records a shift served.
func (s *Service) LogDuty(ctx context.Context, a *auth.Actor, in DutyInput) (*DutyEntry, error) {
	if err := a.RequireAny(auth.CaseConfig, auth.CaseIntake); err != nil {
		return nil, err
	}
	if !mayLogDuty(a) {
		return nil, errForbidden
	}
	f := map[string]string{}
	in.Date = s.pastDate(in.Date, "date", f)
	in.Note = strings.TrimSpace(in.Note)
	if ref.TooLong(in.Note, 500) {
		f["note"] = "err.too_long"
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if in.SlotID != 0 {
			sl, err := s.slot(ctx, tx, a, in.SlotID)
			if err != nil {
				return err
			}
			if in.OrgID == 0 {
				in.OrgID = sl.OrgID
			}
			if in.Service == "" {
				in.Service = sl.Service
			}
			if in.UserID == 0 && in.PersonID == 0 && strings.TrimSpace(in.Name) == "" {
				in.UserID, in.PersonID = sl.UserID, sl.PersonID
				if in.UserID == 0 && in.PersonID == 0 {
					in.Name = sl.Name
				}
			}
			if in.Minutes == 0 {
				in.Minutes = sl.Minutes()
			}
		}
		if !in.Service.Valid() {
			f["service"] = "err.required"
		}
		if in.Minutes < 1 || in.Minutes > 24*60 {
			f["minutes"] = "err.minutes_invalid"
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
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO duty_log (org_id, slot_id, service, date, user_id, person_id, name, minutes, note, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.OrgID, db.NullID(in.SlotID), string(in.Service), in.Date, db.NullID(in.UserID), db.NullID(in.PersonID),
			in.Name, in.Minutes, in.Note, db.NullID(a.UserID), db.FormatTime(s.Now()))
		if err != nil {
			return fmt.Errorf("insert duty log: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "duty_log", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"org_id": in.OrgID, "slot_id": in.SlotID, "service": in.Service, "date": in.Date, "user_id": in.UserID,
				"person_id": in.PersonID, "name": in.Name, "minutes": in.Minutes}})
	})
	if err != nil {
		return nil, err
	}
	list, _, err := s.DutyLog(ctx, a, DutyFilter{ID: id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.ErrNotFound
	}
	return list[0], nil
}

// dutyScope limits duty log entries (alias l): the actor's subtree; a
// liaison sees only their own shifts.
func dutyScope(a *auth.Actor, l string) (string, []any) {
	if isLiaison(a) {
		return l + ".user_id = ?", []any{a.UserID}
	}
	return a.Scope().InSubtree(l + ".org_id")
}

// DutyFilter selects logged shifts.
type DutyFilter struct {
	ID       int64
	OrgID    int64 // a unit's subtree
	Service  DutyService
	Year     int
	UserID   int64
	PersonID int64
	Limit    int
	Offset   int
}

func yearRange(y int) (string, string) {
	return fmt.Sprintf("%04d-01-01", y), fmt.Sprintf("%04d-12-31", y)
}

// DutyLog lists logged shifts in scope, newest first, and their total.
func (s *Service) DutyLog(ctx context.Context, a *auth.Actor, f DutyFilter) ([]*DutyEntry, int, error) {
	if err := a.Require(auth.CaseView); err != nil {
		return nil, 0, err
	}
	cond, args := dutyScope(a, "l")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	if f.ID != 0 {
		add("l.id = ?", f.ID)
	}
	if f.OrgID != 0 {
		add(`l.org_id IN (SELECT c.id FROM org_units c, org_units u WHERE u.id = ? AND c.path >= u.path AND c.path < substr(u.path, 1, length(u.path) - 1) || '0')`, f.OrgID)
	}
	if f.Service != "" {
		add("l.service = ?", string(f.Service))
	}
	if f.Year != 0 {
		lo, hi := yearRange(f.Year)
		add("l.date >= ? AND l.date <= ?", lo, hi)
	}
	if f.UserID != 0 {
		add("l.user_id = ?", f.UserID)
	}
	if f.PersonID != 0 {
		add("l.person_id = ?", f.PersonID)
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM duty_log l`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count duty log: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT l.id, l.org_id, o.name, COALESCE(l.slot_id, 0), l.service, l.date, COALESCE(l.user_id, 0), COALESCE(l.person_id, 0),
		l.name, COALESCE(p.name, ''), COALESCE(u.display_name, ''), COALESCE(u.username, ''), l.minutes, l.note, COALESCE(cu.username, ''), l.created_at
		FROM duty_log l JOIN org_units o ON o.id = l.org_id LEFT JOIN persons p ON p.id = l.person_id LEFT JOIN users u ON u.id = l.user_id
		LEFT JOIN users cu ON cu.id = l.created_by`+where+` ORDER BY l.date DESC, l.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	out, err := db.Collect(rows, err, func(sc db.Scanner) (*DutyEntry, error) {
		var e DutyEntry
		var service, pn, dn, un string
		if err := sc.Scan(&e.ID, &e.OrgID, &e.OrgName, &e.SlotID, &service, &e.Date, &e.UserID, &e.PersonID, &e.Name, &pn, &dn, &un, &e.Minutes,
			&e.Note, &e.CreatedBy, &e.CreatedAt); err != nil {
			return nil, err
		}
		e.Service = DutyService(service)
		switch {
		case e.PersonID != 0:
			e.Name = pn
		case e.UserID != 0:
			e.Name = userName(dn, un)
		}
		return &e, nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("duty log: %w", err)
	}
	return out, total, nil
}

// Hours is the time one person served on duty in a year.
type Hours struct {
	PersonID int64 // a registered volunteer, or
	UserID   int64 // an account, or neither (only a name)
	Name     string
	Minutes  int
	Shifts   int
}

// Hours totals the shifts served in a year in the actor's scope, per
// person, the most first.
func (s *Service) Hours(ctx context.Context, a *auth.Actor, year int) ([]Hours, error) {
	if err := a.Require(auth.CaseView); err != nil {
		return nil, err
	}
	cond, args := dutyScope(a, "l")
	lo, hi := yearRange(year)
	rows, err := s.DB.Query(ctx, `SELECT g.pid, g.uid, g.nm, g.mins, g.n, COALESCE(p.name, ''), COALESCE(u.display_name, ''), COALESCE(u.username, '')
		FROM (SELECT COALESCE(l.person_id, 0) AS pid, COALESCE(l.user_id, 0) AS uid,
			CASE WHEN l.person_id IS NULL AND l.user_id IS NULL THEN l.name ELSE '' END AS nm, SUM(l.minutes) AS mins, COUNT(*) AS n
			FROM duty_log l WHERE `+cond+` AND l.date >= ? AND l.date <= ? GROUP BY 1, 2, 3) g
		LEFT JOIN persons p ON p.id = g.pid LEFT JOIN users u ON u.id = g.uid
		ORDER BY g.mins DESC, g.pid, g.uid, g.nm`, append(args, lo, hi)...)
	out, err := db.Collect(rows, err, func(sc db.Scanner) (Hours, error) {
		var h Hours
		var pn, dn, un string
		err := sc.Scan(&h.PersonID, &h.UserID, &h.Name, &h.Minutes, &h.Shifts, &pn, &dn, &un)
		switch {
		case h.PersonID != 0:
			h.Name = pn
		case h.UserID != 0:
			h.Name = userName(dn, un)
		}
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("duty hours: %w", err)
	}
	return out, nil
}
