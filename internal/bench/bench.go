// Package bench measures the registry's search as users meet it: a demo
// district of a given size (1,000,000 persons by default) is generated into
// a fresh database, the real HTTP server is started in-process on
// 127.0.0.1:0, and each kind of search is sent many times through HTTP with
// a bearer token, by a subdistrict administrator (和平街道, the demo's
// "admin") and by an administrator attached to the district root, who sees
// every person. Values are drawn from the generated data (hits) with some
// that match nothing (misses). `shiliu bench` prints the table;
// BenchmarkSearch1M reports the same figures to `go test -bench`.
//
// The targets: for each search kind, a median under 5 ms and a 99th
// percentile under 30 ms at 1,000,000 persons.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/app"
	"shiliu/internal/auth"
	"shiliu/internal/config"
	"shiliu/internal/db"
	"shiliu/internal/demo"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// Targets of the issue, per search kind.
const (
	TargetMedian = 5 * time.Millisecond
	TargetP99    = 30 * time.Millisecond
)

// PersonsPerSubdistrict sizes the default district (see Config).
const PersonsPerSubdistrict = 4000

// Config says what to generate and how much to measure.
type Config struct {
	// Persons is the registry size (default 1,000,000).
	Persons int
	// Subdistricts and CommitteesPerSubdistrict shape the district. The
	// default is one subdistrict per PersonsPerSubdistrict persons (a real
	// subdistrict's registry: DOMAIN.md counts 1,000–5,000 minority
	// residents), from 2 to 999, and 8 committees each. Fewer subdistricts
	// make each larger: 20 at 1,000,000 persons is a stress test, each
	// holding ten times a real registry.
	Subdistricts, CommitteesPerSubdistrict int
	// Seed of the demo generator and of the drawn values (default 1).
	Seed uint64
	// Requests per search kind and user (default 300).
	Requests int
	// Cases and Activities are the cases and the activities (with their
	// roll calls) written beyond the demo's workflow (default one case per
	// 5 persons and one activity per 20: 200,000 and 50,000 at 1,000,000
	// persons; negative for none).
	Cases, Activities int
	// FigureRequests per figures page and user (default 20).
	FigureRequests int
	// Only measures one part: "search" or "figures" (default both).
	Only string
	// DataDir is the data directory; empty for a temporary one, removed by
	// Close. A directory (or DSN) that already holds a generated district
	// is reused as it is.
	DataDir string
	// DSN is the database (empty: SQLite in DataDir).
	DSN string
	// Progress, when set, receives a line per stage.
	Progress io.Writer
	// ArgonMemoryKiB, when not zero, lowers the cost of password hashes
	// (tests; see config.Config).
	ArgonMemoryKiB uint32
}

