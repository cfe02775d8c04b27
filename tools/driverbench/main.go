// Command driverbench compares SQLite drivers for Shiliu on a realistic
// resident-registry workload (a wide `persons` table with several indexes).
//
// It runs one driver per process invocation so that peak RSS (VmHWM) is
// attributable to that driver:
//
//	driverbench -driver=modernc -json=modernc.json
//	driverbench -driver=mattn   -json=mattn.json
//	driverbench -report modernc.json mattn.json
//
// See run.sh for the full build-and-compare procedure.
//
// This is a separate Go module (shiliu/tools/driverbench) so that the main
// shiliu module does not pick up either driver as a dependency.
package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// driverInfo describes a registered driver. Entries are added by the
// build-tagged files driver_modernc.go and driver_mattn.go, so single-driver
// binaries can be built (-tags nomattn / -tags nomodernc) for size comparison.
type driverInfo struct {
	sqlName string                   // name passed to sql.Open
	module  string                   // module@version, for the report
	dsn     func(path string) string // DSN with the four PRAGMAs applied
}

var drivers = map[string]driverInfo{}

// Result is what one driver run produces; it is written as JSON and later
// merged into a table by -report.
type Result struct {
	Driver        string `json:"driver"`
	Module        string `json:"module"`
	SQLiteVersion string `json:"sqlite_version"`
	GoVersion     string `json:"go_version"`
	Rows          int    `json:"rows"`
	BatchSize     int    `json:"batch_size"`
	Pragmas       string `json:"pragmas"` // read back from the connection

	InsertSeconds    float64 `json:"insert_seconds"` // DB time only (generation excluded)
	InsertRowsPerSec float64 `json:"insert_rows_per_sec"`

	LookupN        int     `json:"lookup_n"`
	LookupMedianUS float64 `json:"lookup_median_us"`
	LookupP99US    float64 `json:"lookup_p99_us"`
	LookupHits     int     `json:"lookup_hits"`

	RangeN        int     `json:"range_n"`
	RangeMedianUS float64 `json:"range_median_us"`
	RangeP99US    float64 `json:"range_p99_us"`
	RangeRows     int     `json:"range_rows_returned"`

	GroupScanSeconds     float64 `json:"group_scan_seconds"` // median of runs, no covering index
	CreateCoverIdxSecond float64 `json:"create_cover_idx_seconds"`
	GroupCoverSeconds    float64 `json:"group_cover_seconds"` // median of runs, covering index
	GroupDigest          string  `json:"group_digest"`

	Plans map[string]string `json:"plans"`

	DBBytes   int64   `json:"db_bytes"` // main file + -wal after the run
	VmHWMKB   int64   `json:"vmhwm_kb"` // peak RSS, read at the end of the run
	VmRSSKB   int64   `json:"vmrss_kb"`
	WallTotal float64 `json:"wall_total_seconds"`
}

