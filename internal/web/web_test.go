package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/org"
)

// flashError returns the text of the page's error alert.
func flashError(body string) string {
	m := regexp.MustCompile(`(?s)<div class="flash error"[^>]*>(.*?)</div>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(html.UnescapeString(m[1]))
}

func TestLoginFailuresLookAlike(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("amina", auth.CommitteeStaff, e.A)
		off := e.user("disabled-user", auth.CommitteeStaff, e.A)
		if err := e.Auth.SetDisabled(context.Background(), auth.System("test"), off.ID, true); err != nil {
			t.Fatal(err)
		}
		type answer struct {
			code  int
			alert string
		}
		var first *answer
		for _, tc := range []struct{ name, username, password string }{
			{"wrong password", "amina", "not-the-password-1"},
			{"unknown user", "nobody-here", "not-the-password-1"},
			{"unknown user, right password", "nobody-here", password},
			{"disabled account", "disabled-user", password},
			{"empty form", "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := e.anon()
				r := c.postForm("/login", url.Values{"username": {tc.username}, "password": {tc.password}})
				got := answer{r.Code, flashError(r.Body)}
				if got.code != http.StatusUnauthorized || got.alert != zh("err.bad_login") {
					t.Errorf("got %d %q, want 401 %q", got.code, got.alert, zh("err.bad_login"))
				}
				if first == nil {
					first = &got
				} else if got != *first {
					t.Errorf("answer %+v differs from %+v: a login must not tell which names exist", got, *first)
				}
				if c.cookie("shiliu_session") != "" {
					t.Error("a failed login set a session cookie")
				}
				// The typed name is kept, the password is not.
				if tc.password != "" && strings.Contains(r.Body, tc.password) {
					t.Error("the login page echoes the password")
				}
			})
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'`); n != 5 {
			t.Errorf("%d login_failed audit records, want 5", n)
		}
	})
}

func TestLockout(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("amina", auth.CommitteeStaff, e.A)
		c := e.anon()
		try := func(pw string) *resp {
			return c.postForm("/login", url.Values{"username": {"amina"}, "password": {pw}})
		}
		for i := 1; i <= auth.MaxFailures; i++ {
			if r := try(fmt.Sprintf("wrong-password-%02d", i)); r.Code != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d", i, r.Code)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'lockout' AND username = 'amina'`); n != 1 {
			t.Errorf("%d lockout audit records, want 1", n)
		}
		// Locked: the right password fails with the same message.
		for _, step := range []time.Duration{0, 14 * time.Minute} {
			e.Clock.Add(step)
			r := try(password)
			if r.Code != http.StatusUnauthorized || flashError(r.Body) != zh("err.bad_login") {
				t.Fatalf("%v into the lockout: status %d %q, want 401 %q", step, r.Code, flashError(r.Body), zh("err.bad_login"))
			}
		}
		// 15 minutes after the fifth failure the account opens again.
		e.Clock.Add(time.Minute + time.Second)
		if r := try(password); r.Code != http.StatusSeeOther || r.Location() != "/" {
			t.Fatalf("after the lockout: status %d %q, want 303 to /", r.Code, r.Location())
		}
		// Failures spread over more than the window never lock.
		for i := 0; i < 2*auth.MaxFailures; i++ {
			try("wrong-password-xx")
			e.Clock.Add(auth.FailureWindow / 3)
		}
		if e.Auth.Locked(context.Background(), "amina") {
			t.Error("failures spread beyond the window locked the account")
		}
	})
}

func TestIdleAndAbsoluteTimeout(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.user("amina", auth.CommitteeStaff, e.A)
		c := e.login("amina")
		// Active every 29 minutes: the session stays.
		e.Clock.Add(29 * time.Minute)
		if r := c.get("/"); r.Code != http.StatusOK {
			t.Fatalf("after 29 idle minutes: %d %s", r.Code, r.Location())
		}
		e.Clock.Add(29 * time.Minute)
		if r := c.get("/"); r.Code != http.StatusOK {
			t.Fatalf("29 minutes after the last request: %d %s", r.Code, r.Location())
		}
		// 31 idle minutes end it, and the session row is gone.
		e.Clock.Add(31 * time.Minute)
		if r := c.get("/org"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login?next=") {
			t.Fatalf("after 31 idle minutes: %d %q, want 303 to /login?next=", r.Code, r.Location())
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, u.ID); n != 0 {
			t.Errorf("%d sessions left after the idle timeout", n)
		}
		if r := c.get("/api/v1/me"); r.Code != http.StatusUnauthorized {
			t.Errorf("API with the expired session: %d, want 401", r.Code)
		}

		// However active, a session ends after the absolute timeout.
		c = e.login("amina")
		var elapsed time.Duration
		for elapsed <= auth.AbsoluteTimeout {
			e.Clock.Add(29 * time.Minute)
			elapsed += 29 * time.Minute
			r := c.get("/")
			if elapsed <= auth.AbsoluteTimeout && r.Code != http.StatusOK {
				t.Fatalf("active session ended after %v: %d", elapsed, r.Code)
			}
			if elapsed > auth.AbsoluteTimeout && r.Code != http.StatusSeeOther {
				t.Fatalf("session still open after %v: %d", elapsed, r.Code)
			}
		}
	})
}

