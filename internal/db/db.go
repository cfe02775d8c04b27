// Package db opens the database (SQLite by default, PostgreSQL when the DSN
// is a postgres:// URL), runs the embedded migrations and offers the few
// helpers that let the rest of Shiliu write one SQL text for both engines.
//
// Conventions every query follows, so that both engines behave the same:
//   - placeholders are written as ? and rebound to $n for PostgreSQL here;
//   - timestamps are TEXT in UTC, "2006-01-02T15:04:05.000Z" (see Now), dates
//     are TEXT "2006-01-02": they sort and compare alike on both engines;
//   - booleans are INTEGER 0/1;
//   - case-insensitive matching uses lower() on both sides.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite", pure Go
)

// Dialect names the engine behind a DB.
type Dialect int

// The engines Shiliu runs on.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is the application's handle on the database. For SQLite it keeps one
// writer connection and a pool of readers, because SQLite allows a single
// writer at a time and a busy writer must not starve reads.
type DB struct {
	Dialect Dialect
	// W is used for writes and transactions; R for reads. On PostgreSQL both
	// are the same pool.
	W *sql.DB
	R *sql.DB
}

// TimeLayout is how timestamps are stored.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// DateLayout is how dates are stored.
const DateLayout = "2006-01-02"

// Now returns the current time formatted for storage.
func Now() string { return FormatTime(time.Now()) }

// FormatTime formats t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime parses a stored timestamp; a bad value gives the zero time.
func ParseTime(s string) time.Time {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Open connects to dsn. An empty dsn or a file path opens SQLite (an empty
// dsn means dataDir/shiliu.db); a postgres:// or postgresql:// URL opens
// PostgreSQL.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		p, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		p.SetMaxOpenConns(20)
		p.SetMaxIdleConns(10)
		p.SetConnMaxIdleTime(5 * time.Minute)
		if err := p.PingContext(ctx); err != nil {
			p.Close()
			return nil, fmt.Errorf("connect postgres: %w", err)
		}
		return &DB{Dialect: Postgres, W: p, R: p}, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		path = filepath.Join(dataDir, "shiliu.db")
	}
	// busy_timeout first so that the other pragmas wait rather than fail.
	pragmas := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	w, err := sql.Open("sqlite", "file:"+path+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=query_only(1)&_pragma=mmap_size(2147418112)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite reader: %w", err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	return &DB{Dialect: SQLite, W: w, R: r}, nil
}

// readers is the size of SQLite's pool of read-only connections.
const readers = 4

// Close closes all connections.
func (d *DB) Close() error {
	err := d.W.Close()
	if d.R != d.W {
		if e := d.R.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Querier runs SQL written with ? placeholders on either engine: *DB (reads
// on the reader pool, writes on the writer) and *Tx both implement it and
// rebind every statement themselves. A read helper takes a Querier so that
// it runs inside a transaction (seeing its writes, under its lock) or
// outside one, and no caller can forget a rebind that only PostgreSQL would
// notice.
type Querier interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// Both handles are Queriers.
var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Question marks
// inside single-quoted literals are left alone. It is unexported so that
// SQL reaches the engine only through DB and Tx, which always call it.
func (d *DB) rebind(q string) string {
	if d.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Query runs a read on the reader pool.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.R.QueryContext(ctx, d.rebind(q), args...)
}

// QueryRow runs a single-row read on the reader pool.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.R.QueryRowContext(ctx, d.rebind(q), args...)
}

// Exec runs a write outside a transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.W.ExecContext(ctx, d.rebind(q), args...)
}

// Tx is a transaction that rebinds placeholders like DB does.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.db.rebind(q), args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.db.rebind(q), args...)
}

// QueryRow runs a single-row query in the transaction.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.db.rebind(q), args...)
}

// Prepare prepares a statement for repeated use in the transaction, rebound
// like every other statement; the bulk import runs its inserts this way.
func (t *Tx) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, t.db.rebind(q))
}

// Dialect reports the engine.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// InsertID runs an INSERT … RETURNING id and returns the id.
func (t *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := t.QueryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// WithTx runs fn in a transaction on the writer, committing when fn returns
// nil and rolling back otherwise.
func (d *DB) WithTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, db: d}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState() == "23505"
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "duplicate key value")
}

// IsExclusionViolation reports whether err is PostgreSQL's refusal by an
// exclusion constraint (23P01), such as two overlapping bookings of a venue.
// SQLite has no such constraints.
func IsExclusionViolation(err error) bool {
	var coded interface{ SQLState() string }
	return err != nil && errors.As(err, &coded) && coded.SQLState() == "23P01"
}

// Placeholders returns "?, ?, ?" with n marks, for IN lists.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
