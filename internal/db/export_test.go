package db

import "context"

// MigrateUpTo applies the migrations up to version last.
func (d *DB) MigrateUpTo(ctx context.Context, last int) (int, error) { return d.migrateUpTo(ctx, last) }
