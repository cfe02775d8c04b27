// Package web is Shiliu's HTTP layer: the HTML pages and the JSON API. It is
// a client of the domain packages: handlers parse input, call a service with
// the request's actor, and render. Every route is declared in routes.go with
// the permission it needs.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"shiliu/internal/approval"
	"strings"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/budget"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/docs"
	"shiliu/internal/errs"
	"shiliu/internal/festival"
	"shiliu/internal/figures"
	"shiliu/internal/files"
	"shiliu/internal/honour"
	"shiliu/internal/i18n"
	"shiliu/internal/jobs"
	"shiliu/internal/org"
	"shiliu/internal/pairing"
	"shiliu/internal/partner"
	"shiliu/internal/people"
	"shiliu/internal/venue"
	"shiliu/internal/workday"
)

// Deps are what the web layer is built from.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Org     *org.Service
	People  *people.Service
	Pairing *pairing.Service
	Cases   *cases.Service
	// Activity is community life's activities and volunteers' hours.
	Activity *activity.Service
	// Venue is venues and bookings; Partner partner organisations.
	Venue   *venue.Service
	Partner *partner.Service
	// Honour, Budget and Docs are honours, the budget and its spending,
	// and the rules and documents library; New makes them on DB when nil.
	Honour *honour.Service
	Budget *budget.Service
	Docs   *docs.Service
	// Figures computes the report's figures (the dashboards); New makes it
	// on DB when nil.
	Figures *figures.Service
	// Approval is the annual data sets and their approval; New makes it
	// on DB when nil.
	Approval *approval.Service
	// Calendar is the holiday calendar (admins edit it).
	Calendar *workday.Source
	// Festival is the ethnic festival calendar.
	Festival *festival.Service
	Log      *slog.Logger
	Version  string
	// Files keeps uploads (rosters waiting for confirmation too); New
	// makes one on DB when nil.
	Files *files.Store
	// Jobs runs imports in the background. The app owns it (starts it
	// after New, which registers the import kinds, and closes it); when
	// nil, New makes one, started, that Close closes.
	Jobs *jobs.Runner
	// SecureCookies marks cookies Secure (set when served over TLS or behind
	// a TLS proxy).
	SecureCookies bool
}

// Server serves the UI and the API.
type Server struct {
	Deps
	cat     *i18n.Catalog
	views   *views
	routes  []Route
	handler http.Handler
	// ownJobs is set when New made Jobs itself.
	ownJobs bool
}

// New builds the server, parsing every template now so a broken one fails
// at start-up (and in tests), not in front of a user.
func New(d Deps) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{Deps: d, cat: i18n.MustLoad()}
	if s.DB != nil && s.Files == nil {
		s.Files = files.New(s.DB)
	}
	if s.DB != nil {
		if s.Honour == nil {
			s.Honour = honour.New(s.DB)
		}
		if s.Budget == nil {
			s.Budget = budget.New(s.DB)
		}
		if s.Docs == nil {
			s.Docs = docs.New(s.DB)
		}
		if s.Figures == nil {
			s.Figures = figures.New(s.DB)
		}
		if s.Approval == nil {
			s.Approval = approval.New(s.DB, s.Figures)
		}
		if s.Figures.Snapshots == nil {
			s.Figures.Snapshots = s.Approval
		}
	}
	if s.DB != nil && s.Jobs == nil && s.Auth != nil {
		s.Jobs, s.ownJobs = jobs.New(s.DB, s.Files, s.Auth.ActorByID, s.Log), true
	}
	if s.Jobs != nil {
		s.registerJobs()
	}
	if s.ownJobs {
		s.Jobs.Start()
	}
	v, err := loadViews(s.cat)
	if err != nil {
		return nil, err
	}
	s.views = v
	s.routes = s.routeTable()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Pattern, s.guard(rt))
	}
	mux.HandleFunc("/", s.notFound)
	s.handler = s.middleware(mux)
	return s, nil
}

// Close stops the job runner New made (an app's own runner is the app's
// to close).
func (s *Server) Close() error {
	if s.ownJobs {
		return s.Jobs.Close()
	}
	return nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns the route table (the access-matrix test walks it).
func (s *Server) Routes() []Route { return s.routes }

type ctxKey int

const (
	actorKey ctxKey = iota
	reqKey
)

// reqInfo is per-request data the middleware sets.
type reqInfo struct {
	ID    string
	IP    string
	Lang  string
	Token string // session token, for logout and password change
}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(reqKey).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{Lang: "zh"}
}