func TestForcedPasswordChange(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		// Created by an administrator: the first password must be changed.
		admin := e.user("admin", auth.StreetAdmin, e.S)
		u, err := e.Auth.Create(ctx, admin.Actor(), auth.NewUser{Username: "newbie", Role: auth.CommitteeStaff, OrgID: e.A.ID, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		if !u.MustChangePassword {
			t.Fatal("an account made by an administrator must change its password")
		}
		c := e.anon()
		r := c.postForm("/login", url.Values{"username": {"newbie"}, "password": {password}, "next": {"/org"}})
		if r.Code != http.StatusSeeOther || r.Location() != "/password" {
			t.Fatalf("login: %d %q, want 303 to /password", r.Code, r.Location())
		}
		// Every other route sends the user to the password form (UI) or
		// refuses (API).
		for _, rt := range e.Srv.Routes() {
			if rt.Perm == auth.Public || rt.AllowBeforePasswordChange {
				continue
			}
			method, path := concretePath(rt, e.A.ID)
			r := c.do(method, path, "", nil, nil)
			switch {
			case rt.API && r.Code != http.StatusForbidden:
				t.Errorf("%s %s: %d, want 403", method, path, r.Code)
			case !rt.API && (r.Code != http.StatusSeeOther || r.Location() != "/password"):
				t.Errorf("%s %s: %d %q, want 303 to /password", method, path, r.Code, r.Location())
			}
		}
		if r := c.get("/password"); r.Code != http.StatusOK || !strings.Contains(r.Text(), zh("password.forced")) {
			t.Errorf("password form: %d, want 200 with %q", r.Code, zh("password.forced"))
		}
		// A wrong old password, a weak one, the same one: refused inline.
		for _, tc := range []struct{ old, pw, key string }{
			{"wrong-old-password", "a-brand-new-secret-1", "err.old_password_wrong"},
			{password, "short", "err.password_short"},
			{password, password, "err.password_same"},
		} {
			r := c.postForm("/password", url.Values{"old_password": {tc.old}, "password": {tc.pw}, "confirm": {tc.pw}})
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Text(), zh(tc.key)) {
				t.Errorf("change %q → %q: %d, want 422 with %q", tc.old, tc.pw, r.Code, zh(tc.key))
			}
		}
		if r := c.get("/"); r.Location() != "/password" {
			t.Fatalf("a refused change must not release the account: %d %q", r.Code, r.Location())
		}
		r = c.postForm("/password", url.Values{"old_password": {password}, "password": {"a-brand-new-secret-1"}, "confirm": {"a-brand-new-secret-1"}})
		if r.Code != http.StatusSeeOther || r.Location() != "/" {
			t.Fatalf("change: %d %q, want 303 to /", r.Code, r.Location())
		}
		for _, p := range []string{"/", "/org", "/account"} {
			if r := c.get(p); r.Code != http.StatusOK {
				t.Errorf("%s after the change: %d %q", p, r.Code, r.Location())
			}
		}
		if r := c.get("/api/v1/me"); r.Code != http.StatusOK {
			t.Errorf("API after the change: %d", r.Code)
		}
		// The new password logs in, the old one no longer does.
		if r := e.anon().postForm("/login", url.Values{"username": {"newbie"}, "password": {password}}); r.Code != http.StatusUnauthorized {
			t.Errorf("old password: %d, want 401", r.Code)
		}
		if r := e.anon().postForm("/login", url.Values{"username": {"newbie"}, "password": {"a-brand-new-secret-1"}}); r.Location() != "/" {
			t.Errorf("new password: %d %q, want 303 to /", r.Code, r.Location())
		}
	})
}

