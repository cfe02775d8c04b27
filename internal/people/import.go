package people

// Roster import (issue 3, items 7 and 8): the entry point, its options
// and its report. Reading and checking rows is package roster's; the
// pipeline (import_pipeline.go) checks and seals them concurrently, the
// applier matches them with the registry by the blind index of their ID
// number and writes them (import_match.go, import_write.go), all in one
// transaction; a large load into SQLite drops and rebuilds the persons
// table's indexes (import_sqlite.go). The export is in export.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/people/roster"
)

// Tuning of the import.
const (
	// importBatch rows are looked up and applied together.
	importBatch = 500
	// insertChunk rows go into one multi-row INSERT of persons or
	// households on SQLite: the pages one statement changes are kept in a
	// statement journal, which stays in memory below 64 KiB and spills to
	// a temporary file for the rest of the transaction once it does not.
	// PostgreSQL takes pgChunk rows (fewer round trips).
	insertChunk = 12
	pgChunk     = 100
	// bulkChunk rows go into one INSERT once a large import has dropped
	// the indexes (each then only appends to the table).
	bulkChunk = 100
	// importCacheKiB is SQLite's page cache on the writer connection during
	// an import (the default is 2 MiB; the persons table has ten indexes
	// and more).
	importCacheKiB = 64 << 10
	// importBulkCacheKiB is the cache once the indexes are dropped (it
	// then holds households and the table's end), importSortCacheKiB the
	// cache of the index builds, which write in order. SQLite sizes its
	// sorter from it: small runs, sorted within the CPU's caches and merged
	// by two threads, build the indexes fastest (measured by
	// BenchmarkImportCSV1M: 8 MiB 25.3 s, 16 MiB 27.4 s, 48 MiB 31 s).
	// Together they keep a large import under 300 MB.
	importBulkCacheKiB = 32 << 10
	importSortCacheKiB = 8 << 10
	// MaxListed bounds the rejected rows and warnings a report lists (all
	// are counted, and every rejected row goes into the errors workbook).
	MaxListed = 1000
)

// ImportOptions tune ImportRoster.
type ImportOptions struct {
	// DryRun checks the file against the registry and reports what an
	// import would do, writing nothing.
	DryRun bool
	// Limits bound the file; zero fields take roster.DefaultLimits (the
	// command line's).
	Limits roster.Limits
	// Progress, when set, is called from the importing goroutine after
	// every few hundred rows.
	Progress func(ImportProgress)
	// NoEvents leaves out the "imported" history entry of each new person.
	NoEvents bool
	// InTx, when set, runs last inside the import's transaction (never in
	// a dry run) with the finished report, so that what it writes — a job
	// recording itself done — commits with the import or not at all.
	InTx func(ctx context.Context, tx *db.Tx, rep *ImportReport) error

	// Test hooks, unexported so that only this package's tests set them,
	// each on its own import (no package state, so tests may run in
	// parallel). The zero values are production's.
	//
	// bulkMinRows replaces defaultBulkMinRows (see maybeDropIndexes), so a
	// small file takes the bulk path; failAfter makes the import fail with
	// errInjected once that many rows are applied (a crash midway); onBulk
	// is called when the import drops the indexes.
	bulkMinRows int
	failAfter   int
	onBulk      func()
}

// ImportProgress says how far an import has come. The number of rows is
// not known before the end, so Done and Total count bytes of the file (of
// the unpacked worksheets for xlsx).
type ImportProgress struct {
	Rows        int
	Done, Total int64
}

// ImportSummary is what an import did (or, in a dry run, would do); it is
// the JSON object `shiliu import persons --json` prints. Rows counts the
// data rows read (blank rows and rows with only a 序号 are not rows);
// Imported + Updated + Unchanged + Rejected = Rows.
type ImportSummary struct {
	Rows             int            `json:"rows"`
	Imported         int            `json:"imported"`
	Updated          int            `json:"updated"`
	Unchanged        int            `json:"unchanged"`
	Rejected         int            `json:"rejected"`
	Warnings         int            `json:"warnings"`
	RejectedByReason map[string]int `json:"rejected_by_reason"`
}