// actorOf returns the logged-in actor of r, nil when there is none.
func actorOf(r *http.Request) *auth.Actor {
	a, _ := r.Context().Value(actorKey).(*auth.Actor)
	return a
}

func (s *Server) isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// guard wraps a route with authentication and its permission check.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		a := s.authenticate(r, rt.API)
		if a != nil {
			a.IP, a.RequestID = ri.IP, ri.ID
			if a.Lang != "" && r.URL.Query().Get("lang") == "" {
				ri.Lang = a.Lang
			}
			r = r.WithContext(context.WithValue(r.Context(), actorKey, a))
		}
		if rt.Perm == auth.Public {
			rt.h(w, r)
			return
		}
		if a == nil {
			if rt.API {
				s.fail(w, r, errs.E(errs.Unauthenticated, "err.login_required"))
				return
			}
			next := ""
			if r.Method == http.MethodGet {
				next = "?next=" + urlQueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, "/login"+next, http.StatusSeeOther)
			return
		}
		if a.MustChangePassword && !rt.AllowBeforePasswordChange {
			if rt.API {
				s.fail(w, r, errs.E(errs.Forbidden, "err.must_change_password"))
				return
			}
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		if !a.Can(rt.Perm) {
			s.deny(r, a, "permission", string(rt.Perm))
			s.fail(w, r, errs.E(errs.Forbidden, "err.forbidden"))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		rt.h(w, r)
	})
}

// authenticate finds the actor from a bearer token (API only) or the
// session cookie.
func (s *Server) authenticate(r *http.Request, api bool) *auth.Actor {
	ctx := r.Context()
	if api {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			u, err := s.Auth.TokenUser(ctx, strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
			if err != nil {
				return nil
			}
			a := u.Actor()
			a.ViaToken = true
			return a
		}
	}
	c, err := r.Cookie(s.sessionCookieName())
	if err != nil {
		return nil
	}
	u, err := s.Auth.Session(ctx, c.Value)
	if err != nil {
		return nil
	}
	info(r).Token = c.Value
	return u.Actor()
}

// deny records a refused access in the audit log.
func (s *Server) deny(r *http.Request, a *auth.Actor, what, detail string) {
	err := audit.Write(r.Context(), s.DB, audit.Entry{Who: a.Who(), Action: audit.ActionDenied, Entity: what,
		Detail: map[string]any{"path": r.URL.Path, "method": r.Method, "need": detail}, Result: audit.ResultDenied})
	if err != nil {
		s.Log.Error("audit denied access", "err", err, "request_id", info(r).ID)
	}
}

// status maps an error kind to an HTTP status.
func status(err error) int {
	switch errs.KindOf(err) {
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Conflict:
		return http.StatusConflict
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// fail answers with an error page (UI) or an error object (API). Internal
// errors are logged with the request id, and the user sees only that id.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ri := info(r)
	code := status(err)
	if errors.Is(err, errs.ErrOutOfScope) {
		s.deny(r, actorOf(r), "scope", r.URL.Path)
	}
	if code == http.StatusInternalServerError {
		s.Log.Error("request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", ri.ID)
	}
	key, args := "err.internal", []any{ri.ID}
	var fields map[string]string
	if e, ok := errs.As(err); ok && code != http.StatusInternalServerError {
		key, args, fields = e.Key, e.Args, e.Fields
	}
	msg := s.cat.T(ri.Lang, key, args...)
	if s.isAPI(r) {
		fm := map[string]string{}
		for f, k := range fields {
			fm[f] = s.cat.T(ri.Lang, k)
		}
		writeJSON(w, code, apiError{Error: apiErrorBody{Code: strings.TrimPrefix(key, "err."), Message: msg, Fields: fm, RequestID: ri.ID}})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, code, "error", &errorPage{Page: s.page(r, "err.title"), Status: code, Message: msg})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(r, s.isAPI(r))
	if a != nil {
		r = r.WithContext(context.WithValue(r.Context(), actorKey, a))
	}
	s.fail(w, r, errs.ErrNotFound)
}

// Session cookie names: the __Host- prefix needs Secure, so it is used only
// over TLS.
func (s *Server) sessionCookieName() string {
	if s.SecureCookies {
		return "__Host-shiliu_session"
	}
	return "shiliu_session"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: token, Path: "/", HttpOnly: true, Secure: s.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

// now is used for page footers and defaults.
func now() time.Time { return time.Now() }
