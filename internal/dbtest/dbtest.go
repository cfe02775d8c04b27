// Package dbtest gives tests a fresh, migrated database on each engine.
//
// Every test that touches the database runs once per engine through Engines:
// SQLite always (a new file in the test's temp dir), PostgreSQL when
// SHILIU_TEST_PG_DSN (default DefaultPGDSN)
// reaches a server. Each PostgreSQL test gets its own schema, dropped at the
// end. When no server answers, the PostgreSQL run is skipped with a message —
// unless SHILIU_TEST_PG is set, as in CI, where it fails instead.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"shiliu/internal/db"
)

// DefaultPGDSN is used when SHILIU_TEST_PG_DSN is unset.
const DefaultPGDSN = "postgres://postgres:postgres@127.0.0.1:5432/shiliu_test?sslmode=disable"

// PGDSN returns the base PostgreSQL DSN for tests.
func PGDSN() string {
	if v := os.Getenv("SHILIU_TEST_PG_DSN"); v != "" {
		return v
	}
	return DefaultPGDSN
}

// PGRequired reports whether PostgreSQL tests must run.
func PGRequired() bool { return os.Getenv("SHILIU_TEST_PG") != "" }

// Engines runs fn as a subtest on each engine with a fresh database.
func Engines(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated SQLite database in t's temp dir.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	dir := t.TempDir()
	d, err := db.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return d
}

// PostgresDSN creates a fresh schema and returns a DSN whose search_path
// points at it; the schema is dropped when t ends. It skips t (or fails it
// when PostgreSQL is required) if no server answers.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := PGDSN()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(context.Background())
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		if PGRequired() {
			t.Fatalf("PostgreSQL required (SHILIU_TEST_PG is set) but not reachable at %s: %v", base, err)
		}
		t.Skipf("PostgreSQL not reachable at %s (%v): skipping; set SHILIU_TEST_PG=1 to require it", base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse dsn: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a migrated database in a fresh PostgreSQL schema.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	dsn := PostgresDSN(t)
	d, err := db.Open(context.Background(), dsn, "")
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return d
}
