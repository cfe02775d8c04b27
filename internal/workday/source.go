package workday

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
)

// DefaultMaxAge is how long Source keeps a loaded calendar when MaxAge is
// zero: changes made by another instance (or the command line) on the same
// database show within this time.
const DefaultMaxAge = 5 * time.Minute

// Source caches the calendar of a database. Changes made through the Source
// (Set, Delete, ImportYear, Seed) drop the cache at once; changes made
// elsewhere are seen once the cached calendar is older than MaxAge. Create
// one per process: &Source{DB: d}. Safe for concurrent use.
type Source struct {
	DB *db.DB
	// MaxAge bounds the age of the cached calendar; zero means
	// DefaultMaxAge.
	MaxAge time.Duration

	mu  sync.Mutex // serialises loads and invalidation
	cur atomic.Pointer[snapshot]
}

type snapshot struct {
	cal *Calendar
	at  time.Time
}

func (s *Source) fresh(sn *snapshot) bool {
	maxAge := s.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	return sn != nil && time.Since(sn.at) < maxAge
}

// Calendar returns the cached calendar, loading it when there is none or it
// is older than MaxAge. When a reload for age fails, the previous calendar
// is returned (deadlines a few minutes stale beat no deadlines); with no
// calendar to fall back on, the error is returned.
func (s *Source) Calendar(ctx context.Context) (*Calendar, error) {
	if sn := s.cur.Load(); s.fresh(sn) {
		return sn.cal, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := s.cur.Load()
	if s.fresh(sn) {
		return sn.cal, nil // loaded by another caller meanwhile
	}
	cal, err := Load(ctx, s.DB)
	if err != nil {
		if sn != nil {
			return sn.cal, nil
		}
		return nil, err
	}
	s.cur.Store(&snapshot{cal: cal, at: time.Now()})
	return cal, nil
}

// Invalidate drops the cached calendar: the next Calendar call reloads.
// A load in progress finishes first, so that its result, read before the
// change, is dropped too.
func (s *Source) Invalidate() {
	s.mu.Lock()
	s.cur.Store(nil)
	s.mu.Unlock()
}

// Set is Set on s.DB, then Invalidate.
func (s *Source) Set(ctx context.Context, a *auth.Actor, e Entry) error {
	defer s.Invalidate()
	return Set(ctx, s.DB, a, e)
}

// Delete is Delete on s.DB, then Invalidate.
func (s *Source) Delete(ctx context.Context, a *auth.Actor, date string) error {
	defer s.Invalidate()
	return Delete(ctx, s.DB, a, date)
}

// ImportYear is ImportYear on s.DB, then Invalidate.
func (s *Source) ImportYear(ctx context.Context, a *auth.Actor, year int) (int, error) {
	defer s.Invalidate()
	return ImportYear(ctx, s.DB, a, year)
}

// Seed is Seed on s.DB, then Invalidate.
func (s *Source) Seed(ctx context.Context) error {
	defer s.Invalidate()
	return Seed(ctx, s.DB)
}