func TestLogoutEndsServerSession(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.user("amina", auth.CommitteeStaff, e.A)
		c := e.login("amina")
		old := c.cookie("shiliu_session")
		if old == "" {
			t.Fatal("no session cookie after login")
		}
		r := c.postForm("/logout", nil)
		if r.Code != http.StatusSeeOther || r.Location() != "/login" {
			t.Fatalf("logout: %d %q, want 303 to /login", r.Code, r.Location())
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, u.ID); n != 0 {
			t.Errorf("%d sessions left after logout", n)
		}
		if c.cookie("shiliu_session") != "" {
			t.Error("the session cookie was not cleared")
		}
		if !strings.Contains(r.Header.Get("Clear-Site-Data"), "cache") {
			t.Errorf("Clear-Site-Data = %q", r.Header.Get("Clear-Site-Data"))
		}
		// Replaying the old cookie gets the login page, not the user's data.
		replay := e.noCookies()
		hdr := http.Header{"Cookie": {"shiliu_session=" + old}}
		if r := replay.do(http.MethodGet, "/org", "", nil, hdr); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Errorf("old cookie on /org: %d %q, want 303 to /login", r.Code, r.Location())
		}
		if r := replay.do(http.MethodGet, "/api/v1/me", "", nil, hdr); r.Code != http.StatusUnauthorized {
			t.Errorf("old cookie on the API: %d, want 401", r.Code)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'logout' AND user_id = ?`, u.ID); n != 1 {
			t.Errorf("%d logout audit records, want 1", n)
		}
	})
}

// cspDirectives parses a Content-Security-Policy header.
func cspDirectives(h string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(h, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

var (
	inlineScriptRE  = regexp.MustCompile(`<script(?:\s[^>]*)?>`)
	inlineHandlerRE = regexp.MustCompile(`\son[a-z]+\s*=`)
	inlineStyleRE   = regexp.MustCompile(`\sstyle\s*=|<style`)
)

func TestSecurityHeaders(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("admin", auth.StreetAdmin, e.S)
		anon := e.anon()
		admin := e.login("admin")
		for _, tc := range []struct {
			name     string
			c        *client
			path     string
			loggedIn bool
		}{
			{"login page", anon, "/login", false},
			{"health", anon, "/healthz", false},
			{"not found", anon, "/no/such/page", false},
			{"dashboard", admin, "/", true},
			{"org tree", admin, "/org", true},
			{"org unit", admin, "/org/" + strconv.FormatInt(e.A.ID, 10), true},
			{"account", admin, "/account", true},
			{"API", admin, "/api/v1/me", true},
			{"forbidden", admin, "/audit", true},
			{"not found, logged in", admin, "/org/999999", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.c.get(tc.path)
				h := r.Header
				csp := cspDirectives(h.Get("Content-Security-Policy"))
				if len(csp) == 0 {
					t.Fatal("no Content-Security-Policy")
				}
				script := csp["script-src"]
				if script == nil {
					script = csp["default-src"]
				}
				if script == nil || slices.Contains(script, "'unsafe-inline'") || slices.Contains(script, "'unsafe-eval'") || slices.Contains(script, "*") {
					t.Errorf("script-src %v must be set and allow no inline script", script)
				}
				if !slices.Equal(csp["frame-ancestors"], []string{"'none'"}) {
					t.Errorf("frame-ancestors %v, want 'none'", csp["frame-ancestors"])
				}
				if !slices.Equal(csp["object-src"], []string{"'none'"}) {
					t.Errorf("object-src %v, want 'none'", csp["object-src"])
				}
				if h.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("X-Content-Type-Options %q", h.Get("X-Content-Type-Options"))
				}
				if p := h.Get("Referrer-Policy"); p == "" || p == "unsafe-url" || p == "no-referrer-when-downgrade" {
					t.Errorf("Referrer-Policy %q", p)
				}
				if h.Get("X-Frame-Options") != "DENY" {
					t.Errorf("X-Frame-Options %q", h.Get("X-Frame-Options"))
				}
				if tc.loggedIn && !strings.Contains(h.Get("Cache-Control"), "no-store") {
					t.Errorf("Cache-Control %q on a logged-in answer, want no-store", h.Get("Cache-Control"))
				}
				if h.Get("X-Request-Id") == "" {
					t.Error("no X-Request-Id")
				}
				// The CSP blocks inline script and style: pages must not
				// depend on them.
				if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
					for _, m := range inlineScriptRE.FindAllString(r.Body, -1) {
						if !strings.Contains(m, " src=") {
							t.Errorf("inline script %q", m)
						}
					}
					if m := inlineHandlerRE.FindString(r.Body); m != "" {
						t.Errorf("inline event handler %q", m)
					}
					if m := inlineStyleRE.FindString(r.Body); m != "" {
						t.Errorf("inline style %q", m)
					}
				}
			})
		}
		// The session cookie is out of reach of scripts and other sites.
		r := e.anon().postForm("/login", url.Values{"username": {"admin"}, "password": {password}})
		var session *http.Cookie
		for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
			if ck.Name == "shiliu_session" {
				session = ck
			}
		}
		if session == nil {
			t.Fatal("no session cookie")
		}
		if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
			t.Errorf("session cookie HttpOnly=%v SameSite=%v Path=%q, want HttpOnly, Lax, /", session.HttpOnly, session.SameSite, session.Path)
		}
		if session.MaxAge <= 0 || session.MaxAge > int(auth.AbsoluteTimeout.Seconds()) {
			t.Errorf("session cookie Max-Age %d", session.MaxAge)
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.user("admin", auth.StreetAdmin, e.S)
		c := e.login("admin")
		evil := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
		units := e.count(`SELECT COUNT(*) FROM org_units`)
		for _, tc := range []struct {
			name  string
			path  string
			form  url.Values
			check func(t *testing.T)
		}{
			{"create unit", "/org", url.Values{"code": {"evil"}, "name": {"恶意单位"}, "kind": {"committee"}, "parent_id": {strconv.FormatInt(e.S.ID, 10)}},
				func(t *testing.T) {
					if n := e.count(`SELECT COUNT(*) FROM org_units`); n != units {
						t.Errorf("%d units, want %d", n, units)
					}
				}},
			{"language", "/account/lang", url.Values{"lang": {"en"}}, func(t *testing.T) {
				if u := e.userNow(admin.ID); u.Lang == "en" {
					t.Error("the language changed")
				}
			}},
			{"create user", "/users", url.Values{"username": {"evil"}, "role": {"street_admin"}, "org_id": {strconv.FormatInt(e.S.ID, 10)}},
				func(t *testing.T) {
					if n := e.count(`SELECT COUNT(*) FROM users WHERE username = 'evil'`); n != 0 {
						t.Error("the account was created")
					}
				}},
			{"logout", "/logout", nil, func(t *testing.T) {
				if r := c.get("/"); r.Code != http.StatusOK {
					t.Errorf("the session ended: %d %q", r.Code, r.Location())
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.do(http.MethodPost, tc.path, "application/x-www-form-urlencoded", strings.NewReader(tc.form.Encode()), evil)
				if r.Code != http.StatusForbidden {
					t.Errorf("cross-origin POST %s: %d, want 403", tc.path, r.Code)
				}
				if !strings.Contains(r.Text(), zh("err.cross_origin")) {
					t.Errorf("the refusal does not say why (%q)", zh("err.cross_origin"))
				}
				tc.check(t)
			})
		}
		// The API refuses a cross-origin write too, even with a session.
		r := c.do(http.MethodPost, "/api/v1/org-units", "application/json",
			strings.NewReader(fmt.Sprintf(`{"code":"evil2","name":"恶意","kind":"committee","parent_id":%d}`, e.S.ID)), evil)
		if r.Code != http.StatusForbidden || e.count(`SELECT COUNT(*) FROM org_units`) != units {
			t.Errorf("cross-origin API POST: %d", r.Code)
		}
		// A same-origin form still works.
		same := http.Header{"Origin": {e.URL}, "Sec-Fetch-Site": {"same-origin"}}
		r = c.do(http.MethodPost, "/account/lang", "application/x-www-form-urlencoded", strings.NewReader("lang=zh"), same)
		if r.Code != http.StatusSeeOther {
			t.Errorf("same-origin POST: %d, want 303", r.Code)
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, p := range []string{"/healthz", "/readyz"} {
			if r := e.noCookies().get(p); r.Code != http.StatusOK || strings.TrimSpace(r.Body) != "ok" {
				t.Errorf("%s: %d %q", p, r.Code, r.Body)
			}
		}
	})
}

func TestOpenAPIListsEveryAPIRoute(t *testing.T) {
	// The document is public and built from the route table: no database.
	s := newServerNoDB(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	e := &env{t: t, URL: ts.URL}
	r := e.noCookies().get("/api/v1/openapi.json")
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %q", r.Code, r.Header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Summary    string `json:"summary"`
			Permission string `json:"x-permission"`
			Parameters []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	r.JSON(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	want := map[string]bool{}
	for _, rt := range s.Routes() {
		if !rt.API {
			continue
		}
		method, path, _ := strings.Cut(rt.Pattern, " ")
		key := strings.ToLower(method) + " " + path
		want[key] = true
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s is not in the OpenAPI document", rt.Pattern)
			continue
		}
		if op.Summary == "" {
			t.Errorf("%s has no summary (add it to apiDocs)", rt.Pattern)
		}
		if op.Permission != string(rt.Perm) {
			t.Errorf("%s: x-permission %q, want %q", rt.Pattern, op.Permission, rt.Perm)
		}
		for _, m := range paramRE.FindAllStringSubmatch(path, -1) {
			if !slices.ContainsFunc(op.Parameters, func(p struct {
				Name string `json:"name"`
				In   string `json:"in"`
			}) bool {
				return p.Name == m[1] && p.In == "path"
			}) {
				t.Errorf("%s: path parameter %s not documented", rt.Pattern, m[1])
			}
		}
		if len(op.Responses) == 0 {
			t.Errorf("%s: no responses", rt.Pattern)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !want[method+" "+path] {
				t.Errorf("the document lists %s %s, which is not a route", method, path)
			}
		}
	}
	// Every $ref points at a schema that exists.
	for _, m := range regexp.MustCompile(`"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(r.Body, -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
}

