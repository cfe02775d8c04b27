package db_test

import (
	"context"
	"errors"
	"testing"

	"shiliu/internal/db"
	"shiliu/internal/dbtest"
)

type pair struct {
	id   int64
	name string
}

func scanPair(sc db.Scanner) (pair, error) {
	var p pair
	err := sc.Scan(&p.id, &p.name)
	return p, err
}

// TestQuerier runs the same ?-placeholder SQL through a Tx and through the
// DB, both seen as a db.Querier, and through a prepared statement: on
// PostgreSQL each works only if the handle rebinds it.
func TestQuerier(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE q_test (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT NOT NULL DEFAULT '')`); err != nil {
			t.Fatal(err)
		}
		// A question mark inside a literal is not a placeholder.
		insert := func(q db.Querier, id int64, name string) {
			t.Helper()
			if _, err := q.Exec(ctx, `INSERT INTO q_test (id, name, note) VALUES (?, ?, 'why?')`, id, name); err != nil {
				t.Fatalf("insert %d: %v", id, err)
			}
		}
		read := func(q db.Querier, lo, hi int64) []pair {
			t.Helper()
			rows, err := q.Query(ctx, `SELECT id, name FROM q_test WHERE id >= ? AND id <= ? AND note = 'why?' ORDER BY id`, lo, hi)
			ps, err := db.Collect(rows, err, scanPair)
			if err != nil {
				t.Fatalf("read %d..%d: %v", lo, hi, err)
			}
			return ps
		}
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			insert(tx, 1, "一")
			insert(tx, 2, "二")
			stmt, err := tx.Prepare(ctx, `INSERT INTO q_test (id, name) VALUES (?, ?)`)
			if err != nil {
				return err
			}
			defer stmt.Close()
			if _, err := stmt.ExecContext(ctx, 3, "三"); err != nil {
				return err
			}
			if got := read(tx, 2, 3); len(got) != 1 || got[0] != (pair{2, "二"}) {
				t.Errorf("in the transaction: %v, want [{2 二}] (row 3 has another note)", got)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM q_test WHERE id > ?`, 0).Scan(&n); err != nil || n != 3 {
				t.Errorf("count in the transaction: %d, %v; want 3", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		insert(d, 4, "四")
		if got := read(d, 1, 4); len(got) != 3 || got[2] != (pair{4, "四"}) {
			t.Errorf("on the DB: %v, want rows 1, 2 and 4", got)
		}
		var name string
		if err := d.QueryRow(ctx, `SELECT name FROM q_test WHERE id = ?`, 3).Scan(&name); err != nil || name != "三" {
			t.Errorf("QueryRow: %q, %v; want 三", name, err)
		}
		if got := read(d, 10, 20); got != nil {
			t.Errorf("no rows: %v, want nil", got)
		}
	})
}

// TestCollect checks that Collect closes the rows whether the scan succeeds
// or fails, and reports the query's, the scan's and the iteration's errors.
func TestCollect(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		count := `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT x, 'n' FROM c ORDER BY x`

		rows, err := d.Query(ctx, count)
		ps, err := db.Collect(rows, err, scanPair)
		if err != nil || len(ps) != 5 || ps[4].id != 5 {
			t.Fatalf("Collect: %v, %v; want 5 rows", ps, err)
		}
		if n := d.R.Stats().InUse; n != 0 {
			t.Errorf("after reading: %d connections in use, want 0", n)
		}

		boom := errors.New("boom")
		rows, err = d.Query(ctx, count)
		ps, err = db.Collect(rows, err, func(sc db.Scanner) (pair, error) { return pair{}, boom })
		if !errors.Is(err, boom) || ps != nil {
			t.Errorf("failing scan: %v, %v; want nil, boom", ps, err)
		}
		if rows.Next() {
			t.Error("rows still open after a failing scan")
		}
		if n := d.R.Stats().InUse; n != 0 {
			t.Errorf("after a failing scan: %d connections in use, want 0", n)
		}

		rows, err = d.Query(ctx, `SELECT no_such_column FROM org_units`)
		if _, err := db.Collect(rows, err, scanPair); err == nil {
			t.Error("a failing query gave no error")
		}

		// The third row fails while the rows are read (no ORDER BY, which
		// would compute every row first), so only rows.Err reports it.
		fails := `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT 1 / (3 - x), 'n' FROM c`
		if d.Dialect == db.SQLite { // SQLite's division by zero is NULL; abs of the smallest integer overflows
			fails = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT CASE WHEN x = 3 THEN abs(-9223372036854775807 - 1) ELSE x END, 'n' FROM c`
		}
		scanned := 0
		rows, err = d.Query(ctx, fails)
		ps, err = db.Collect(rows, err, func(sc db.Scanner) (pair, error) { scanned++; return scanPair(sc) })
		if err == nil || ps != nil {
			t.Errorf("a row failing mid-result: %v, %v; want an error", ps, err)
		}
		if scanned != 2 {
			t.Errorf("scanned %d rows before the failure, want 2 (%v)", scanned, err)
		}
		if n := d.R.Stats().InUse; n != 0 {
			t.Errorf("after a failing row: %d connections in use, want 0", n)
		}
	})
}
