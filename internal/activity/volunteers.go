package activity

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// Source is where a volunteer's hours come from.
type Source string

// The sources of hours.
const (
	// FromActivity: helping at an activity (a helper marked present).
	FromActivity Source = "activity"
	// FromDuty: a shift of the hotline or the reception window.
	FromDuty Source = "duty"
	// FromVisit: a visit of a pairing in which the volunteer helps.
	FromVisit Source = "visit"
	// FromSelf: hours the volunteer logged, counted once approved.
	FromSelf Source = "self"
)

// Sources lists the sources in display order.
var Sources = []Source{FromActivity, FromDuty, FromVisit, FromSelf}

// Hours statuses of self-logged entries.
const (
	HoursPending  = "pending"
	HoursApproved = "approved"
	HoursRejected = "rejected"
)

// MaxDayMinutes is the most a volunteer can log for one day.
const MaxDayMinutes = 24 * 60

// HoursInput is an entry of hours a volunteer logs.
type HoursInput struct {
	PersonID int64
	Date     string
	// Hours as typed: "2", "1.5"; whole minutes are kept.
	Hours string
	What  string
}

// Entry is one line of a volunteer's hours ledger.
type Entry struct {
	PersonID int64
	Date     string
	Source   Source
	What     string
	Minutes  int
	// Status of a self-logged entry; "" for the others, which count.
	Status string
	// RefID: the activity, the duty log row, the visit or the entry.
	RefID int64
}

// Counts reports whether the entry counts towards the hours.
func (e Entry) Counts() bool { return e.Status == "" || e.Status == HoursApproved }

// VolunteerHours is a volunteer's hours over a period, by source.
type VolunteerHours struct {
	PersonID  int64
	Name      string
	OrgName   string
	Ethnicity string
	// Minutes by source; pending self-logged hours apart.
	Minutes map[Source]int
	Total   int
	Pending int
}

// parseHours reads "2", "1.5", "0.25" as minutes.
func parseHours(s string) (int, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "小时"))
	h, err := strconv.ParseFloat(s, 64)
	if err != nil || h != h {
		return 0, false
	}
	return int(h*60 + 0.5), true
}

// LogHours records hours a volunteer gave, waiting for approval. A liaison
// logs for the volunteers assigned to them; staff for the volunteers of
// their subtree. An entry over a day, or that would bring the day's logged
// hours over 24, is refused.
func (s *Service) LogHours(ctx context.Context, a *auth.Actor, in HoursInput) (int64, error) {
	if err := a.Require(auth.HoursLog); err != nil {
		return 0, err
	}
	f := map[string]string{}
	date, ok := parseDate(in.Date)
	switch {
	case strings.TrimSpace(in.Date) == "":
		date = s.Today()
	case !ok:
		f["date"] = "err.date_invalid"
	case date > s.Today():
		f["date"] = "err.date_future"
	}
	minutes, ok := parseHours(in.Hours)
	switch {
	case strings.TrimSpace(in.Hours) == "":
		f["hours"] = "err.required"
	case !ok || minutes <= 0:
		f["hours"] = "err.hours_invalid"
	case minutes > MaxDayMinutes:
		f["hours"] = "err.hours_day"
	}
	what := strings.TrimSpace(in.What)
	switch {
	case what == "":
		f["what"] = "err.required"
	case ref.TooLong(what, 200):
		f["what"] = "err.too_long"
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		orgID, tags, err := volunteer(ctx, tx, a, in.PersonID)
		if err != nil {
			return err
		}
		switch {
		case orgID == 0:
			f["person_id"] = "err.person_unknown"
		case tags&int64(people.TagVolunteer|people.TagLiaison) == 0:
			f["person_id"] = "err.not_volunteer"
		}
		if len(f) == 0 {
			var day int
			if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(minutes), 0) FROM volunteer_hours WHERE person_id = ? AND date = ? AND status <> 'rejected'`,
				in.PersonID, date).Scan(&day); err != nil {
				return err
			}
			if day+minutes > MaxDayMinutes {
				f["hours"] = "err.hours_day"
			}
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		id, err = tx.InsertID(ctx, `INSERT INTO volunteer_hours (org_id, person_id, date, minutes, what, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			orgID, in.PersonID, date, minutes, what, db.NullID(a.UserID), db.FormatTime(s.Now()))
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "volunteer_hours", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"person_id": in.PersonID, "date": date, "minutes": minutes}})
	})
	return id, err
}

