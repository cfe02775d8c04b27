package people

// Writing new persons and households in multi-row INSERTs, their history
// entries, and the end of an import (finish).

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"shiliu/internal/db"
	"shiliu/internal/ref"
)

const personInsertCols = `org_id, building_group_id, household_id, relation, name, pinyin, initials, id_index, id_enc, id_masked, id_last4,
	phone_index, phone_enc, phone_masked, ethnicity, sex, birth_date, birth_region, kind, current_address, registered_address, workplace,
	workplace_kind, education, political_status, tags, note, arrival_date, permit_expiry, created_at, updated_at`

const personInsertRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

// chunk is how many rows go into one multi-row INSERT.
func (ap *applier) chunk() int {
	switch {
	case ap.bulk:
		return bulkChunk
	case ap.s.DB.Dialect == db.SQLite:
		return insertChunk
	}
	return pgChunk
}

// insertVerb is INSERT OR IGNORE on SQLite (see ImportRoster: no statement
// journal), INSERT on PostgreSQL.
func (ap *applier) insertVerb() string {
	if ap.s.DB.Dialect == db.SQLite {
		return "INSERT OR IGNORE"
	}
	return "INSERT"
}

func personInsertSQL(verb string, n int, returning bool) string {
	var sb strings.Builder
	sb.Grow(len(personInsertCols) + n*(len(personInsertRow)+2) + 64)
	sb.WriteString(verb)
	sb.WriteString(" INTO persons (")
	sb.WriteString(personInsertCols)
	sb.WriteString(") VALUES ")
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(personInsertRow)
	}
	if returning {
		sb.WriteString(" RETURNING id, id_index")
	}
	return sb.String()
}

// insertPersons inserts new persons, insertChunk to a statement, and notes
// their ids.
func (ap *applier) insertPersons(ctx context.Context, items []*item) error {
	if ap.tx == nil {
		for _, it := range items {
			ap.fakeID--
			it.id = ap.fakeID
		}
		return nil
	}
	size := ap.chunk()
	args := make([]any, 0, 31*size)
	for start := 0; start < len(items); start += size {
		chunk := items[start:min(start+size, len(items))]
		args = args[:0]
		byIndex := make(map[string]*item, len(chunk))
		for _, it := range chunk {
			rec := &it.res.Record
			kind := rec.Kind
			if kind == 0 {
				kind = int(Registered)
			}
			var hid int64
			if it.hh != nil {
				hid = it.hh.id
			}
			n := rec.ID.Number
			args = append(args, rec.OrgID, db.NullID(rec.BuildingGroupID), db.NullID(hid), it.relation, rec.Name, it.pinyin, it.initials,
				it.idIndex, it.idEnc, ref.MaskID(n), n[14:], it.phoneIndex, db.NullBytes(it.phoneEnc), maskPhone(rec.Phone),
				rec.Ethnicity, rec.ID.Sex(), rec.ID.Birth.Format(db.DateLayout), rec.ID.Region, kind, rec.CurrentAddr, rec.RegisteredAddr,
				rec.Workplace, rec.WorkplaceKind, rec.Education, rec.Political, rec.Tags, rec.Note, rec.Arrival, rec.PermitExpiry, ap.now, ap.now)
			byIndex[it.idIndex] = it
		}
		if err := ap.insertChunk(ctx, chunk, args, byIndex); err != nil {
			return err
		}
		if ap.bulk {
			if err := ap.indexChunk(ctx, chunk, args[:0]); err != nil {
				return err
			}
		}
		if !ap.opts.NoEvents && ap.s.DB.Dialect != db.SQLite {
			// (SQLite: one statement in finish.)
			for _, it := range chunk {
				ap.events = append(ap.events, eventRow{person: it.id, kind: "imported", to: it.res.Record.OrgID, note: ap.rep.File})
			}
		}
	}
	return nil
}