var tokenRE = regexp.MustCompile(`slp_[A-Za-z0-9_-]{20,}`)

func TestPersonalAccessToken(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.user("amina", auth.CommitteeStaff, e.A)
		c := e.login("amina")
		r := c.postForm("/account/tokens", url.Values{"name": {"我的脚本"}, "days": {"30"}})
		secret := tokenRE.FindString(r.Body)
		if r.Code != http.StatusOK || secret == "" {
			t.Fatalf("create token: %d, secret %q", r.Code, secret)
		}
		if e.count(`SELECT COUNT(*) FROM api_tokens WHERE user_id = ? AND token_hash = ?`, u.ID, secret) != 0 {
			t.Error("the token is stored in clear")
		}
		// Shown once: the account page lists it without the secret.
		if r := c.get("/account"); !strings.Contains(r.Body, "我的脚本") || strings.Contains(r.Body, secret) {
			t.Error("the account page must list the token but not show its secret again")
		}
		tc := e.withToken(secret)
		var me struct {
			Username    string
			Permissions []string
		}
		r = tc.get("/api/v1/me")
		if r.Code != http.StatusOK {
			t.Fatalf("/api/v1/me with the token: %d %s", r.Code, r.Body)
		}
		r.JSON(t, &me)
		if me.Username != "amina" || !slices.Contains(me.Permissions, string(auth.OrgView)) {
			t.Errorf("/api/v1/me = %+v", me)
		}
		// The token reads its user's committee, not the sibling one.
		if r := tc.get(fmt.Sprintf("/api/v1/org-units/%d", e.A.ID)); r.Code != http.StatusOK {
			t.Errorf("own committee: %d", r.Code)
		}
		r = tc.get(fmt.Sprintf("/api/v1/org-units/%d", e.B.ID))
		if r.Code != http.StatusNotFound || strings.Contains(r.Body, e.B.Name) {
			t.Errorf("sibling committee: %d %s, want 404 without its name", r.Code, r.Body)
		}
		if e.denials(r.RequestID) != 1 {
			t.Error("the sibling read left no denied audit record")
		}
		// Tokens open the API only, never the pages.
		if r := tc.get("/org"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Errorf("a page with a bearer token: %d %q, want the login page", r.Code, r.Location())
		}
		// Revoke: the token stops working at once.
		toks, err := e.Auth.Tokens(context.Background(), u.Actor())
		if err != nil || len(toks) != 1 {
			t.Fatalf("tokens: %v %v", toks, err)
		}
		r = c.postForm(fmt.Sprintf("/account/tokens/%d/revoke", toks[0].ID), nil)
		if r.Code != http.StatusSeeOther || r.Location() != "/account" {
			t.Fatalf("revoke: %d %q", r.Code, r.Location())
		}
		r = tc.get("/api/v1/me")
		var er struct{ Error struct{ Code string } }
		if r.Code != http.StatusUnauthorized {
			t.Fatalf("revoked token: %d, want 401", r.Code)
		}
		if r.JSON(t, &er); er.Error.Code != "login_required" {
			t.Errorf("revoked token: error code %q", er.Error.Code)
		}
		// Revoking again, or a made-up id, is not found.
		if r := c.postForm(fmt.Sprintf("/account/tokens/%d/revoke", toks[0].ID), nil); r.Code != http.StatusNotFound {
			t.Errorf("revoke twice: %d, want 404", r.Code)
		}
		// Garbage and expired tokens are refused alike.
		for _, bad := range []string{"slp_made-up-token-000000000000000", "not-even-a-token", ""} {
			if r := e.withToken(bad).get("/api/v1/me"); r.Code != http.StatusUnauthorized {
				t.Errorf("token %q: %d, want 401", bad, r.Code)
			}
		}
		_, short := e.token(u, "thirty-days")
		if r := e.withToken(short).get("/api/v1/me"); r.Code != http.StatusOK {
			t.Fatalf("fresh token: %d", r.Code)
		}
		e.Clock.Add(31 * 24 * time.Hour)
		if r := e.withToken(short).get("/api/v1/me"); r.Code != http.StatusUnauthorized {
			t.Errorf("expired token: %d, want 401", r.Code)
		}
		// A disabled account's tokens stop too.
		_, live := e.token(u, "no-expiry")
		if err := e.Auth.SetDisabled(context.Background(), auth.System("test"), u.ID, true); err != nil {
			t.Fatal(err)
		}
		if r := e.withToken(live).get("/api/v1/me"); r.Code != http.StatusUnauthorized {
			t.Errorf("token of a disabled account: %d, want 401", r.Code)
		}
	})
}