func main() {
	var (
		driver   = flag.String("driver", "", "modernc | mattn")
		rows     = flag.Int("rows", 1_000_000, "rows to insert")
		batch    = flag.Int("batch", 10_000, "rows per transaction")
		lookups  = flag.Int("lookups", 20_000, "random id_hash point lookups")
		ranges   = flag.Int("ranges", 20_000, "pinyin range (prefix) queries")
		groupRep = flag.Int("group-runs", 3, "repetitions of each GROUP BY query (median reported)")
		cacheMiB = flag.Int("cache-mib", 0, "if > 0, PRAGMA cache_size=-N*1024 (default: SQLite's ~2 MiB)")
		seed     = flag.Uint64("seed", 20240601, "data seed")
		dir      = flag.String("dir", "", "directory for the database file (default: new temp dir, removed afterwards)")
		jsonOut  = flag.String("json", "", "write result JSON to this file")
		report   = flag.Bool("report", false, "print a comparison table from the JSON files given as arguments")
	)
	flag.Parse()

	if *report {
		if err := printReport(flag.Args()); err != nil {
			fatal(err)
		}
		return
	}

	info, ok := drivers[*driver]
	if !ok {
		var names []string
		for n := range drivers {
			names = append(names, n)
		}
		slices.Sort(names)
		fatal(fmt.Errorf("unknown -driver=%q; linked into this binary: %s", *driver, strings.Join(names, ", ")))
	}

	workDir := *dir
	if workDir == "" {
		d, err := os.MkdirTemp("", "driverbench-"+*driver+"-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		workDir = d
	}
	path := filepath.Join(workDir, "bench-"+*driver+".db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}

	res, err := run(*driver, info, path, cfg{
		rows: *rows, batch: *batch, lookups: *lookups, ranges: *ranges,
		groupRuns: *groupRep, seed: *seed, cacheMiB: *cacheMiB,
	})
	if err != nil {
		fatal(err)
	}

	out, _ := json.MarshalIndent(res, "", "  ")
	if *jsonOut != "" {
		if err := os.WriteFile(*jsonOut, append(out, '\n'), 0o644); err != nil {
			fatal(err)
		}
	} else {
		fmt.Println(string(out))
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "driverbench:", err)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "  "+format+"\n", args...)
}

type cfg struct {
	rows, batch, lookups, ranges, groupRuns int
	cacheMiB                                int
	seed                                    uint64
}

const schema = `
CREATE TABLE persons (
	id              INTEGER PRIMARY KEY,
	org_id          INTEGER NOT NULL,
	name            TEXT    NOT NULL,
	pinyin          TEXT    NOT NULL,
	pinyin_initials TEXT    NOT NULL,
	ethnicity       TEXT    NOT NULL,
	sex             INTEGER NOT NULL,
	birth_date      TEXT    NOT NULL,
	kind            INTEGER NOT NULL,
	id_hash         BLOB    NOT NULL,
	id_enc          BLOB    NOT NULL,
	tags            INTEGER NOT NULL,
	updated_at      TEXT    NOT NULL
);
CREATE INDEX idx_persons_org_id          ON persons(org_id);
CREATE INDEX idx_persons_id_hash         ON persons(id_hash);
CREATE INDEX idx_persons_pinyin          ON persons(pinyin);
CREATE INDEX idx_persons_pinyin_initials ON persons(pinyin_initials);
CREATE INDEX idx_persons_name            ON persons(name);
`

const (
	insertSQL = `INSERT INTO persons (id, org_id, name, pinyin, pinyin_initials, ethnicity, sex,
	birth_date, kind, id_hash, id_enc, tags, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`
	lookupSQL = `SELECT id, org_id, name, pinyin, pinyin_initials, ethnicity, sex, birth_date, kind,
	id_hash, id_enc, tags, updated_at FROM persons WHERE id_hash = ?`
	rangeSQL = `SELECT id, name, pinyin, birth_date FROM persons
	WHERE pinyin >= ? AND pinyin < ? ORDER BY pinyin LIMIT 20`
	groupSQL = `SELECT ethnicity, COUNT(*) FROM persons WHERE kind = ? GROUP BY ethnicity`
)

func run(name string, info driverInfo, path string, c cfg) (*Result, error) {
	start := time.Now()
	res := &Result{
		Driver: name, Module: info.module, GoVersion: runtime.Version(),
		Rows: c.rows, BatchSize: c.batch, Plans: map[string]string{},
	}

	db, err := sql.Open(info.sqlName, info.dsn(path))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// One connection: the workload is sequential, and this guarantees every
	// statement runs on a connection configured by the DSN.
	db.SetMaxOpenConns(1)

	if err := db.QueryRow(`SELECT sqlite_version()`).Scan(&res.SQLiteVersion); err != nil {
		return nil, err
	}
	if c.cacheMiB > 0 {
		if _, err := db.Exec(fmt.Sprintf("PRAGMA cache_size = -%d", c.cacheMiB*1024)); err != nil {
			return nil, err
		}
	}
	if res.Pragmas, err = readPragmas(db); err != nil {
		return nil, err
	}
	logf("[%s] sqlite %s, %s", name, res.SQLiteVersion, res.Pragmas)
	if _, err := db.Exec(schema); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}

	// 1. Bulk insert: prepared statement, c.batch rows per transaction.
	//    Row generation happens outside the timed region.
	stmt, err := db.Prepare(insertSQL)
	if err != nil {
		return nil, err
	}
	buf := make([]person, 0, c.batch)
	var insertDur time.Duration
	for lo := 0; lo < c.rows; lo += c.batch {
		hi := min(lo+c.batch, c.rows)
		buf = buf[:0]
		for i := lo; i < hi; i++ {
			buf = append(buf, genPerson(c.seed, i+1))
		}
		t0 := time.Now()
		tx, err := db.Begin()
		if err != nil {
			return nil, err
		}
		ts := tx.Stmt(stmt)
		for i := range buf {
			p := &buf[i]
			if _, err := ts.Exec(p.id, p.orgID, p.name, p.pinyin, p.initials, p.ethnicity, p.sex,
				p.birthDate, p.kind, p.idHash[:], p.idEnc, p.tags, p.updatedAt); err != nil {
				tx.Rollback()
				return nil, fmt.Errorf("insert row %d: %w", p.id, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
		insertDur += time.Since(t0)
	}
	stmt.Close()
	res.InsertSeconds = insertDur.Seconds()
	res.InsertRowsPerSec = float64(c.rows) / insertDur.Seconds()
	logf("[%s] insert %d rows: %.2fs (%.0f rows/s)", name, c.rows, res.InsertSeconds, res.InsertRowsPerSec)

	// 2. Point lookups by id_hash (indexed). Hashes are regenerated from the
	//    deterministic per-row generator before timing starts.
	rng := rand.New(rand.NewPCG(c.seed, 0x100C))
	hashes := make([][32]byte, c.lookups)
	for i := range hashes {
		hashes[i] = genPerson(c.seed, 1+rng.IntN(c.rows)).idHash
	}
	if res.Plans["lookup"], err = plan(db, lookupSQL, hashes[0][:]); err != nil {
		return nil, err
	}
	lk, err := db.Prepare(lookupSQL)
	if err != nil {
		return nil, err
	}
	lat := make([]time.Duration, 0, c.lookups)
	for i := range hashes {
		var p person
		var h, enc []byte
		t0 := time.Now()
		err := lk.QueryRow(hashes[i][:]).Scan(&p.id, &p.orgID, &p.name, &p.pinyin, &p.initials,
			&p.ethnicity, &p.sex, &p.birthDate, &p.kind, &h, &enc, &p.tags, &p.updatedAt)
		lat = append(lat, time.Since(t0))
		switch {
		case err == nil:
			res.LookupHits++
		case err == sql.ErrNoRows:
		default:
			return nil, fmt.Errorf("lookup: %w", err)
		}
	}
	lk.Close()
	res.LookupN = c.lookups
	res.LookupMedianUS, res.LookupP99US = percentilesUS(lat)
	logf("[%s] lookup x%d: median %.1fµs p99 %.1fµs (%d hits)", name, c.lookups,
		res.LookupMedianUS, res.LookupP99US, res.LookupHits)

	// 3. Pinyin prefix search as an index range: pinyin >= p AND pinyin < p+1.
	//    (LIKE 'p%' would not use the index under the default
	//    case_sensitive_like=OFF with a BINARY-collated index.)
	rng = rand.New(rand.NewPCG(c.seed, 0x4A4E))
	prefixes := make([]string, c.ranges)
	for i := range prefixes {
		prefixes[i] = genPrefix(rng)
	}
	if res.Plans["range"], err = plan(db, rangeSQL, "zhang", "zhanh"); err != nil {
		return nil, err
	}
	rq, err := db.Prepare(rangeSQL)
	if err != nil {
		return nil, err
	}
	lat = lat[:0]
	for _, pfx := range prefixes {
		t0 := time.Now()
		rows, err := rq.Query(pfx, prefixUpper(pfx))
		if err != nil {
			return nil, fmt.Errorf("range: %w", err)
		}
		for rows.Next() {
			var id int64
			var nm, py, bd string
			if err := rows.Scan(&id, &nm, &py, &bd); err != nil {
				rows.Close()
				return nil, err
			}
			res.RangeRows++
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows.Close()
		lat = append(lat, time.Since(t0))
	}
	rq.Close()
	res.RangeN = c.ranges
	res.RangeMedianUS, res.RangeP99US = percentilesUS(lat)
	logf("[%s] range x%d: median %.1fµs p99 %.1fµs (%d rows returned)", name, c.ranges,
		res.RangeMedianUS, res.RangeP99US, res.RangeRows)

	// 4. GROUP BY ethnicity over kind=1 rows: first as a full table scan,
	//    then with a covering index on (kind, ethnicity).
	if res.Plans["group_scan"], err = plan(db, groupSQL, 1); err != nil {
		return nil, err
	}
	var digest string
	if res.GroupScanSeconds, digest, err = timeGroup(db, c.groupRuns); err != nil {
		return nil, err
	}
	logf("[%s] group by (table scan): %.3fs", name, res.GroupScanSeconds)
	t0 := time.Now()
	if _, err := db.Exec(`CREATE INDEX idx_persons_kind_ethnicity ON persons(kind, ethnicity)`); err != nil {
		return nil, err
	}
	res.CreateCoverIdxSecond = time.Since(t0).Seconds()
	if res.Plans["group_cover"], err = plan(db, groupSQL, 1); err != nil {
		return nil, err
	}
	var digest2 string
	if res.GroupCoverSeconds, digest2, err = timeGroup(db, c.groupRuns); err != nil {
		return nil, err
	}
	if digest != digest2 {
		return nil, fmt.Errorf("group by results differ with covering index: %s vs %s", digest, digest2)
	}
	res.GroupDigest = digest
	logf("[%s] create (kind, ethnicity) index: %.2fs; group by (covering): %.3fs", name,
		res.CreateCoverIdxSecond, res.GroupCoverSeconds)

	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			res.DBBytes += fi.Size()
		}
	}
	res.WallTotal = time.Since(start).Seconds()
	res.VmHWMKB, res.VmRSSKB = procStatus()
	logf("[%s] peak RSS (VmHWM) %.1f MiB, db %.1f MiB, wall %.1fs", name,
		float64(res.VmHWMKB)/1024, float64(res.DBBytes)/(1<<20), res.WallTotal)
	return res, nil
}

func readPragmas(db *sql.DB) (string, error) {
	var parts []string
	for _, p := range []string{"journal_mode", "synchronous", "foreign_keys", "busy_timeout", "cache_size"} {
		var v string
		if err := db.QueryRow("PRAGMA " + p).Scan(&v); err != nil {
			return "", fmt.Errorf("pragma %s: %w", p, err)
		}
		parts = append(parts, p+"="+v)
	}
	return strings.Join(parts, " "), nil
}

// plan returns EXPLAIN QUERY PLAN details joined by " / ".
func plan(db *sql.DB, query string, args ...any) (string, error) {
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		parts = append(parts, detail)
	}
	return strings.Join(parts, " / "), rows.Err()
}

// timeGroup runs groupSQL n times and returns the median duration and a
// digest of the result, used to check both drivers see identical data.
func timeGroup(db *sql.DB, n int) (float64, string, error) {
	var durs []float64
	var digest string
	for range max(n, 1) {
		t0 := time.Now()
		rows, err := db.Query(groupSQL, 1)
		if err != nil {
			return 0, "", err
		}
		var groups, total int64
		var sb strings.Builder
		for rows.Next() {
			var eth string
			var cnt int64
			if err := rows.Scan(&eth, &cnt); err != nil {
				rows.Close()
				return 0, "", err
			}
			groups++
			total += cnt
			fmt.Fprintf(&sb, "%s:%d,", eth, cnt)
		}
		if err := rows.Err(); err != nil {
			return 0, "", err
		}
		rows.Close()
		durs = append(durs, time.Since(t0).Seconds())
		sum := sha256.Sum256([]byte(sb.String()))
		digest = fmt.Sprintf("%d groups, %d rows, %x", groups, total, sum[:4])
	}
	slices.Sort(durs)
	return durs[len(durs)/2], digest, nil
}

func percentilesUS(d []time.Duration) (median, p99 float64) {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(q * float64(len(s)-1))
		return float64(s[i].Nanoseconds()) / 1e3
	}
	return at(0.50), at(0.99)
}

