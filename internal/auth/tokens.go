package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// TokenPrefix starts every personal access token, so a leaked one is easy
// to recognise in a scan.
const TokenPrefix = "slp_"

// Token is a personal access token as listed (never its secret).
type Token struct {
	ID         int64
	Name       string
	Prefix     string
	CreatedAt  string
	LastUsedAt string
	ExpiresAt  string
	RevokedAt  string
}

// Active reports whether the token still works at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt == "" && (t.ExpiresAt == "" || db.ParseTime(t.ExpiresAt).After(now))
}

// CreateToken makes a token for the actor, valid for days (0: no expiry),
// and returns the secret, shown once.
func (s *Service) CreateToken(ctx context.Context, a *Actor, name string, days int) (string, error) {
	if err := a.Require(Self); err != nil {
		return "", err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8Len(name) > 64 {
		return "", errs.InvalidFields(map[string]string{"name": "err.token_name"})
	}
	if days < 0 || days > 366 {
		return "", errs.InvalidFields(map[string]string{"days": "err.token_days"})
	}
	secret := TokenPrefix + newToken()
	now := s.Now()
	exp := ""
	if days > 0 {
		exp = db.FormatTime(now.AddDate(0, 0, days))
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			a.UserID, name, hashToken(secret), secret[:len(TokenPrefix)+6], db.FormatTime(now), exp)
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionTokenCreate, Entity: "api_token", EntityID: fmt.Sprint(id), Detail: map[string]any{"name": name}})
	})
	return secret, err
}

// Tokens lists the actor's tokens.
func (s *Service) Tokens(ctx context.Context, a *Actor) ([]Token, error) {
	if err := a.Require(Self); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, name, prefix, created_at, last_used_at, expires_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, a.UserID)
	return db.Collect(rows, err, func(sc db.Scanner) (Token, error) {
		var t Token
		err := sc.Scan(&t.ID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt, &t.RevokedAt)
		return t, err
	})
}

// RevokeToken revokes one of the actor's tokens.
func (s *Service) RevokeToken(ctx context.Context, a *Actor, id int64) error {
	if err := a.Require(Self); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at = ''`, db.FormatTime(s.Now()), id, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// Another user's token is outside the actor's scope: the
			// caller sees "not found" and records the denied access.
			var other int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM api_tokens WHERE id = ? AND user_id <> ?`, id, a.UserID).Scan(&other); err != nil {
				return err
			}
			if other > 0 {
				return errs.ErrOutOfScope
			}
			return errs.ErrNotFound
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionTokenRevoke, Entity: "api_token", EntityID: fmt.Sprint(id)})
	})
}

// TokenUser resolves a bearer token to its user.
func (s *Service) TokenUser(ctx context.Context, secret string) (*User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, errs.E(errs.Unauthenticated, "err.token_invalid")
	}
	h := hashToken(secret)
	var uid int64
	var exp, revoked, lastUsed string
	if err := s.DB.QueryRow(ctx, `SELECT user_id, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ?`, h).Scan(&uid, &exp, &revoked, &lastUsed); err != nil {
		return nil, errs.E(errs.Unauthenticated, "err.token_invalid")
	}
	now := s.Now()
	if !(Token{ExpiresAt: exp, RevokedAt: revoked}).Active(now) {
		return nil, errs.E(errs.Unauthenticated, "err.token_invalid")
	}
	u, err := s.userByID(ctx, uid)
	if err != nil || u.Disabled {
		return nil, errs.E(errs.Unauthenticated, "err.token_invalid")
	}
	if lastUsed == "" || now.Sub(db.ParseTime(lastUsed)) > touchEvery {
		_, _ = s.DB.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?`, db.FormatTime(now), h)
	}
	return u, nil
}
