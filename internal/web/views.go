package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/i18n"
	"shiliu/internal/ref"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

type views struct {
	pages map[string]*template.Template
	// assetHash maps a static file name to a short content hash, so asset
	// URLs change when the file does and can be cached for a year.
	assetHash map[string]string
}

func loadViews(cat *i18n.Catalog) (*views, error) {
	v := &views{pages: map[string]*template.Template{}, assetHash: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.assetHash[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:4])
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": func(name string) string {
			return "/static/" + name + "?v=" + v.assetHash[name]
		},
		"date":     func(ts string) string { return fmtTime(ts, "2006-01-02") },
		"datetime": func(ts string) string { return fmtTime(ts, "2006-01-02 15:04") },
		"add":      func(a, b int) int { return a + b },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"num":   fmtNum,
		"hours": func(minutes int) float64 { return float64(minutes) / 60 },
	}
	for k, f := range domainFuncs {
		funcs[k] = f
	}
	shared, err := fs.Glob(templateFS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		files := append([]string{"templates/layout.html"}, shared...)
		files = append(files, p)
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, files...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// fmtTime shows a stored UTC timestamp in China Standard Time.
func fmtTime(ts, layout string) string {
	if ts == "" {
		return "—"
	}
	t := db.ParseTime(ts)
	if t.IsZero() {
		return ts
	}
	return t.In(ref.China).Format(layout)
}

// fmtNum groups digits by thousands: 52000 → 52,000.
func fmtNum(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Page is what every template gets; page models embed it.
type Page struct {
	Lang  string
	Title string
	Actor *auth.Actor
	Nav   []NavItem
	Flash *Flash
	Path  string
	Query url.Values
	// Unread is the number of unread notifications (the bell).
	Unread    int
	RequestID string
	Version   string
	cat       *i18n.Catalog
}

// T translates a catalog key for the page's language. It has a value
// receiver so that partials given the page as a value ((dict "P" .Page …))
// can call it too.
func (p Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// Can reports whether the page's actor holds a permission (for showing
// buttons; the route checks again).
func (p Page) Can(perm string) bool { return p.Actor.Can(auth.Permission(perm)) }

// OtherLang is the language the switch in the footer offers.
func (p *Page) OtherLang() string {
	if p.Lang == "en" {
		return "zh"
	}
	return "en"
}

// NavItem is an entry of the navigation.
type NavItem struct {
	Key    string
	Href   string
	Icon   string
	Active bool
	// Badge is a count shown beside the entry (overdue cases).
	Badge int
}

// Flash is a one-time message shown after a redirect.
type Flash struct {
	Level string // ok, error
	Text  string
}

// nav lists the navigation for the actor's role; an entry shows only when
// the role holds its permission.
var navItems = []struct {
	key, href, icon string
	perm            auth.Permission
}{
	{"nav.dashboard", "/", "home", auth.Self},
	{"nav.stats", "/stats", "chart", auth.FigureView},
	{"nav.reports", "/reports", "book", auth.FigureView},
	{"nav.report_unlocks", "/reports/unlocks", "check", auth.ReportConsent},
	{"nav.my", "/my", "inbox", auth.CaseView},
	{"nav.cases", "/cases", "phone", auth.CaseRead},
	{"nav.persons", "/persons", "person", auth.PersonView},
	{"nav.households", "/households", "home2", auth.PersonView},
	{"nav.quality", "/quality", "check", auth.PersonEdit},
	{"nav.pairings", "/pairings", "hands", auth.PairingView},
	{"nav.contacts", "/contacts", "chat", auth.PairingView},
	{"nav.duty", "/duty", "clock", auth.CaseView},
	{"nav.activities", "/activities", "calendar", auth.CommunityView},
	{"nav.volunteers", "/volunteers", "heart", auth.CommunityView},
	{"nav.festivals", "/festivals", "clock", auth.CommunityView},
	{"nav.venues", "/venues", "home", auth.CommunityView},
	{"nav.partners", "/partners", "hands", auth.CommunityView},
	{"nav.honours", "/honours", "award", auth.CommunityView},
	{"nav.budget", "/budget", "yuan", auth.CommunityView},
	{"nav.docs", "/docs", "book", auth.DocView},
	{"nav.case_settings", "/settings/cases", "check", auth.CaseConfig},
	{"nav.org", "/org", "tree", auth.OrgView},
	{"nav.users", "/users", "users", auth.UserView},
	{"nav.audit", "/audit", "log", auth.AuditView},
	{"nav.account", "/account", "user", auth.Self},
}

func (s *Server) page(r *http.Request, titleKey string, args ...any) Page {
	ri := info(r)
	a := actorOf(r)
	p := Page{Lang: ri.Lang, Actor: a, Path: r.URL.Path, Query: r.URL.Query(), RequestID: ri.ID, Version: s.Version, cat: s.cat}
	p.Title = s.cat.T(ri.Lang, titleKey, args...)
	if a != nil && !a.MustChangePassword {
		var badges cases.Badges
		if s.Cases != nil {
			var err error
			// A page without its badges is better than no page: the
			// failure goes to the log.
			if badges, err = s.Cases.Badges(r.Context(), a); err != nil {
				s.Log.Warn("navigation badges", "err", err, "request_id", ri.ID)
			}
		}
		p.Unread = badges.Unread
		overdue := badges.Overdue
		for _, n := range navItems {
			if !a.Can(n.perm) {
				continue
			}
			active := r.URL.Path == n.href || (n.href != "/" && strings.HasPrefix(r.URL.Path, n.href))
			item := NavItem{Key: n.key, Href: n.href, Icon: n.icon, Active: active}
			if n.href == "/cases" {
				item.Badge = overdue
			}
			p.Nav = append(p.Nav, item)
		}
	}
	return p
}

// pager is implemented by page models that have a Page.
type pager interface{ base() *Page }

func (p *Page) base() *Page { return p }

// render executes a page template. It renders into a buffer first so a
// template error becomes a clean error page, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data pager) {
	t, ok := s.views.pages[name]
	if !ok {
		s.Log.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p := data.base()
	if p.Flash == nil {
		p.Flash = s.takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		s.Log.Error("render", "template", name, "err", err, "request_id", info(r).ID)
		http.Error(w, "internal error "+info(r).ID, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// flash sets a message for the next page.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, level, key string, args ...any) {
	text := s.cat.T(info(r).Lang, key, args...)
	http.SetCookie(w, &http.Cookie{Name: "flash", Value: url.QueryEscape(level + "|" + text), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies, MaxAge: 60})
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *Flash {
	c, err := r.Cookie("flash")
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: "flash", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return nil
	}
	level, text, ok := strings.Cut(v, "|")
	if !ok || (level != "ok" && level != "error") {
		return nil
	}
	return &Flash{Level: level, Text: text}
}

// serveStatic serves embedded assets; versioned URLs are cached for a year.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	w.Write(b)
}