func procStatus() (hwm, rss int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1, -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmHWM:":
			hwm = v
		case "VmRSS:":
			rss = v
		}
	}
	return hwm, rss
}

// ---------------------------------------------------------------------------
// Deterministic data generation.

type person struct {
	id        int64
	orgID     int64
	name      string
	pinyin    string
	initials  string
	ethnicity string
	sex       int64
	birthDate string
	kind      int64
	idHash    [32]byte
	idEnc     []byte
	tags      int64
	updatedAt string
}

type syllable struct{ han, py string }

// Common surnames, roughly in frequency order; picked with a Zipf-like skew.
var surnames = []syllable{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"},
	{"杨", "yang"}, {"黄", "huang"}, {"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"},
	{"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"}, {"胡", "hu"},
	{"郭", "guo"}, {"何", "he"}, {"高", "gao"}, {"林", "lin"}, {"罗", "luo"},
	{"郑", "zheng"}, {"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"},
	{"许", "xu"}, {"韩", "han"}, {"冯", "feng"}, {"邓", "deng"}, {"曹", "cao"},
	{"彭", "peng"}, {"曾", "zeng"}, {"肖", "xiao"}, {"田", "tian"}, {"董", "dong"},
	{"袁", "yuan"}, {"潘", "pan"}, {"于", "yu"}, {"蒋", "jiang"}, {"蔡", "cai"},
	{"余", "yu"}, {"杜", "du"}, {"叶", "ye"}, {"程", "cheng"}, {"苏", "su"},
	{"魏", "wei"}, {"吕", "lv"}, {"丁", "ding"}, {"任", "ren"}, {"沈", "shen"},
	{"艾", "ai"}, {"买", "mai"}, {"阿", "a"}, {"努", "nu"}, {"古", "gu"},
}

