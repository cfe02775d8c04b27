package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/festival"
	"shiliu/internal/fixture"
	"shiliu/internal/i18n"
	"shiliu/internal/org"
	"shiliu/internal/pairing"
	"shiliu/internal/partner"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
	"shiliu/internal/venue"
	"shiliu/internal/web"
	"shiliu/internal/workday"
)

// cat is the message catalog: tests compare with the texts users see, read
// from the catalog so that they follow it.
var cat = i18n.MustLoad()

func zh(key string, args ...any) string { return cat.T("zh", key, args...) }
func en(key string, args ...any) string { return cat.T("en", key, args...) }

// password is every fixture user's password.
const password = "pomegranate-seeds-2024"

// clock is a settable clock for auth.Service.Now, safe to read from the
// server's goroutines while a test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a running Shiliu web server on a fresh database with the org tree
// every test starts from:
//
//	东城区 D (district)
//	└─ 石榴街道 S (subdistrict)
//	   ├─ 甲居委会 A (committee)
//	   │  └─ 甲一号楼组 G (building group)
//	   ├─ 乙居委会 B (committee, A's sibling)
//	   └─ 石榴联络组 L (liaison group)
type env struct {
	t       *testing.T
	DB      *db.DB
	Auth    *auth.Service
	Org     *org.Service
	People  *people.Service
	Pairing *pairing.Service
	Fest    *festival.Service
	Cases   *cases.Service
	// Activity is community life's activities and volunteers.
	Activity *activity.Service
	Venue    *venue.Service
	Partner  *partner.Service
	Srv      *web.Server
	URL      string
	Clock    *clock

	D, S, A, B, G, L *org.Unit
	// root sees the whole tree, for looking records up in tests.
	root *auth.Actor
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, DB: d, Auth: fixture.Auth(d), Org: &org.Service{DB: d}, Clock: &clock{t: time.Now()}}
	e.Auth.Now = e.Clock.Now
	// The server's warnings and errors are shown when the test fails.
	logs := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() && logs.Len() > 0 {
			t.Logf("server log (warnings and errors):\n%s", logs.String())
		}
	})
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	keys, err := secret.LoadOrCreate(t.TempDir(), secret.SM4)
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	e.People = people.New(d, keys)
	e.People.Now = e.Clock.Now
	e.Pairing = pairing.New(d, t.TempDir())
	e.Pairing.Now = e.Clock.Now
	cal := &workday.Source{DB: d}
	e.Fest = festival.New(d)
	e.Fest.Now = e.Clock.Now
	e.Cases = cases.New(d, keys, t.TempDir())
	e.Cases.Cal = cases.FromSource(cal.Calendar)
	e.Cases.Now = e.Clock.Now
	e.Pairing.Feedback = e.Cases
	e.Activity = activity.New(d)
	e.Activity.Now = e.Clock.Now
	e.Venue, e.Partner = venue.New(d), partner.New(d)
	e.Venue.Now, e.Partner.Now = e.Clock.Now, e.Clock.Now
	e.Partner.Notify = e.Cases
	srv, err := web.New(web.Deps{DB: d, Auth: e.Auth, Org: e.Org, People: e.People, Pairing: e.Pairing, Cases: e.Cases, Activity: e.Activity, Calendar: cal,
		Festival: e.Fest, Venue: e.Venue, Partner: e.Partner, Log: log, Version: "test"})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	e.Srv = srv
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e.URL = ts.URL

	e.D = e.unit(org.Input{Code: "dist-east", Name: "东城区", Kind: org.District})
	e.S = e.unit(org.Input{Code: "sub-shiliu", Name: "石榴街道", Kind: org.Subdistrict, ParentID: e.D.ID})
	e.A = e.unit(org.Input{Code: "com-jia", Name: "甲居委会", Kind: org.Committee, ParentID: e.S.ID})
	e.B = e.unit(org.Input{Code: "com-yi", Name: "乙居委会", Kind: org.Committee, ParentID: e.S.ID})
	e.G = e.unit(org.Input{Code: "bg-jia-1", Name: "甲一号楼组", Kind: org.BuildingGroup, ParentID: e.A.ID})
	e.L = e.unit(org.Input{Code: "lg-shiliu", Name: "石榴联络组", Kind: org.LiaisonGroup, ParentID: e.S.ID})
	e.root = auth.System("test")
	return e
}