func TestLanguageSwitch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		if zh("login.submit") == en("login.submit") {
			t.Fatal("the catalogs agree on login.submit: the test cannot tell the languages apart")
		}
		c := e.anon()
		r := c.get("/login")
		if !strings.Contains(r.Text(), zh("login.submit")) || !strings.Contains(r.Body, `<html lang="zh-CN">`) {
			t.Error("the login page is not in Chinese by default")
		}
		// Accept-Language is not followed: offices choose English explicitly.
		r = c.do(http.MethodGet, "/login", "", nil, http.Header{"Accept-Language": {"en-US,en;q=0.9"}})
		if !strings.Contains(r.Text(), zh("login.submit")) {
			t.Error("Accept-Language switched the language")
		}
		r = c.get("/login?lang=en")
		if !strings.Contains(r.Text(), en("login.submit")) || !strings.Contains(r.Body, `<html lang="en">`) {
			t.Error("?lang=en did not switch the login page to English")
		}
		// The choice sticks (cookie) ...
		if r := c.get("/login"); !strings.Contains(r.Text(), en("login.submit")) {
			t.Error("the language choice was not kept")
		}
		// ... and error messages follow it.
		r = c.postForm("/login", url.Values{"username": {"x"}, "password": {"y"}})
		if flashError(r.Body) != en("err.bad_login") {
			t.Errorf("error in English: %q, want %q", flashError(r.Body), en("err.bad_login"))
		}
		if r := c.get("/login?lang=zh"); !strings.Contains(r.Text(), zh("login.submit")) {
			t.Error("?lang=zh did not switch back")
		}
		// The account setting is the user's language after login.
		e.user("amina", auth.CommitteeStaff, e.A)
		u := e.login("amina")
		if r := u.postForm("/account/lang", url.Values{"lang": {"en"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("save language: %d", r.Code)
		}
		fresh := e.login("amina")
		if r := fresh.get("/account"); !strings.Contains(r.Text(), en("account.title")) {
			t.Error("the saved language does not apply to a new session")
		}
		var er struct{ Error struct{ Message string } }
		fresh.get("/api/v1/audit").JSON(t, &er)
		if er.Error.Message != en("err.forbidden") {
			t.Errorf("API error %q, want %q", er.Error.Message, en("err.forbidden"))
		}
	})
}