// RejectedRow is a row left out of an import.
type RejectedRow struct {
	Sheet string `json:"sheet"` // "" for CSV
	Line  int    `json:"line"`
	// Cells are the row's cells as read.
	Cells []string `json:"cells"`
	// Code is the reason's code (roster.Code*); Reason says in Chinese
	// every problem found.
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// Where names the row for messages.
func (r RejectedRow) Where() string { return (&roster.Sheet{Name: r.Sheet}).Where(r.Line) }

// ImportReport is the outcome of an import. Close it to release the
// errors workbook's temporary files.
type ImportReport struct {
	ImportSummary
	// File is the file's base name; Format "csv" or "xlsx".
	File   string `json:"file"`
	Format string `json:"format"`
	DryRun bool   `json:"dry_run"`
	// Sheets are the names of the sheets read (one "" for CSV).
	Sheets []string `json:"sheets"`
	// WarningList and RejectedRows list the first MaxListed of each, in
	// file order.
	WarningList  []roster.Warning `json:"warning_list"`
	RejectedRows []RejectedRow    `json:"rejected_rows"`
	errBook      *roster.ErrorBook
}

// WriteErrors writes the errors workbook: every rejected row with its
// original cells and a column 错误原因 (an empty sheet when nothing was
// rejected).
func (r *ImportReport) WriteErrors(w io.Writer) error {
	if r.errBook == nil {
		r.errBook = roster.NewErrorBook()
	}
	_, err := r.errBook.WriteTo(w)
	return err
}

// Close releases the report's temporary files.
func (r *ImportReport) Close() error {
	if r == nil || r.errBook == nil {
		return nil
	}
	return r.errBook.Close()
}

var rosterVocab = roster.Vocab{
	Tags: func(s string) (int, []string) {
		t, unknown := SplitTags(s)
		return int(t), unknown
	},
	WorkplaceKind: func(s string) (int, bool) {
		k, ok := ParseWorkplaceKind(s)
		return int(k), ok
	},
}

// fileError gives a roster file error the Invalid kind; the web layer
// shows re.Message(lang) (errors.As to *roster.Error).
func fileError(err error) error {
	var re *roster.Error
	if errors.As(err, &re) {
		return &errs.Error{Kind: errs.Invalid, Key: "roster." + re.Key, Args: re.Args, Err: re}
	}
	return err
}

// ImportRoster imports a roster file (.xlsx or .csv) into the registry
// following the import rules of issue 3: rows are checked one by one, the
// rejected ones reported (and kept for the errors workbook), the accepted
// ones created, or updated with their non-empty values when the ID number
// is already registered. Everything is applied in one transaction with one
// audit record, or nothing is.
//
// Rows may name only committees in a's scope (the command line's system
// actor: every committee), and a row whose person is registered outside it
// is rejected (out_of_scope). a must hold auth.PersonImport.
//
// The error is non-nil only when the import could not run: a file that
// cannot be read, has no header row or breaks the limits (kind Invalid,
// wrapping a *roster.Error), or a database failure. Rejected rows are not
// errors.
func (s *Service) ImportRoster(ctx context.Context, a *auth.Actor, name string, r io.ReaderAt, size int64, opts ImportOptions) (*ImportReport, error) {
	if err := a.Require(auth.PersonImport); err != nil {
		return nil, err
	}
	file, err := roster.Open(name, r, size, opts.Limits)
	if err != nil {
		return nil, fileError(err)
	}
	defer file.Close()
	places, err := s.rosterPlaces(ctx, a, false)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{File: file.Name, Format: file.Format.String(), DryRun: opts.DryRun}
	rep.RejectedByReason = map[string]int{}
	ap := &applier{s: s, a: a, rep: rep, opts: opts, seen: map[uint64]uint64{}, households: map[hhKey]*hhState{},
		now: db.FormatTime(s.Now()), today: s.Today()}
	rules := &roster.Rules{Places: places, Vocab: rosterVocab}
	if opts.DryRun {
		ap.q = s.DB
		err = s.runImport(ctx, file, rules, ap)
	} else {
		if s.DB.Dialect == db.SQLite {
			// On the writer's one connection: a bigger page cache for the
			// persons table's indexes, and temporary storage (the staging
			// table of a large import, statement journals, sorts) on disk,
			// not in memory.
			for _, p := range []string{fmt.Sprintf("PRAGMA cache_size = -%d", importCacheKiB), "PRAGMA temp_store = FILE"} {
				if _, err := s.DB.W.ExecContext(ctx, p); err != nil {
					return nil, err
				}
			}
		}
		err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
			ap.tx, ap.q, ap.file = tx, tx, file
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0), (SELECT COALESCE(MAX(id), 0) FROM households) FROM persons`).Scan(&ap.existing, &ap.hhBefore); err != nil {
				return err
			}
			if s.DB.Dialect == db.Postgres {
				// New persons' search words are added at the end, at once
				// (see migration 0008 and finish).
				if _, err := tx.Exec(ctx, `SELECT set_config('shiliu.import', 'on', true)`); err != nil {
					return err
				}
			}
			if err := s.runImport(ctx, file, rules, ap); err != nil {
				return err
			}
			err := audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionImport, Entity: "person",
				Detail: map[string]any{"file": rep.File, "rows": rep.Rows, "imported": rep.Imported, "updated": rep.Updated,
					"unchanged": rep.Unchanged, "rejected": rep.Rejected, "warnings": rep.Warnings, "rejected_by_reason": rep.RejectedByReason}})
			if err != nil || opts.InTx == nil {
				return err
			}
			return opts.InTx(ctx, tx, rep)
		})
		if s.DB.Dialect == db.SQLite {
			// Give the memory back: the writer's cache returns to the default.
			_, _ = s.DB.W.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000")
			_, _ = s.DB.W.ExecContext(context.WithoutCancel(ctx), "PRAGMA temp_store = DEFAULT")
		}
		if err == nil && !opts.DryRun && rep.Imported >= 10000 {
			// After a large load the planner's statistics are stale, and a
			// search can pick a plan that walks the whole table: refresh
			// them (sampled, so this takes milliseconds on SQLite).
			tables := []string{"persons"}
			if s.DB.Dialect == db.Postgres {
				tables = append(tables, "person_terms")
			}
			_ = s.DB.Optimize(context.WithoutCancel(ctx), tables...)
		}
	}
	if err != nil {
		if ap.errBook != nil {
			ap.errBook.Close()
		}
		return nil, fileError(err)
	}
	for _, sh := range file.Sheets() {
		rep.Sheets = append(rep.Sheets, sh.Name)
	}
	rep.errBook = ap.errBook
	return rep, nil
}

// rosterPlaces loads the committees (and their building groups) an
// import may name: those in a's scope, or all for labels (all).
func (s *Service) rosterPlaces(ctx context.Context, a *auth.Actor, all bool) (*roster.Places, error) {
	cond, args := "", []any(nil)
	if !all {
		lo, hi := a.Scope().PathRange()
		cond, args = " AND path >= ? AND path < ?", []any{lo, hi}
	}
	load := func(kind string) ([]roster.Unit, error) {
		rows, err := s.DB.Query(ctx, `SELECT id, code, name, COALESCE(parent_id, 0) FROM org_units WHERE kind = ? AND archived = 0`+cond+` ORDER BY path`,
			append([]any{kind}, args...)...)
		out, err := db.Collect(rows, err, func(sc db.Scanner) (roster.Unit, error) {
			var u roster.Unit
			err := sc.Scan(&u.ID, &u.Code, &u.Name, &u.Parent)
			return u, err
		})
		if err != nil {
			return nil, fmt.Errorf("load org units: %w", err)
		}
		return out, nil
	}
	committees, err := load("committee")
	if err != nil {
		return nil, err
	}
	groups, err := load("building_group")
	if err != nil {
		return nil, err
	}
	return roster.NewPlaces(committees, groups), nil
}

// String renders the counts for logs and the command line.
func (r *ImportSummary) String() string {
	return strconv.Itoa(r.Rows) + " rows, " + strconv.Itoa(r.Imported) + " imported, " + strconv.Itoa(r.Updated) + " updated, " +
		strconv.Itoa(r.Unchanged) + " unchanged, " + strconv.Itoa(r.Rejected) + " rejected, " + strconv.Itoa(r.Warnings) + " warnings"
}
