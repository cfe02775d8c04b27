package people

// The import is a pipeline: one goroutine reads the file, GOMAXPROCS
// workers check, normalise and seal the rows (ID number and phone), and
// the calling goroutine applies them in file order: duplicates within the
// file, a lookup of 500 ID numbers at a time, multi-row INSERTs of new
// persons and households, UPDATEs of changed ones. Nothing is written in a
// dry run; otherwise everything, with one audit record, commits at the end
// or not at all.

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"

	"shiliu/internal/db"
	"shiliu/internal/people/roster"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

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

// errInjected is the failure ImportOptions.failAfter injects.
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
			if ap.opts.failAfter > 0 && ap.rep.Rows >= ap.opts.failAfter {
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
