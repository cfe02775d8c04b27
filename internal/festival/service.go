package festival

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
)

// Service reads the festival calendar with its official dates and keeps
// them.
type Service struct {
	DB *db.DB
	// Now is the clock (tests set it); China time decides "today".
	Now func() time.Time
}

// New returns the service on d.
func New(d *db.DB) *Service { return &Service{DB: d, Now: time.Now} }

// Today is the date in China.
func (s *Service) Today() string { return s.Now().In(ref.China).Format(day) }

// Calendar returns year y's festivals, official dates in place of the
// computed ones where entered.
func (s *Service) Calendar(ctx context.Context, a *auth.Actor, y int) ([]Date, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	return s.calendar(ctx, s.DB, y)
}

func (s *Service) calendar(ctx context.Context, q db.Querier, y int) ([]Date, error) {
	if !ValidYear(y) {
		return nil, errs.InvalidFields(map[string]string{"year": "festival.err.year"})
	}
	cal, err := Compute(y)
	if err != nil {
		return nil, err
	}
	off, err := officials(ctx, q, y)
	if err != nil {
		return nil, err
	}
	for i := range cal {
		if o, ok := off[cal[i].ID]; ok {
			cal[i].Date, cal[i].End, cal[i].Source = o.Date, o.End, Official
			cal[i].OfficialSource, cal[i].SetBy, cal[i].SetAt, cal[i].Version = o.Source, o.SetBy, o.SetAt, o.Version
			cal[i].NoteKey, cal[i].NoteArgs = "festival.note.official", []any{o.Source}
		}
	}
	return cal, nil
}

// official is a festival_dates row.
type official struct {
	Date, End, Source, SetBy, SetAt string
	Version                         int
}

func officials(ctx context.Context, q db.Querier, y int) (map[string]official, error) {
	rows, err := q.Query(ctx, `SELECT festival, date, end_date, source, set_by_name, set_at, version FROM festival_dates WHERE year = ?`, y)
	if err != nil {
		return nil, fmt.Errorf("official festival dates %d: %w", y, err)
	}
	defer rows.Close()
	out := map[string]official{}
	for rows.Next() {
		var id string
		var o official
		if err := rows.Scan(&id, &o.Date, &o.End, &o.Source, &o.SetBy, &o.SetAt, &o.Version); err != nil {
			return nil, err
		}
		out[id] = o
	}
	return out, rows.Err()
}

// OfficialInput is an official date for a festival in a year.
type OfficialInput struct {
	Festival string
	Year     int
	Date     string
	// End is the last day of several; "" for one day.
	End    string
	Source string
	// Version is the record's version the form was read at (0: there was
	// none); AnyVersion skips the check (the command line's operator).
	Version    int
	AnyVersion bool
}

func (in *OfficialInput) check() map[string]string {
	f := map[string]string{}
	in.Festival, in.Date, in.End, in.Source = strings.TrimSpace(in.Festival), strings.TrimSpace(in.Date), strings.TrimSpace(in.End), strings.TrimSpace(in.Source)
	if _, ok := ByID(in.Festival); !ok {
		f["festival"] = "festival.err.unknown"
	}
	if !ValidYear(in.Year) {
		f["year"] = "festival.err.year"
	}
	first, err := time.Parse(day, in.Date)
	switch {
	case in.Date == "":
		f["date"] = "err.required"
	case err != nil:
		f["date"] = "festival.err.date"
	case first.Year() != in.Year:
		f["date"] = "festival.err.date_year"
	}
	if in.End == in.Date {
		in.End = ""
	}
	if in.End != "" {
		last, err := time.Parse(day, in.End)
		if err != nil || last.Before(first) || last.Sub(first) > 30*24*time.Hour {
			f["end"] = "festival.err.end"
		}
	}
	if in.Source == "" {
		f["source"] = "err.required"
	} else if ref.TooLong(in.Source, 200) {
		f["source"] = "err.too_long"
	}
	return f
}

// entityID names an official date in the audit log: "eid_al_fitr/2025".
func entityID(festival string, y int) string { return fmt.Sprintf("%s/%d", festival, y) }

// Set records the official date of a festival in a year, replacing the
// computed one (and an earlier official one). Audited.
func (s *Service) Set(ctx context.Context, a *auth.Actor, in OfficialInput) error {
	if err := a.Require(auth.FestivalManage); err != nil {
		return err
	}
	if f := in.check(); len(f) > 0 {
		return errs.InvalidFields(f)
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, version, err := current(ctx, tx, in.Festival, in.Year)
		if err != nil {
			return err
		}
		if !in.AnyVersion && version != in.Version {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		now := db.FormatTime(s.Now())
		who := a.Who()
		if version == 0 {
			_, err = tx.Exec(ctx, `INSERT INTO festival_dates (festival, year, date, end_date, source, set_by, set_by_name, set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				in.Festival, in.Year, in.Date, in.End, in.Source, db.NullID(a.UserID), who.Username, now)
		} else {
			_, err = tx.Exec(ctx, `UPDATE festival_dates SET date = ?, end_date = ?, source = ?, set_by = ?, set_by_name = ?, set_at = ?, version = version + 1
				WHERE festival = ? AND year = ? AND version = ?`, in.Date, in.End, in.Source, db.NullID(a.UserID), who.Username, now, in.Festival, in.Year, version)
		}
		if err != nil {
			return fmt.Errorf("set festival date: %w", err)
		}
		action := audit.ActionUpdate
		if version == 0 {
			action = audit.ActionCreate
		}
		return audit.Write(ctx, tx, audit.Entry{Who: who, Action: action, Entity: "festival_date", EntityID: entityID(in.Festival, in.Year),
			Detail: audit.Changes(old, map[string]any{"date": in.Date, "end": in.End, "source": in.Source})})
	})
}

// Unset removes the official date of a festival in a year: the computed
// date holds again. Audited; refused as invalid when there was none.
func (s *Service) Unset(ctx context.Context, a *auth.Actor, festival string, y int) error {
	if err := a.Require(auth.FestivalManage); err != nil {
		return err
	}
	f := map[string]string{}
	if _, ok := ByID(festival); !ok {
		f["festival"] = "festival.err.unknown"
	}
	if !ValidYear(y) {
		f["year"] = "festival.err.year"
	}
	if len(f) > 0 {
		return errs.InvalidFields(f)
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, version, err := current(ctx, tx, festival, y)
		if err != nil {
			return err
		}
		if version == 0 {
			return errs.InvalidFields(map[string]string{"festival": "festival.err.no_official"})
		}
		if _, err := tx.Exec(ctx, `DELETE FROM festival_dates WHERE festival = ? AND year = ?`, festival, y); err != nil {
			return fmt.Errorf("unset festival date: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "delete", Entity: "festival_date", EntityID: entityID(festival, y), Detail: old})
	})
}

// current reads the official record of a festival in a year for a change:
// its fields for the audit log and its version (0 when there is none).
func current(ctx context.Context, tx *db.Tx, festival string, y int) (map[string]any, int, error) {
	var date, end, source string
	var version int
	err := tx.QueryRow(ctx, `SELECT date, end_date, source, version FROM festival_dates WHERE festival = ? AND year = ?`, festival, y).Scan(&date, &end, &source, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return map[string]any{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read festival date: %w", err)
	}
	return map[string]any{"date": date, "end": end, "source": source}, version, nil
}