func (c *Config) normalise() {
	if c.Persons == 0 {
		c.Persons = 1_000_000
	}
	if c.Subdistricts == 0 {
		c.Subdistricts = min(999, max(2, (c.Persons+PersonsPerSubdistrict-1)/PersonsPerSubdistrict))
	}
	if c.CommitteesPerSubdistrict == 0 {
		c.CommitteesPerSubdistrict = 8
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Requests == 0 {
		c.Requests = 300
	}
	if c.Cases == 0 {
		c.Cases = c.Persons / 5
	}
	if c.Activities == 0 {
		c.Activities = c.Persons / 20
	}
	if c.FigureRequests == 0 {
		c.FigureRequests = 20
	}
}

// User is an account searches are sent as.
type User struct {
	// Label names the user in reports.
	Label string
	Actor *auth.Actor
	token string
	// session is a signed-in browser session (the figures' pages); orgCode
	// the code of the user's unit.
	session, orgCode string
	// Visible is the number of active persons in the user's scope.
	Visible int
	// scope: the committees the user sees, and a sample of their persons.
	committees []int64
	sample     []sampled
}

// sampled is one person in a user's scope, with what can be searched.
type sampled struct {
	name, pinyin, initials, id, last4, phone, ethnicity string
}

// Env is a running instance with its generated district.
type Env struct {
	Cfg     Config
	App     *app.App
	Engine  string
	Persons int
	// Subdistricts and Committees are the district's numbers of them.
	Subdistricts, Committees int
	// Generated is false when an existing district was reused.
	Generated bool
	GenTime   time.Duration
	GenStats  demo.RegistryStats
	// DBBytes is the database's size on disk after generation.
	DBBytes int64
	// Endpoint is the persons search URL measured.
	Endpoint string
	Users    []*User

	client  *http.Client
	cancel  context.CancelFunc
	served  chan error
	tempDir string
}

func (e *Env) logf(format string, args ...any) {
	if e.Cfg.Progress != nil {
		fmt.Fprintf(e.Cfg.Progress, format+"\n", args...)
	}
}

// Start opens (and migrates) the database, generates the district unless
// one is there, starts the server and prepares the users and their samples.
func Start(ctx context.Context, cfg Config) (env *Env, err error) {
	cfg.normalise()
	e := &Env{Cfg: cfg}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "shiliu-bench-")
		if err != nil {
			return nil, err
		}
		e.tempDir, e.Cfg.DataDir = dir, dir
	}
	c := config.Config{DataDir: e.Cfg.DataDir, DSN: cfg.DSN, Addr: "127.0.0.1:0", LogFormat: "text", LogLevel: "info", ShutdownTimeout: 5 * time.Second,
		ArgonMemoryKiB: cfg.ArgonMemoryKiB}
	// The server logs a line per request, as in production; the bench
	// pays for formatting it but does not print it.
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.Open(ctx, c, log)
	if err != nil {
		return nil, err
	}
	e.App, e.Engine = a, a.DB.Dialect.String()

	e.logf("generating %d persons (%d subdistricts × %d committees) on %s…", cfg.Persons, cfg.Subdistricts, cfg.CommitteesPerSubdistrict, e.Engine)
	start := time.Now()
	res, err := demo.Generate(ctx, a.DB, demo.Options{Seed: cfg.Seed, Subdistricts: cfg.Subdistricts, CommitteesPerSubdistrict: cfg.CommitteesPerSubdistrict,
		Persons: cfg.Persons, Cases: max(cfg.Cases, 0), Activities: max(cfg.Activities, 0), Keys: a.Keys, Argon: a.Auth.Argon})
	switch {
	case errors.Is(err, demo.ErrNotEmpty):
		e.logf("the database already holds a district: reusing it")
	case err != nil:
		return nil, err
	default:
		e.Generated, e.GenTime, e.GenStats = true, time.Since(start), res.Registry
		e.logf("generated in %v", e.GenTime.Round(time.Millisecond))
		// Measure a settled system, not one still writing the load out:
		// the kernel holds most of a fresh SQLite file as dirty pages and
		// flushes them for a minute, stalling reads now and then; and the
		// generator's garbage is collected now rather than in mid-run.
		settle(ctx, a.DB, e.Cfg.DataDir, cfg.DSN)
	}
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM persons`).Scan(&e.Persons); err != nil {
		return nil, err
	}
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(CASE WHEN kind = 'subdistrict' THEN 1 END), COUNT(CASE WHEN kind = 'committee' THEN 1 END) FROM org_units`).
		Scan(&e.Subdistricts, &e.Committees); err != nil {
		return nil, err
	}
	if e.DBBytes, err = dbSize(ctx, a.DB, e.Cfg.DataDir, cfg.DSN); err != nil {
		return nil, err
	}

	if err := a.Listen(); err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.cancel, e.served = cancel, make(chan error, 1)
	go func() { e.served <- a.Serve(sctx) }()
	e.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 60 * time.Second}

	if err := e.prepareUsers(ctx); err != nil {
		return nil, err
	}
	if err := e.checkEndpoint(ctx); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0xbe4c4))
	for _, u := range e.Users {
		if err := e.sample(ctx, r, u, 2000); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Close stops the server, closes the database and removes a temporary
// data directory.
func (e *Env) Close() {
	if e.cancel != nil {
		e.cancel()
		<-e.served
		e.cancel = nil
	}
	if e.App != nil {
		e.App.Close()
		e.App = nil
	}
	if e.tempDir != "" {
		os.RemoveAll(e.tempDir)
		e.tempDir = ""
	}
}

// settle flushes the database to disk and collects garbage.
func settle(ctx context.Context, d *db.DB, dataDir, dsn string) {
	if d.Dialect == db.Postgres {
		d.Exec(ctx, `CHECKPOINT`) // needs a superuser; without one the flush is left to the server
	} else if f, err := os.Open(sqlitePath(dataDir, dsn)); err == nil {
		f.Sync()
		f.Close()
	}
	runtime.GC()
	debug.FreeOSMemory()
}

func sqlitePath(dataDir, dsn string) string {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if path == "" {
		path = filepath.Join(dataDir, "shiliu.db")
	}
	return path
}

func dbSize(ctx context.Context, d *db.DB, dataDir, dsn string) (int64, error) {
	if d.Dialect == db.Postgres {
		var n int64
		err := d.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
		return n, err
	}
	path := sqlitePath(dataDir, dsn)
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n, nil
}

// prepareUsers gets the demo's subdistrict administrator and a district
// administrator made for the bench, each with a fresh API token.
func (e *Env) prepareUsers(ctx context.Context) error {
	a := e.App
	sdAdmin, err := a.Auth.ByUsername(ctx, "admin")
	if err != nil {
		return fmt.Errorf("the demo account admin: %w", err)
	}
	root, err := a.Auth.ByUsername(ctx, "bench_district")
	if err != nil {
		var rootID int64
		if err := a.DB.QueryRow(ctx, `SELECT id FROM org_units WHERE parent_id IS NULL ORDER BY id LIMIT 1`).Scan(&rootID); err != nil {
			return fmt.Errorf("district root: %w", err)
		}
		root, err = a.Auth.Create(ctx, auth.System("bench"), auth.NewUser{Username: "bench_district", DisplayName: "区级管理员（基准测试）", Role: auth.StreetAdmin,
			OrgID: rootID, Password: auth.RandomPassword()})
		if err != nil {
			return fmt.Errorf("create bench_district: %w", err)
		}
	}
	for _, x := range []struct {
		label string
		u     *auth.User
	}{{"subdistrict", sdAdmin}, {"district", root}} {
		actor := x.u.Actor()
		tok, err := a.Auth.CreateToken(ctx, actor, "bench "+time.Now().Format(time.RFC3339Nano), 1)
		if err != nil {
			return fmt.Errorf("token for %s: %w", x.u.Username, err)
		}
		sess, err := a.Auth.SystemSession(ctx, auth.System("bench"), x.u.ID)
		if err != nil {
			return fmt.Errorf("session for %s: %w", x.u.Username, err)
		}
		u := &User{Label: x.label + " (" + x.u.OrgName + ")", Actor: actor, token: tok, session: sess}
		if err := a.DB.QueryRow(ctx, `SELECT code FROM org_units WHERE id = ?`, actor.OrgID).Scan(&u.orgCode); err != nil {
			return err
		}
		lo, hi := actor.Scope().PathRange()
		rows, err := a.DB.Query(ctx, `SELECT id FROM org_units WHERE kind = 'committee' AND archived = 0 AND path >= ? AND path < ? ORDER BY id`, lo, hi)
		if u.committees, err = db.Collect(rows, err, db.ScanID); err != nil {
			return err
		}
		if len(u.committees) == 0 {
			return fmt.Errorf("%s sees no committee", x.u.Username)
		}
		if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM persons p JOIN org_units o ON o.id = p.org_id
			WHERE p.status = 'active' AND p.archived = 0 AND o.path >= ? AND o.path < ?`, lo, hi).Scan(&u.Visible); err != nil {
			return err
		}
		e.Users = append(e.Users, u)
	}
	return nil
}

// checkEndpoint checks that the app answers its persons search, the route
// the bench measures; a missing or failing route stops the bench rather
// than measuring something else.
func (e *Env) checkEndpoint(ctx context.Context) error {
	e.Endpoint = e.App.URL() + "/api/v1/persons"
	status, _, err := e.get(ctx, e.Users[0], e.Endpoint, url.Values{"q": {"张"}})
	if err != nil {
		return fmt.Errorf("GET %s: %w", e.Endpoint, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", e.Endpoint, status)
	}
	return nil
}

// sample draws up to n active persons of u's scope, decrypting their ID
// numbers and phones (the bench holds the instance's keys).
func (e *Env) sample(ctx context.Context, r *rand.Rand, u *User, n int) error {
	d := e.App.DB
	lo, hi := u.Actor.Scope().PathRange()
	var minID, maxID int64
	if err := d.QueryRow(ctx, `SELECT COALESCE(MIN(p.id), 0), COALESCE(MAX(p.id), 0) FROM persons p JOIN org_units o ON o.id = p.org_id
		WHERE o.path >= ? AND o.path < ?`, lo, hi).Scan(&minID, &maxID); err != nil {
		return err
	}
	if maxID == 0 {
		return fmt.Errorf("%s sees no person", u.Label)
	}
	for tries := 0; len(u.sample) < n && tries < 20*n; tries++ {
		id := minID + r.Int64N(maxID-minID+1)
		var s sampled
		var idEnc, phoneEnc []byte
		var path string
		err := d.QueryRow(ctx, `SELECT p.name, p.pinyin, p.initials, p.id_enc, p.id_last4, p.phone_enc, p.ethnicity, o.path FROM persons p
			JOIN org_units o ON o.id = p.org_id WHERE p.id = ? AND p.status = 'active' AND p.archived = 0`, id).
			Scan(&s.name, &s.pinyin, &s.initials, &idEnc, &s.last4, &phoneEnc, &s.ethnicity, &path)
		if err != nil || path < lo || path >= hi {
			continue
		}
		if s.id, err = secret.OpenField(e.App.Keys, "persons.id_number", idEnc); err != nil {
			return err
		}
		if s.phone, err = secret.OpenField(e.App.Keys, "persons.phone", phoneEnc); err != nil {
			return err
		}
		u.sample = append(u.sample, s)
	}
	if len(u.sample) == 0 {
		return fmt.Errorf("%s: no active person sampled", u.Label)
	}
	return nil
}

// get sends one search and returns the status and the total.
func (e *Env) get(ctx context.Context, u *User, endpoint string, q url.Values) (int, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Accept", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Items []json.RawMessage `json:"items"`
		Total int               `json:"total"`
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return resp.StatusCode, 0, fmt.Errorf("decode: %w", err)
	}
	return resp.StatusCode, body.Total, nil
}

// Kinds are the search kinds measured, in report order.
var Kinds = []string{"name", "surname", "pinyin", "initials", "id", "last4", "phone", "tag", "ethnicity", "committee", "kind"}

// KindLabel describes each kind in reports.
var KindLabel = map[string]string{
	"name": "name fragment (2 chars)", "surname": "surname (1 char)", "pinyin": "full pinyin prefix", "initials": "pinyin initials",
	"id": "exact ID number", "last4": "ID last 4", "phone": "phone", "tag": "tag filter", "ethnicity": "ethnicity filter",
	"committee": "committee filter", "kind": "kind filter",
}

// Queries draws n query strings of a kind for u: values from u's sample
// (hits) and about one in ten that match nothing or are random.
func (e *Env) Queries(r *rand.Rand, u *User, kind string, n int) []url.Values {
	out := make([]url.Values, 0, n)
	for range n {
		s := u.sample[r.IntN(len(u.sample))]
		miss := r.IntN(10) == 0
		q := url.Values{}
		switch kind {
		case "name":
			q.Set("q", nameFragment(r, s.name, miss))
		case "surname":
			v := string([]rune(s.name)[:1])
			if miss {
				v = pick(r, []string{"欧阳", "司马", "诸葛", "上官", "慕容"})
			}
			q.Set("q", v)
		case "pinyin":
			v := s.pinyin
			if len(v) > 6 {
				v = v[:len(v)-r.IntN(4)]
			}
			if miss {
				v = pick(r, []string{"qzxjvw", "zzzhang", "xvbing", "kkeli"})
			}
			q.Set("q", v)
		case "initials":
			v := s.initials
			if miss || len(v) < 2 {
				v = pick(r, []string{"vq", "qqv", "xzv", "uu"})
			}
			q.Set("q", v)
		case "id":
			v := s.id
			if miss {
				v = absentID(r)
			}
			q.Set("q", v)
		case "last4":
			v := s.last4
			if miss {
				v = fmt.Sprintf("%04d", r.IntN(10000))
			}
			q.Set("q", v)
		case "phone":
			v := s.phone
			if v == "" || miss {
				v = fmt.Sprintf("199%08d", r.IntN(100_000_000))
			}
			q.Set("q", v)
		case "tag":
			q.Set("tag", people.AllTags[r.IntN(len(people.AllTags))].Key)
		case "ethnicity":
			v := s.ethnicity
			if miss {
				v = ref.Ethnicities[r.IntN(len(ref.Ethnicities))].Code
			}
			q.Set("ethnicity", v)
		case "committee":
			q.Set("org", strconv.FormatInt(u.committees[r.IntN(len(u.committees))], 10))
		case "kind":
			q.Set("kind", strconv.Itoa(1+r.IntN(2)))
		}
		out = append(out, q)
	}
	return out
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// nameFragment is two characters of a name: the given name of a Han-style
// name, or two consecutive characters of another; a miss is two rare
// characters no generated name has.
func nameFragment(r *rand.Rand, name string, miss bool) string {
	if miss {
		return pick(r, []string{"彧骞", "翊霏", "璟琰", "喆皓"})
	}
	rs := []rune(strings.ReplaceAll(name, "·", ""))
	switch {
	case len(rs) <= 2:
		return string(rs)
	case len(rs) == 3:
		return string(rs[1:])
	}
	i := r.IntN(len(rs) - 1)
	return string(rs[i : i+2])
}

// absentID is a valid ID number of a region the generator never uses.
func absentID(r *rand.Rand) string {
	birth := time.Date(1950+r.IntN(60), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	first := fmt.Sprintf("119999%s%03d", birth.Format("20060102"), r.IntN(1000))
	return first + string(ref.CheckDigit(first))
}

// Result is the measurement of one kind for one user.
type Result struct {
	User, Kind         string
	N, Errors          int
	Median, P99, Max   time.Duration
	Mean               time.Duration
	AvgTotal, ZeroHits float64 // mean total, share of searches with no hit
}

// OK reports whether the result meets the targets.
func (r Result) OK() bool { return r.Errors == 0 && r.Median < TargetMedian && r.P99 < TargetP99 }

// Measure sends the queries one after another and times each.
func (e *Env) Measure(ctx context.Context, u *User, kind string, qs []url.Values) Result {
	res := Result{User: u.Label, Kind: kind, N: len(qs)}
	lat := make([]time.Duration, 0, len(qs))
	totals, zero := 0, 0
	for _, q := range qs {
		start := time.Now()
		_, total, err := e.get(ctx, u, e.Endpoint, q)
		d := time.Since(start)
		if err != nil {
			res.Errors++
			continue
		}
		lat = append(lat, d)
		totals += total
		if total == 0 {
			zero++
		}
	}
	if len(lat) == 0 {
		return res
	}
	res.Median, res.P99, res.Max, res.Mean = Percentiles(lat)
	res.AvgTotal = float64(totals) / float64(len(lat))
	res.ZeroHits = float64(zero) / float64(len(lat))
	return res
}

// Percentiles returns the median, the 99th percentile (nearest rank), the
// maximum and the mean of ds (which it sorts).
func Percentiles(ds []time.Duration) (median, p99, maxD, mean time.Duration) {
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return rank(0.5), rank(0.99), ds[len(ds)-1], sum / time.Duration(len(ds))
}

// RunAll warms up, then measures every kind for every user.
func (e *Env) RunAll(ctx context.Context) []Result {
	r := rand.New(rand.NewPCG(e.Cfg.Seed, 0x5ea4c4))
	for _, u := range e.Users {
		for _, k := range Kinds {
			e.Measure(ctx, u, k, e.Queries(r, u, k, 10))
		}
	}
	var out []Result
	for _, u := range e.Users {
		for _, k := range Kinds {
			e.logf("measuring %s as %s…", k, u.Label)
			out = append(out, e.Measure(ctx, u, k, e.Queries(r, u, k, e.Cfg.Requests)))
		}
	}
	return out
}

// Report writes the table.
func (e *Env) Report(w io.Writer, results []Result) {
	gen := "reused an existing district"
	if e.Generated {
		gen = fmt.Sprintf("generated in %v (%.0f persons/s)", e.GenTime.Round(100*time.Millisecond), float64(e.GenStats.Persons)/e.GenTime.Seconds())
	}
	fmt.Fprintf(w, "\nshiliu bench — %s, %d persons in %d subdistricts (%d committees), %s, database %.0f MB\n",
		e.Engine, e.Persons, e.Subdistricts, e.Committees, gen, float64(e.DBBytes)/(1<<20))
	if e.Generated {
		s := e.GenStats
		fmt.Fprintf(w, "registry: %d households (%d mixed), %d floating, %d minority, %d duplicates, %d moved out, %d deceased\n",
			s.Households, s.MixedHouseholds, s.Floating, s.Minority, s.Duplicates, s.MovedOut, s.Deceased)
	}
	fmt.Fprintf(w, "searches through HTTP via the app's GET /api/v1/persons, %d per kind and user, one at a time; target median < %v, p99 < %v\n",
		e.Cfg.Requests, TargetMedian, TargetP99)
	for _, u := range e.Users {
		fmt.Fprintf(w, "  %s sees %d active persons in %d committees\n", u.Label, u.Visible, len(u.committees))
	}
	fmt.Fprintf(w, "(\"avg total\" is the mean total returned, which Search counts up to %d; \"none\" the share of searches that found nobody)\n\n", people.CountCap+1)
	fmt.Fprintf(w, "%-34s %-24s %9s %9s %9s %11s %6s  %s\n", "user", "search", "median", "p99", "max", "avg total", "none", "")
	for _, r := range results {
		fmt.Fprintf(w, "%-34s %-24s %9s %9s %9s %11.0f %5.0f%%  %s\n", r.User, KindLabel[r.Kind], ms(r.Median), ms(r.P99), ms(r.Max), r.AvgTotal, 100*r.ZeroHits,
			verdict(r.OK(), r.Errors))
	}
}

// verdict is a report line's last column: ok or MISSED, with the errors.
func verdict(ok bool, errors int) string {
	mark := "ok"
	if !ok {
		mark = "MISSED"
	}
	if errors > 0 {
		mark += fmt.Sprintf(" (%d errors)", errors)
	}
	return mark
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// Run generates, measures and reports; ok is false when a target was
// missed.
func Run(ctx context.Context, cfg Config, w io.Writer) (ok bool, err error) {
	e, err := Start(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer e.Close()
	ok = true
	if cfg.Only == "" || cfg.Only == "search" {
		results := e.RunAll(ctx)
		e.Report(w, results)
		for _, r := range results {
			ok = ok && r.OK()
		}
	}
	if cfg.Only == "" || cfg.Only == "figures" {
		results := e.RunFigures(ctx)
		e.ReportFigures(w, results)
		for _, r := range results {
			ok = ok && r.OK()
		}
	}
	return ok, nil
}
