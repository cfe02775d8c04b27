package web_test

// The access matrix: every route of the route table (UI and API) × every
// role (and no login) × the object's place in the org tree (own unit, a
// unit below it, a sibling unit, the parent unit). The expected answer is
// derived from the role → permission table, never written per route:
//
//   - no login: the login page (UI) or 401 (API), except on public routes;
//   - the role lacks the route's permission: 403, and an audit record;
//   - the object is outside the actor's subtree: 404, and an audit record;
//   - otherwise the request is let through (no 401/403/404 and no 5xx).
//
// TestRouteTableIsCovered fails on a route the matrix has no rule for (no
// permission, an unknown kind of {id}, an unknown path parameter, a
// state-changing route without a request body), so a route added later
// is either exercised here or breaks the build's tests.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/web"
)

// objectKinds are the values of Route.Object the matrix can fill {id} with.
var objectKinds = map[string]bool{"org": true, "user": true, "token": true, "person": true, "household": true, "pairing": true, "visit": true, "slot": true, "case": true, "attachment": true,
	"activity": true, "activityphoto": true, "hours": true, "team": true,
	"venue": true, "booking": true, "partner": true, "agreement": true}

// extraParams are path parameters other than {id}, with the value used.
var extraParams = map[string]string{"year": "2024", "figure": "minority_registered"}

// subtreeSamples are the paths requested for subtree patterns ("/static/").
var subtreeSamples = map[string]string{"GET /static/": "/static/app.css"}

// publicRoutes are the only routes open without login. A new public route
// must be added here on purpose.
var publicRoutes = []string{
	"GET /healthz", "GET /readyz", "GET /static/", "GET /login", "POST /login", "GET /api/v1/openapi.json",
}

// beforePasswordChange are the only routes a user who must change their
// password may reach.
var beforePasswordChange = []string{"POST /logout", "GET /password", "POST /password"}

// permDomains: a route under one of these paths needs a permission of
// that domain (or of one of the domains "a.|b." names), so a page cannot be guarded by another domain's permission
// (or by "self") without this test noticing.
var permDomains = map[string]string{
	"/org": "org.", "/users": "user.", "/audit": "audit.",
	"/api/v1/org-units": "org.", "/api/v1/users": "user.", "/api/v1/audit": "audit.",
	"/persons": "person.", "/households": "person.", "/quality": "person.",
	"/api/v1/persons": "person.", "/api/v1/households": "person.",
	"/pairings": "pairing.", "/visits": "pairing.", "/contacts": "pairing.", "/duty": "case.", "/api/v1/pairings": "pairing.",
	// Community life: reading is community.view, writing the domain's own.
	"/activities": "community.|activity.", "/api/v1/activities": "community.|activity.",
	"/venues": "community.|venue.", "/api/v1/venues": "community.|venue.",
	"/partners": "community.|partner.", "/api/v1/partners": "community.|partner.",
	"/volunteers": "community.|volunteer.", "/api/v1/volunteers": "community.|volunteer.",
	"/honours": "community.|honour.", "/api/v1/honours": "community.|honour.",
	"/budget": "community.|budget.", "/api/v1/budget": "community.|budget.",
	"/festivals": "community.|festival.", "/api/v1/festivals": "community.|festival.",
	"/docs": "doc.", "/api/v1/docs": "doc.",
	"/stats": "figure.", "/figures": "figure.", "/api/v1/indicators": "figure.", "/api/v1/dashboard": "figure.",
	"/reports": "figure.|report.", "/api/v1/reports": "figure.|report.",
	"/cases": "case.", "/attachments": "case.", "/settings/cases": "case.", "/settings/holidays": "case.", "/api/v1/cases": "case.",
}

// endsSession are routes after which the actor's session is gone; the
// matrix runs them last for each role.
var endsSession = []string{"POST /logout"}

// knownPermissions is every permission some role holds.
func knownPermissions() map[auth.Permission]bool {
	m := map[auth.Permission]bool{}
	for _, r := range auth.Roles {
		for _, p := range r.Permissions() {
			m[p] = true
		}
	}
	return m
}

var paramRE = regexp.MustCompile(`\{([^}]*)\}`)

// checkRoute returns what the matrix cannot handle about rt.
func checkRoute(rt web.Route) []string {
	var bad []string
	method, path, ok := strings.Cut(rt.Pattern, " ")
	if !ok || !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, method) || !strings.HasPrefix(path, "/") {
		return []string{"pattern must be \"METHOD /path\""}
	}
	switch {
	case rt.Perm == "":
		bad = append(bad, "no permission (Perm is empty)")
	case rt.Perm != auth.Public && !knownPermissions()[rt.Perm]:
		bad = append(bad, fmt.Sprintf("permission %q is held by no role of auth.Roles", rt.Perm))
	}
	if (rt.Perm == auth.Public) != slices.Contains(publicRoutes, rt.Pattern) {
		bad = append(bad, "public routes must be listed in publicRoutes, and only they")
	}
	for prefix, domain := range permDomains {
		if (path == prefix || strings.HasPrefix(path, prefix+"/")) && !slices.ContainsFunc(strings.Split(domain, "|"), func(d string) bool { return strings.HasPrefix(string(rt.Perm), d) }) {
			bad = append(bad, fmt.Sprintf("a route under %s needs a %s* permission, not %q", prefix, domain, rt.Perm))
		}
	}
	if rt.AllowBeforePasswordChange != slices.Contains(beforePasswordChange, rt.Pattern) {
		bad = append(bad, "AllowBeforePasswordChange must match beforePasswordChange")
	}
	if rt.API != strings.HasPrefix(path, "/api/") {
		bad = append(bad, "API must be set exactly for /api/ paths")
	}
	hasID := false
	for _, m := range paramRE.FindAllStringSubmatch(path, -1) {
		switch name := m[1]; {
		case name == "$":
			if !strings.HasSuffix(path, "{$}") {
				bad = append(bad, "{$} only at the end")
			}
		case name == "id":
			hasID = true
			if !objectKinds[rt.Object] {
				bad = append(bad, fmt.Sprintf("{id} names an object the matrix does not know (Object %q; known: org, user, token, person, household, pairing, visit, slot, case, attachment)", rt.Object))
			}
		default:
			if _, ok := extraParams[name]; !ok {
				bad = append(bad, fmt.Sprintf("path parameter {%s} unknown to the matrix (add it to extraParams)", name))
			}
		}
	}
	if rt.Object != "" && !hasID {
		bad = append(bad, "Object set but the pattern has no {id}")
	}
	if strings.HasSuffix(path, "/") && path != "/" {
		if _, ok := subtreeSamples[rt.Pattern]; !ok {
			bad = append(bad, "subtree pattern without a sample path in subtreeSamples")
		}
	}
	if method != http.MethodGet {
		if _, ok := matrixBodies[rt.Pattern]; !ok {
			bad = append(bad, "state-changing route without an entry in matrixBodies")
		}
	}
	return bad
}