// unit creates an org unit through the shared fixture (the web tests keep
// their own names and shape, a building group and a liaison group, which
// their pages' assertions read).
func (e *env) unit(in org.Input) *org.Unit {
	e.t.Helper()
	return fixture.Unit(e.t, e.DB, in, nil)
}

// user creates an account at unit u that may log in at once (no forced
// password change).
func (e *env) user(username string, role auth.Role, u *org.Unit) *auth.User {
	e.t.Helper()
	usr, err := e.Auth.Create(context.Background(), auth.System("test"), auth.NewUser{Username: username, DisplayName: "测试" + username, Role: role, OrgID: u.ID, Password: password})
	if err != nil {
		e.t.Fatalf("create user %s: %v", username, err)
	}
	return usr
}

// token creates a personal access token for usr and returns its id and
// secret.
func (e *env) token(usr *auth.User, name string) (int64, string) {
	e.t.Helper()
	ctx := context.Background()
	a := usr.Actor()
	secret, err := e.Auth.CreateToken(ctx, a, name, 30)
	if err != nil {
		e.t.Fatalf("create token: %v", err)
	}
	toks, err := e.Auth.Tokens(ctx, a)
	if err != nil || len(toks) == 0 {
		e.t.Fatalf("list tokens: %v", err)
	}
	return toks[0].ID, secret // newest first
}

// unitNow reads a unit as it is now (its current version).
func (e *env) unitNow(id int64) *org.Unit {
	e.t.Helper()
	u, err := e.Org.Get(context.Background(), e.root, id)
	if err != nil {
		e.t.Fatalf("get unit %d: %v", id, err)
	}
	return u
}

// idNumber returns a valid fictional citizen ID number, different for
// each n.
func idNumber(n int) string {
	first := fmt.Sprintf("310101198%d%02d%02d%03d", n%10, 1+n%12, 1+n%28, 100+n%900)
	return first + string(ref.CheckDigit(first))
}

// person creates a person in committee c (and building group bg, if any).
func (e *env) person(name string, n int, c, bg *org.Unit) *people.Person {
	e.t.Helper()
	in := people.Input{Name: name, IDNumber: idNumber(n), Ethnicity: "03", Phone: fmt.Sprintf("139%08d", n), Kind: people.Registered, OrgID: c.ID}
	if bg != nil {
		in.BuildingGroupID = bg.ID
	}
	p, err := e.People.Create(context.Background(), e.root, in)
	if err != nil {
		e.t.Fatalf("create person %s: %v", name, err)
	}
	return p
}

// household creates a household in committee c with the given members.
func (e *env) household(code string, c, bg *org.Unit, members ...*people.Person) *people.Household {
	e.t.Helper()
	in := people.HouseholdInput{OrgID: c.ID, Code: code, Address: "石榴路1号"}
	if bg != nil {
		in.BuildingGroupID = bg.ID
	}
	h, err := e.People.CreateHousehold(context.Background(), e.root, in)
	if err != nil {
		e.t.Fatalf("create household %s: %v", code, err)
	}
	for i, m := range members {
		rel := "户主"
		if i > 0 {
			rel = "配偶"
		}
		if err := e.People.SetMember(context.Background(), e.root, m.ID, h.ID, rel); err != nil {
			e.t.Fatalf("household member: %v", err)
		}
	}
	return h
}

