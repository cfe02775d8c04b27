package workday

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/6tail/lunar-go/HolidayUtil"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Entity is the audit log's name for a calendar entry (entity id: the date,
// or the year for an import).
const Entity = "holiday"

// ActionDelete is the audit action of Delete.
const ActionDelete = "delete"

// MaxNameLen is the longest name, in characters.
const MaxNameLen = 64

// ErrNoOfficialData is returned by ImportYear for a year the bundled
// lunar-go release has no official arrangement for (a year not yet
// announced, or before 2002): enter that year's dates by hand, or update
// lunar-go. The catalog key is err.holiday_no_data.
var ErrNoOfficialData = errs.E(errs.Invalid, "err.holiday_no_data")

// Load reads the whole calendar.
func Load(ctx context.Context, d *db.DB) (*Calendar, error) {
	es, err := query(ctx, d, `SELECT date, kind, name FROM holidays ORDER BY date`)
	if err != nil {
		return nil, err
	}
	return New(es)
}

// List returns the entries of one year, in date order.
func List(ctx context.Context, d *db.DB, year int) ([]Entry, error) {
	if year < MinYear || year > MaxYear {
		return nil, errs.InvalidFields(map[string]string{"year": "err.year_invalid"})
	}
	return query(ctx, d, `SELECT date, kind, name FROM holidays WHERE date >= ? AND date <= ? ORDER BY date`,
		fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
}

func query(ctx context.Context, d *db.DB, q string, args ...any) ([]Entry, error) {
	rows, err := d.Query(ctx, q, args...)
	es, err := db.Collect(rows, err, func(sc db.Scanner) (Entry, error) {
		var e Entry
		err := sc.Scan(&e.Date, &e.Kind, &e.Name)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read holidays: %w", err)
	}
	return es, nil
}

// normalize trims e and checks it, returning per-field errors.
func normalize(e Entry) (Entry, error) {
	e.Date = strings.TrimSpace(e.Date)
	e.Kind = strings.TrimSpace(e.Kind)
	e.Name = strings.TrimSpace(e.Name)
	fields := map[string]string{}
	if t, err := time.Parse(db.DateLayout, e.Date); err != nil || t.Format(db.DateLayout) != e.Date {
		fields["date"] = "err.date_invalid"
	} else if y := t.Year(); y < MinYear || y > MaxYear {
		fields["date"] = "err.year_invalid"
	}
	if e.Kind != KindOff && e.Kind != KindWork {
		fields["kind"] = "err.kind_invalid"
	}
	if utf8.RuneCountInString(e.Name) > MaxNameLen {
		fields["name"] = "err.too_long"
	}
	if len(fields) > 0 {
		return e, errs.InvalidFields(fields)
	}
	return e, nil
}

// Set lists a date as a day off or a working day (insert or update),
// audited in the same transaction. Setting a date as it already is changes
// nothing and records nothing. An entry made by Set is never overwritten by
// ImportYear.
func Set(ctx context.Context, d *db.DB, a *auth.Actor, e Entry) error {
	if err := a.Require(auth.CaseConfig); err != nil {
		return err
	}
	e, err := normalize(e)
	if err != nil {
		return err
	}
	return d.WithTx(ctx, func(tx *db.Tx) error {
		old, found, err := get(ctx, tx, e.Date)
		if err != nil {
			return err
		}
		if found && old == e {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO holidays (date, kind, name, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name, updated_at = excluded.updated_at`,
			e.Date, e.Kind, e.Name, db.Now()); err != nil {
			return fmt.Errorf("save holiday %s: %w", e.Date, err)
		}
		rec := audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: Entity, EntityID: e.Date,
			Detail: map[string]any{"kind": e.Kind, "name": e.Name}}
		if found {
			rec.Action = audit.ActionUpdate
			rec.Detail = audit.Changes(map[string]any{"kind": old.Kind, "name": old.Name}, map[string]any{"kind": e.Kind, "name": e.Name})
		}
		return audit.Write(ctx, tx, rec)
	})
}

// Delete removes a listed date, audited: the day goes back to the weekday
// rule. ImportYear would list it again from the official data; to keep a
// date as an ordinary day against the official data, Set it instead (a
// weekday as "work", a weekend day as "off").
func Delete(ctx context.Context, d *db.DB, a *auth.Actor, date string) error {
	if err := a.Require(auth.CaseConfig); err != nil {
		return err
	}
	date = strings.TrimSpace(date)
	return d.WithTx(ctx, func(tx *db.Tx) error {
		old, found, err := get(ctx, tx, date)
		if err != nil {
			return err
		}
		if !found {
			return errs.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM holidays WHERE date = ?`, date); err != nil {
			return fmt.Errorf("delete holiday %s: %w", date, err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: ActionDelete, Entity: Entity, EntityID: date,
			Detail: map[string]any{"kind": old.Kind, "name": old.Name}})
	})
}

func get(ctx context.Context, tx *db.Tx, date string) (Entry, bool, error) {
	rows, err := tx.Query(ctx, `SELECT date, kind, name FROM holidays WHERE date = ?`, date)
	if err != nil {
		return Entry{}, false, fmt.Errorf("read holiday %s: %w", date, err)
	}
	defer rows.Close()
	var e Entry
	if !rows.Next() {
		return e, false, rows.Err()
	}
	if err := rows.Scan(&e.Date, &e.Kind, &e.Name); err != nil {
		return e, false, fmt.Errorf("read holiday %s: %w", date, err)
	}
	return e, true, rows.Close()
}

// Official returns the official arrangement of year as github.com/6tail/
// lunar-go knows it: the public holidays (including the weekend days inside
// a holiday, as announced) and the make-up working days, in date order.
// Dates belong to the year they fall in, except days worked or taken in the
// neighbouring year for a holiday of year (a late-December make-up day for
// New Year's Day), which come with year. Nil when lunar-go has no data.
func Official(year int) []Entry {
	var es []Entry
	for y := year - 1; y <= year+1; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		for el := l.Front(); el != nil; el = el.Next() {
			h := el.Value.(*HolidayUtil.Holiday)
			day, target := h.GetDay(), h.GetTarget()
			if !strings.HasPrefix(day, strconv.Itoa(year)+"-") && !strings.HasPrefix(target, strconv.Itoa(year)+"-") {
				continue
			}
			e := Entry{Date: day, Kind: KindOff, Name: h.GetName()}
			if h.IsWork() {
				e.Kind, e.Name = KindWork, h.GetName()+"调休"
			}
			if n := len(es); n > 0 && es[n-1].Date == e.Date {
				continue // listed under two years: keep one
			}
			es = append(es, e)
		}
	}
	return es
}

// ImportYear lists the official holidays and make-up working days of year
// (see Official) that are not listed yet, and returns how many it added.
// Dates already listed, by an admin or an earlier import, are left as they
// are. The import is audited as one record, even when it adds nothing.
func ImportYear(ctx context.Context, d *db.DB, a *auth.Actor, year int) (int, error) {
	if err := a.Require(auth.CaseConfig); err != nil {
		return 0, err
	}
	if year < MinYear || year > MaxYear {
		return 0, errs.InvalidFields(map[string]string{"year": "err.year_invalid"})
	}
	es := Official(year)
	if len(es) == 0 {
		return 0, ErrNoOfficialData
	}
	n := 0
	err := d.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		if n, err = insertMissing(ctx, tx, es); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionImport, Entity: Entity, EntityID: strconv.Itoa(year),
			Detail: map[string]any{"year": year, "official": len(es), "added": n, "kept": len(es) - n}})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// insertMissing inserts the entries whose date is not listed yet.
func insertMissing(ctx context.Context, tx *db.Tx, es []Entry) (int, error) {
	stmt, err := tx.Prepare(ctx, `INSERT INTO holidays (date, kind, name, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (date) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("import holidays: %w", err)
	}
	defer stmt.Close()
	now := db.Now()
	n := 0
	for _, e := range es {
		res, err := stmt.ExecContext(ctx, e.Date, e.Kind, e.Name, now)
		if err != nil {
			return n, fmt.Errorf("import holiday %s: %w", e.Date, err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("import holiday %s: %w", e.Date, err)
		}
		n += int(k)
	}
	return n, nil
}

// Seed imports, at start-up, each year from last year to next year (China
// time) that has no date listed yet: on an empty table all three, later only
// a year newly known to an updated lunar-go. It costs one query when there
// is nothing to do, keeps every existing entry, and writes one audit record
// (user "(system)") when it adds dates.
func Seed(ctx context.Context, d *db.DB) error {
	_, err := seedAt(ctx, d, time.Now())
	return err
}

func seedAt(ctx context.Context, d *db.DB, now time.Time) (int, error) {
	cur := now.In(Zone).Year()
	first, last := cur-1, cur+1
	rows, err := d.Query(ctx, `SELECT DISTINCT substr(date, 1, 4) FROM holidays WHERE date >= ? AND date <= ?`,
		fmt.Sprintf("%04d-01-01", first), fmt.Sprintf("%04d-12-31", last))
	if err != nil {
		return 0, fmt.Errorf("seed holidays: %w", err)
	}
	listed := map[string]bool{}
	for rows.Next() {
		var y string
		if err := rows.Scan(&y); err != nil {
			rows.Close()
			return 0, fmt.Errorf("seed holidays: %w", err)
		}
		listed[y] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("seed holidays: %w", err)
	}
	var years []int
	var es []Entry
	for y := first; y <= last; y++ {
		if listed[strconv.Itoa(y)] {
			continue
		}
		if o := Official(y); len(o) > 0 {
			years = append(years, y)
			es = append(es, o...)
		}
	}
	if len(es) == 0 {
		return 0, nil
	}
	n := 0
	err = d.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		if n, err = insertMissing(ctx, tx, es); err != nil || n == 0 {
			return err // n == 0: another instance seeded meanwhile
		}
		return audit.Write(ctx, tx, audit.Entry{Who: audit.Who{Username: "(system)"}, Action: audit.ActionImport, Entity: Entity,
			EntityID: "seed", Detail: map[string]any{"years": years, "added": n}})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