func newServerNoDB(t *testing.T) *web.Server {
	t.Helper()
	s, err := web.New(web.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRouteTableIsCovered fails when the route table holds a route the
// access matrix has no rule for.
func TestRouteTableIsCovered(t *testing.T) {
	routes := newServerNoDB(t).Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes", len(routes))
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		if seen[rt.Pattern] {
			t.Errorf("%s: declared twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		for _, p := range checkRoute(rt) {
			t.Errorf("%s: %s", rt.Pattern, p)
		}
	}
	for _, lists := range [][]string{publicRoutes, beforePasswordChange, endsSession} {
		for _, p := range lists {
			if !seen[p] {
				t.Errorf("%s is listed in the test but is not a route", p)
			}
		}
	}
	for p := range matrixBodies {
		if !seen[p] {
			t.Errorf("matrixBodies has %s, which is not a route", p)
		}
	}
}

// TestRouteCheckCatchesUnknownRoutes shows that the check above refuses the
// routes a later change could add without thinking of access control.
func TestRouteCheckCatchesUnknownRoutes(t *testing.T) {
	for _, rt := range []web.Route{
		{Pattern: "GET /reports"},                          // no permission
		{Pattern: "GET /reports", Perm: "report.view"},     // a permission no role holds
		{Pattern: "GET /reports", Perm: auth.Public},       // public by accident
		{Pattern: "GET /reports/{id}", Perm: auth.OrgView}, // {id} of unknown kind
		{Pattern: "GET /reports/{id}", Perm: auth.OrgView, Object: "report"},
		{Pattern: "GET /persons/{id}", Perm: auth.OrgView, Object: "person"},       // weaker than its domain
		{Pattern: "GET /org/{id}/files/{name}", Perm: auth.OrgView, Object: "org"}, // unknown parameter
		{Pattern: "GET /org/x", Perm: auth.OrgView, Object: "org"},                 // Object without {id}
		{Pattern: "POST /org/{id}/merge", Perm: auth.OrgEdit, Object: "org"},       // no request body
		{Pattern: "GET /api/v1/x", Perm: auth.OrgView},                             // API flag missing
		{Pattern: "GET /x", Perm: auth.Self, AllowBeforePasswordChange: true},
		{Pattern: "/org", Perm: auth.OrgView},                         // no method
		{Pattern: "GET /org/{id}", Perm: auth.Self, Object: "org"},    // weaker than its domain
		{Pattern: "GET /api/v1/users", Perm: auth.OrgView, API: true}, // another domain's permission
	} {
		if len(checkRoute(rt)) == 0 {
			t.Errorf("%+v passed the route check", rt)
		}
	}
}

// outcome is what a request should get.
type outcome int

const (
	allowed   outcome = iota
	toLogin           // redirect to the login page (UI) or 401 (API)
	forbidden         // 403
	notFound          // 404
)

func (o outcome) String() string {
	return [...]string{"allowed", "login", "403", "404"}[o]
}

// expect derives the outcome from the permission table. role "" is a
// request without login.
func expect(rt web.Route, role auth.Role, place string) outcome {
	switch {
	case rt.Perm == auth.Public:
		return allowed
	case role == "":
		return toLogin
	case !role.Has(rt.Perm):
		return forbidden
	case (rt.Object == "case" || rt.Object == "attachment") && (role == auth.Leader || role == auth.Liaison):
		// Leaders see emergencies only, liaisons the cases they took or
		// are assigned: the matrix's cases are neither.
		return notFound
	case rt.Object == "" || place == "own" || place == "child":
		return allowed
	case place == "parent" && (rt.Object == "activity" || rt.Object == "activityphoto" || rt.Object == "team") &&
		(strings.HasPrefix(rt.Pattern, "GET ") || rt.Perm == auth.ActivityAttend):
		// A committee reads its subdistrict's activities and teams, and
		// takes the roll call of its activities; it changes none of them.
		return allowed
	case place == "parent" && (rt.Object == "venue" || rt.Object == "partner") &&
		(strings.HasPrefix(rt.Pattern, "GET ") && !strings.HasSuffix(rt.Pattern, "/edit") || rt.Perm == auth.VenueBook):
		// A committee reads its subdistrict's venues and partners and books
		// the subdistrict's rooms; it changes neither (nor opens the
		// subdistrict's agreement scans: an agreement is not a partner).
		return allowed
	case place == "parent" && (rt.Object == "doc" || rt.Object == "docversion") && strings.HasPrefix(rt.Pattern, "GET "):
		// The subdistrict's rules apply to its committees: read, not changed.
		return allowed
	}
	return notFound
}

// target is an object the matrix points {id} at.
type target struct {
	id int64
	// secret is text of the object that a refused answer must not show.
	secret string
}

// matrix is the fixture of the access matrix.
type matrix struct {
	*env
	// objects[kind][place] for places own, child, sibling, parent; token
	// objects are per actor and filled in for each role.
	objects map[string]map[string]target
	// anonUser is used for the public POST /login without a session.
	anonUser *auth.User
	// liaisonID is a liaison account in A, the target of assignments.
	liaisonID int64
	// perRole makes the slot objects afresh for each role (a delete
	// removes the own one); perRolePhotos the activity photos.
	perRole       func() map[string]target
	perRolePhotos func() map[string]target
	seq           int
}

// places lists the positions tried for an object kind.
func places(object string) []string {
	switch object {
	case "":
		return []string{""}
	case "token": // a token belongs to a user, nothing stands below it
		return []string{"own", "sibling", "parent"}
	case "person", "household", "pairing", "visit", "case", "attachment", "hours": // they live in committees, never above
		return []string{"own", "child", "sibling"}
	case "slot": // rosters belong to committees and subdistricts
		return []string{"own", "sibling"}
	}
	return []string{"own", "child", "sibling", "parent"}
}

// bodyCtx is what a request body is built from.
type bodyCtx struct {
	m     *matrix
	actor *auth.User // nil without login
	id    int64      // the object {id} names
	seq   int        // unique per request, for codes and usernames
}

type bodyFunc func(c bodyCtx) (contentType string, body io.Reader)

func form(v url.Values) (string, io.Reader) {
	return "application/x-www-form-urlencoded", strings.NewReader(v.Encode())
}

func jsonBody(v string) (string, io.Reader) { return "application/json", strings.NewReader(v) }

func noBody(bodyCtx) (string, io.Reader) { return "", nil }

// matrixBodies gives every state-changing route a plausible request, so
// that "allowed" is not a validation error by accident (422 still counts as
// allowed). They are built right before the request, with the object's
// current version.
var matrixBodies = map[string]bodyFunc{
	"POST /login": func(c bodyCtx) (string, io.Reader) {
		u := c.actor
		if u == nil {
			u = c.m.anonUser
		}
		return form(url.Values{"username": {u.Username}, "password": {password}})
	},
	"POST /logout": noBody,
	// A mismatched confirmation: the form answers 422 and the password
	// stays, so later requests still log in.
	"POST /password": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"old_password": {password}, "password": {"another-pomegranate-1"}, "confirm": {"another-pomegranate-2"}})
	},
	"POST /account/lang": func(bodyCtx) (string, io.Reader) { return form(url.Values{"lang": {"zh"}}) },
	"POST /account/tokens": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"name": {"matrix"}, "days": {"30"}})
	},
	"POST /account/tokens/{id}/revoke": noBody,
	"POST /org": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"code": {fmt.Sprintf("N%d", c.seq)}, "name": {fmt.Sprintf("新楼组%d", c.seq)}, "kind": {"building_group"},
			"parent_id": {strconv.FormatInt(c.m.A.ID, 10)}})
	},
	"POST /org/import": func(c bodyCtx) (string, io.Reader) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		f, _ := w.CreateFormFile("file", "tree.csv")
		fmt.Fprintf(f, "编码,名称,上级编码,类型\nI%d,导入楼组%d,%s,楼组\n", c.seq, c.seq, c.m.A.Code)
		w.Close()
		return w.FormDataContentType(), &b
	},
	"POST /org/{id}": func(c bodyCtx) (string, io.Reader) {
		u := c.m.unitNow(c.id)
		return form(url.Values{"code": {u.Code}, "name": {u.Name}, "kind": {string(u.Kind)}, "parent_id": {strconv.FormatInt(u.ParentID, 10)},
			"address": {u.Address}, "contact": {u.Contact}, "note": {fmt.Sprintf("matrix %d", c.seq)}, "version": {strconv.Itoa(u.Version)}})
	},
	"POST /org/{id}/archive": noBody,
	"POST /org/{id}/restore": noBody,
	"POST /org/{id}/population": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"year": {"2024"}, "registered": {"5200"}, "floating": {"800"}})
	},
	"POST /users": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"username": {fmt.Sprintf("new%d", c.seq)}, "display_name": {"新用户"}, "role": {string(auth.Liaison)},
			"org_id": {strconv.FormatInt(c.m.A.ID, 10)}})
	},
	"POST /users/{id}": func(c bodyCtx) (string, io.Reader) {
		u := c.m.userNow(c.id)
		return form(url.Values{"display_name": {fmt.Sprintf("改名%d", c.seq)}, "role": {string(u.Role)}, "org_id": {strconv.FormatInt(u.OrgID, 10)},
			"version": {strconv.Itoa(u.Version)}})
	},
	"POST /users/{id}/disable":        noBody,
	"POST /users/{id}/enable":         noBody,
	"POST /users/{id}/reset-password": noBody,
	"POST /users/{id}/unlock":         noBody,
	"POST /api/v1/org-units": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"code":"J%d","name":"接口楼组%d","kind":"building_group","parent_id":%d}`, c.seq, c.seq, c.m.A.ID))
	},
	"PUT /api/v1/org-units/{id}": func(c bodyCtx) (string, io.Reader) {
		u := c.m.unitNow(c.id)
		return jsonBody(fmt.Sprintf(`{"code":%q,"name":%q,"kind":%q,"parent_id":%d,"note":"api %d","version":%d}`, u.Code, u.Name, u.Kind, u.ParentID, c.seq, u.Version))
	},
	"PUT /api/v1/org-units/{id}/population/{year}": func(bodyCtx) (string, io.Reader) {
		return jsonBody(`{"registered":5300,"floating":900}`)
	},
	"POST /persons": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"name": {fmt.Sprintf("新居民%d", c.seq)}, "id_number": {idNumber(1000 + c.seq)}, "ethnicity": {"03"}, "kind": {"1"},
			"org_id": {strconv.FormatInt(c.m.A.ID, 10)}})
	},
	"POST /persons/assign": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"liaison": {strconv.FormatInt(c.m.liaisonID, 10)}, "person": {strconv.FormatInt(c.m.objects["person"]["own"].id, 10)}, "back": {"/persons"}})
	},
	"POST /persons/{id}": func(c bodyCtx) (string, io.Reader) {
		p := c.m.personNow(c.id)
		return form(url.Values{"name": {p.Name}, "ethnicity": {p.Ethnicity}, "kind": {strconv.Itoa(int(p.Kind))}, "org_id": {strconv.FormatInt(p.OrgID, 10)},
			"building_group_id": {strconv.FormatInt(p.BuildingGroupID, 10)}, "note": {fmt.Sprintf("matrix %d", c.seq)}, "version": {strconv.Itoa(p.Version)}})
	},
	"POST /persons/{id}/reveal": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"field": {"id_number"}, "reason": {"access matrix"}})
	},
	// Returning an active person is refused (422): allowed, and nothing
	// changes for the requests after it.
	"POST /persons/{id}/lifecycle": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"kind": {"returned"}, "date": {"2024-01-01"}, "version": {strconv.Itoa(c.m.personNow(c.id).Version)}})
	},
	"POST /persons/{id}/archive":   func(bodyCtx) (string, io.Reader) { return form(url.Values{"reason": {""}}) },
	"POST /persons/{id}/restore":   noBody,
	"POST /persons/{id}/household": func(bodyCtx) (string, io.Reader) { return form(url.Values{"relation": {"其他"}}) },
	"POST /persons/{id}/assign": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"liaison": {strconv.FormatInt(c.m.liaisonID, 10)}})
	},
	"POST /households": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"org_id": {strconv.FormatInt(c.m.A.ID, 10)}, "code": {fmt.Sprintf("H%d", c.seq)}, "address": {"石榴路2号"}})
	},
	"POST /households/{id}": func(c bodyCtx) (string, io.Reader) {
		h := c.m.householdNow(c.id)
		return form(url.Values{"org_id": {strconv.FormatInt(h.OrgID, 10)}, "building_group_id": {strconv.FormatInt(h.BuildingGroupID, 10)},
			"code": {h.Code}, "address": {h.Address}, "note": {fmt.Sprintf("matrix %d", c.seq)}, "version": {strconv.Itoa(h.Version)}})
	},
	"POST /households/{id}/members": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"id_number": {"not-an-id"}, "relation": {"其他"}})
	},
	"POST /households/{id}/assign": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"liaison": {strconv.FormatInt(c.m.liaisonID, 10)}})
	},
	"POST /quality/merge": func(bodyCtx) (string, io.Reader) { return form(url.Values{"keep": {"0"}, "drop": {"0"}}) },
	"POST /api/v1/persons": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"name":"接口居民%d","id_number":%q,"ethnicity":"回族","kind":1,"committee_id":%d}`, c.seq, idNumber(5000+c.seq), c.m.A.ID))
	},
	"PUT /api/v1/persons/{id}": func(c bodyCtx) (string, io.Reader) {
		p := c.m.personNow(c.id)
		return jsonBody(fmt.Sprintf(`{"name":%q,"ethnicity":%q,"kind":%d,"committee_id":%d,"building_group_id":%d,"note":"api %d","version":%d}`,
			p.Name, p.Ethnicity, p.Kind, p.OrgID, p.BuildingGroupID, c.seq, p.Version))
	},
	"POST /api/v1/persons/{id}/reveal": func(bodyCtx) (string, io.Reader) {
		return jsonBody(`{"field":"phone","reason":"access matrix"}`)
	},
	"POST /pairings": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"target_person_id": {strconv.FormatInt(c.m.objects["person"]["own"].id, 10)}, "helper_kind": {"partner"},
			"helper_name": {fmt.Sprintf("共建单位%d", c.seq)}, "cadence_days": {"30"}})
	},
	"POST /pairings/{id}": func(c bodyCtx) (string, io.Reader) {
		p := c.m.pairingNow(c.id)
		return form(url.Values{"helper_kind": {string(p.HelperKind)}, "helper_name": {p.HelperName}, "target_person_id": {strconv.FormatInt(p.TargetPersonID, 10)},
			"start_date": {p.StartDate}, "cadence_days": {strconv.Itoa(p.CadenceDays)}, "agreement": {fmt.Sprintf("matrix %d", c.seq)}, "version": {strconv.Itoa(p.Version)}})
	},
	// No reason: refused (422), so the pairing stays active for the
	// requests after it.
	"POST /pairings/{id}/end": func(bodyCtx) (string, io.Reader) { return form(url.Values{"reason": {""}}) },
	"POST /pairings/{id}/visits": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"help": {fmt.Sprintf("走访%d", c.seq)}})
	},
	"POST /contacts": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"person_id": {strconv.FormatInt(c.m.objects["person"]["own"].id, 10)}, "mode": {"visit"}, "topic": {"matrix"}})
	},
	"POST /duty/slots": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"org_id": {strconv.FormatInt(c.m.A.ID, 10)}, "service": {"hotline"}, "weekday": {"2"}, "start_time": {"09:00"},
			"end_time": {"11:30"}, "name": {fmt.Sprintf("值班%d", c.seq)}})
	},
	"POST /duty/slots/{id}/delete": noBody,
	"POST /duty/log": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"service": {"hotline"}, "name": {"值班员"}, "minutes": {"60"}})
	},
	"POST /persons/import": func(c bodyCtx) (string, io.Reader) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		f, _ := w.CreateFormFile("file", "roster.csv")
		fmt.Fprintf(f, "姓名,民族,公民身份号码,所属居委\n导入居民%d,回族,%s,%s\n", c.seq, idNumber(8000+c.seq), c.m.A.Code)
		w.Close()
		return w.FormDataContentType(), &b
	},
	"POST /persons/import/apply": func(bodyCtx) (string, io.Reader) { return form(url.Values{"job": {"none"}}) },
	"POST /api/v1/persons/import": func(c bodyCtx) (string, io.Reader) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		f, _ := w.CreateFormFile("file", "roster.csv")
		fmt.Fprintf(f, "姓名,民族,公民身份号码,所属居委\n接口导入%d,回族,%s,%s\n", c.seq, idNumber(9000+c.seq), c.m.A.Code)
		w.Close()
		return w.FormDataContentType(), &b
	},
	"POST /cases": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"channel": {"hotline"}, "kind": {"consultation"}, "urgency": {"normal"}, "caller_name": {"马先生"},
			"summary": {fmt.Sprintf("咨询居住证办理 %d", c.seq)}, "org_id": {strconv.FormatInt(c.m.A.ID, 10)}})
	},
	// A note needs the case in progress: refused (422) on a new case,
	// which leaves it as it is.
	"POST /cases/{id}/transition": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"action": {"close"}, "version": {strconv.Itoa(c.m.caseNow(c.id).Version)}})
	},
	"POST /cases/{id}/attachments": func(c bodyCtx) (string, io.Reader) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		f, _ := w.CreateFormFile("file", "note.txt")
		fmt.Fprintf(f, "not an image %d", c.seq)
		w.Close()
		return w.FormDataContentType(), &b
	},
	"POST /cases/{id}/reveal":  func(bodyCtx) (string, io.Reader) { return form(url.Values{"reason": {"access matrix"}}) },
	"POST /notifications/read": noBody,
	"POST /settings/cases/rules": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"kind": {"consultation"}, "respond_days": {"1"}, "resolve_days": {"3"}})
	},
	"POST /settings/holidays": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"date": {"2026-10-01"}, "kind": {"off"}, "name": {"国庆节"}})
	},
	"POST /settings/holidays/delete": func(bodyCtx) (string, io.Reader) { return form(url.Values{"date": {"1999-01-01"}}) },
	"POST /settings/holidays/import": func(bodyCtx) (string, io.Reader) { return form(url.Values{"year": {"2026"}}) },
	"POST /api/v1/cases": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"channel":"hotline","kind":"consultation","caller_name":"接口来电","summary":"接口受理 %d","unit_id":%d}`, c.seq, c.m.A.ID))
	},
	"POST /api/v1/cases/{id}/transition": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"action":"close","version":%d}`, c.m.caseNow(c.id).Version))
	},
	"POST /api/v1/pairings/{id}/visits": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"help":"接口走访 %d"}`, c.seq))
	},
	"POST /activities": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"kind_code": {"meeting"}, "title": {fmt.Sprintf("矩阵活动%d", c.seq)}, "date": {"2026-05-06"}, "start_time": {"09:00"},
			"org_id": {strconv.FormatInt(c.m.A.ID, 10)}})
	},
	// Too long a title: refused (422) after the scope check, so nothing changes.
	"POST /activities/{id}": func(c bodyCtx) (string, io.Reader) {
		x := c.m.activityNow(c.id)
		return form(url.Values{"kind": {strconv.FormatInt(x.KindID, 10)}, "title": {strings.Repeat("长", 101)}, "date": {x.Date()}, "start_time": {"09:00"},
			"org_id": {strconv.FormatInt(x.OrgID, 10)}, "version": {strconv.Itoa(x.Version)}})
	},
	"POST /activities/{id}/cancel":     func(bodyCtx) (string, io.Reader) { return form(url.Values{"reason": {strings.Repeat("长", 201)}}) },
	"POST /activities/{id}/signup":     func(bodyCtx) (string, io.Reader) { return form(url.Values{"person_id": {"0"}}) },
	"POST /activities/{id}/unlist":     func(bodyCtx) (string, io.Reader) { return form(url.Values{"person_id": {"0"}}) },
	"POST /activities/{id}/roster":     func(bodyCtx) (string, io.Reader) { return form(url.Values{"person_id": {"0"}}) },
	"POST /activities/{id}/attendance": func(bodyCtx) (string, io.Reader) { return form(url.Values{"person_id": {"0"}, "present": {"1"}}) },
	"POST /activities/{id}/others":     func(bodyCtx) (string, io.Reader) { return form(url.Values{"others_count": {"x"}}) },
	"POST /activities/{id}/photos": func(c bodyCtx) (string, io.Reader) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		f, _ := w.CreateFormFile("photo", "note.txt")
		fmt.Fprintf(f, "not an image %d", c.seq)
		w.Close()
		return w.FormDataContentType(), &b
	},
	"POST /activity-photos/{id}/delete": noBody,
	"POST /activities/import": func(c bodyCtx) (string, io.Reader) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		f, _ := w.CreateFormFile("file", "ledger.txt")
		fmt.Fprintf(f, "not a workbook %d", c.seq)
		w.Close()
		return w.FormDataContentType(), &b
	},
	"POST /activities/kinds": func(bodyCtx) (string, io.Reader) { return form(url.Values{"name": {""}}) },
	"POST /volunteers/hours": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"person_id": {"0"}, "hours": {"2"}, "what": {"x"}})
	},
	"POST /volunteers/hours/{id}/decide":  func(bodyCtx) (string, io.Reader) { return form(url.Values{"approve": {"0"}}) },
	"POST /volunteers/teams":              func(bodyCtx) (string, io.Reader) { return form(url.Values{"name": {""}}) },
	"POST /volunteers/teams/{id}/members": func(bodyCtx) (string, io.Reader) { return form(url.Values{"person_id": {"0"}}) },
	"POST /api/v1/activities": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"kind":"meeting","title":"接口活动%d","date":"2026-05-06","start_time":"09:00","unit_id":%d}`, c.seq, c.m.A.ID))
	},
	"POST /api/v1/activities/{id}/attendance": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"person_id":0,"present":true}`) },
	"POST /api/v1/volunteers/hours":           func(bodyCtx) (string, io.Reader) { return jsonBody(`{"person_id":0,"hours":"2","what":"x"}`) },
	// An official date for Naadam 2030 (a conflict once it exists), then
	// its removal (refused as invalid once gone).
	"POST /festivals/official": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"festival": {"naadam"}, "year": {"2030"}, "date": {"2030-07-11"}, "source": {"matrix"}, "version": {"0"}})
	},
	"POST /festivals/official/delete": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"festival": {"naadam"}, "year": {"2030"}})
	},
	// Venues and partners: refused input (422) after the scope check, so
	// nothing changes for the requests after them.
	"POST /venues": func(bodyCtx) (string, io.Reader) { return form(url.Values{"name": {""}}) },
	"POST /venues/{id}": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"name": {strings.Repeat("长", 61)}, "version": {"1"}})
	},
	"POST /venues/{id}/bookings": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"date": {"2026-05-06"}, "start_time": {"10:00"}, "end_time": {"09:00"}, "group_name": {"x"}, "purpose": {"x"}, "people": {"1"}})
	},
	"POST /venues/bookings/{id}/cancel": func(bodyCtx) (string, io.Reader) { return form(url.Values{"reason": {strings.Repeat("长", 201)}}) },
	"POST /partners":                    func(bodyCtx) (string, io.Reader) { return form(url.Values{"name": {""}}) },
	"POST /partners/{id}": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"name": {""}, "type": {"firm"}, "version": {"1"}})
	},
	"POST /partners/{id}/agreements":        func(bodyCtx) (string, io.Reader) { return form(url.Values{"title": {""}}) },
	"POST /partners/agreements/{id}/update": func(bodyCtx) (string, io.Reader) { return form(url.Values{"title": {""}, "version": {"1"}}) },
	"POST /api/v1/venues":                   func(bodyCtx) (string, io.Reader) { return jsonBody(`{"name":""}`) },
	"PUT /api/v1/venues/{id}":               func(bodyCtx) (string, io.Reader) { return jsonBody(`{"name":"","version":1}`) },
	"POST /api/v1/venues/{id}/bookings": func(bodyCtx) (string, io.Reader) {
		return jsonBody(`{"date":"2026-05-06","start_time":"10:00","end_time":"09:00","group_name":"x","purpose":"x","people":1}`)
	},
	"POST /api/v1/venues/bookings/{id}/cancel": func(bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"reason":%q}`, strings.Repeat("长", 201)))
	},
	"POST /api/v1/partners":                 func(bodyCtx) (string, io.Reader) { return jsonBody(`{"name":""}`) },
	"PUT /api/v1/partners/{id}":             func(bodyCtx) (string, io.Reader) { return jsonBody(`{"name":"","version":1}`) },
	"POST /api/v1/partners/{id}/agreements": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"title":""}`) },
	"PUT /api/v1/partners/agreements/{id}":  func(bodyCtx) (string, io.Reader) { return jsonBody(`{"title":"","version":1}`) },
	"POST /api/v1/users": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"username":"api%d","display_name":"接口用户","role":"liaison","org_id":%d}`, c.seq, c.m.A.ID))
	},
}

