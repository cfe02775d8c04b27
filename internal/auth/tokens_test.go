package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
)

// accounts is a subdistrict with two staff accounts and the service.
type accounts struct {
	s      *auth.Service
	li, wu *auth.Actor
	now    time.Time
}

func newAccounts(t *testing.T, d *db.DB) *accounts {
	t.Helper()
	sub := fixture.Unit(t, d, org.Input{Code: "S", Name: "石榴街道", Kind: org.Subdistrict}, nil)
	f := &accounts{s: fixture.Auth(d), now: time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)}
	f.s.Now = func() time.Time { return f.now }
	f.li = fixture.Actor(t, d, "li", auth.StreetStaff, sub)
	f.wu = fixture.Actor(t, d, "wu", auth.StreetStaff, sub)
	return f
}

func TestTokens(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newAccounts(t, d)
		secret, err := f.s.CreateToken(ctx, f.li, "脚本", 30)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, auth.TokenPrefix) || len(secret) < 30 {
			t.Fatalf("token %q", secret)
		}
		u, err := f.s.TokenUser(ctx, secret)
		if err != nil || u.ID != f.li.UserID {
			t.Fatalf("token user %+v, %v", u, err)
		}
		toks, err := f.s.Tokens(ctx, f.li)
		if err != nil || len(toks) != 1 || toks[0].Name != "脚本" || !strings.HasPrefix(secret, toks[0].Prefix) || !toks[0].Active(f.now) ||
			toks[0].LastUsedAt == "" {
			t.Fatalf("tokens %+v, %v", toks, err)
		}
		if strings.Contains(toks[0].Prefix, secret[len(auth.TokenPrefix)+6:]) {
			t.Fatal("the listing shows the secret")
		}
		if other, _ := f.s.Tokens(ctx, f.wu); len(other) != 0 {
			t.Fatalf("wu sees li's tokens: %+v", other)
		}
		// Wrong, foreign and malformed secrets.
		for _, bad := range []string{"", "abc", auth.TokenPrefix, auth.TokenPrefix + "nope", secret + "x", strings.TrimPrefix(secret, auth.TokenPrefix)} {
			if _, err := f.s.TokenUser(ctx, bad); errs.KindOf(err) != errs.Unauthenticated {
				t.Errorf("secret %q: %v", bad, err)
			}
		}
		// Another user cannot revoke it; li can, once.
		if err := f.s.RevokeToken(ctx, f.wu, toks[0].ID); !errors.Is(err, errs.ErrOutOfScope) {
			t.Fatalf("wu revokes li's token: %v", err)
		}
		if err := f.s.RevokeToken(ctx, f.li, toks[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.RevokeToken(ctx, f.li, toks[0].ID); !errors.Is(err, errs.ErrNotFound) {
			t.Fatalf("second revoke: %v", err)
		}
		if _, err := f.s.TokenUser(ctx, secret); errs.KindOf(err) != errs.Unauthenticated {
			t.Fatalf("revoked token: %v", err)
		}
		// Expiry.
		secret, err = f.s.CreateToken(ctx, f.li, "短期", 1)
		if err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(25 * time.Hour)
		if _, err := f.s.TokenUser(ctx, secret); errs.KindOf(err) != errs.Unauthenticated {
			t.Fatalf("expired token: %v", err)
		}
		// Validation, and no actor.
		for _, c := range []struct {
			name string
			days int
		}{{"", 1}, {" ", 1}, {strings.Repeat("名", 65), 1}, {"ok", -1}, {"ok", 367}} {
			if _, err := f.s.CreateToken(ctx, f.li, c.name, c.days); errs.KindOf(err) != errs.Invalid {
				t.Errorf("token %q for %d days: %v", c.name, c.days, err)
			}
		}
		if _, err := f.s.CreateToken(ctx, nil, "x", 1); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("token without an actor: %v", err)
		}
	})
}

func TestLoginPassword(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newAccounts(t, d)
		tok, u, err := f.s.Login(ctx, "LI ", fixture.Password, "10.0.0.1", "test", "r1")
		if err != nil || tok == "" || u.ID != f.li.UserID {
			t.Fatalf("login: %q %+v %v", tok, u, err)
		}
		if su, err := f.s.Session(ctx, tok); err != nil || su.ID != f.li.UserID {
			t.Fatalf("session %+v, %v", su, err)
		}
		for _, c := range [][2]string{{"li", fixture.Password + "x"}, {"li", ""}, {"nobody", fixture.Password}} {
			if _, _, err := f.s.Login(ctx, c[0], c[1], "10.0.0.1", "test", "r2"); !errors.Is(err, auth.ErrBadLogin) {
				t.Errorf("login %s/%q: %v", c[0], c[1], err)
			}
		}
		// A changed password: the old one no longer works.
		if err := f.s.SetPassword(ctx, f.wu, f.wu.UserID, fixture.Password, "another-long-passphrase", ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.Login(ctx, "wu", fixture.Password, "", "", ""); !errors.Is(err, auth.ErrBadLogin) {
			t.Fatalf("old password: %v", err)
		}
		if _, _, err := f.s.Login(ctx, "wu", "another-long-passphrase", "", "", ""); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}

// The machine's operator may start a session for a user (what `shiliu
// bench` measures pages with); no user may, not even for themselves; the
// session is audited as started by the operator.
func TestSystemSession(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newAccounts(t, d)
		if _, err := f.s.SystemSession(ctx, f.li, f.li.UserID); !errors.Is(err, errs.ErrForbidden) {
			t.Errorf("a user started a session without a password: %v", err)
		}
		tok, err := f.s.SystemSession(ctx, auth.System("bench"), f.wu.UserID)
		if err != nil {
			t.Fatal(err)
		}
		u, err := f.s.Session(ctx, tok)
		if err != nil || u.ID != f.wu.UserID {
			t.Fatalf("the session is %+v, %v; want wu's", u, err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'login' AND username = '(bench)' AND detail LIKE '%started_by%'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d audit records of the operator's session (%v)", n, err)
		}
	})
}