// volunteer returns the committee and tags of an active person in the
// actor's registry scope; orgID 0 when there is none.
func volunteer(ctx context.Context, q db.Querier, a *auth.Actor, personID int64) (orgID, tags int64, err error) {
	cond, args := a.Scope().Persons("p")
	err = q.QueryRow(ctx, `SELECT p.org_id, p.tags FROM persons p WHERE p.id = ? AND p.status = 'active' AND p.archived = 0 AND `+cond,
		append([]any{personID}, args...)...).Scan(&orgID, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return orgID, tags, err
}

// Decide approves or refuses (with a reason) a pending entry of logged
// hours; the decision is audited.
func (s *Service) Decide(ctx context.Context, a *auth.Actor, id int64, approve bool, reason string) error {
	if err := a.Require(auth.HoursApprove); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var status, path string
		var personID int64
		var minutes int
		err := tx.QueryRow(ctx, `SELECT h.status, o.path, h.person_id, h.minutes FROM volunteer_hours h JOIN org_units o ON o.id = h.org_id WHERE h.id = ?`, id).
			Scan(&status, &path, &personID, &minutes)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !a.Scope().Contains(path) || a.Scope().IsLiaison() {
			return errs.ErrOutOfScope
		}
		if status != HoursPending {
			return errs.E(errs.Conflict, "err.hours_decided")
		}
		if !approve && reason == "" {
			return errs.InvalidFields(map[string]string{"reason": "err.required"})
		}
		if ref.TooLong(reason, 200) {
			return errs.InvalidFields(map[string]string{"reason": "err.too_long"})
		}
		to := HoursApproved
		if !approve {
			to = HoursRejected
		}
		if _, err := tx.Exec(ctx, `UPDATE volunteer_hours SET status = ?, decided_by = ?, decided_at = ?, reject_reason = ? WHERE id = ? AND status = 'pending'`,
			to, db.NullID(a.UserID), db.FormatTime(s.Now()), reason, id); err != nil {
			return err
		}
		action := "approve"
		if !approve {
			action = "reject"
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: action, Entity: "volunteer_hours", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"person_id": personID, "minutes": minutes, "reason": reason}})
	})
}

// PendingEntry is a logged entry waiting for a decision.
type PendingEntry struct {
	ID       int64
	PersonID int64
	Name     string
	OrgName  string
	Date     string
	Minutes  int
	What     string
	LoggedBy string
}

// Pending lists the logged hours waiting for a decision in the actor's
// scope, oldest first.
func (s *Service) Pending(ctx context.Context, a *auth.Actor) ([]PendingEntry, error) {
	if err := a.RequireAny(auth.HoursApprove, auth.HoursLog); err != nil {
		return nil, err
	}
	cond, args := a.Scope().Persons("p")
	rows, err := s.DB.Query(ctx, `SELECT h.id, h.person_id, p.name, o.name, h.date, h.minutes, h.what, COALESCE(u.display_name, u.username, '')
		FROM volunteer_hours h JOIN persons p ON p.id = h.person_id JOIN org_units o ON o.id = h.org_id LEFT JOIN users u ON u.id = h.created_by
		WHERE h.status = 'pending' AND `+cond+` ORDER BY h.date, h.id LIMIT 500`, args...)
	return db.Collect(rows, err, func(sc db.Scanner) (PendingEntry, error) {
		var e PendingEntry
		return e, sc.Scan(&e.ID, &e.PersonID, &e.Name, &e.OrgName, &e.Date, &e.Minutes, &e.What, &e.LoggedBy)
	})
}

