package db_test

import (
	"context"
	"strings"
	"testing"

	"shiliu/internal/db"
	"shiliu/internal/dbtest"
)

// TestMigration0007 takes a registry written under migration 0006 through
// 0007 (on SQLite a rebuild of the persons table): every row, every
// reference to a person and the id sequence survive, ID numbers stay
// unique, and on SQLite the active persons are in the search index.
func TestMigration0007(t *testing.T) {
	ctx := context.Background()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var d *db.DB
			var err error
			if engine == "sqlite" {
				d, err = db.Open(ctx, "", t.TempDir())
			} else {
				d, err = db.Open(ctx, dbtest.PostgresDSN(t), "")
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.MigrateUpTo(ctx, 6); err != nil {
				t.Fatal(err)
			}
			now := db.Now()
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := d.Exec(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO org_units (id, code, name, kind, path, depth, created_at, updated_at) VALUES (1, 'C1', '梅园居委会', 'committee', '/1/', 1, ?, ?)`, now, now)
			person := `INSERT INTO persons (id, org_id, name, pinyin, initials, id_index, id_enc, id_masked, id_last4, ethnicity, sex, birth_date, birth_region, kind, tags, status, archived, created_at, updated_at)
				VALUES (?, 1, ?, ?, ?, ?, ?, 'x', '1234', ?, 1, '1980-01-01', '310104', ?, ?, ?, ?, ?, ?)`
			exec(person, 5, "阿依古丽·买买提", "ayiguli·maimaiti", "aygl·mmt", "idx5", []byte{1}, "05", 2, 3, "active", 0, now, now)
			exec(person, 9, "马晓明", "maxiaoming", "mxm", "idx9", []byte{2}, "03", 1, 0, "moved_out", 0, now, now)
			exec(person, 12, "张伟", "zhangwei", "zw", "idx12", []byte{3}, "01", 1, 0, "active", 1, now, now)
			exec(`INSERT INTO person_events (person_id, kind, date, created_at) VALUES (9, 'moved_out', '2026-01-01', ?)`, now)
			if engine == "sqlite" {
				// A removed row leaves the sequence above the largest id.
				exec(`INSERT INTO persons (id, org_id, name, pinyin, initials, id_index, id_enc, id_masked, id_last4, ethnicity, sex, birth_date, birth_region, kind, created_at, updated_at)
					VALUES (40, 1, '删', 'shan', 's', 'idx40', x'00', 'x', '0000', '01', 1, '1990-01-01', '310104', 1, ?, ?)`, now, now)
				exec(`DELETE FROM persons WHERE id = 40`)
			}

			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var names []string
			rows, err := d.Query(ctx, `SELECT name || ':' || status || ':' || archived FROM persons ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				names = append(names, s)
			}
			rows.Close()
			if got := strings.Join(names, " "); got != "阿依古丽·买买提:active:0 马晓明:moved_out:0 张伟:active:1" {
				t.Fatalf("persons after the migration: %s", got)
			}
			var events int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM person_events e JOIN persons p ON p.id = e.person_id WHERE p.name = '马晓明'`).Scan(&events); err != nil || events != 1 {
				t.Fatalf("events %d, %v", events, err)
			}
			if _, err := d.Exec(ctx, person, 13, "重", "zhong", "z", "idx5", []byte{4}, "01", 1, 0, "active", 0, now, now); err == nil {
				t.Fatal("a second person with the same ID number went in")
			}
			if engine != "sqlite" {
				return
			}
			var seq int64
			if err := d.QueryRow(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'persons'`).Scan(&seq); err != nil || seq != 40 {
				t.Fatalf("sequence %d, %v", seq, err)
			}
			var bad int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&bad); err != nil || bad != 0 {
				t.Fatalf("foreign key check: %d, %v", bad, err)
			}
			// Only the active, unarchived person is in the search index,
			// by a pair of characters, a single one, her ethnicity and tag.
			for q, want := range map[string]int{`"古丽"`: 1, `"买"`: 1, `eth05 AND tag1 AND tag2 AND min AND kind2`: 1, `"晓明"`: 0, `"张伟"`: 0, `eth01`: 0} {
				var n int
				if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM person_search WHERE person_search MATCH ?`, q).Scan(&n); err != nil || n != want {
					t.Errorf("%s: %d (%v), want %d", q, n, err, want)
				}
			}
		})
	}
}

// TestOptimizeEmptyIndexStats: statistics gathered while the registry was
// empty say its partial indexes hold no rows; with them, SQLite scans such
// an index whole (here the floating residents' permits) to find one person
// by id. Optimize drops them, and the readers plan the lookup by id again.
func TestOptimizeEmptyIndexStats(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	if _, err := d.Exec(ctx, `INSERT INTO org_units (id, code, name, kind, path, depth, created_at, updated_at) VALUES (1, 'C1', '梅园居委会', 'committee', '/1/', 1, ?, ?)`, now, now); err != nil {
		t.Fatal(err)
	}
	// As migrations 0003 and 0007 once left a new database.
	if _, err := d.W.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	plan := func() string {
		t.Helper()
		var b strings.Builder
		rows, err := d.R.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT p.name, o.path FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = ? AND p.kind = 2`, 5)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			b.WriteString(detail + "; ")
		}
		return b.String()
	}
	for i := 1; i <= 300; i++ {
		if _, err := d.Exec(ctx, `INSERT INTO persons (org_id, name, pinyin, initials, id_index, id_enc, id_masked, id_last4, ethnicity, sex, birth_date, birth_region, kind, created_at, updated_at)
			VALUES (1, '马' || ?, 'ma', 'm', ?, x'00', 'x', '0000', '03', 1, '1990-01-01', '310104', 2, ?, ?)`, i, "idx"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26), now, now); err != nil {
			t.Fatal(err)
		}
	}
	if p := plan(); !strings.Contains(p, "SCAN p") {
		t.Errorf("with the empty statistics the reader plans %q: the trap this test guards against did not show", p)
	}
	if err := d.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	var zero int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM sqlite_stat1 WHERE stat = '0' OR stat LIKE '0 %'`).Scan(&zero); err != nil || zero != 0 {
		t.Fatalf("%d empty index statistics left (%v)", zero, err)
	}
	if p := plan(); !strings.Contains(p, "SEARCH p USING INTEGER PRIMARY KEY") || strings.Contains(p, "SCAN p") {
		t.Fatalf("after Optimize the reader plans %q", p)
	}
}