// concretePath fills a route's pattern with id and the sample values.
func concretePath(rt web.Route, id int64) (method, path string) {
	method, path, _ = strings.Cut(rt.Pattern, " ")
	if s, ok := subtreeSamples[rt.Pattern]; ok {
		return method, s
	}
	path = strings.Replace(path, "{$}", "", 1)
	path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(id, 10))
	for name, v := range extraParams {
		path = strings.ReplaceAll(path, "{"+name+"}", v)
	}
	return method, path
}

func TestAccessMatrix(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		routes := e.Srv.Routes()
		for _, rt := range routes {
			if bad := checkRoute(rt); len(bad) > 0 {
				t.Fatalf("%s: %s (see TestRouteTableIsCovered)", rt.Pattern, strings.Join(bad, "; "))
			}
		}
		// Session-ending routes last, the table's order otherwise.
		routes = slices.Clone(routes)
		slices.SortStableFunc(routes, func(a, b web.Route) int {
			ea, eb := slices.Contains(endsSession, a.Pattern), slices.Contains(endsSession, b.Pattern)
			switch {
			case ea == eb:
				return 0
			case ea:
				return 1
			}
			return -1
		})

		m := &matrix{env: e}
		tOwn := e.user("t-own", auth.Liaison, e.A)
		tChild := e.user("t-child", auth.Liaison, e.G)
		tSibling := e.user("t-sibling", auth.Liaison, e.B)
		tParent := e.user("t-parent", auth.StreetStaff, e.S)
		m.anonUser = e.user("t-anon", auth.Liaison, e.A)
		m.liaisonID = tOwn.ID
		pOwn := e.person("本居委居民", 1, e.A, nil)
		pChild := e.person("楼组居民", 2, e.A, e.G)
		pSibling := e.person("乙居委居民", 3, e.B, nil)
		hOwn := e.household("A-001", e.A, nil, pOwn)
		hChild := e.household("A-002", e.A, e.G, pChild)
		hSibling := e.household("B-001", e.B, nil, pSibling)
		prOwn, vOwn := e.pairingFor(pOwn, "本居委共建")
		prChild, vChild := e.pairingFor(pChild, "楼组共建")
		prSibling, vSibling := e.pairingFor(pSibling, "乙居委共建单位")
		slSibling := e.slotAt(e.B, "乙居委值班员")
		cOwn, atOwn := e.caseFor(pOwn, "本居委来电")
		cChild, atChild := e.caseFor(pChild, "楼组来电")
		cSibling, atSibling := e.caseFor(pSibling, "乙居委来电咨询")
		// Deleting a slot removes it: each role gets a fresh own slot.
		m.perRole = func() map[string]target {
			return map[string]target{"own": {e.slotAt(e.A, "甲居委值班员").ID, ""}, "sibling": {slSibling.ID, slSibling.Name}}
		}
		acOwn, _ := e.activityAt(e.A, "本居委活动")
		acChild, _ := e.activityAt(e.G, "楼组活动")
		acSibling, _ := e.activityAt(e.B, "乙居委民族团结活动")
		acParent, _ := e.activityAt(e.S, "街道民族团结大会")
		m.perRolePhotos = func() map[string]target {
			return map[string]target{"own": {e.activityPhoto(acOwn.ID), ""}, "child": {e.activityPhoto(acChild.ID), ""},
				"sibling": {e.activityPhoto(acSibling.ID), ""}, "parent": {e.activityPhoto(acParent.ID), ""}}
		}
		hOwnID, hChildID, hSiblingID := e.hoursOf("本居委志愿者", 21, e.A, nil), e.hoursOf("楼组志愿者", 22, e.A, e.G), e.hoursOf("乙居委志愿者", 23, e.B, nil)
		tmOwn, tmChild, tmSibling, tmParent := e.teamAt(e.A, "本居委服务队"), e.teamAt(e.G, "楼组服务队"), e.teamAt(e.B, "乙居委编织队"), e.teamAt(e.S, "街道服务队")
		vnOwn, bkOwn := e.venueAt(e.A, "甲居委活动室")
		vnChild, bkChild := e.venueAt(e.G, "楼组活动室")
		vnSibling, bkSibling := e.venueAt(e.B, "乙居委书画室")
		vnParent, bkParent := e.venueAt(e.S, "民族之家多功能厅")
		ptOwn, agOwn := e.partnerAt(e.A, "甲居委清真餐厅")
		ptChild, agChild := e.partnerAt(e.G, "楼组共建企业")
		ptSibling, agSibling := e.partnerAt(e.B, "乙居委和谐养老院")
		ptParent, agParent := e.partnerAt(e.S, "街道司法所")
		tokSibling, _ := e.token(tSibling, "sibling-token")
		tokParent, _ := e.token(tParent, "parent-token")
		m.objects = map[string]map[string]target{
			"org": {"own": {e.A.ID, ""}, "child": {e.G.ID, ""}, "sibling": {e.B.ID, e.B.Name}, "parent": {e.S.ID, e.S.Name}},
			"user": {"own": {tOwn.ID, ""}, "child": {tChild.ID, ""}, "sibling": {tSibling.ID, tSibling.Username},
				"parent": {tParent.ID, tParent.Username}},
			"token":      {"sibling": {tokSibling, "sibling-token"}, "parent": {tokParent, "parent-token"}},
			"person":     {"own": {pOwn.ID, ""}, "child": {pChild.ID, ""}, "sibling": {pSibling.ID, pSibling.Name}},
			"household":  {"own": {hOwn.ID, ""}, "child": {hChild.ID, ""}, "sibling": {hSibling.ID, hSibling.Code}},
			"pairing":    {"own": {prOwn.ID, ""}, "child": {prChild.ID, ""}, "sibling": {prSibling.ID, prSibling.HelperName}},
			"visit":      {"own": {vOwn.ID, ""}, "child": {vChild.ID, ""}, "sibling": {vSibling.ID, ""}},
			"case":       {"own": {cOwn.ID, ""}, "child": {cChild.ID, ""}, "sibling": {cSibling.ID, cSibling.Summary}},
			"attachment": {"own": {atOwn.ID, ""}, "child": {atChild.ID, ""}, "sibling": {atSibling.ID, ""}},
			"activity": {"own": {acOwn.ID, ""}, "child": {acChild.ID, ""}, "sibling": {acSibling.ID, acSibling.Title},
				"parent": {acParent.ID, ""}},
			"hours":     {"own": {hOwnID, ""}, "child": {hChildID, ""}, "sibling": {hSiblingID, ""}},
			"team":      {"own": {tmOwn, ""}, "child": {tmChild, ""}, "sibling": {tmSibling, "乙居委编织队"}, "parent": {tmParent, ""}},
			"venue":     {"own": {vnOwn, ""}, "child": {vnChild, ""}, "sibling": {vnSibling, "乙居委书画室"}, "parent": {vnParent, ""}},
			"booking":   {"own": {bkOwn, ""}, "child": {bkChild, ""}, "sibling": {bkSibling, "乙居委书画室"}, "parent": {bkParent, ""}},
			"partner":   {"own": {ptOwn, ""}, "child": {ptChild, ""}, "sibling": {ptSibling, "乙居委和谐养老院"}, "parent": {ptParent, ""}},
			"agreement": {"own": {agOwn, ""}, "child": {agChild, ""}, "sibling": {agSibling, ""}, "parent": {agParent, ""}},
		}
		m.honourObjects(hOwn, hSibling)
		m.reportObjects()

		cases := 0
		t.Run("no-login", func(t *testing.T) {
			m.env.t = t
			cases += m.runRole(t, routes, "", nil)
		})
		for _, role := range auth.Roles {
			t.Run(string(role), func(t *testing.T) {
				m.env.t = t
				u := e.user("m_"+string(role), role, e.A)
				if role == auth.Liaison {
					// A liaison sees only whom they look after: give them
					// the own and child persons and households.
					_, err := e.People.Assign(context.Background(), e.root, u.ID, []int64{pOwn.ID, pChild.ID}, []int64{hOwn.ID, hChild.ID}, true)
					if err != nil {
						t.Fatalf("assign: %v", err)
					}
				}
				cases += m.runRole(t, routes, role, u)
			})
		}
		m.env.t = t
		t.Logf("%d routes, %d requests", len(routes), cases)
	})
}

