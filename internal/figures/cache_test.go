package figures_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/figures"
	"shiliu/internal/fixture"
	"shiliu/internal/people"
)

// A slow computation is kept for the pages and says when it was computed;
// a new resident is not in it until it is computed again (asked for, or
// after the TTL); a fast one is never kept; Compute never reads the cache.
func TestCache(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := people.New(d, fixture.Keys(t))
		tr := fixture.NewTree(t, d)
		st := fixture.NewStaff(t, d, tr)
		n := 0
		person := func() {
			t.Helper()
			n++
			if _, err := reg.Create(ctx, auth.System("test"), people.Input{Name: fmt.Sprintf("居民%d", n), IDNumber: fixture.ID(t, "640104", fmt.Sprintf("1980%02d%02d", n, n), fmt.Sprintf("%03d", n*2+1)),
				Ethnicity: "03", Kind: people.Registered, OrgID: tr.A.ID}); err != nil {
				t.Fatal(err)
			}
		}
		person()
		// a clock that moves a second at every reading: every computation
		// "takes" at least a second
		var mu sync.Mutex
		clock := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
		fs := figures.New(d)
		fs.Now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		}
		fs.Cache = &figures.Cache{TTL: time.Hour}
		p := figures.Year(2026)
		get := func(fresh bool) (float64, figures.Computed) {
			t.Helper()
			vals, c, err := fs.Latest(ctx, st.Admin, tr.Sub.ID, p, fresh, "minority_registered")
			if err != nil {
				t.Fatal(err)
			}
			return vals["minority_registered"].Number, c
		}
		if v, c := get(false); v != 1 || c.Cached() {
			t.Fatalf("the first computation: %v, cached %v", v, c.Cached())
		}
		person()
		v, c := get(false)
		if v != 1 || !c.Cached() || !c.At.Before(clock) {
			t.Errorf("kept: %v, cached %v at %v", v, c.Cached(), c.At)
		}
		if all, _ := fs.Compute(ctx, st.Admin, tr.Sub.ID, p); all["minority_registered"].Number != 2 {
			t.Errorf("Compute read the cache: %v", all["minority_registered"].Number)
		}
		if v, c := get(true); v != 2 || c.Cached() {
			t.Errorf("computed again: %v, cached %v", v, c.Cached())
		}
		// after the TTL
		person()
		mu.Lock()
		clock = clock.Add(2 * time.Hour)
		mu.Unlock()
		if v, c := get(false); v != 3 || c.Cached() {
			t.Errorf("after the TTL: %v, cached %v", v, c.Cached())
		}
		// a refresh, between half the TTL and the TTL, brings the new
		// resident in without a user waiting for it
		person()
		mu.Lock()
		clock = clock.Add(40 * time.Minute)
		mu.Unlock()
		fs.Cache.Refresh(ctx, fs.Now)
		if v, c := get(false); v != 4 || !c.Cached() {
			t.Errorf("after a refresh: %v, cached %v", v, c.Cached())
		}
		// a staff of committee A may not read the subdistrict's kept figures
		if _, _, err := fs.Latest(ctx, st.StaffA, tr.Sub.ID, p, false, "minority_registered"); err == nil {
			t.Errorf("the cache served a unit outside the actor's scope")
		}

		// fast computations are not kept
		fast := figures.New(d)
		fast.Cache = &figures.Cache{TTL: time.Hour, Slow: time.Hour}
		if _, c, _ := fast.Latest(ctx, st.Admin, tr.Sub.ID, p, false); c.Cached() {
			t.Errorf("a first computation cached")
		}
		person()
		vals, c, err := fast.Latest(ctx, st.Admin, tr.Sub.ID, p, false)
		if err != nil || c.Cached() || vals["minority_registered"].Number != 5 {
			t.Errorf("a fast computation was kept: %v %v", vals["minority_registered"].Number, c.Cached())
		}
	})
}