var givenChars = []syllable{
	{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"},
	{"丽", "li"}, {"强", "qiang"}, {"磊", "lei"}, {"军", "jun"}, {"洋", "yang"},
	{"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"娟", "juan"}, {"涛", "tao"},
	{"明", "ming"}, {"超", "chao"}, {"秀", "xiu"}, {"霞", "xia"}, {"平", "ping"},
	{"刚", "gang"}, {"桂", "gui"}, {"英", "ying"}, {"华", "hua"}, {"玉", "yu"},
	{"兰", "lan"}, {"文", "wen"}, {"建", "jian"}, {"国", "guo"}, {"红", "hong"},
	{"海", "hai"}, {"鹏", "peng"}, {"浩", "hao"}, {"宇", "yu"}, {"欣", "xin"},
	{"婷", "ting"}, {"雪", "xue"}, {"梅", "mei"}, {"辉", "hui"}, {"晨", "chen"},
	{"古", "gu"}, {"丽", "li"}, {"江", "jiang"}, {"热", "re"}, {"依", "yi"},
	{"木", "mu"}, {"尔", "er"}, {"提", "ti"}, {"汗", "han"}, {"斯", "si"},
}

func zipf(r *rand.Rand, n int) int {
	// Square of a uniform variate skews towards low indexes.
	u := r.Float64()
	return int(u * u * float64(n))
}

// genPerson builds row i (1-based) from its own PCG stream, so any row can be
// regenerated independently (used for lookups).
func genPerson(seed uint64, i int) person {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	sn := surnames[zipf(r, len(surnames))]
	name, py, ini := sn.han, sn.py, sn.py[:1]
	for range 1 + r.IntN(2) {
		g := givenChars[r.IntN(len(givenChars))]
		name += g.han
		py += g.py
		ini += g.py[:1]
	}

	eth := "01" // Han
	if r.IntN(100) >= 91 {
		eth = fmt.Sprintf("%02d", 2+zipf(r, 55))
	}
	sex := int64(1 + r.IntN(2))
	birth := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(94*365))

	var kind int64
	switch k := r.IntN(100); {
	case k < 70:
		kind = 1 // registered resident
	case k < 90:
		kind = 2 // floating population
	case k < 97:
		kind = 3
	default:
		kind = 4
	}

	idNo := chinaID(650100+r.IntN(200), birth, r.IntN(1000))
	p := person{
		id:        int64(i),
		orgID:     int64(1 + r.IntN(2000)),
		name:      name,
		pinyin:    py,
		initials:  ini,
		ethnicity: eth,
		sex:       sex,
		birthDate: birth.Format(time.DateOnly),
		kind:      kind,
		idHash:    sha256.Sum256([]byte(idNo)),
		idEnc:     make([]byte, 56+r.IntN(9)), // ~60 bytes: nonce + ciphertext + tag
		tags:      int64(r.Uint32() & 0xFF),
		updatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).
			Add(time.Duration(r.IntN(365*24*3600)) * time.Second).Format(time.RFC3339),
	}
	for j := 0; j < len(p.idEnc); j += 8 {
		v := r.Uint64()
		for k := 0; k < 8 && j+k < len(p.idEnc); k++ {
			p.idEnc[j+k] = byte(v >> (8 * k))
		}
	}
	return p
}