var (
	inputValueRE = func(name string) *regexp.Regexp {
		return regexp.MustCompile(`<input[^>]*\bname="` + name + `"[^>]*\bvalue="([^"]*)"`)
	}
	fieldErrorRE = func(name string) *regexp.Regexp {
		return regexp.MustCompile(`<p class="field-error" id="err-` + name + `">([^<]*)</p>`)
	}
)

func formValue(body, name string) string {
	m := inputValueRE(name).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestOrgEditConflict(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("admin", auth.StreetAdmin, e.S)
		c := e.login("admin")
		edit := fmt.Sprintf("/org/%d/edit", e.A.ID)
		r := c.get(edit)
		version := formValue(r.Body, "version")
		if r.Code != http.StatusOK || version != strconv.Itoa(e.A.Version) {
			t.Fatalf("edit form: %d, version %q, want %d", r.Code, version, e.A.Version)
		}
		// Someone else saves first.
		other := e.unitNow(e.A.ID)
		in := org.Input{Code: other.Code, Name: "甲居委会（他人修改）", Kind: other.Kind, ParentID: other.ParentID, Version: other.Version}
		if err := e.Org.Update(context.Background(), e.root, e.A.ID, in); err != nil {
			t.Fatal(err)
		}
		current := e.unitNow(e.A.ID)
		typed := url.Values{"code": {e.A.Code}, "name": {"甲居委会 <我的修改>"}, "kind": {"committee"}, "parent_id": {strconv.FormatInt(e.S.ID, 10)},
			"address": {"石榴路1号"}, "contact": {"王书记 13800000000"}, "note": {"我写的备注"}, "version": {version}}
		r = c.postForm(fmt.Sprintf("/org/%d", e.A.ID), typed)
		if r.Code != http.StatusConflict {
			t.Fatalf("stale save: %d %q, want 409", r.Code, r.Location())
		}
		if !strings.Contains(r.Text(), zh("err.version_conflict")) {
			t.Errorf("the page does not show %q", zh("err.version_conflict"))
		}
		for _, f := range []string{"name", "address", "contact", "code"} {
			if got := formValue(r.Body, f); got != typed.Get(f) {
				t.Errorf("%s: the form shows %q, want the typed %q", f, got, typed.Get(f))
			}
		}
		if !strings.Contains(r.Text(), ">我写的备注</textarea>") {
			t.Error("the typed note was lost")
		}
		// The form now carries the current version: saving again is a
		// deliberate overwrite.
		if got := formValue(r.Body, "version"); got != strconv.Itoa(current.Version) {
			t.Errorf("version in the form %q, want the current %d", got, current.Version)
		}
		if u := e.unitNow(e.A.ID); u.Name != "甲居委会（他人修改）" || u.Version != current.Version {
			t.Errorf("the stale save changed the unit: %q v%d", u.Name, u.Version)
		}
		typed.Set("version", formValue(r.Body, "version"))
		if r := c.postForm(fmt.Sprintf("/org/%d", e.A.ID), typed); r.Code != http.StatusSeeOther {
			t.Fatalf("second save: %d", r.Code)
		}
		if u := e.unitNow(e.A.ID); u.Name != "甲居委会 <我的修改>" || u.Note != "我写的备注" {
			t.Errorf("after the second save: %q %q", u.Name, u.Note)
		}
		// The API answers a stale version with 409.
		r = c.sendJSON(http.MethodPut, fmt.Sprintf("/api/v1/org-units/%d", e.A.ID), map[string]any{"code": e.A.Code, "name": "x", "kind": "committee",
			"parent_id": e.S.ID, "version": current.Version})
		if r.Code != http.StatusConflict {
			t.Errorf("API stale save: %d, want 409", r.Code)
		}
	})
}

