package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"time"

	"shiliu/internal/errs"
	"shiliu/internal/i18n"
)

// MaxBodyBytes bounds request bodies; uploads have their own larger limit.
const (
	MaxBodyBytes   = 1 << 20
	MaxUploadBytes = 64 << 20
)

// middleware wraps the mux with what every request gets: an id, the
// client's language, security headers, protection against cross-site
// requests, a body limit, panic recovery and a log line.
func (s *Server) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"), "request_id", info(r).ID)
		s.fail(w, r, errs.E(errs.Forbidden, "err.cross_origin"))
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{ID: newRequestID(), IP: clientIP(r), Lang: pickLang(r)}
		if l := r.URL.Query().Get("lang"); l != "" {
			ri.Lang = i18n.Lang(l)
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: ri.Lang, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode, HttpOnly: true, Secure: s.SecureCookies})
		}
		r = r.WithContext(context.WithValue(r.Context(), reqKey, ri))
		h := w.Header()
		h.Set("X-Request-Id", ri.ID)
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		limit := int64(MaxBodyBytes)
		if r.Header.Get("Content-Type") != "" && len(r.Header.Get("Content-Type")) >= 19 && r.Header.Get("Content-Type")[:19] == "multipart/form-data" {
			limit = MaxUploadBytes
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		rec := &statusRecorder{ResponseWriter: w, code: 200}
		defer func() {
			if p := recover(); p != nil {
				s.Log.Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()), "request_id", ri.ID)
				if !rec.wrote {
					s.fail(rec, r, fmt.Errorf("panic: %v", p))
				}
			}
			s.Log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.code, "ms", time.Since(start).Milliseconds(), "ip", ri.IP, "request_id", ri.ID)
		}()
		protected.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// clientIP is the peer address. Shiliu does not trust X-Forwarded-For by
// default: a proxy deployment sets the real address at the proxy's log.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// pickLang takes the lang cookie, else Chinese. The browser's
// Accept-Language is not followed: offices work in Chinese whatever their
// machines say, and English is chosen explicitly (?lang=en or the account
// setting).
func pickLang(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil {
		return i18n.Lang(c.Value)
	}
	return i18n.Langs[0]
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