// runRole runs every route for one role (role "" and actor nil: no login)
// and returns the number of requests made.
func (m *matrix) runRole(t *testing.T, routes []web.Route, role auth.Role, actor *auth.User) int {
	e := m.env
	var viaCookie, viaToken *client
	objects := map[string]map[string]target{}
	for k, v := range m.objects {
		objects[k] = v
	}
	if m.perRole != nil {
		objects["slot"] = m.perRole()
	}
	if m.perRolePhotos != nil {
		objects["activityphoto"] = m.perRolePhotos()
	}
	if actor == nil {
		viaCookie = e.noCookies()
	} else {
		viaCookie = e.login(actor.Username)
		own, _ := e.token(actor, "own-token")
		_, secret := e.token(actor, "api")
		viaToken = e.withToken(secret)
		tok := map[string]target{"own": {own, ""}}
		for p, x := range m.objects["token"] {
			tok[p] = x
		}
		objects["token"] = tok
	}
	n := 0
	for _, rt := range routes {
		clients := []*client{viaCookie}
		if rt.API && viaToken != nil {
			clients = append(clients, viaToken)
		}
		for _, place := range places(rt.Object) {
			obj := target{}
			if rt.Object != "" {
				obj = objects[rt.Object][place]
			}
			for _, c := range clients {
				m.seq++
				n++
				m.check(t, rt, role, actor, place, obj, c)
			}
		}
	}
	return n
}