// pairingFor creates a pairing helping person p, with one visit that has
// a photo, and returns the pairing and the visit.
func (e *env) pairingFor(p *people.Person, helper string) (*pairing.Pairing, *pairing.Visit) {
	e.t.Helper()
	ctx := context.Background()
	pr, err := e.Pairing.Create(ctx, auth.System("test"), pairing.Input{HelperKind: pairing.HelperPartner, HelperName: helper, TargetPersonID: p.ID, CadenceDays: 30})
	if err != nil {
		e.t.Fatalf("create pairing: %v", err)
	}
	var png bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	if err := pngEncode(&png, img); err != nil {
		e.t.Fatal(err)
	}
	v, err := e.Pairing.LogVisit(ctx, auth.System("test"), pr.ID, pairing.VisitInput{Help: "送米油", VisitorName: "测试", Photo: &pairing.Photo{Data: png.Bytes(), Filename: "visit.png"}})
	if err != nil {
		e.t.Fatalf("log visit: %v", err)
	}
	return pr, v
}

// slotAt creates a hotline duty slot at unit u.
func (e *env) slotAt(u *org.Unit, name string) *pairing.Slot {
	e.t.Helper()
	sl, err := e.Pairing.SetSlot(context.Background(), auth.System("test"), pairing.SlotInput{OrgID: u.ID, Service: pairing.Hotline, Weekday: 2, StartTime: "09:00", EndTime: "11:30", Name: name})
	if err != nil {
		e.t.Fatalf("create slot: %v", err)
	}
	return sl
}

// caseFor takes a case for person p (routed to p's committee) with one
// PDF attachment, and returns the case and the attachment.
func (e *env) caseFor(p *people.Person, summary string) (*cases.Case, *cases.Attachment) {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.Cases.Intake(ctx, auth.System("test"), cases.IntakeInput{Channel: cases.Hotline, Kind: cases.Consultation, Urgency: cases.Normal, PersonID: p.ID, Summary: summary})
	if err != nil {
		e.t.Fatalf("intake: %v", err)
	}
	at, err := e.Cases.Attach(ctx, auth.System("test"), c.ID, "证明.pdf", strings.NewReader("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"))
	if err != nil {
		e.t.Fatalf("attach: %v", err)
	}
	return c, at
}

// activityAt plans a meeting of unit u today with a photo.
func (e *env) activityAt(u *org.Unit, title string) (*activity.Activity, int64) {
	e.t.Helper()
	ctx := context.Background()
	x, err := e.Activity.Create(ctx, auth.System("test"), activity.Input{OrgID: u.ID, KindCode: "meeting", Title: title, Date: e.Activity.Today(), StartTime: "00:00",
		EndTime: "01:00"})
	if err != nil {
		e.t.Fatalf("activity: %v", err)
	}
	return x, e.activityPhoto(x.ID)
}

