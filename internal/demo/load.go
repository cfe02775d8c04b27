package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// writer puts the registry's rows into the database in batches: each batch
// is one transaction of multi-row INSERTs through prepared statements. Rows
// carry explicit ids (households before the persons that point to them, a
// household's head known in advance), so nothing is updated afterwards.
type writer struct {
	d    *db.DB
	keys *secret.Keys
	// firstPerson and firstHousehold are the first free ids.
	firstPerson, firstHousehold int64
	bulkCache                   bool
}

// The columns written, and how many rows one INSERT statement carries.
var (
	householdColumns = []string{"id", "org_id", "building_group_id", "code", "address", "head_person_id", "created_at", "updated_at"}
	personColumns    = []string{"id", "org_id", "building_group_id", "household_id", "relation", "name", "pinyin", "initials",
		"id_index", "id_enc", "id_masked", "id_last4", "phone_index", "phone_enc", "phone_masked", "ethnicity", "sex", "birth_date",
		"birth_region", "kind", "current_address", "registered_address", "workplace", "workplace_kind", "education", "political_status",
		"tags", "status", "status_date", "arrival_date", "origin", "expected_leave_date", "permit_no", "permit_expiry", "liaison_point",
		"created_at", "updated_at"}
	eventColumns = []string{"person_id", "kind", "date", "from_org_id", "to_org_id", "note", "username", "created_at"}
)

const rowsPerInsert = 100

// Purposes and associated data of the sealed columns, as people.Service
// uses them.
const (
	purposeID  = "id"
	purposeTel = "phone"
	adID       = "persons.id_number"
	adPhone    = "persons.phone"
)

func newWriter(ctx context.Context, d *db.DB, keys *secret.Keys) (*writer, error) {
	w := &writer{d: d, keys: keys}
	for _, x := range []struct {
		table string
		next  *int64
	}{{"persons", &w.firstPerson}, {"households", &w.firstHousehold}} {
		if err := d.W.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+x.table).Scan(x.next); err != nil {
			return nil, fmt.Errorf("next %s id: %w", x.table, err)
		}
	}
	if d.Dialect == db.SQLite {
		// A large page cache on the single writer connection while the
		// indexes grow: the default 2 MB makes every insert into a random
		// place of an index (id_index, pinyin, name) a read. Reset in close.
		// And fewer checkpoints: a page that many batches touch is copied
		// into the database once rather than after every batch.
		if _, err := d.W.ExecContext(ctx, `PRAGMA cache_size = -262144`); err == nil {
			w.bulkCache = true
		}
		if _, err := d.W.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 65536`); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// close undoes newWriter's settings.
func (w *writer) close(ctx context.Context) {
	if w.bulkCache {
		ctx := context.WithoutCancel(ctx)
		w.d.W.ExecContext(ctx, `PRAGMA cache_size = -2000`)
		w.d.W.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 1000`)
		w.d.W.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		w.bulkCache = false
	}
}

// sealed is a person's ID number and phone, ready for storage.
type sealed struct {
	id, phone secret.Field
}

// seal encrypts the batch's ID numbers and phones on all cores: the cipher
// is the costliest part of a row after the database's own work.
func (w *writer) seal(ps []*personRow) []sealed {
	out := make([]sealed, len(ps))
	const chunk = 1000
	var wg sync.WaitGroup
	for lo := 0; lo < len(ps); lo += chunk {
		hi := min(lo+chunk, len(ps))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				out[i].id = secret.SealField(w.keys, purposeID, adID, ps[i].idNumber)
				out[i].phone = secret.SealField(w.keys, purposeTel, adPhone, ps[i].phone)
			}
		})
	}
	wg.Wait()
	return out
}

// stamp is a record's timestamp on the day t: during office hours in China,
// the minute derived from seed so that it is deterministic.
func stamp(t time.Time, seed int64) string {
	s := seed * 7919 % (8 * 3600)
	return db.FormatTime(t.Add(time.Duration(3600+s) * time.Second)) // 09:00 CST is 01:00 UTC
}

