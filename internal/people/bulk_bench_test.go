package people

// Benchmarks of the roster import (issue 3, "Speed and size"): a
// 1,000,000-row CSV and a 100,000-row xlsx into a fresh SQLite database.
// Run them explicitly:
//
//	go test ./internal/people -run '^$' -bench 'ImportCSV1M|ImportXLSX100k' -benchtime 1x
//
// Each reports rows/s, the seconds of one import and the process's peak RSS
// during it (VmHWM, reset before the import).

import (
	"context"
	"os"
	"path/filepath"
	"shiliu/internal/auth"
	"strconv"
	"strings"
	"testing"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/org"
	"shiliu/internal/people/roster/rostertest"
	"shiliu/internal/secret"
)

// peakRSS returns VmHWM in MiB, 0 where /proc is missing.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// resetPeakRSS resets VmHWM to the current RSS (Linux ≥ 4.0).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func benchImport(b *testing.B, rows int, xlsx bool) { benchImportOn(b, rows, xlsx, false) }

func benchImportOn(b *testing.B, rows int, xlsx, pg bool) {
	dir := b.TempDir()
	tree := rostertest.DefaultTree(24, 8)
	opts := rostertest.Options{Seed: 1, Rows: rows, Committees: tree.Committees, ErrorRate: 0.002}
	name := filepath.Join(dir, "roster.csv")
	if xlsx {
		name = filepath.Join(dir, "roster.xlsx")
	}
	out, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	if xlsx {
		err = rostertest.WriteXLSX(out, opts)
	} else {
		err = rostertest.WriteCSV(out, opts, true)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(name)
	b.Logf("%s: %d rows, %.1f MB", filepath.Base(name), rows, float64(st.Size())/1e6)
	keys, err := secret.LoadOrCreate(dir, secret.SM4)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var total time.Duration
	var peak float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dbDir := filepath.Join(dir, strconv.Itoa(i))
		if err := os.MkdirAll(dbDir, 0o700); err != nil {
			b.Fatal(err)
		}
		var d *db.DB
		if pg {
			d = dbtest.Postgres(b)
		} else {
			d, err = db.Open(ctx, "", dbDir)
			if err == nil {
				_, err = d.Migrate(ctx)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if err := tree.Create(ctx, &org.Service{DB: d}); err != nil {
			b.Fatal(err)
		}
		s := New(d, keys)
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		resetPeakRSS()
		start := time.Now()
		b.StartTimer()
		rep, err := s.ImportRoster(ctx, auth.System("test"), name, f, st.Size(), ImportOptions{})
		b.StopTimer()
		total += time.Since(start)
		peak = max(peak, peakRSS())
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s", summary(rep))
		rep.Close()
		d.Close()
		os.RemoveAll(dbDir)
	}
	secs := total.Seconds() / float64(b.N)
	b.ReportMetric(float64(rows)/secs, "rows/s")
	b.ReportMetric(secs, "s/import")
	b.ReportMetric(peak, "peakRSS-MiB")
}

func BenchmarkImportCSV1M(b *testing.B)    { benchImport(b, 1_000_000, false) }
func BenchmarkImportXLSX100k(b *testing.B) { benchImport(b, 100_000, true) }
func BenchmarkImportCSV100k(b *testing.B)  { benchImport(b, 100_000, false) }
func BenchmarkImportXLSX10k(b *testing.B)  { benchImport(b, 10_000, true) }

// BenchmarkImportCSV100kPostgres runs on the test PostgreSQL (see dbtest).
func BenchmarkImportCSV100kPostgres(b *testing.B) { benchImportOn(b, 100_000, false, true) }