// activityPhoto adds a photo to an activity and returns its id.
func (e *env) activityPhoto(activityID int64) int64 {
	e.t.Helper()
	var png bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	if err := pngEncode(&png, img); err != nil {
		e.t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.Activity.AddPhoto(ctx, auth.System("test"), activityID, "photo.png", &png, ""); err != nil {
		e.t.Fatalf("photo: %v", err)
	}
	var id int64
	if err := e.DB.QueryRow(ctx, `SELECT MAX(id) FROM activity_files WHERE activity_id = ?`, activityID).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// hoursOf makes a volunteer of committee c (building group bg) with hours
// waiting for approval, and returns the entry's id.
func (e *env) hoursOf(name string, n int, c, bg *org.Unit) int64 {
	e.t.Helper()
	ctx := context.Background()
	in := people.Input{Name: name, IDNumber: idNumber(n), Ethnicity: "03", Kind: people.Registered, OrgID: c.ID, Tags: people.Tags(people.TagVolunteer)}
	if bg != nil {
		in.BuildingGroupID = bg.ID
	}
	p, err := e.People.Create(ctx, e.root, in)
	if err != nil {
		e.t.Fatalf("volunteer: %v", err)
	}
	id, err := e.Activity.LogHours(ctx, auth.System("test"), activity.HoursInput{PersonID: p.ID, Hours: "2", What: "值守"})
	if err != nil {
		e.t.Fatalf("hours: %v", err)
	}
	return id
}

// teamAt makes a volunteer team of unit u.
func (e *env) teamAt(u *org.Unit, name string) int64 {
	e.t.Helper()
	id, err := e.Activity.CreateTeam(context.Background(), auth.System("test"), activity.TeamInput{OrgID: u.ID, Name: name})
	if err != nil {
		e.t.Fatalf("team: %v", err)
	}
	return id
}

// venueAt makes a venue of unit u open every day 08:00–20:00 with a
// booking of u's tomorrow at 09:00, and returns both ids.
func (e *env) venueAt(u *org.Unit, name string) (int64, int64) {
	e.t.Helper()
	ctx, sys := context.Background(), auth.System("test")
	var hours []venue.Hours
	for d := 1; d <= 7; d++ {
		hours = append(hours, venue.Hours{Weekday: d, Opens: "08:00", Closes: "20:00"})
	}
	v, err := e.Venue.Create(ctx, sys, venue.Input{OrgID: u.ID, Name: name, Capacity: 30, Hours: hours})
	if err != nil {
		e.t.Fatalf("venue: %v", err)
	}
	tomorrow := e.Clock.Now().In(ref.China).AddDate(0, 0, 1).Format("2006-01-02")
	b, err := e.Venue.Book(ctx, sys, venue.BookingInput{VenueID: v.ID, OrgID: u.ID, Date: tomorrow, StartTime: "09:00", EndTime: "10:00",
		GroupName: name + "的团体", Purpose: "排练", People: 5})
	if err != nil {
		e.t.Fatalf("booking: %v", err)
	}
	return v.ID, b.ID
}

// partnerAt makes a partner of unit u with an agreement and its scan, and
// returns both ids.
func (e *env) partnerAt(u *org.Unit, name string) (int64, int64) {
	e.t.Helper()
	ctx, sys := context.Background(), auth.System("test")
	p, err := e.Partner.Create(ctx, sys, partner.Input{OrgID: u.ID, Name: name, Type: partner.Firm})
	if err != nil {
		e.t.Fatalf("partner: %v", err)
	}
	g, err := e.Partner.AddAgreement(ctx, sys, p.ID, partner.AgreementInput{Title: "共建协议", StartsOn: "2026-01-01", EndsOn: "2030-12-31",
		FileName: "协议.pdf", File: strings.NewReader("%PDF-1.4\n" + name + "\n%%EOF\n")})
	if err != nil {
		e.t.Fatalf("agreement: %v", err)
	}
	return p.ID, g.ID
}

// activityNow reads an activity as it is now.
func (e *env) activityNow(id int64) *activity.Activity {
	e.t.Helper()
	x, err := e.Activity.Get(context.Background(), auth.System("test"), id)
	if err != nil {
		e.t.Fatalf("get activity %d: %v", id, err)
	}
	return x
}

// caseNow reads a case as it is now.
func (e *env) caseNow(id int64) *cases.Case {
	e.t.Helper()
	c, err := e.Cases.Get(context.Background(), auth.System("test"), id)
	if err != nil {
		e.t.Fatalf("get case %d: %v", id, err)
	}
	return c
}

// pairingNow reads a pairing as it is now.
func (e *env) pairingNow(id int64) *pairing.Pairing {
	e.t.Helper()
	p, err := e.Pairing.Get(context.Background(), auth.System("test"), id)
	if err != nil {
		e.t.Fatalf("get pairing %d: %v", id, err)
	}
	return p
}

// personNow reads a person as they are now.
func (e *env) personNow(id int64) *people.Person {
	e.t.Helper()
	p, err := e.People.Get(context.Background(), e.root, id)
	if err != nil {
		e.t.Fatalf("get person %d: %v", id, err)
	}
	return p
}

// householdNow reads a household as it is now.
func (e *env) householdNow(id int64) *people.Household {
	e.t.Helper()
	h, err := e.People.Household(context.Background(), e.root, id)
	if err != nil {
		e.t.Fatalf("get household %d: %v", id, err)
	}
	return h
}

// userNow reads an account as it is now.
func (e *env) userNow(id int64) *auth.User {
	e.t.Helper()
	u, err := e.Auth.Get(context.Background(), e.root, id)
	if err != nil {
		e.t.Fatalf("get user %d: %v", id, err)
	}
	return u
}

// count runs a COUNT query.
func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// denials counts the audit records of refused access written for a request.
func (e *env) denials(requestID string) int {
	e.t.Helper()
	return e.count(`SELECT COUNT(*) FROM audit_log WHERE request_id = ? AND action = 'denied' AND result = 'denied'`, requestID)
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Len()
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// client is an HTTP client of the test server that does not follow
// redirects, so tests see each 303 and where it points.
type client struct {
	e  *env
	hc *http.Client
	// bearer, when set, is sent as Authorization: Bearer.
	bearer string
}

// anon returns a client with a cookie jar and no session.
func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// withToken returns a client without cookies that authenticates with a
// bearer token.
func (e *env) withToken(secret string) *client {
	c := e.noCookies()
	c.bearer = secret
	return c
}

// noCookies returns a client that keeps no cookies: it never logs in,
// whatever it posts to /login.
func (e *env) noCookies() *client {
	return &client{e: e, hc: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login logs username in through the login form and returns the client
// holding the session cookie.
func (e *env) login(username string) *client {
	e.t.Helper()
	c := e.anon()
	r := c.postForm("/login", url.Values{"username": {username}, "password": {password}})
	if r.Code != http.StatusSeeOther || r.Location() != "/" {
		e.t.Fatalf("login %s: status %d, location %q, body %.300s", username, r.Code, r.Location(), r.Body)
	}
	return c
}

// resp is a response read in full.
type resp struct {
	Code   int
	Header http.Header
	Body   string
	// RequestID is the X-Request-Id the server gave the request.
	RequestID string
}

func (r *resp) Location() string { return r.Header.Get("Location") }

// Text is the body with HTML entities decoded, to compare with catalog
// messages.
func (r *resp) Text() string { return html.UnescapeString(r.Body) }

var (
	titleRE  = regexp.MustCompile(`<title>([^<]*)</title>`)
	alertRE  = regexp.MustCompile(`(?s)<(?:h1|div class="flash[^"]*"[^>]*)>(.*?)</`)
	spacesRE = regexp.MustCompile(`\s+`)
)

// Summary is a short account of the body for failure messages: the title
// and first heading or alert of a page, or the start of other bodies.
func (r *resp) Summary() string {
	if m := titleRE.FindStringSubmatch(r.Body); m != nil {
		s := " [" + html.UnescapeString(m[1])
		for _, a := range alertRE.FindAllStringSubmatch(r.Body, 2) {
			s += " | " + strings.TrimSpace(html.UnescapeString(a[1]))
		}
		return s + "]"
	}
	b := spacesRE.ReplaceAllString(r.Body, " ")
	if len(b) > 200 {
		b = b[:200] + "…"
	}
	return " " + b
}

// JSON decodes the body into v.
func (r *resp) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode JSON (status %d): %v\n%.500s", r.Code, err, r.Body)
	}
}

func (c *client) do(method, path, contentType string, body io.Reader, hdr http.Header) *resp {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.URL+path, body)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &resp{Code: res.StatusCode, Header: res.Header, Body: string(b), RequestID: res.Header.Get("X-Request-Id")}
}

func (c *client) get(path string) *resp {
	c.e.t.Helper()
	return c.do(http.MethodGet, path, "", nil, nil)
}

func (c *client) postForm(path string, v url.Values) *resp {
	c.e.t.Helper()
	return c.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
}

func (c *client) sendJSON(method, path string, v any) *resp {
	c.e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return c.do(method, path, "application/json", strings.NewReader(string(b)), nil)
}

// cookie returns the value of a cookie the client holds for the server.
func (c *client) cookie(name string) string {
	if c.hc.Jar == nil {
		return ""
	}
	u, _ := url.Parse(c.e.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

var pngEncode = png.Encode