// write stores one batch in one transaction.
func (w *writer) write(ctx context.Context, hs []*householdRow, ps []*personRow) error {
	sl := w.seal(ps)
	return w.d.WithTx(ctx, func(tx *db.Tx) error {
		hi, err := newInserter(ctx, tx, "households", householdColumns)
		if err != nil {
			return err
		}
		for _, h := range hs {
			ts := stamp(h.created, h.id)
			if err := hi.add(h.id, h.org, db.NullID(h.bg), h.code, h.addr, db.NullID(h.head), ts, ts); err != nil {
				return err
			}
		}
		if err := hi.close(); err != nil {
			return err
		}
		pi, err := newInserter(ctx, tx, "persons", personColumns)
		if err != nil {
			return err
		}
		day := func(d string) time.Time { t, _ := parseDate(d); return t }
		updated := func(p *personRow) string {
			switch {
			case p.statusDate != "":
				return stamp(day(p.statusDate), p.id)
			case p.movedDate != "":
				return stamp(day(p.movedDate), p.id)
			}
			return stamp(p.created, p.id)
		}
		for i, p := range ps {
			py, ini := ref.Pinyin(p.name)
			phoneMasked := ""
			if p.phone != "" {
				phoneMasked = ref.MaskPhone(p.phone)
			}
			err := pi.add(p.id, p.org, db.NullID(p.bg), db.NullID(p.household), p.relation, p.name, py, ini,
				sl[i].id.Index, sl[i].id.Enc, ref.MaskID(p.idNumber), p.idNumber[14:], sl[i].phone.Index, db.NullBytes(sl[i].phone.Enc), phoneMasked,
				p.eth, p.sex, p.birth.Format(time.DateOnly), p.region, p.kind, p.curAddr, p.regAddr, p.workplace, p.workKind,
				p.education, p.political, p.tags, p.status, p.statusDate, p.arrival, p.origin, p.leave, p.permitNo, p.permitExpiry,
				p.liaisonPoint, stamp(p.created, p.id), updated(p))
			if err != nil {
				return err
			}
		}
		if err := pi.close(); err != nil {
			return err
		}
		// The history: created, and moved in / moved out / died.
		ei, err := newInserter(ctx, tx, "person_events", eventColumns)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := ei.add(p.id, "created", p.created.Format(time.DateOnly), nil, p.org, "", "(demo)", stamp(p.created, p.id)); err != nil {
				return err
			}
			if p.movedFrom != 0 {
				if err := ei.add(p.id, "moved", p.movedDate, p.movedFrom, p.org, "", "(demo)", stamp(day(p.movedDate), p.id)); err != nil {
					return err
				}
			}
			if p.statusDate != "" {
				if err := ei.add(p.id, p.status, p.statusDate, p.org, p.org, "", "(demo)", updated(p)); err != nil {
					return err
				}
			}
		}
		return ei.close()
	})
}

// assign gives persons and households to a liaison.
func (w *writer) assign(ctx context.Context, userID int64, persons, households []int64, today time.Time) error {
	ts := stamp(today, userID)
	return w.d.WithTx(ctx, func(tx *db.Tx) error {
		for _, id := range persons {
			if _, err := tx.Exec(ctx, `INSERT INTO liaison_assignments (user_id, person_id, created_at) VALUES (?, ?, ?)`, userID, id, ts); err != nil {
				return err
			}
		}
		for _, id := range households {
			if _, err := tx.Exec(ctx, `INSERT INTO liaison_assignments (user_id, household_id, created_at) VALUES (?, ?, ?)`, userID, id, ts); err != nil {
				return err
			}
		}
		return nil
	})
}

// finish moves PostgreSQL's identity sequences past the ids written
// explicitly, and refreshes the planner's statistics after the bulk load
// (PostgreSQL's VACUUM also marks the pages all-visible, which its
// index-only scans need).
func (w *writer) finish(ctx context.Context) error {
	return settleTables(ctx, w.d, []string{"persons", "households"}, []string{"persons", "person_terms", "households", "person_events", "liaison_assignments"})
}

// settleTables follows rows written with explicit ids: on PostgreSQL the
// id sequences of serial move past them and the written tables are
// vacuumed and analysed; on SQLite the database is analysed and the
// readers load the new statistics.
func settleTables(ctx context.Context, d *db.DB, serial, written []string) error {
	if d.Dialect == db.Postgres {
		for _, t := range serial {
			if _, err := d.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
				return fmt.Errorf("sequence of %s: %w", t, err)
			}
		}
		for _, t := range written {
			if _, err := d.Exec(ctx, `VACUUM ANALYZE `+t); err != nil {
				return fmt.Errorf("vacuum %s: %w", t, err)
			}
		}
		return nil
	}
	if _, err := d.W.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	return d.Optimize(ctx)
}

// inserter writes rows of one table through a prepared INSERT of
// rowsPerInsert rows, and the remainder through one last statement.
type inserter struct {
	ctx  context.Context
	tx   *db.Tx
	head string
	ncol int
	stmt *sql.Stmt
	args []any
}

func newInserter(ctx context.Context, tx *db.Tx, table string, cols []string) (*inserter, error) {
	in := &inserter{ctx: ctx, tx: tx, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ", ncol: len(cols)}
	stmt, err := tx.Prepare(ctx, in.sql(rowsPerInsert))
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	in.stmt = stmt
	in.args = make([]any, 0, rowsPerInsert*len(cols))
	return in, nil
}

func (in *inserter) sql(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", in.ncol), ", ") + ")"
	return in.head + strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

func (in *inserter) add(vals ...any) error {
	if len(vals) != in.ncol {
		return fmt.Errorf("insert: %d values for %d columns", len(vals), in.ncol)
	}
	in.args = append(in.args, vals...)
	if len(in.args) == cap(in.args) {
		if _, err := in.stmt.ExecContext(in.ctx, in.args...); err != nil {
			return err
		}
		in.args = in.args[:0]
	}
	return nil
}

// close writes what is left and releases the statement.
func (in *inserter) close() error {
	defer in.stmt.Close()
	if len(in.args) == 0 {
		return nil
	}
	_, err := in.tx.Exec(in.ctx, in.sql(len(in.args)/in.ncol), in.args...)
	in.args = in.args[:0]
	return err
}
