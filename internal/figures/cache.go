package figures

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"shiliu/internal/auth"
)

// Cache keeps, for the pages, the figures of a unit and period whose
// computation was slow — a district's over a million persons — so the
// next visitors get them at once; each page says when they were computed
// and offers to compute them again. Fast computations (a committee's, a
// subdistrict's) are never kept: they are always live. An approval, the
// command line and the record lists never read the cache.
//
// The figures do not depend on who asks (scope is checked before, and
// suppression applied after), so one entry serves every user allowed to
// see the unit.
type Cache struct {
	// TTL is how long a computation is shown (default 10 minutes).
	TTL time.Duration
	// Slow is the computation time from which it is kept (default 300 ms).
	Slow time.Duration
	// Max is the number of entries kept (default 200), the oldest dropped.
	Max int

	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	done chan struct{} // closed when computed
	// compute computes the entry (again, for Refresh); readAt is when it
	// was last shown
	compute  func(ctx context.Context, e *cacheEntry)
	readAt   time.Time
	at       time.Time
	vals     map[string]Value
	children []Child
	err      error
}

func (c *Cache) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return 10 * time.Minute
}

func (c *Cache) slow() time.Duration {
	if c.Slow > 0 {
		return c.Slow
	}
	return 300 * time.Millisecond
}

// get returns the entry of key computed by compute: a kept one younger
// than TTL (unless fresh), the one being computed by another request, or
// a new computation; cached says it comes from before this request (its
// at is then when it was computed).
func (c *Cache) get(ctx context.Context, key string, fresh bool, now func() time.Time, compute func(ctx context.Context, e *cacheEntry)) (e *cacheEntry, cached bool) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*cacheEntry{}
	}
	if old, ok := c.entries[key]; ok && !fresh {
		select {
		case <-old.done:
			if t := now(); old.err == nil && t.Sub(old.at) < c.ttl() {
				old.readAt = t
				c.mu.Unlock()
				return old, true
			}
		default:
			// another request computes it: wait for that one
			c.mu.Unlock()
			<-old.done
			return old, false
		}
	}
	e = &cacheEntry{done: make(chan struct{}), compute: compute}
	c.entries[key] = e
	c.mu.Unlock()

	start := now()
	compute(ctx, e)
	e.at, e.readAt = start, start
	took := now().Sub(start)
	close(e.done)

	c.mu.Lock()
	if e.err != nil || took < c.slow() {
		if c.entries[key] == e {
			delete(c.entries, key)
		}
	} else if max := c.max(); len(c.entries) > max {
		c.dropOldest()
	}
	c.mu.Unlock()
	return e, false
}

func (c *Cache) max() int {
	if c.Max > 0 {
		return c.Max
	}
	return 200
}

// dropOldest removes the oldest computed entry (c.mu held).
func (c *Cache) dropOldest() {
	var oldest string
	var at time.Time
	for k, e := range c.entries {
		select {
		case <-e.done:
			if oldest == "" || e.at.Before(at) {
				oldest, at = k, e.at
			}
		default:
		}
	}
	if oldest != "" {
		delete(c.entries, oldest)
	}
}

// Refresh computes again the kept entries older than half the TTL that
// were shown in the last three TTLs (and drops the others), so that a
// district's figures, once asked for, stay at most a few minutes old and
// are never computed while a user waits. Run calls it every minute.
func (c *Cache) Refresh(ctx context.Context, now func() time.Time) {
	c.mu.Lock()
	var due []string
	t := now()
	for k, e := range c.entries {
		select {
		case <-e.done:
		default:
			continue
		}
		switch {
		case t.Sub(e.readAt) > 3*c.ttl():
			delete(c.entries, k)
		case e.err == nil && t.Sub(e.at) > c.ttl()/2:
			due = append(due, k)
		}
	}
	c.mu.Unlock()
	for _, k := range due {
		c.mu.Lock()
		old := c.entries[k]
		var readAt time.Time
		if old != nil {
			readAt = old.readAt
		}
		c.mu.Unlock()
		if old == nil {
			continue
		}
		e := &cacheEntry{done: make(chan struct{}), compute: old.compute, readAt: readAt}
		start := now()
		e.compute(ctx, e)
		e.at = start
		close(e.done)
		if e.err != nil {
			continue
		}
		c.mu.Lock()
		if c.entries[k] == old {
			e.readAt = old.readAt // shown meanwhile
			c.entries[k] = e
		}
		c.mu.Unlock()
	}
}