func TestOrgCreateInvalid(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("admin", auth.StreetAdmin, e.S)
		c := e.login("admin")
		units := e.count(`SELECT COUNT(*) FROM org_units`)
		creates := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'org_unit'`)
		for _, tc := range []struct {
			name   string
			form   url.Values
			errors map[string]string // field → message key
		}{
			{"missing name and code", url.Values{"kind": {"building_group"}, "parent_id": {strconv.FormatInt(e.A.ID, 10)}, "address": {"石榴路2号"}},
				map[string]string{"name": "err.required", "code": "err.required"}},
			{"code with a space", url.Values{"code": {"a b"}, "name": {"新楼组"}, "kind": {"building_group"}, "parent_id": {strconv.FormatInt(e.A.ID, 10)}},
				map[string]string{"code": "err.code_invalid"}},
			{"taken code", url.Values{"code": {e.B.Code}, "name": {"新楼组"}, "kind": {"building_group"}, "parent_id": {strconv.FormatInt(e.A.ID, 10)}},
				map[string]string{"code": "err.code_taken"}},
			{"parent out of scope", url.Values{"code": {"x1"}, "name": {"新街道"}, "kind": {"subdistrict"}, "parent_id": {strconv.FormatInt(e.D.ID, 10)}},
				map[string]string{"parent_id": "err.org_unknown"}},
			{"wrong parent kind", url.Values{"code": {"x2"}, "name": {"新楼组"}, "kind": {"building_group"}, "parent_id": {strconv.FormatInt(e.S.ID, 10)}},
				map[string]string{"parent_id": "err.parent_kind"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.postForm("/org", tc.form)
				if r.Code != http.StatusUnprocessableEntity {
					t.Fatalf("status %d %q, want 422", r.Code, r.Location())
				}
				if flashError(r.Body) != zh("err.invalid_form") {
					t.Errorf("alert %q, want %q", flashError(r.Body), zh("err.invalid_form"))
				}
				for field, key := range tc.errors {
					m := fieldErrorRE(field).FindStringSubmatch(r.Body)
					if m == nil || html.UnescapeString(m[1]) != zh(key) {
						t.Errorf("field %s: inline error %v, want %q", field, m, zh(key))
					}
				}
				for _, f := range []string{"name", "code", "address"} {
					if got := formValue(r.Body, f); got != tc.form.Get(f) {
						t.Errorf("%s: the form shows %q, want the typed %q", f, got, tc.form.Get(f))
					}
				}
			})
		}
		if n := e.count(`SELECT COUNT(*) FROM org_units`); n != units {
			t.Errorf("%d units, want %d: an invalid form created one", n, units)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'org_unit'`); n != creates {
			t.Error("an invalid form left a create audit record")
		}
		// The API answers the same problems as 422 with the fields named.
		r := c.sendJSON(http.MethodPost, "/api/v1/org-units", map[string]any{"kind": "building_group", "parent_id": e.A.ID})
		var er struct {
			Error struct {
				Code   string
				Fields map[string]string
			}
		}
		r.JSON(t, &er)
		if r.Code != http.StatusUnprocessableEntity || er.Error.Fields["name"] != zh("err.required") || er.Error.Fields["code"] != zh("err.required") {
			t.Errorf("API: %d %+v", r.Code, er)
		}
		// Unknown JSON fields are refused, not ignored.
		r = c.sendJSON(http.MethodPost, "/api/v1/org-units", map[string]any{"code": "x3", "name": "新楼组", "kind": "building_group", "parent_id": e.A.ID, "path": "/1/"})
		if r.Code != http.StatusUnprocessableEntity || e.count(`SELECT COUNT(*) FROM org_units`) != units {
			t.Errorf("API with an unknown field: %d", r.Code)
		}
	})
}

var (
	auditRowRE = regexp.MustCompile(`(?s)<tr class="result-[a-z]+">(.*?)</tr>`)
)

func TestAuditFilters(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("auditor", auth.AuditAdmin, e.D)
		e.user("amina", auth.CommitteeStaff, e.A)
		e.user("bilal", auth.CommitteeStaff, e.B)
		// Some history: logins, a failure, a logout, a refusal.
		for _, u := range []string{"amina", "bilal", "amina"} {
			e.login(u)
		}
		e.anon().postForm("/login", url.Values{"username": {"amina"}, "password": {"wrong-password-1"}})
		a := e.login("amina")
		a.get("/audit") // denied
		a.postForm("/logout", nil)
		c := e.login("auditor")

		actionCell := regexp.MustCompile(`data-label="` + regexp.QuoteMeta(zh("audit.action")) + `">([^<]*)</td>`)
		for _, action := range []string{"login", "login_failed", "logout", "denied"} {
			t.Run(action, func(t *testing.T) {
				want := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = ?`, action)
				if want == 0 {
					t.Fatalf("no %s records to filter", action)
				}
				r := c.get("/audit?action=" + action)
				if r.Code != http.StatusOK {
					t.Fatalf("status %d", r.Code)
				}
				rows := auditRowRE.FindAllStringSubmatch(r.Body, -1)
				if len(rows) != want {
					t.Errorf("%d rows, want %d", len(rows), want)
				}
				for _, row := range rows {
					m := actionCell.FindStringSubmatch(row[1])
					if m == nil || html.UnescapeString(m[1]) != zh("action."+action) {
						t.Errorf("row action %v, want %q", m, zh("action."+action))
					}
				}
				if !strings.Contains(r.Body, `<option value="`+action+`" selected>`) {
					t.Error("the filter form does not keep the chosen action")
				}
				// The API filters alike.
				var list struct {
					Items []struct{ Action string }
					Total int
				}
				c.get("/api/v1/audit?action="+action).JSON(t, &list)
				if list.Total != want || len(list.Items) != want {
					t.Errorf("API: total %d, %d items, want %d", list.Total, len(list.Items), want)
				}
				for _, it := range list.Items {
					if it.Action != action {
						t.Errorf("API item with action %q", it.Action)
					}
				}
			})
		}
		// Filters combine: amina's logins only.
		want := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'login' AND username = 'amina'`)
		r := c.get("/audit?action=login&user=amina")
		if rows := auditRowRE.FindAllString(r.Body, -1); len(rows) != want || want != 3 {
			t.Errorf("amina's logins: %d rows, want %d (3)", len(rows), want)
		}
		if strings.Contains(r.Body, ">bilal") {
			t.Error("the user filter shows bilal")
		}
		// An auditor of committee A sees A's records only.
		e.user("auditor-a", auth.AuditAdmin, e.A)
		ca := e.login("auditor-a")
		r = ca.get("/audit?action=login")
		if strings.Contains(r.Body, ">bilal") || !strings.Contains(r.Body, ">amina") {
			t.Error("an auditor of committee A must see A's logins and not B's")
		}
	})
}

