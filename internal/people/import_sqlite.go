package people

// A large load into SQLite (many new persons, more than are registered)
// takes another road inside the same transaction: the persons table's
// secondary indexes are dropped, new persons are appended to a temporary
// staging table, and at the end copied into persons in the order of their
// blind index (so the unique index fills from left to right), heads of new
// households set, and the indexes built again (see maybeDropIndexes,
// stagePersons, finish). BenchmarkImportCSV1M measures it.

import (
	"context"
	"fmt"
	"strings"

	"shiliu/internal/db"
)

// defaultBulkMinRows: the indexes are dropped when the file looks like
// bringing at least this many new persons, and more than are registered
// already (ImportOptions.bulkMinRows replaces it in tests).
const defaultBulkMinRows = 50_000

// maybeDropIndexes decides, on the first batch of a SQLite import (before
// anything is written), whether to drop the persons table's indexes and
// build them again in finish: building an index over sorted keys is
// several times cheaper than keeping ten indexes up to date row by row,
// and new persons then only append to the table. The unique index of ID
// numbers goes too (it is a random key: kept, every insert would land on
// a random page of it): the import's own checks keep ID numbers unique
// (seen, and the registered ones looked up in a copy of that index,
// temp.import_known), and building the index again proves it. The trigger
// that adds each new person to person_search goes as well; finish adds
// them in one statement. The file's size and the batch's share of new
// persons estimate how many the import brings. All of it happens in the
// import's transaction, so a failure or a crash leaves the table as it
// was, and readers see the old snapshot meanwhile.
func (ap *applier) maybeDropIndexes(ctx context.Context, inserts, batch int) error {
	if ap.decided || ap.tx == nil || ap.s.DB.Dialect != db.SQLite || batch == 0 {
		return nil
	}
	ap.decided = true
	done, total := ap.file.Progress()
	read := ap.file.Rows()
	if done <= 0 || read <= 0 {
		return nil
	}
	estRows := float64(total) / (float64(done) / float64(read))
	estNew := estRows * float64(inserts) / float64(batch)
	minRows := defaultBulkMinRows
	if ap.opts.bulkMinRows > 0 {
		minRows = ap.opts.bulkMinRows
	}
	if estNew < float64(minRows) || estNew < float64(ap.existing) {
		return nil
	}
	rows, err := ap.tx.Query(ctx, `SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'persons' AND sql IS NOT NULL
		AND (type = 'index' OR type = 'trigger' AND name = 'persons_search_insert') ORDER BY type, name`)
	if err != nil {
		return err
	}
	var kinds, names, defs []string
	for rows.Next() {
		var kind, name, def string
		if err := rows.Scan(&kind, &name, &def); err != nil {
			rows.Close()
			return err
		}
		kinds, names, defs = append(kinds, kind), append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if ap.insert != nil {
		// A prepared statement would be re-prepared anyway after the
		// schema changes, and the chunk grows.
		ap.insert.Close()
		ap.insert = nil
	}
	if ap.existing > 0 {
		if err := ap.exec(ctx, `DROP TABLE IF EXISTS temp.import_known`); err != nil {
			return err
		}
		if err := ap.exec(ctx, `CREATE TEMP TABLE import_known (idx TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID`); err != nil {
			return err
		}
		if err := ap.exec(ctx, `INSERT INTO temp.import_known (idx, id) SELECT id_index, id FROM persons ORDER BY id_index`); err != nil {
			return err
		}
		ap.known = true
	}
	for _, q := range []string{`DROP TABLE IF EXISTS temp.import_search`, `CREATE TEMP TABLE import_search (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`} {
		if err := ap.exec(ctx, q); err != nil {
			return err
		}
	}
	for i, name := range names {
		if err := ap.exec(ctx, `DROP `+strings.ToUpper(kinds[i])+` "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
			return err
		}
		ap.dropped = append(ap.dropped, defs[i])
	}
	ap.bulk = true
	if ap.opts.onBulk != nil {
		ap.opts.onBulk()
	}
	// The cache then holds households and the end of the table.
	return ap.exec(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", importBulkCacheKiB))
}
