package bench

import (
	"context"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"shiliu/internal/auth"
)

// The environment is generated once per process and shared by every
// sub-benchmark (and every b.N round): a million persons take minutes.
var (
	envOnce sync.Once
	envErr  error
	env     *Env
)

func sharedEnv(b *testing.B) *Env {
	envOnce.Do(func() {
		// The bench's district account is hashed once; no need for 64 MiB.
		cfg := Config{ArgonMemoryKiB: auth.TestArgon2().MemoryKiB, Persons: 1_000_000, DSN: os.Getenv("SHILIU_BENCH_DSN"), DataDir: os.Getenv("SHILIU_BENCH_DATA"), Progress: os.Stderr}
		if v := os.Getenv("SHILIU_BENCH_PERSONS"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				envErr = err
				return
			}
			cfg.Persons = n
		}
		if v := os.Getenv("SHILIU_BENCH_SUBDISTRICTS"); v != "" {
			cfg.Subdistricts, _ = strconv.Atoi(v)
		}
		env, envErr = Start(context.Background(), cfg)
	})
	if envErr != nil {
		b.Fatal(envErr)
	}
	return env
}

// BenchmarkSearch1M measures each search kind through HTTP, as `shiliu
// bench` does, for the subdistrict and the district administrator, and
// reports the median and 99th percentile of the requests of the run.
//
//	go test ./internal/bench -run '^$' -bench Search1M -benchtime 300x
//
// Environment: SHILIU_BENCH_PERSONS (default 1,000,000),
// SHILIU_BENCH_SUBDISTRICTS (default: one per 4,000 persons),
// SHILIU_BENCH_DSN (default SQLite), SHILIU_BENCH_DATA (a data directory to
// keep and reuse; default a temporary one).
func BenchmarkSearch1M(b *testing.B) {
	e := sharedEnv(b)
	b.Logf("%s, %d persons, database %.0f MB, generated in %v", e.Engine, e.Persons, float64(e.DBBytes)/(1<<20), e.GenTime.Round(time.Millisecond))
	for ui, u := range e.Users {
		for _, kind := range Kinds {
			b.Run(userKey(ui)+"/"+kind, func(b *testing.B) {
				r := rand.New(rand.NewPCG(uint64(ui), uint64(len(kind))))
				qs := e.Queries(r, u, kind, 1000)
				ctx := context.Background()
				var lat []time.Duration
				for i := 0; b.Loop(); i++ {
					q := qs[i%len(qs)]
					start := time.Now()
					if _, _, err := e.get(ctx, u, e.Endpoint, q); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				median, p99, _, _ := Percentiles(lat)
				b.ReportMetric(float64(median.Microseconds())/1000, "median-ms")
				b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			})
		}
	}
}

func userKey(i int) string {
	if i == 0 {
		return "subdistrict"
	}
	return "district"
}

// TestMain closes the shared environment (server, database, temporary
// directory) after the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if env != nil {
		env.Close()
	}
	os.Exit(code)
}

// TestQueries checks the drawn queries on a small district: every kind
// answers, hits mostly hit, and the endpoint sees the user's scope only.
func TestQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a district")
	}
	e, err := Start(context.Background(), Config{ArgonMemoryKiB: auth.TestArgon2().MemoryKiB, Persons: 2000, Subdistricts: 2, CommitteesPerSubdistrict: 3, Requests: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Persons != 2000 || len(e.Users) != 2 {
		t.Fatalf("%d persons, %d users", e.Persons, len(e.Users))
	}
	results := e.RunAll(context.Background())
	if len(results) != len(Kinds)*2 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if r.Errors > 0 || r.N != 20 {
			t.Errorf("%s %s: %d requests, %d errors", r.User, r.Kind, r.N, r.Errors)
		}
		switch r.Kind {
		case "id", "phone", "pinyin", "tag", "committee", "kind":
			if r.ZeroHits > 0.5 {
				t.Errorf("%s %s: %.0f%% found nothing", r.User, r.Kind, 100*r.ZeroHits)
			}
		}
	}
	// The subdistrict administrator sees fewer persons than the district's.
	sd, root := e.Users[0], e.Users[1]
	_, a, err := e.get(context.Background(), sd, e.Endpoint, url.Values{"kind": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := e.get(context.Background(), root, e.Endpoint, url.Values{"kind": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	if a == 0 || a >= b {
		t.Errorf("kind 1: the subdistrict sees %d, the district %d", a, b)
	}
}