// check makes one request and compares the answer with the expected one.
func (m *matrix) check(t *testing.T, rt web.Route, role auth.Role, actor *auth.User, place string, obj target, c *client) {
	t.Helper()
	e := m.env
	method, path := concretePath(rt, obj.id)
	var ct string
	var body io.Reader
	if f := matrixBodies[rt.Pattern]; f != nil {
		ct, body = f(bodyCtx{m: m, actor: actor, id: obj.id, seq: m.seq})
	}
	r := c.do(method, path, ct, body, nil)

	want := expect(rt, role, place)
	via := "session"
	if c.bearer != "" {
		via = "token"
	}
	who := string(role)
	if who == "" {
		who = "no login"
	}
	where := ""
	if place != "" {
		where = " on " + place + " " + rt.Object
	}
	desc := fmt.Sprintf("%s %s as %s%s via %s (want %s)", method, path, who, where, via, want)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s; got %d %s%s", desc, fmt.Sprintf(format, args...), r.Code, r.Location(), r.Summary())
	}
	if rt.API && r.Code >= 400 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		fail("an API error must be JSON, not %q", r.Header.Get("Content-Type"))
	}
	switch want {
	case allowed:
		switch {
		case r.Code >= 500 || r.Code == http.StatusUnauthorized || r.Code == http.StatusForbidden || r.Code == http.StatusNotFound:
			fail("not let through")
		case strings.HasPrefix(r.Location(), "/login") && !slices.Contains(endsSession, rt.Pattern):
			fail("sent to the login page: the session was lost")
		case r.Location() == "/password":
			fail("sent to the password page")
		case actor != nil && e.denials(r.RequestID) != 0:
			fail("an allowed request left a denied-access audit record")
		}
	case toLogin:
		if rt.API {
			var er struct{ Error struct{ Code string } }
			if r.Code != http.StatusUnauthorized {
				fail("want 401")
			} else if r.JSON(t, &er); er.Error.Code != "login_required" {
				fail("want error code login_required")
			}
		} else if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			fail("want a redirect to /login")
		} else if method == http.MethodGet && !strings.Contains(r.Location(), "next=") {
			fail("the login redirect should carry next=")
		}
	case forbidden, notFound:
		code := http.StatusForbidden
		if want == notFound {
			code = http.StatusNotFound
		}
		if r.Code != code {
			fail("want %d", code)
			return
		}
		if e.denials(r.RequestID) == 0 {
			fail("no audit record (action denied, result denied) for request %s", r.RequestID)
		}
		if obj.secret != "" && strings.Contains(r.Text(), obj.secret) {
			fail("the refusal shows %q", obj.secret)
		}
	}
}

