package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// The figures' targets (the figures issue): at 1,000,000 persons, 200,000
// cases and 50,000 activities with attendance, the full summary of the
// district root in under 1 s, a dashboard page in under 300 ms, a figure's
// record list page in under 100 ms. A page meets its target when the 99th
// percentile of its requests does.
const (
	TargetSummary   = time.Second
	TargetDashboard = 300 * time.Millisecond
	TargetRecords   = 100 * time.Millisecond
)

// FigurePage is one page or API call of the figures measured.
type FigurePage struct {
	Name, Label string
	Target      time.Duration
	// Path is the request for a user, at the user's own unit, this year.
	Path func(u *User, year int) string
	// Page is a signed-in page (session cookie) rather than an API call.
	Page bool
}

// FigurePages are measured in this order. A large unit's figures are
// kept for a while once computed (figures.Cache, the page says when): the
// "fresh=1" pages compute them again at every request, what the first
// visitor of the day waits for.
var FigurePages = []FigurePage{
	{Name: "summary", Label: "summary JSON (live)", Target: TargetSummary, Path: func(u *User, y int) string {
		return fmt.Sprintf("/api/v1/reports/summary?year=%d&org=%s&live=1", y, u.orgCode)
	}},
	{Name: "summary_fresh", Label: "summary JSON (live, fresh=1)", Target: TargetSummary, Path: func(u *User, y int) string {
		return fmt.Sprintf("/api/v1/reports/summary?year=%d&org=%s&live=1&fresh=1", y, u.orgCode)
	}},
	{Name: "stats_fresh", Label: "statistics page (fresh=1)", Target: TargetDashboard, Page: true, Path: func(u *User, y int) string {
		return fmt.Sprintf("/stats?org=%d&year=%d&fresh=1", u.Actor.OrgID, y)
	}},
	{Name: "stats", Label: "statistics page /stats", Target: TargetDashboard, Page: true, Path: func(u *User, y int) string {
		return fmt.Sprintf("/stats?org=%d&year=%d", u.Actor.OrgID, y)
	}},
	{Name: "dashboard_api", Label: "dashboard JSON", Target: TargetDashboard, Path: func(u *User, y int) string {
		return fmt.Sprintf("/api/v1/dashboard?org=%d&year=%d", u.Actor.OrgID, y)
	}},
	{Name: "records", Label: "record list: minority registered", Target: TargetRecords, Page: true, Path: func(u *User, y int) string {
		return fmt.Sprintf("/figures/minority_registered?org=%d&year=%d", u.Actor.OrgID, y)
	}},
	{Name: "records_cases", Label: "record list: cases received", Target: TargetRecords, Page: true, Path: func(u *User, y int) string {
		return fmt.Sprintf("/figures/cases_received?org=%d&year=%d", u.Actor.OrgID, y)
	}},
	{Name: "records_last", Label: "record list: its last page", Target: TargetRecords, Page: true, Path: func(u *User, y int) string {
		return fmt.Sprintf("/figures/minority_registered?org=%d&year=%d&offset=%d", u.Actor.OrgID, y, max(0, u.Visible-100))
	}},
}

// FigureResult is the measurement of one figures page for one user.
type FigureResult struct {
	User, Page, Label string
	Target            time.Duration
	N, Errors         int
	Median, P99, Max  time.Duration
	Bytes             int
}

// OK reports whether the page met its target.
func (r FigureResult) OK() bool { return r.Errors == 0 && r.N > 0 && r.P99 < r.Target }

// fetch sends one request for a page (with the user's session) or an API
// call (with the user's token) and reads the whole answer.
func (e *Env) fetch(ctx context.Context, u *User, path string, page bool) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.App.URL()+path, nil)
	if err != nil {
		return 0, err
	}
	if page {
		req.AddCookie(&http.Cookie{Name: "shiliu_session", Value: u.session})
	} else {
		req.Header.Set("Authorization", "Bearer "+u.token)
		req.Header.Set("Accept", "application/json")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return int(n), nil
}

// MeasureFigure requests a page n times for u (after one request that
// warms it up) and times each.
func (e *Env) MeasureFigure(ctx context.Context, u *User, p FigurePage, year, n int) FigureResult {
	res := FigureResult{User: u.Label, Page: p.Name, Label: p.Label, Target: p.Target}
	path := p.Path(u, year)
	if _, err := e.fetch(ctx, u, path, p.Page); err != nil {
		e.logf("%s as %s: %v", path, u.Label, err)
		res.Errors++
		return res
	}
	lat := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		size, err := e.fetch(ctx, u, path, p.Page)
		d := time.Since(start)
		if err != nil {
			res.Errors++
			continue
		}
		res.Bytes = size
		lat = append(lat, d)
	}
	res.N = len(lat)
	if len(lat) > 0 {
		res.Median, res.P99, res.Max, _ = Percentiles(lat)
	}
	return res
}

// RunFigures measures every figures page for every user.
func (e *Env) RunFigures(ctx context.Context) []FigureResult {
	year := time.Now().Year()
	var out []FigureResult
	for _, u := range e.Users {
		for _, p := range FigurePages {
			e.logf("measuring %s as %s…", p.Name, u.Label)
			out = append(out, e.MeasureFigure(ctx, u, p, year, e.Cfg.FigureRequests))
		}
	}
	return out
}

// ReportFigures writes the figures' table.
func (e *Env) ReportFigures(w io.Writer, results []FigureResult) {
	var cases, acts, att int
	d := e.App.DB
	_ = d.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM activities), (SELECT COUNT(*) FROM attendance)`).Scan(&cases, &acts, &att)
	fmt.Fprintf(w, "\nfigures — %d persons, %d cases, %d activities (%d attendances); %d requests per page and user after one to warm up; a page meets its target when its p99 does\n\n",
		e.Persons, cases, acts, att, e.Cfg.FigureRequests)
	fmt.Fprintf(w, "%-34s %-34s %9s %9s %9s %9s %9s  %s\n", "user", "page", "target", "median", "p99", "max", "size", "")
	for _, r := range results {
		fmt.Fprintf(w, "%-34s %-34s %9s %9s %9s %9s %8.0fk  %s\n", r.User, r.Label, ms(r.Target), ms(r.Median), ms(r.P99), ms(r.Max), float64(r.Bytes)/1024,
			verdict(r.OK(), r.Errors))
	}
}
