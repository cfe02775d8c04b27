package people

// Roster import and export (issue 3, items 7 and 8). Reading and checking
// rows is package roster's; here rows are matched with the registry by the
// blind index of their ID number and applied in one transaction.
//
// The import is a pipeline: one goroutine reads the file, GOMAXPROCS
// workers check, normalise and seal the rows (ID number and phone), and
// the calling goroutine applies them in file order: duplicates within the
// file, a lookup of 500 ID numbers at a time, multi-row INSERTs of new
// persons and households, UPDATEs of changed ones. Nothing is written in a
// dry run; otherwise everything, with one audit record, commits at the end
// or not at all.
//
// A large load into SQLite (many new persons, more than are registered)
// takes another road inside the same transaction: the persons table's
// secondary indexes are dropped, new persons are appended to a temporary
// staging table, and at the end copied into persons in the order of their
// blind index (so the unique index fills from left to right), heads of new
// households set, and the indexes built again (see maybeDropIndexes,
// stagePersons, finish). BenchmarkImportCSV1M measures it.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/people/roster"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
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
// a is nil for the command line (every committee; the operator is
// trusted). Otherwise rows may name only committees in a's scope, and a row
// whose person is registered outside it is rejected (out_of_scope); whether
// a may import at all is the caller's check (auth.PersonImport).
//
// The error is non-nil only when the import could not run: a file that
// cannot be read, has no header row or breaks the limits (kind Invalid,
// wrapping a *roster.Error), or a database failure. Rejected rows are not
// errors.
func (s *Service) ImportRoster(ctx context.Context, a *auth.Actor, name string, r io.ReaderAt, size int64, opts ImportOptions) (*ImportReport, error) {
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
		ap.q = s.DB.R
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
			ap.tx, ap.q, ap.file = tx, tx.Raw(), file
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
			return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionImport, Entity: "person",
				Detail: map[string]any{"file": rep.File, "rows": rep.Rows, "imported": rep.Imported, "updated": rep.Updated,
					"unchanged": rep.Unchanged, "rejected": rep.Rejected, "warnings": rep.Warnings, "rejected_by_reason": rep.RejectedByReason}})
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
// import may name: those in a's scope, or all for the command line and
// for labels (all).
func (s *Service) rosterPlaces(ctx context.Context, a *auth.Actor, all bool) (*roster.Places, error) {
	cond, args := "", []any(nil)
	if a != nil && !all {
		lo, hi := a.Scope().PathRange()
		cond, args = " AND path >= ? AND path < ?", []any{lo, hi}
	}
	load := func(kind string) ([]roster.Unit, error) {
		rows, err := s.DB.Query(ctx, `SELECT id, code, name, COALESCE(parent_id, 0) FROM org_units WHERE kind = ? AND archived = 0`+cond+` ORDER BY path`,
			append([]any{kind}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("load org units: %w", err)
		}
		defer rows.Close()
		var out []roster.Unit
		for rows.Next() {
			var u roster.Unit
			if err := rows.Scan(&u.ID, &u.Code, &u.Name, &u.Parent); err != nil {
				return nil, err
			}
			out = append(out, u)
		}
		return out, rows.Err()
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

// item is a row on its way through the pipeline.
type item struct {
	row roster.Row
	res *roster.Result
	// key is the ID number as a number (see idKey), 0 without a valid one.
	key uint64
	// Sealed values of accepted rows.
	idIndex    string
	idEnc      []byte
	phoneIndex string
	phoneEnc   []byte
	pinyin     string
	initials   string
	// search is what person_search will hold of a new person (see
	// searchBody), for a bulk import.
	search string
	// Set by the applier for new persons.
	hh       *hhState
	relation string
	head     bool
	id       int64
}

// idKey packs an 18-character ID number into a number, exactly: the 17
// digits times 11 plus the check character (X is 10), plus 1.
func idKey(n string) uint64 {
	var k uint64
	for i := 0; i < 17; i++ {
		k = k*10 + uint64(n[i]-'0')
	}
	c := uint64(10)
	if n[17] != 'X' {
		c = uint64(n[17] - '0')
	}
	return k*11 + c + 1
}

func (s *Service) prepare(rules *roster.Rules, it *item) {
	it.res = rules.Check(it.row)
	rec := &it.res.Record
	if rec.ID.Number != "" {
		it.key = idKey(rec.ID.Number)
	}
	if it.res.Code != "" {
		return
	}
	it.idIndex = s.Keys.Index(purposeID, rec.ID.Number)
	it.idEnc = s.Keys.Seal([]byte(rec.ID.Number), adID)
	if rec.Phone != "" {
		f := secret.SealField(s.Keys, purposeTel, adPhone, rec.Phone)
		it.phoneIndex, it.phoneEnc = f.Index, f.Enc
	}
	it.pinyin, it.initials = ref.Pinyin(rec.Name)
	if s.DB.Dialect == db.SQLite {
		kind := rec.Kind
		if kind == 0 {
			kind = int(Registered)
		}
		it.search = searchBody(rec.Name, rec.Ethnicity, kind, rec.Tags)
	}
}

// importFailAfter, when set by a test, makes the import fail once that
// many rows have been applied (a crash midway).
var importFailAfter int

var errInjected = errors.New("injected failure")

type batch struct {
	seq   int
	items []*item
}

// runImport runs the pipeline: read, check and seal, apply in order.
func (s *Service) runImport(ctx context.Context, file *roster.File, rules *roster.Rules, ap *applier) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	workers := max(1, runtime.GOMAXPROCS(0))
	// slots bounds the batches in flight, so that a slow worker cannot
	// make the reorder buffer grow.
	slots := make(chan struct{}, 2*workers+4)
	read := make(chan *batch, workers+2)
	checked := make(chan *batch, workers+2)
	readerDone := make(chan struct{})
	var readErr error
	go func() {
		defer close(readerDone)
		defer close(read)
		for seq := 0; ; seq++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			b := &batch{seq: seq, items: make([]*item, 0, importBatch)}
			var err error
			for len(b.items) < importBatch {
				var row roster.Row
				if row, err = file.Next(); err != nil {
					break
				}
				b.items = append(b.items, &item{row: row})
			}
			if len(b.items) > 0 {
				select {
				case read <- b:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					readErr = err
				}
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range read {
				for _, it := range b.items {
					s.prepare(rules, it)
				}
				select {
				case checked <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(checked) }()
	defer func() {
		cancel()
		for range checked {
		}
		<-readerDone
	}()

	pending := map[int]*batch{}
	next := 0
	for b := range checked {
		pending[b.seq] = b
		for {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := ap.apply(ctx, nb.items); err != nil {
				return err
			}
			<-slots
			if importFailAfter > 0 && ap.rep.Rows >= importFailAfter {
				return errInjected
			}
			if ap.opts.Progress != nil {
				done, total := file.Progress()
				ap.opts.Progress(ImportProgress{Rows: ap.rep.Rows, Done: done, Total: total})
			}
		}
	}
	if readErr != nil {
		return readErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return ap.finish(ctx)
}

// hhKey names a household: its committee and its 户号.
type hhKey struct {
	org  int64
	code string
}

// hhState is a household the import has seen.
type hhState struct {
	id   int64
	head int64 // head_person_id
	// claimed is where in the file a row made itself the head (sheet<<32 |
	// line), 0 when none did.
	claimed uint64
	// pending holds what creates a new household until it is inserted.
	pending  *hhNew
	archived bool
	// fresh: created by this import.
	fresh bool
}

type hhNew struct {
	key     hhKey
	bg      int64
	address string
}

// existing is a registered person as the import compares them.
type existing struct {
	id                                      int64
	path                                    string
	org, bg, hh                             int64
	relation, name, phoneIndex, eth         string
	kind                                    int
	cur, reg, work                          string
	wk                                      int
	edu, pol                                string
	tags                                    int
	note, status, arrival, permit, initials string
	pinyin                                  string
}

// applier applies checked rows in file order.
type applier struct {
	s    *Service
	a    *auth.Actor
	tx   *db.Tx     // nil in a dry run
	q    db.Querier // the transaction, or the reader pool in a dry run
	rep  *ImportReport
	opts ImportOptions
	// seen maps the ID numbers read so far to where they were first seen.
	seen       map[uint64]uint64
	sheets     []*roster.Sheet
	households map[hhKey]*hhState
	errBook    *roster.ErrorBook
	fakeID     int64
	now, today string
	insert     *sql.Stmt // the full-chunk person INSERT
	search     *sql.Stmt // the full-chunk person_search INSERT (bulk)
	events     []eventRow
	// SQLite bulk mode: the persons table's indexes and its search
	// trigger are dropped for a large load and made again at the end, in
	// the transaction (see maybeDropIndexes).
	file      *roster.File
	existing  int64 // persons registered before the import: the largest id
	hhBefore  int64 // the same for households
	inserted  int
	decided   bool     // whether to drop indexes
	dropped   []string // the CREATE INDEX and CREATE TRIGGER statements to run again
	bulk      bool     // indexes dropped
	known     bool     // registered persons are looked up in temp.import_known
	demotions []demotion
}

// demotion: a household has a new head, and whoever else was written as
// 户主 becomes a plain member.
type demotion struct {
	hh, head int64
}

type eventRow struct {
	person   int64
	kind     string
	from, to int64
	note     string
}

func loc(r *roster.Row) uint64 { return uint64(r.Sheet.Index)<<32 | uint64(uint32(r.Line)) }

func (ap *applier) reject(it *item) error {
	rep := ap.rep
	res := it.res
	rep.Rejected++
	rep.RejectedByReason[res.Code]++
	if len(rep.RejectedRows) < MaxListed {
		rep.RejectedRows = append(rep.RejectedRows, RejectedRow{Sheet: it.row.Sheet.Name, Line: it.row.Line, Cells: it.row.Cells, Code: res.Code, Reason: res.Reason})
	}
	if ap.errBook == nil {
		ap.errBook = roster.NewErrorBook()
	}
	return ap.errBook.Add(it.row, res.Reason)
}

func (ap *applier) warn(ws ...roster.Warning) {
	ap.rep.Warnings += len(ws)
	for _, w := range ws {
		if len(ap.rep.WarningList) < MaxListed {
			ap.rep.WarningList = append(ap.rep.WarningList, w)
		}
	}
}

func (ap *applier) exec(ctx context.Context, q string, args ...any) error {
	if ap.tx == nil {
		return nil
	}
	_, err := ap.tx.Exec(ctx, q, args...)
	return err
}

// update is a change to a registered person.
type update struct {
	it       *item
	old      *existing
	nw       existing
	phone    bool // the phone changes
	moved    bool // the committee changes
	hhChange bool
}

// apply applies a batch of rows.
func (ap *applier) apply(ctx context.Context, items []*item) error {
	rep := ap.rep
	rep.Rows += len(items)
	look := make([]any, 0, len(items))
	for _, it := range items {
		if sh := it.row.Sheet; sh.Index == len(ap.sheets) {
			ap.sheets = append(ap.sheets, sh)
		}
		if it.key != 0 {
			if first, ok := ap.seen[it.key]; ok {
				it.res.Reject(roster.CodeDuplicateInFile, roster.DuplicateReason(ap.sheets[first>>32], int(uint32(first))))
			} else {
				ap.seen[it.key] = loc(&it.row)
			}
		}
		if it.res.Code == "" {
			look = append(look, it.idIndex)
		}
	}
	found, err := ap.lookup(ctx, look)
	if err != nil {
		return err
	}
	if err := ap.loadHouseholds(ctx, items); err != nil {
		return err
	}
	var inserts []*item
	var updates []*update
	type headChange struct {
		hh     *hhState
		person *item // a new person, or nil
		id     int64 // an existing person
	}
	var heads []headChange
	for _, it := range items {
		res := it.res
		if res.Code != "" {
			if err := ap.reject(it); err != nil {
				return err
			}
			continue
		}
		rec := &res.Record
		ex := found[it.idIndex]
		if ex != nil && ap.a != nil && !ap.a.Scope().Contains(ex.path) {
			res.Reject(roster.CodeOutOfScope, roster.OutOfScopeReason)
			if err := ap.reject(it); err != nil {
				return err
			}
			continue
		}
		ap.warn(res.Warnings...)
		if ex != nil && ex.status == string(Merged) {
			ap.warn(roster.NewWarning(&it.row, roster.WarnPersonMerged))
			rep.Unchanged++
			continue
		}
		var hh *hhState
		relation, head := "", false
		if rec.Household != "" {
			hh = ap.household(rec)
			if hh.archived {
				ap.warn(roster.NewWarning(&it.row, roster.WarnHouseholdArchived, rec.Household))
			}
			relation = rec.Relation
			if relation == "户主" {
				if hh.claimed != 0 {
					ap.warn(roster.NewWarning(&it.row, roster.WarnHeadDuplicate, rec.Household, ap.sheets[hh.claimed>>32].Where(int(uint32(hh.claimed)))))
					relation = ""
				} else {
					hh.claimed, head = loc(&it.row), true
				}
			}
		}
		it.hh, it.relation, it.head = hh, relation, head
		if ex == nil {
			inserts = append(inserts, it)
			if head {
				heads = append(heads, headChange{hh: hh, person: it})
			}
			rep.Imported++
			ap.inserted++
			continue
		}
		u := ap.diff(ex, it, hh, relation)
		if u != nil {
			updates = append(updates, u)
			rep.Updated++
		} else {
			rep.Unchanged++
		}
		if head && hh.head != ex.id {
			heads = append(heads, headChange{hh: hh, id: ex.id})
		} else if hh != nil && relation != "" && relation != "户主" && hh.head == ex.id {
			// The head is now written as another relation: the household
			// has no head until a row says who it is.
			heads = append(heads, headChange{hh: hh})
		}
	}

	if err := ap.maybeDropIndexes(ctx, len(inserts), len(items)); err != nil {
		return err
	}
	if err := ap.createHouseholds(ctx, items); err != nil {
		return err
	}
	if err := ap.insertPersons(ctx, inserts); err != nil {
		return err
	}
	for _, u := range updates {
		if err := ap.applyUpdate(ctx, u); err != nil {
			return err
		}
	}
	// The batch's new heads, the last for each household, in one
	// statement.
	newHead := make(map[int64]int64, len(heads))
	var order []int64
	for _, h := range heads {
		pid := h.id
		if h.person != nil {
			pid = h.person.id
		}
		old := h.hh.head
		h.hh.head = pid
		if _, ok := newHead[h.hh.id]; !ok {
			order = append(order, h.hh.id)
		}
		newHead[h.hh.id] = pid
		if old != 0 && pid != 0 && !h.hh.fresh {
			// One head: the previous one becomes a plain member (at the end,
			// when the household index is there).
			ap.demotions = append(ap.demotions, demotion{hh: h.hh.id, head: pid})
		}
	}
	for start := 0; start < len(order); start += headsPerUpdate {
		ids := order[start:min(start+headsPerUpdate, len(order))]
		args := make([]any, 0, 3*len(ids)+1)
		var cases strings.Builder
		for _, id := range ids {
			cases.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
			args = append(args, id, nullID(newHead[id]))
		}
		args = append(args, ap.now)
		for _, id := range ids {
			args = append(args, id)
		}
		if err := ap.exec(ctx, `UPDATE households SET head_person_id = CASE id`+cases.String()+` END, version = version + 1, updated_at = ?
			WHERE id IN (`+db.Placeholders(len(ids))+`)`, args...); err != nil {
			return fmt.Errorf("set household heads: %w", err)
		}
	}
	return ap.flushEvents(ctx, false)
}

// headsPerUpdate bounds the households one UPDATE gives new heads.
const headsPerUpdate = 200

// lookup returns the registered persons with the given blind indexes.
func (ap *applier) lookup(ctx context.Context, idx []any) (map[string]*existing, error) {
	out := make(map[string]*existing, len(idx))
	if len(idx) == 0 || ap.tx != nil && ap.existing == 0 {
		// Nobody was registered when the import began (the transaction
		// holds the write lock): a first load looks nothing up.
		return out, nil
	}
	// In bulk mode the blind index is found in the copy made before the
	// unique index was dropped.
	from, match := "persons p", "p.id_index"
	if ap.known {
		from, match = "temp.import_known k JOIN persons p ON p.id = k.id", "k.idx"
	}
	rows, err := ap.q.QueryContext(ctx, ap.s.DB.Rebind(`SELECT p.id_index, p.id, o.path, p.org_id, COALESCE(p.building_group_id, 0), COALESCE(p.household_id, 0),
		p.relation, p.name, p.phone_index, p.ethnicity, p.kind, p.current_address, p.registered_address, p.workplace, p.workplace_kind,
		p.education, p.political_status, p.tags, p.note, p.status, p.arrival_date, p.permit_expiry, p.pinyin, p.initials
		FROM `+from+` JOIN org_units o ON o.id = p.org_id WHERE `+match+` IN (`+db.Placeholders(len(idx))+`)`), idx...)
	if err != nil {
		return nil, fmt.Errorf("look up persons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e existing
		var index string
		if err := rows.Scan(&index, &e.id, &e.path, &e.org, &e.bg, &e.hh, &e.relation, &e.name, &e.phoneIndex, &e.eth, &e.kind, &e.cur, &e.reg,
			&e.work, &e.wk, &e.edu, &e.pol, &e.tags, &e.note, &e.status, &e.arrival, &e.permit, &e.pinyin, &e.initials); err != nil {
			return nil, err
		}
		out[index] = &e
	}
	return out, rows.Err()
}

// loadHouseholds reads the registered households the batch's rows name
// that the import has not seen yet.
func (ap *applier) loadHouseholds(ctx context.Context, items []*item) error {
	var codes, orgs []any
	seenCode, seenOrg := map[string]bool{}, map[int64]bool{}
	for _, it := range items {
		rec := &it.res.Record
		if it.res.Code != "" || rec.Household == "" {
			continue
		}
		if _, ok := ap.households[hhKey{rec.OrgID, rec.Household}]; ok {
			continue
		}
		if !seenCode[rec.Household] {
			seenCode[rec.Household] = true
			codes = append(codes, rec.Household)
		}
		if !seenOrg[rec.OrgID] {
			seenOrg[rec.OrgID] = true
			orgs = append(orgs, rec.OrgID)
		}
	}
	if len(codes) == 0 || ap.tx != nil && ap.hhBefore == 0 {
		return nil
	}
	rows, err := ap.q.QueryContext(ctx, ap.s.DB.Rebind(`SELECT id, org_id, code, COALESCE(head_person_id, 0), archived
		FROM households WHERE org_id IN (`+db.Placeholders(len(orgs))+`) AND code IN (`+db.Placeholders(len(codes))+`) AND code <> ''`), append(orgs, codes...)...)
	if err != nil {
		return fmt.Errorf("look up households: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		h := &hhState{}
		var k hhKey
		var archived int
		if err := rows.Scan(&h.id, &k.org, &k.code, &h.head, &archived); err != nil {
			return err
		}
		h.archived = archived == 1
		ap.households[k] = h
	}
	return rows.Err()
}

// household returns the household of a key, a new one (created by
// createHouseholds) when it is not registered.
func (ap *applier) household(rec *roster.Record) *hhState {
	h := ap.households[hhKey{rec.OrgID, rec.Household}]
	if h == nil {
		// Copies: the row's strings share memory with its whole line.
		k := hhKey{rec.OrgID, strings.Clone(rec.Household)}
		h = &hhState{fresh: true, pending: &hhNew{key: k, bg: rec.BuildingGroupID, address: strings.Clone(rec.CurrentAddr)}}
		ap.households[k] = h
	}
	return h
}

// createHouseholds inserts the new households the batch's rows name.
func (ap *applier) createHouseholds(ctx context.Context, items []*item) error {
	var fresh []*hhState
	for _, it := range items {
		if h := it.hh; h != nil && h.fresh && h.id == 0 {
			h.id = -1 // listed
			fresh = append(fresh, h)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	defer func() {
		for _, h := range fresh {
			h.pending = nil // kept only to create the household
		}
	}()
	if ap.tx == nil {
		for _, h := range fresh {
			ap.fakeID--
			h.id = ap.fakeID
		}
		return nil
	}
	size := ap.chunk()
	for start := 0; start < len(fresh); start += size {
		chunk := fresh[start:min(start+size, len(fresh))]
		var sb strings.Builder
		sb.WriteString(ap.insertVerb() + ` INTO households (org_id, building_group_id, code, address, created_at, updated_at) VALUES `)
		args := make([]any, 0, 6*len(chunk))
		for i, h := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?)")
			p := h.pending
			args = append(args, p.key.org, nullID(p.bg), p.key.code, p.address, ap.now, ap.now)
		}
		if ap.s.DB.Dialect == db.SQLite {
			// Consecutive ids, as for persons (insertChunk).
			res, err := ap.tx.Exec(ctx, sb.String(), args...)
			if err != nil {
				return fmt.Errorf("insert households: %w", err)
			}
			n, err1 := res.RowsAffected()
			last, err2 := res.LastInsertId()
			if err1 != nil || err2 != nil || n != int64(len(chunk)) {
				return fmt.Errorf("insert households: %d of %d rows went in", n, len(chunk))
			}
			for i, h := range chunk {
				h.id = last - int64(len(chunk)-1-i)
			}
			continue
		}
		sb.WriteString(" RETURNING id, org_id, code")
		rows, err := ap.tx.Query(ctx, sb.String(), args...)
		if err != nil {
			return fmt.Errorf("insert households: %w", err)
		}
		n := 0
		for rows.Next() {
			var id int64
			var k hhKey
			if err := rows.Scan(&id, &k.org, &k.code); err != nil {
				rows.Close()
				return err
			}
			if h := ap.households[k]; h != nil {
				h.id = id
				n++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n != len(chunk) {
			return fmt.Errorf("insert households: %d of %d rows went in", n, len(chunk))
		}
	}
	return nil
}

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
			args = append(args, rec.OrgID, nullID(rec.BuildingGroupID), nullID(hid), it.relation, rec.Name, it.pinyin, it.initials,
				it.idIndex, it.idEnc, ref.MaskID(n), n[14:], it.phoneIndex, nullBytes(it.phoneEnc), maskPhone(rec.Phone),
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

// diff returns the update a row makes to a registered person (its
// non-empty values), nil when nothing differs.
func (ap *applier) diff(ex *existing, it *item, hh *hhState, relation string) *update {
	rec := &it.res.Record
	nw := *ex
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	nw.name, nw.eth = rec.Name, rec.Ethnicity
	if nw.name != ex.name {
		nw.pinyin, nw.initials = it.pinyin, it.initials
	}
	if rec.OrgID != ex.org {
		// Another committee: the old building group does not belong to it.
		nw.org, nw.bg = rec.OrgID, rec.BuildingGroupID
	} else if rec.BuildingGroupID != 0 {
		nw.bg = rec.BuildingGroupID
	}
	if rec.Kind != 0 {
		nw.kind = rec.Kind
	}
	set(&nw.cur, rec.CurrentAddr)
	set(&nw.reg, rec.RegisteredAddr)
	set(&nw.work, rec.Workplace)
	if rec.HasWorkplace {
		nw.wk = rec.WorkplaceKind
	}
	set(&nw.edu, rec.Education)
	set(&nw.pol, rec.Political)
	if rec.HasTags {
		nw.tags = rec.Tags
	}
	set(&nw.note, rec.Note)
	set(&nw.arrival, rec.Arrival)
	set(&nw.permit, rec.PermitExpiry)
	if hh != nil {
		nw.hh = hh.id // 0 for a household not inserted yet: compared below
		set(&nw.relation, relation)
	}
	phone := rec.Phone != "" && it.phoneIndex != ex.phoneIndex
	if phone {
		nw.phoneIndex = it.phoneIndex
	}
	hhChange := hh != nil && (hh.fresh || hh.id != ex.hh)
	if !phone && !hhChange && nw == *ex {
		return nil
	}
	return &update{it: it, old: ex, nw: nw, phone: phone, moved: nw.org != ex.org, hhChange: hhChange}
}

// applyUpdate writes an update.
func (ap *applier) applyUpdate(ctx context.Context, u *update) error {
	nw, old := &u.nw, u.old
	hid := old.hh
	if hh := u.it.hh; hh != nil {
		hid = hh.id
	}
	if u.moved {
		ap.events = append(ap.events, eventRow{person: old.id, kind: "moved", from: old.org, to: nw.org, note: ap.rep.File})
	}
	if hid != old.hh {
		ap.events = append(ap.events, eventRow{person: old.id, kind: "household", note: nw.relation})
		if old.hh != 0 {
			// Leaving a household it headed leaves it without a head.
			if err := ap.exec(ctx, `UPDATE households SET head_person_id = NULL WHERE id = ? AND head_person_id = ?`, old.hh, old.id); err != nil {
				return err
			}
			for _, h := range ap.households {
				if h.id == old.hh && h.head == old.id {
					h.head = 0
				}
			}
		}
	}
	if ap.tx == nil {
		return nil
	}
	q := `UPDATE persons SET org_id = ?, building_group_id = ?, household_id = ?, relation = ?, name = ?, pinyin = ?, initials = ?,
		ethnicity = ?, kind = ?, current_address = ?, registered_address = ?, workplace = ?, workplace_kind = ?, education = ?,
		political_status = ?, tags = ?, note = ?, arrival_date = ?, permit_expiry = ?, version = version + 1, updated_at = ?`
	args := []any{nw.org, nullID(nw.bg), nullID(hid), nw.relation, nw.name, nw.pinyin, nw.initials, nw.eth, nw.kind, nw.cur, nw.reg, nw.work,
		nw.wk, nw.edu, nw.pol, nw.tags, nw.note, nw.arrival, nw.permit, ap.now}
	if u.phone {
		q += `, phone_index = ?, phone_enc = ?, phone_masked = ?`
		args = append(args, u.it.phoneIndex, u.it.phoneEnc, maskPhone(u.it.res.Record.Phone))
	}
	q += ` WHERE id = ?`
	if err := ap.exec(ctx, q, append(args, old.id)...); err != nil {
		return fmt.Errorf("update person: %w", err)
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
				args = append(args, e.person, e.kind, ap.today, nullID(e.from), nullID(e.to), e.note, uid, who.Username, ap.now)
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
			ap.today, ap.rep.File, nullID(who.UserID), who.Username, ap.now, ap.existing); err != nil {
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

// bulkMinRows: the indexes are dropped when the file looks like bringing
// at least this many new persons, and more than are registered already
// (a variable for tests).
var bulkMinRows = 50_000

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
	if estNew < float64(bulkMinRows) || estNew < float64(ap.existing) {
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
	if onBulk != nil {
		onBulk()
	}
	// The cache then holds households and the end of the table.
	return ap.exec(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", importBulkCacheKiB))
}

// onBulk, set by tests, is called when an import drops the indexes.
var onBulk func()

// ExportRoster writes the persons a filter selects in the actor's scope
// (all of them: Limit and Offset are ignored) as an xlsx in the import
// template's layout, so that export → edit → import round-trips. ID
// numbers and phones are masked unless reveal is set (the caller decides
// from auth.PersonReveal; the command line may); every cell is text, and
// values that would run as formulas are prefixed with an apostrophe. One
// audit record notes the count and whether full values were included; it
// is written before the workbook. a is nil for the command line (the
// whole registry). It returns the number of persons written.
func (s *Service) ExportRoster(ctx context.Context, a *auth.Actor, f Filter, reveal bool, w io.Writer) (int, error) {
	scoped := a
	if scoped == nil {
		scoped = &auth.Actor{OrgPath: "/"}
	}
	labels, err := s.rosterPlaces(ctx, a, true)
	if err != nil {
		return 0, err
	}
	committees := map[int64]roster.Unit{}
	for _, c := range labels.Committees() {
		committees[c.ID] = c
	}
	groups, err := s.groupUnits(ctx)
	if err != nil {
		return 0, err
	}
	where, args, qkind := s.where(scoped, f)
	order := map[string]string{"name": "p.pinyin, p.id", "birth": "p.birth_date, p.id", "updated": "p.updated_at DESC, p.id DESC",
		"permit": "p.permit_expiry, p.id", "leave": "p.expected_leave_date, p.id"}[f.Sort]
	if order == "" {
		order = "o.path, COALESCE(h.code, ''), p.id"
	}
	rows, err := s.DB.Query(ctx, `SELECT p.org_id, COALESCE(p.building_group_id, 0), COALESCE(h.code, ''), p.relation, p.name, p.id_masked, p.id_enc,
		p.phone_masked, p.phone_enc, p.ethnicity, p.sex, p.birth_date, p.kind, p.current_address, p.registered_address, p.workplace,
		p.workplace_kind, p.education, p.political_status, p.tags, p.note, p.arrival_date, p.permit_expiry`+personFrom+where+` ORDER BY `+order, args...)
	if err != nil {
		return 0, fmt.Errorf("export persons: %w", err)
	}
	defer rows.Close()
	exp, err := roster.NewExport()
	if err != nil {
		return 0, err
	}
	defer exp.Close()
	for rows.Next() {
		var (
			org, bg                  int64
			r                        roster.ExportRow
			idEnc, phoneEnc          []byte
			sex, kind, wk, tags      int
			eth                      string
			idMasked, phoneMasked    string
			household, relation, bth string
		)
		if err := rows.Scan(&org, &bg, &household, &relation, &r[roster.FName], &idMasked, &idEnc, &phoneMasked, &phoneEnc, &eth, &sex, &bth,
			&kind, &r[roster.FCurrentAddr], &r[roster.FRegisteredAddr], &r[roster.FWorkplace], &wk, &r[roster.FEducation],
			&r[roster.FPolitical], &tags, &r[roster.FNote], &r[roster.FArrival], &r[roster.FPermitExpiry]); err != nil {
			return 0, err
		}
		r[roster.FID], r[roster.FPhone] = idMasked, phoneMasked
		if reveal {
			if r[roster.FID], err = secret.OpenField(s.Keys, adID, idEnc); err != nil {
				return 0, fmt.Errorf("open an ID number: %w", err)
			}
			if r[roster.FPhone], err = secret.OpenField(s.Keys, adPhone, phoneEnc); err != nil {
				return 0, fmt.Errorf("open a phone: %w", err)
			}
		}
		if e, ok := ref.EthnicityByCode(eth); ok {
			r[roster.FEthnicity] = e.Name
		}
		r[roster.FSex], r[roster.FBirth], r[roster.FKind] = roster.SexName(sex), bth, roster.KindName(kind)
		if c, ok := committees[org]; ok {
			r[roster.FCommittee] = labels.CommitteeLabel(c)
		}
		if g, ok := groups[bg]; ok {
			r[roster.FBuildingGroup] = labels.GroupLabel(g)
		}
		switch WorkplaceKind(wk) {
		case WorkLocalUnit:
			r[roster.FWorkplaceKind] = "社区单位"
		case WorkNewOrg:
			r[roster.FWorkplaceKind] = "两新组织"
		}
		r[roster.FTags] = strings.Join(Tags(tags).Names(), "、")
		if household != "" {
			r[roster.FHousehold], r[roster.FRelation] = household, relation
		}
		if err := exp.Add(r); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	detail := map[string]any{"rows": exp.Len(), "full": reveal}
	if f.OrgID != 0 {
		detail["org_id"] = f.OrgID
	}
	if qkind != QNone {
		detail["query"] = string(qkind) // never the search text: it may be an ID number
	}
	if f.Ethnicity != "" {
		detail["ethnicity"] = f.Ethnicity
	}
	if f.Tags != 0 {
		detail["tags"] = int(f.Tags)
	}
	if f.Kind != 0 {
		detail["kind"] = int(f.Kind)
	}
	if f.Status != "" {
		detail["status"] = f.Status
	}
	if err := audit.Write(ctx, s.DB, audit.Entry{Who: a.Who(), Action: audit.ActionExport, Entity: "person", Detail: detail}); err != nil {
		return 0, err
	}
	if _, err := exp.WriteTo(w); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	return exp.Len(), nil
}

// groupUnits returns every active building group by id.
func (s *Service) groupUnits(ctx context.Context) (map[int64]roster.Unit, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, code, name, COALESCE(parent_id, 0) FROM org_units WHERE kind = 'building_group' AND archived = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]roster.Unit{}
	for rows.Next() {
		var u roster.Unit
		if err := rows.Scan(&u.ID, &u.Code, &u.Name, &u.Parent); err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// String renders the counts for logs and the command line.
func (r *ImportSummary) String() string {
	return strconv.Itoa(r.Rows) + " rows, " + strconv.Itoa(r.Imported) + " imported, " + strconv.Itoa(r.Updated) + " updated, " +
		strconv.Itoa(r.Unchanged) + " unchanged, " + strconv.Itoa(r.Rejected) + " rejected, " + strconv.Itoa(r.Warnings) + " warnings"
}
