package db

import (
	"context"
	"fmt"
)

// Optimize refreshes the query planner's statistics where the data has
// changed much since they were gathered (and of the tables named, in any
// case), and makes every connection plan with them. Run at start-up, now
// and then, and after a large load.
//
// On SQLite it runs PRAGMA optimize, which analyzes the tables whose size
// changed tenfold, from a sample (analysis_limit: milliseconds where a
// full ANALYZE takes 2 s at a million persons; the sample reads the first
// entries of each index, which misjudges an index led by a column of few
// values, such as persons_eth — migration 0007 keeps those out of other
// queries' reach), then drops the statistics
// of empty indexes: an index analyzed while its table was empty is
// recorded as holding no rows, and the planner would then scan it whole
// rather than look a row up by its id once the table has filled (without
// statistics it assumes sensible sizes). Other connections load
// statistics only when they open, so the idle readers are closed and open
// again on next use. On PostgreSQL, whose autovacuum keeps statistics, it
// vacuums and analyzes the tables named.
func (d *DB) Optimize(ctx context.Context, tables ...string) error {
	if d.Dialect == Postgres {
		for _, t := range tables {
			// VACUUM too: it marks the pages all-visible, which index-only
			// scans (the counts of person_terms) need.
			if _, err := d.W.ExecContext(ctx, "VACUUM (ANALYZE) "+t); err != nil {
				return fmt.Errorf("vacuum %s: %w", t, err)
			}
		}
		return nil
	}
	steps := []string{"PRAGMA analysis_limit = 1000"}
	for _, t := range tables {
		steps = append(steps, "ANALYZE "+t)
	}
	for _, q := range append(steps, "PRAGMA optimize = 0x10002", "PRAGMA analysis_limit = 0") {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
	}
	var stats int
	if err := d.W.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&stats); err != nil {
		return err
	}
	if stats > 0 {
		res, err := d.W.ExecContext(ctx, `DELETE FROM sqlite_stat1 WHERE stat = '0' OR stat LIKE '0 %'`)
		if err != nil {
			return fmt.Errorf("optimize: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			// The writer reloads what is left.
			if _, err := d.W.ExecContext(ctx, "ANALYZE sqlite_schema"); err != nil {
				return fmt.Errorf("optimize: %w", err)
			}
		}
	}
	d.R.SetMaxIdleConns(0)
	d.R.SetMaxIdleConns(readers)
	return nil
}