// Run refreshes the cache every minute until ctx ends.
func (c *Cache) Run(ctx context.Context, now func() time.Time) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Refresh(ctx, now)
		}
	}
}

// Computed says when figures shown from the cache were computed; zero
// when they are live.
type Computed struct {
	At time.Time
}

// Cached reports whether the figures come from the cache.
func (c Computed) Cached() bool { return !c.At.IsZero() }

// Oldest is the earliest of the kept computations among cs (zero when all
// are live): what a page showing them all says.
func Oldest(cs ...Computed) Computed {
	var o Computed
	for _, c := range cs {
		if c.Cached() && (!o.Cached() || c.At.Before(o.At)) {
			o = c
		}
	}
	return o
}

func cacheKey(kind string, unitID int64, p Period, today string, ids []string) string {
	return fmt.Sprintf("%s|%d|%s|%s|%d|%s|%s", kind, unitID, p.From, p.To, p.Year, today, strings.Join(ids, ","))
}

// latest checks that the actor may see the unit's figures, then gives
// the entry of kind computed by compute for the unit's query: kept, or
// computed now (Computed zero).
func (s *Service) latest(ctx context.Context, a *auth.Actor, kind string, unitID int64, p Period, fresh bool, ids []string,
	compute func(ctx context.Context, q Query, e *cacheEntry)) (*cacheEntry, Computed, error) {
	if err := a.Require(auth.FigureView); err != nil {
		return nil, Computed{}, err
	}
	q, err := s.query(ctx, a, unitID, p)
	if err != nil {
		return nil, Computed{}, err
	}
	// (computed for q, whose scope the actor's was checked against: the
	// figures do not depend on who asks, and a refresh has no one asking)
	run := func(ctx context.Context, e *cacheEntry) { compute(ctx, q, e) }
	if s.Cache == nil {
		e := &cacheEntry{}
		run(ctx, e)
		return e, Computed{}, e.err
	}
	e, cached := s.Cache.get(ctx, cacheKey(kind, unitID, p, q.Today, ids), fresh, s.Now, run)
	if cached {
		return e, Computed{At: e.at}, e.err
	}
	return e, Computed{}, e.err
}

// Latest is Some (every indicator when ids is empty) for the pages: live,
// or when the computation is slow, the last one of the TTL — Computed
// says which. fresh computes again whatever is kept.
func (s *Service) Latest(ctx context.Context, a *auth.Actor, unitID int64, p Period, fresh bool, ids ...string) (map[string]Value, Computed, error) {
	e, c, err := s.latest(ctx, a, "v", unitID, p, fresh, ids, func(ctx context.Context, q Query, e *cacheEntry) {
		if len(ids) == 0 {
			e.vals, e.err = s.computeQ(ctx, q)
		} else {
			e.vals, e.err = s.some(ctx, q, ids)
		}
	})
	if err != nil {
		return nil, Computed{}, err
	}
	return e.vals, c, nil
}

// LatestChildren is Children for the pages, kept as Latest keeps figures.
func (s *Service) LatestChildren(ctx context.Context, a *auth.Actor, unitID int64, p Period, fresh bool, ids ...string) ([]Child, Computed, error) {
	e, c, err := s.latest(ctx, a, "c", unitID, p, fresh, ids, func(ctx context.Context, _ Query, e *cacheEntry) {
		e.children, e.err = s.Children(ctx, auth.System("figures"), unitID, p, ids...)
	})
	if err != nil {
		return nil, Computed{}, err
	}
	return e.children, c, nil
}