// TestListsStayInScope calls every list route (GET without {id}) as each
// role attached to committee A: nothing of the sibling committee, the
// parent subdistrict or the liaison group beside it may appear.
func TestListsStayInScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		sib := e.user("sibling-user", auth.CommitteeStaff, e.B)
		par := e.user("parent-user", auth.StreetAdmin, e.S)
		// Records that the audit screens would show when out of scope.
		e.login(sib.Username)
		e.login(par.Username)
		// Texts of the records outside A's subtree. (The name of A's parent
		// may show: it is where A stands, shown as A's parent.)
		// A resident on each side, so the lists and figures have something
		// to show and something to keep out.
		e.person("范围内居民", 801, e.A, nil)
		outside := e.person("范围外居民", 802, e.B, nil)
		secrets := []string{e.B.Name, e.L.Name, e.D.Name, e.B.Code, sib.Username, par.Username, outside.Name}
		for _, role := range auth.Roles {
			u := e.user("l_"+string(role), role, e.A)
			c := e.login(u.Username)
			for _, rt := range e.Srv.Routes() {
				method, _, _ := strings.Cut(rt.Pattern, " ")
				if method != http.MethodGet || rt.Object != "" || rt.Perm == auth.Public || !role.Has(rt.Perm) {
					continue
				}
				_, path := concretePath(rt, 0)
				for _, q := range []string{"", "?view=list", "?archived=1", "?limit=500"} {
					r := c.get(path + q)
					if r.Code != http.StatusOK {
						t.Errorf("%s%s as %s: %d", path, q, role, r.Code)
						continue
					}
					for _, s := range secrets {
						if strings.Contains(r.Text(), s) {
							t.Errorf("%s%s as %s shows %q, outside the actor's subtree", path, q, role, s)
						}
					}
				}
			}
		}
		// A unit list through the API names only A and what is under it.
		var list struct{ Items []struct{ ID int64 } }
		c := e.login(e.user("l_api", auth.StreetStaff, e.A).Username)
		c.get("/api/v1/org-units?archived=true").JSON(t, &list)
		var ids []int64
		for _, it := range list.Items {
			ids = append(ids, it.ID)
		}
		slices.Sort(ids)
		if want := []int64{e.A.ID, e.G.ID}; !slices.Equal(ids, want) {
			t.Errorf("org units seen from A: %v, want %v", ids, want)
		}
	})
}