// chinaID builds an 18-character resident ID number with a valid
// GB 11643-1999 check character.
func chinaID(region int, birth time.Time, seq int) string {
	body := fmt.Sprintf("%06d%s%03d", region, birth.Format("20060102"), seq)
	weights := [...]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k, ch := range body {
		sum += int(ch-'0') * weights[k]
	}
	return body + string("10X98765432"[sum%11])
}

// genPrefix produces a search prefix as a user would type it: a full
// surname, a surname plus the first letter(s) of a given name, or a short
// 1-2 letter prefix.
func genPrefix(r *rand.Rand) string {
	sn := surnames[zipf(r, len(surnames))].py
	g := givenChars[r.IntN(len(givenChars))].py
	switch r.IntN(4) {
	case 0:
		return sn
	case 1:
		return sn + g[:1]
	case 2:
		return sn + g
	default:
		return sn[:min(2, len(sn))]
	}
}

// prefixUpper returns the smallest string greater than every string with
// the given (ASCII, lowercase) prefix.
func prefixUpper(p string) string {
	b := []byte(p)
	b[len(b)-1]++
	return string(b)
}

// ---------------------------------------------------------------------------
// Report.

func printReport(files []string) error {
	if len(files) == 0 {
		return fmt.Errorf("-report needs JSON result files as arguments")
	}
	var rs []*Result
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		rs = append(rs, &r)
	}

	header := "| metric |"
	sep := "|---|"
	for _, r := range rs {
		header += " " + r.Driver + " |"
		sep += "---:|"
	}
	if len(rs) == 2 {
		header += " " + rs[0].Driver + " / " + rs[1].Driver + " |"
		sep += "---:|"
	}
	fmt.Println(header)
	fmt.Println(sep)

	row := func(label, format string, get func(*Result) float64) {
		line := "| " + label + " |"
		for _, r := range rs {
			line += " " + fmt.Sprintf(format, get(r)) + " |"
		}
		if len(rs) == 2 && get(rs[1]) != 0 {
			line += fmt.Sprintf(" %.2fx |", get(rs[0])/get(rs[1]))
		}
		fmt.Println(line)
	}
	text := func(label string, get func(*Result) string) {
		line := "| " + label + " |"
		for _, r := range rs {
			line += " " + get(r) + " |"
		}
		if len(rs) == 2 {
			line += " |"
		}
		fmt.Println(line)
	}

	text("module", func(r *Result) string { return r.Module })
	text("SQLite version", func(r *Result) string { return r.SQLiteVersion })
	row("rows inserted", "%.0f", func(r *Result) float64 { return float64(r.Rows) })
	row("insert: rows/s (10k rows/tx, 5 indexes)", "%.0f", func(r *Result) float64 { return r.InsertRowsPerSec })
	row("insert: total seconds", "%.2f", func(r *Result) float64 { return r.InsertSeconds })
	row("id_hash lookup: median µs", "%.1f", func(r *Result) float64 { return r.LookupMedianUS })
	row("id_hash lookup: p99 µs", "%.1f", func(r *Result) float64 { return r.LookupP99US })
	row("pinyin range LIMIT 20: median µs", "%.1f", func(r *Result) float64 { return r.RangeMedianUS })
	row("pinyin range LIMIT 20: p99 µs", "%.1f", func(r *Result) float64 { return r.RangeP99US })
	row("GROUP BY ethnicity, kind=1, table scan: s", "%.4f", func(r *Result) float64 { return r.GroupScanSeconds })
	row("CREATE INDEX (kind, ethnicity): s", "%.2f", func(r *Result) float64 { return r.CreateCoverIdxSecond })
	row("GROUP BY ethnicity, kind=1, covering idx: s", "%.4f", func(r *Result) float64 { return r.GroupCoverSeconds })
	row("peak RSS (VmHWM): MiB", "%.1f", func(r *Result) float64 { return float64(r.VmHWMKB) / 1024 })
	row("DB file size (db + wal): MiB", "%.1f", func(r *Result) float64 { return float64(r.DBBytes) / (1 << 20) })
	row("process wall time: s", "%.1f", func(r *Result) float64 { return r.WallTotal })

	fmt.Println()
	for _, r := range rs {
		fmt.Printf("- %s: %s; lookups %d/%d hit; range rows returned %d; group by: %s\n",
			r.Driver, r.Pragmas, r.LookupHits, r.LookupN, r.RangeRows, r.GroupDigest)
	}
	for _, k := range []string{"lookup", "range", "group_scan", "group_cover"} {
		var plans []string
		for _, r := range rs {
			plans = append(plans, r.Driver+": "+r.Plans[k])
		}
		fmt.Printf("- plan %s: %s\n", k, strings.Join(plans, " | "))
	}
	return nil
}