// indexChunk notes what person_search is to hold of new persons, in a bulk
// import (which has dropped the trigger that would add them): the words
// its workers spelled go to temp.import_search, and finish adds them all
// in one statement. (Added statement by statement, the full-text index
// would write its pending words out at every following statement, in
// many small pieces it then merges: twice the work.)
func (ap *applier) indexChunk(ctx context.Context, chunk []*item, args []any) error {
	for _, it := range chunk {
		args = append(args, it.id, it.search)
	}
	q := `INSERT INTO temp.import_search (id, body) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)), ", ")
	var err error
	if len(chunk) == bulkChunk {
		if ap.search == nil {
			if ap.search, err = ap.tx.Prepare(ctx, q); err != nil {
				return fmt.Errorf("prepare search index: %w", err)
			}
		}
		_, err = ap.search.ExecContext(ctx, args...)
	} else {
		err = ap.exec(ctx, q, args...)
	}
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// insertChunk runs one multi-row INSERT of persons and notes their ids.
// On SQLite, which holds the write lock for the whole import, the rows of
// one INSERT get consecutive ids in the order given, the last being
// LastInsertId (AUTOINCREMENT, no explicit ids); RETURNING would cost more
// than the insert itself. PostgreSQL returns them.
func (ap *applier) insertChunk(ctx context.Context, chunk []*item, args []any, byIndex map[string]*item) error {
	sqlite := ap.s.DB.Dialect == db.SQLite
	var stmt *sql.Stmt
	if len(chunk) == ap.chunk() {
		if ap.insert == nil {
			var err error
			if ap.insert, err = ap.tx.Prepare(ctx, personInsertSQL(ap.insertVerb(), ap.chunk(), !sqlite)); err != nil {
				return fmt.Errorf("prepare insert: %w", err)
			}
		}
		stmt = ap.insert
	}
	if sqlite {
		var res sql.Result
		var err error
		if stmt != nil {
			res, err = stmt.ExecContext(ctx, args...)
		} else {
			res, err = ap.tx.Exec(ctx, personInsertSQL(ap.insertVerb(), len(chunk), false), args...)
		}
		if err != nil {
			return fmt.Errorf("insert persons: %w", err)
		}
		n, err1 := res.RowsAffected()
		last, err2 := res.LastInsertId()
		if err1 != nil || err2 != nil || n != int64(len(chunk)) {
			// OR IGNORE skipped a row: the checks before should make that
			// impossible, so it fails the import rather than lose it.
			return fmt.Errorf("insert persons: %d of %d rows went in", n, len(chunk))
		}
		for i, it := range chunk {
			it.id = last - int64(len(chunk)-1-i)
		}
		return nil
	}
	var rows *sql.Rows
	var err error
	if stmt != nil {
		rows, err = stmt.QueryContext(ctx, args...)
	} else {
		rows, err = ap.tx.Query(ctx, personInsertSQL(ap.insertVerb(), len(chunk), true), args...)
	}
	if err != nil {
		return fmt.Errorf("insert persons: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var index string
		if err := rows.Scan(&id, &index); err != nil {
			return err
		}
		if it := byIndex[index]; it != nil {
			it.id = id
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert persons: %w", err)
	}
	if n != len(chunk) {
		return fmt.Errorf("insert persons: %d of %d rows went in", n, len(chunk))
	}
	return nil
}

// flushEvents writes the history entries gathered, when there are enough
// for a statement or at the end.
func (ap *applier) flushEvents(ctx context.Context, all bool) error {
	const per = 100
	for len(ap.events) >= per || all && len(ap.events) > 0 {
		n := min(per, len(ap.events))
		chunk := ap.events[:n]
		if ap.tx != nil {
			who := ap.a.Who()
			var uid any
			if who.UserID != 0 {
				uid = who.UserID
			}
			var sb strings.Builder
			sb.WriteString(`INSERT INTO person_events (person_id, kind, date, from_org_id, to_org_id, note, user_id, username, created_at) VALUES `)
			args := make([]any, 0, 9*n)
			for i, e := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, e.person, e.kind, ap.today, db.NullID(e.from), db.NullID(e.to), e.note, uid, who.Username, ap.now)
			}
			if err := ap.exec(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("person events: %w", err)
			}
		}
		ap.events = ap.events[n:]
	}
	return nil
}

func (ap *applier) finish(ctx context.Context) error {
	for _, st := range []**sql.Stmt{&ap.insert, &ap.search} {
		if *st != nil {
			(*st).Close()
			*st = nil
		}
	}
	if err := ap.flushEvents(ctx, true); err != nil {
		return err
	}
	if ap.bulk {
		// The file is read: give the Go memory of a large import back
		// before SQLite's sorts need theirs.
		ap.seen, ap.households = nil, nil
		debug.FreeOSMemory()
		// What is left writes in order (the index builds): a small page
		// cache serves, and it bounds the sorter's memory, which SQLite
		// sizes from it. The sorts use a second thread per core.
		for _, q := range []string{fmt.Sprintf("PRAGMA cache_size = -%d", importSortCacheKiB),
			fmt.Sprintf("PRAGMA threads = %d", min(8, max(2, runtime.GOMAXPROCS(0))))} {
			if err := ap.exec(ctx, q); err != nil {
				return err
			}
		}
		for _, q := range []string{`INSERT INTO person_search (rowid, body) SELECT id, body FROM temp.import_search`, `DROP TABLE temp.import_search`} {
			if err := ap.exec(ctx, q); err != nil {
				return fmt.Errorf("search index: %w", err)
			}
		}
		if ap.known {
			if err := ap.exec(ctx, `DROP TABLE temp.import_known`); err != nil {
				return err
			}
		}
	}
	if ap.s.DB.Dialect == db.Postgres && ap.inserted > 0 {
		// The search words of the persons this import created (its
		// timestamp marks them; another writer's are there already).
		if err := ap.exec(ctx, `INSERT INTO person_terms (term, pinyin, person_id)
			SELECT w, p.pinyin, p.id FROM persons p, person_search_words(p.name, p.ethnicity, p.kind, p.tags) w
			WHERE p.id > ? AND p.created_at = ? AND p.status = 'active' AND p.archived = 0 ON CONFLICT DO NOTHING`, ap.existing, ap.now); err != nil {
			return fmt.Errorf("search words: %w", err)
		}
	}
	if !ap.opts.NoEvents && ap.s.DB.Dialect == db.SQLite && ap.inserted > 0 {
		// The import holds the write lock from its first statement: every
		// person above the largest id before it is one it created.
		who := ap.a.Who()
		if err := ap.exec(ctx, `INSERT INTO person_events (person_id, kind, date, to_org_id, note, user_id, username, created_at)
			SELECT id, 'imported', ?, org_id, ?, ?, ?, ? FROM persons WHERE id > ? ORDER BY id`,
			ap.today, ap.rep.File, db.NullID(who.UserID), who.Username, ap.now, ap.existing); err != nil {
			return fmt.Errorf("person events: %w", err)
		}
	}
	for _, q := range ap.dropped {
		if err := ap.exec(ctx, q); err != nil {
			// A duplicate ID number that slipped past the checks fails
			// the unique index, and the import with it.
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	if ap.bulk {
		if err := ap.exec(ctx, "PRAGMA threads = 0"); err != nil {
			return err
		}
	}
	ap.dropped, ap.bulk = nil, false
	for _, d := range ap.demotions {
		if err := ap.exec(ctx, `UPDATE persons SET relation = '' WHERE household_id = ? AND relation = '户主' AND id <> ?`, d.hh, d.head); err != nil {
			return err
		}
	}
	return nil
}