// entries reads the hours ledger lines of the persons matching cond
// (alias p) between from and to (dates, inclusive), from all four sources.
func (s *Service) entries(ctx context.Context, cond string, args []any, from, to string) ([]Entry, error) {
	period := func(col string) (string, []any) {
		return " AND " + col + " >= ? AND " + col + " <= ?", []any{from, to}
	}
	var out []Entry
	scan := func(q string, qargs []any, src Source, span bool) error {
		rows, err := s.DB.Query(ctx, q, qargs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := Entry{Source: src}
			var a, b string
			if span {
				err = rows.Scan(&e.PersonID, &e.RefID, &a, &b, &e.What)
				e.Date, e.Minutes = a[:10], minutesBetween(a, b)
			} else {
				err = rows.Scan(&e.PersonID, &e.RefID, &e.Date, &e.Minutes, &e.What, &e.Status)
			}
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	}
	pc, pa := period("substr(x.starts_at, 1, 10)")
	if err := scan(`SELECT t.person_id, x.id, x.starts_at, x.ends_at, x.title FROM attendance t JOIN activities x ON x.id = t.activity_id
		JOIN persons p ON p.id = t.person_id WHERE t.role = 'helper' AND t.present = 1 AND x.status <> 'cancelled' AND `+cond+pc,
		append(slices.Clone(args), pa...), FromActivity, true); err != nil {
		return nil, err
	}
	pc, pa = period("l.date")
	if err := scan(`SELECT l.person_id, l.id, l.date, l.minutes, l.service, '' FROM duty_log l JOIN persons p ON p.id = l.person_id WHERE `+cond+pc,
		append(slices.Clone(args), pa...), FromDuty, false); err != nil {
		return nil, err
	}
	pc, pa = period("v.date")
	if err := scan(`SELECT pr.helper_person_id, v.id, v.date, v.minutes, v.help, '' FROM pairing_visits v JOIN pairings pr ON pr.id = v.pairing_id
		JOIN persons p ON p.id = pr.helper_person_id WHERE v.minutes > 0 AND `+cond+pc, append(slices.Clone(args), pa...), FromVisit, false); err != nil {
		return nil, err
	}
	pc, pa = period("h.date")
	if err := scan(`SELECT h.person_id, h.id, h.date, h.minutes, h.what, h.status FROM volunteer_hours h JOIN persons p ON p.id = h.person_id WHERE `+cond+pc,
		append(slices.Clone(args), pa...), FromSelf, false); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Source == FromDuty {
			out[i].What = dutyLabel(out[i].What)
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Source, b.Source)) })
	return out, nil
}

func dutyLabel(service string) string {
	switch service {
	case "hotline":
		return "热线值班"
	case "window":
		return "接待窗口值班"
	}
	return service
}

// Ledger is a volunteer's hours, line by line, between from and to.
func (s *Service) Ledger(ctx context.Context, a *auth.Actor, personID int64, from, to string) ([]Entry, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	cond, args := a.Scope().Persons("p")
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM persons p WHERE p.id = ? AND `+cond, append([]any{personID}, args...)...).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errs.ErrOutOfScope
	}
	return s.entries(ctx, "p.id = ?", []any{personID}, from, to)
}

// Volunteers lists the volunteers of the actor's scope (persons tagged
// 志愿者, and those with hours in the period) with their hours between
// from and to, the most active first.
func (s *Service) Volunteers(ctx context.Context, a *auth.Actor, from, to string) ([]*VolunteerHours, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	cond, args := a.Scope().Persons("p")
	list, err := s.entries(ctx, cond, args, from, to)
	if err != nil {
		return nil, err
	}
	by := map[int64]*VolunteerHours{}
	rows, err := s.DB.Query(ctx, `SELECT p.id, p.name, o.name, p.ethnicity FROM persons p JOIN org_units o ON o.id = p.org_id
		WHERE p.status = 'active' AND p.archived = 0 AND (p.tags & ?) <> 0 AND `+cond, append([]any{int64(people.TagVolunteer)}, args...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		v := &VolunteerHours{Minutes: map[Source]int{}}
		if err := rows.Scan(&v.PersonID, &v.Name, &v.OrgName, &v.Ethnicity); err != nil {
			rows.Close()
			return nil, err
		}
		by[v.PersonID] = v
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	for _, e := range list {
		v := by[e.PersonID]
		if v == nil {
			v = &VolunteerHours{PersonID: e.PersonID, Minutes: map[Source]int{}}
			if err := s.DB.QueryRow(ctx, `SELECT p.name, o.name, p.ethnicity FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = ?`,
				e.PersonID).Scan(&v.Name, &v.OrgName, &v.Ethnicity); err != nil {
				return nil, err
			}
			by[e.PersonID] = v
		}
		switch {
		case e.Counts():
			v.Minutes[e.Source] += e.Minutes
			v.Total += e.Minutes
		case e.Status == HoursPending:
			v.Pending += e.Minutes
		}
	}
	out := make([]*VolunteerHours, 0, len(by))
	for _, v := range by {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *VolunteerHours) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Name, b.Name), cmp.Compare(a.PersonID, b.PersonID))
	})
	return out, nil
}

// HoursEntries is the hours ledger of the persons matching cond (alias p)
// between from and to (dates, inclusive), from all four sources — the
// figures' volunteer hours are computed from it, the same lines the
// volunteers' page shows. Only entries whose Counts() is true count.
func HoursEntries(ctx context.Context, d *db.DB, cond string, args []any, from, to string) ([]Entry, error) {
	return (&Service{DB: d}).entries(ctx, cond, args, from, to)
}
