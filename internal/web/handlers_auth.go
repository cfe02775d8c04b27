package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/errs"
	"shiliu/internal/festival"
	"shiliu/internal/i18n"
	"shiliu/internal/org"
	"shiliu/internal/pairing"
	"shiliu/internal/people"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.Error("readyz: database unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

type loginPage struct {
	Page
	Username string
	Next     string
	Error    string
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if actorOf(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", &loginPage{Page: s.page(r, "login.title"), Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	username, password := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	token, u, err := s.Auth.Login(r.Context(), username, password, ri.IP, r.UserAgent(), ri.ID)
	if err != nil {
		if errs.KindOf(err) != errs.Unauthenticated {
			s.fail(w, r, err)
			return
		}
		p := &loginPage{Page: s.page(r, "login.title"), Username: username, Next: next, Error: s.cat.T(ri.Lang, "err.bad_login")}
		s.render(w, r, http.StatusUnauthorized, "login", p)
		return
	}
	s.setSessionCookie(w, token, int(auth.AbsoluteTimeout.Seconds()))
	if u.Lang != "" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: u.Lang, Path: "/", MaxAge: 365 * 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	}
	if u.MustChangePassword {
		http.Redirect(w, r, "/password", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.Logout(r.Context(), actorOf(r), info(r).Token); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setSessionCookie(w, "", -1)
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	s.flash(w, r, "ok", "login.logged_out")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type passwordPage struct {
	Page
	Forced bool
	Errors map[string]string
}

func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	s.render(w, r, http.StatusOK, "password", &passwordPage{Page: s.page(r, "password.title"), Forced: a.MustChangePassword})
}

func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	p := &passwordPage{Page: s.page(r, "password.title"), Forced: a.MustChangePassword}
	oldPw, newPw, confirm := r.PostFormValue("old_password"), r.PostFormValue("password"), r.PostFormValue("confirm")
	if newPw != confirm {
		p.Errors = map[string]string{"confirm": s.cat.T(p.Lang, "err.password_mismatch")}
		s.render(w, r, http.StatusUnprocessableEntity, "password", p)
		return
	}
	err := s.Auth.SetPassword(r.Context(), a, a.UserID, oldPw, newPw, info(r).Token)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		p.Errors = s.fieldErrors(r, e)
		s.render(w, r, http.StatusUnprocessableEntity, "password", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "password.changed")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// fieldErrors translates a validation error's fields for a form.
func (s *Server) fieldErrors(r *http.Request, e *errs.Error) map[string]string {
	out := map[string]string{}
	for f, k := range e.Fields {
		out[f] = s.cat.T(info(r).Lang, k)
	}
	if len(out) == 0 {
		out["_"] = s.cat.T(info(r).Lang, e.Key, e.Args...)
	}
	return out
}

type dashboardPage struct {
	Page
	Unit       *org.Unit
	KindCounts []kindCount
	Population *org.Population
	Users      int
	Registry   *people.Counts
	Quality    *people.Quality
	// Work: open and overdue cases, pairing visits due, for roles that
	// handle them.
	OpenCases    int
	OverdueCases int
	Pairings     *pairing.Counts
	// Festivals coming up, with the hardship households to visit.
	Festivals []festival.Upcoming
}

type kindCount struct {
	Kind  org.Kind
	Count int
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	ctx := r.Context()
	p := &dashboardPage{Page: s.page(r, "dashboard.title")}
	if a.Can(auth.OrgView) {
		unit, err := s.Org.Get(ctx, a, a.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Unit = unit
		tree, err := s.Org.Tree(ctx, a, false)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		counts := map[org.Kind]int{}
		for _, u := range tree {
			counts[u.Kind]++
		}
		for _, k := range org.Kinds {
			if counts[k] > 0 {
				p.KindCounts = append(p.KindCounts, kindCount{k, counts[k]})
			}
		}
		pops, err := s.Org.Populations(ctx, a, a.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(pops) > 0 {
			p.Population = &pops[0]
		}
	}
	// Registry figures for those who work with the registry and for leaders
	// (numbers only); a liaison's dashboard lists their own people instead.
	if a.Can(auth.FigureView) {
		c, err := s.People.DashboardCounts(ctx, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Registry = c
	}
	if a.Can(auth.PersonEdit) {
		q, err := s.People.QualityCounts(ctx, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Quality = q
	}
	if a.Can(auth.CaseView) {
		_, n, err := s.Cases.List(ctx, a, cases.Filter{Status: "open", Limit: 1})
		if err == nil {
			p.OpenCases = n
			p.OverdueCases, err = s.Cases.OverdueCount(ctx, a)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if a.Can(auth.PairingView) {
		c, err := s.Pairing.Counts(ctx, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Pairings = &c
	}
	fest, err := s.UpcomingFestivals(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Festivals = fest
	if a.Can(auth.UserView) {
		_, n, err := s.Auth.List(ctx, a, auth.UserFilter{Limit: 1})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Users = n
	}
	s.render(w, r, http.StatusOK, "dashboard", p)
}

type accountPage struct {
	Page
	Tokens   []auth.Token
	NewToken string
	Errors   map[string]string
	Now      time.Time
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, code int, p *accountPage) {
	toks, err := s.Auth.Tokens(r.Context(), actorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Tokens, p.Now = toks, time.Now()
	s.render(w, r, code, "account", p)
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	s.accountPage(w, r, http.StatusOK, &accountPage{Page: s.page(r, "account.title")})
}

func (s *Server) accountLang(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Lang(r.PostFormValue("lang"))
	if err := s.Auth.SetLang(r.Context(), actorOf(r), lang); err != nil {
		s.fail(w, r, err)
		return
	}
	info(r).Lang = lang
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	s.flash(w, r, "ok", "account.lang_saved")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.PostFormValue("days"))
	secret, err := s.Auth.CreateToken(r.Context(), actorOf(r), r.PostFormValue("name"), days)
	p := &accountPage{Page: s.page(r, "account.title")}
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		p.Errors = s.fieldErrors(r, e)
		s.accountPage(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The secret is shown once, on this response, and never again.
	p.NewToken = secret
	s.accountPage(w, r, http.StatusOK, p)
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.Auth.RevokeToken(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "account.token_revoked")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// pathID reads the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.ErrNotFound
	}
	return id, nil
}

type errorPage struct {
	Page
	Status  int
	Message string
}