// TestListPagesPageAndSort renders each list page past its first page and
// with each sort key: the pager and the sortable headers are partials that
// only run on long lists.
func TestListPagesPageAndSort(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		e.user("admin", auth.StreetAdmin, e.S)
		e.user("auditor", auth.AuditAdmin, e.D)
		for i := range 55 {
			e.unit(org.Input{Code: fmt.Sprintf("bg-%02d", i), Name: fmt.Sprintf("楼组%02d", i), Kind: org.BuildingGroup, ParentID: e.A.ID})
			e.user(fmt.Sprintf("user%02d", i), auth.Liaison, e.A)
		}
		for i := range 55 {
			if err := audit.Write(ctx, d, audit.Entry{Who: audit.Who{Username: "admin", OrgID: e.S.ID}, Action: audit.ActionExport, Entity: "test", EntityID: strconv.Itoa(i)}); err != nil {
				t.Fatal(err)
			}
		}
		admin, auditor := e.login("admin"), e.login("auditor")
		for _, tc := range []struct {
			c     *client
			path  string
			sorts []string
		}{
			{admin, "/org?view=list", []string{"code", "name", "kind", "updated"}},
			{admin, "/users", []string{"username", "name", "role", "org", "last_login"}},
			{auditor, "/audit", nil},
		} {
			for _, sort := range append([]string{""}, tc.sorts...) {
				for page, rel := range map[int]string{1: `rel="next"`, 2: `rel="prev"`} {
					p := tc.path + "&page=" + strconv.Itoa(page)
					if !strings.Contains(tc.path, "?") {
						p = tc.path + "?page=" + strconv.Itoa(page)
					}
					if sort != "" {
						p += "&sort=" + sort
					}
					r := tc.c.get(p)
					if r.Code != http.StatusOK {
						t.Errorf("%s: %d%s", p, r.Code, r.Summary())
						continue
					}
					if !strings.Contains(r.Body, rel) {
						t.Errorf("%s: no %s link", p, rel)
					}
					if sort != "" && !strings.Contains(r.Body, `class="sorted"`) {
						t.Errorf("%s: no sorted column", p)
					}
				}
			}
		}
	})
}

// TestPersonListPages: the persons list shows the page asked for, with the
// total; a page past the end shows the last page.
func TestPersonListPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("admin", auth.StreetAdmin, e.S)
		for i := range 55 {
			e.person(fmt.Sprintf("马%c%c", '甲'+rune(i/10), '子'+rune(i%10)), 100+i, e.A, nil)
		}
		c := e.login("admin")
		link := regexp.MustCompile(`href="/persons/(\d+)"`)
		ids := func(path string) []string {
			t.Helper()
			r := c.get(path)
			if r.Code != http.StatusOK {
				t.Fatalf("%s: %d%s", path, r.Code, r.Summary())
			}
			if !strings.Contains(r.Body, "55") {
				t.Errorf("%s: no total of 55", path)
			}
			var out []string
			for _, m := range link.FindAllStringSubmatch(r.Body, -1) {
				if !slices.Contains(out, m[1]) {
					out = append(out, m[1])
				}
			}
			return out
		}
		first, second, past := ids("/persons?q=%E9%A9%AC"), ids("/persons?q=%E9%A9%AC&page=2"), ids("/persons?q=%E9%A9%AC&page=9")
		if len(first) != 50 || len(second) != 5 || !slices.Equal(second, past) {
			t.Fatalf("pages of %d and %d persons, past the end %d", len(first), len(second), len(past))
		}
		for _, id := range second {
			if slices.Contains(first, id) {
				t.Fatalf("person %s on both pages", id)
			}
		}
	})
}
