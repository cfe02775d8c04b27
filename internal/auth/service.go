package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Policy values for logins and sessions.
const (
	MaxFailures     = 5
	FailureWindow   = 15 * time.Minute
	LockoutDuration = 15 * time.Minute
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// touchEvery limits session writes: last_seen_at is refreshed at most
	// once a minute per session.
	touchEvery = time.Minute
)

// Service manages accounts, logins, sessions and tokens.
type Service struct {
	DB *db.DB
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Argon are the parameters of new password hashes (zero: production's;
	// tests choose TestArgon2).
	Argon Argon2

	dummyOnce sync.Once
	dummy     string
}

// dummyHash is checked against when the user does not exist, so that a
// login for an unknown name takes as long as one with a wrong password
// (made with the service's own parameters, once).
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy, _ = s.Argon.Hash("shiliu-no-such-user") })
	return s.dummy
}

// NewService returns a Service on d.
func NewService(d *db.DB) *Service { return &Service{DB: d, Now: time.Now} }

// User is an account.
type User struct {
	ID                 int64
	Username           string
	DisplayName        string
	Role               Role
	OrgID              int64
	OrgName            string
	OrgPath            string
	MustChangePassword bool
	Disabled           bool
	Lang               string
	LastLoginAt        string
	Version            int
	CreatedAt          string
}

const userCols = `u.id, u.username, u.display_name, u.role, u.org_id, o.name, o.path, u.must_change_password, u.disabled, u.lang, u.last_login_at, u.version, u.created_at`

func scanUser(sc interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role string
	var must, dis int
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.OrgID, &u.OrgName, &u.OrgPath, &must, &dis, &u.Lang, &u.LastLoginAt, &u.Version, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.Role, u.MustChangePassword, u.Disabled = Role(role), must == 1, dis == 1
	return &u, nil
}

// Actor returns the actor for u.
func (u *User) Actor() *Actor {
	return &Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgID: u.OrgID, OrgPath: u.OrgPath, OrgName: u.OrgName, Lang: u.Lang, MustChangePassword: u.MustChangePassword}
}

func (s *Service) userByID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.DB.QueryRow(ctx, `SELECT `+userCols+` FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	return u, err
}

// Get returns user id if it is inside the actor's scope.
func (s *Service) Get(ctx context.Context, a *Actor, id int64) (*User, error) {
	need := UserView
	if a != nil && !a.IsSystem() && id == a.UserID {
		need = Self // one's own account
	}
	if err := a.Require(need); err != nil {
		return nil, err
	}
	u, err := s.userByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Scope().Contains(u.OrgPath) {
		return nil, errs.ErrOutOfScope
	}
	return u, nil
}

// UserFilter selects users.
type UserFilter struct {
	Query  string
	Role   Role
	Status string // "", "active", "disabled"
	// Sort is one of username (default), name, role, org, last_login.
	Sort   string
	Limit  int
	Offset int
}

// List returns the users in the actor's scope and the total.
func (s *Service) List(ctx context.Context, a *Actor, f UserFilter) ([]*User, int, error) {
	if err := a.Require(UserView); err != nil {
		return nil, 0, err
	}
	lo, hi := a.Scope().PathRange()
	where := ` FROM users u JOIN org_units o ON o.id = u.org_id WHERE o.path >= ? AND o.path < ?`
	args := []any{lo, hi}
	if q := strings.TrimSpace(f.Query); q != "" {
		where += ` AND (lower(u.username) LIKE ? OR u.display_name LIKE ?)`
		args = append(args, "%"+strings.ToLower(q)+"%", "%"+q+"%")
	}
	if f.Role != "" {
		where += ` AND u.role = ?`
		args = append(args, string(f.Role))
	}
	switch f.Status {
	case "active":
		where += ` AND u.disabled = 0`
	case "disabled":
		where += ` AND u.disabled = 1`
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count users: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	order := map[string]string{"name": "u.display_name, u.username", "role": "u.role, u.username", "org": "o.path, u.username",
		"last_login": "u.last_login_at DESC, u.username"}[f.Sort]
	if order == "" {
		order = "u.username"
	}
	rows, err := s.DB.Query(ctx, `SELECT `+userCols+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	out, err := db.Collect(rows, err, scanUser)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	return out, total, nil
}

// NewUser is the input for Create.
type NewUser struct {
	Username    string
	DisplayName string
	Role        Role
	OrgID       int64
	Password    string
	// MustChange forces a password change on first login (always true for
	// accounts created by another person).
	MustChange bool
}

func validUsername(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Create adds an account. a is nil when the command line creates it (the
// operator of the machine is trusted); otherwise the org unit must be in a's
// scope and the role one a may assign.
func (s *Service) Create(ctx context.Context, a *Actor, in NewUser) (*User, error) {
	if err := a.Require(UserManage); err != nil {
		return nil, err
	}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	fields := map[string]string{}
	if !validUsername(in.Username) {
		fields["username"] = "err.username_invalid"
	}
	if !in.Role.Valid() {
		fields["role"] = "err.role_invalid"
	} else if !a.IsSystem() && !containsRole(a.Role.AssignableRoles(), in.Role) {
		fields["role"] = "err.role_not_assignable"
	}
	if utf8Len(in.DisplayName) > 64 {
		fields["display_name"] = "err.too_long"
	}
	if err := ValidatePassword(in.Password, in.Username); err != nil {
		e, _ := errs.As(err)
		for k, v := range e.Fields {
			fields[k] = v
		}
	}
	var orgPath string
	err := s.DB.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ? AND archived = 0`, in.OrgID).Scan(&orgPath)
	if err != nil || !a.Scope().Contains(orgPath) {
		fields["org_id"] = "err.org_unknown"
	}
	if len(fields) > 0 {
		return nil, errs.InvalidFields(fields)
	}
	hash, err := s.Argon.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		now := db.FormatTime(s.Now())
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO users (username, display_name, password_hash, role, org_id, must_change_password, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Username, in.DisplayName, hash, string(in.Role), in.OrgID, boolInt(in.MustChange || !a.IsSystem()), now, now, now)
		if db.IsUniqueViolation(err) {
			return errs.InvalidFields(map[string]string{"username": "err.username_taken"})
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "user", EntityID: fmt.Sprint(id),
			Detail: map[string]any{"username": in.Username, "role": in.Role, "org_id": in.OrgID}})
	})
	if err != nil {
		return nil, err
	}
	return s.userByID(ctx, id)
}

// UserUpdate is the input for Update.
type UserUpdate struct {
	DisplayName string
	Role        Role
	OrgID       int64
	Version     int
}

// Update changes an account's name, role or org unit. Changing the role or
// unit ends the user's sessions, so the new scope applies at once.
func (s *Service) Update(ctx context.Context, a *Actor, id int64, in UserUpdate) error {
	if err := a.Require(UserManage); err != nil {
		return err
	}
	u, err := s.Get(ctx, a, id)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if utf8Len(in.DisplayName) > 64 {
		fields["display_name"] = "err.too_long"
	}
	if !in.Role.Valid() {
		fields["role"] = "err.role_invalid"
	} else if in.Role != u.Role && !containsRole(a.Role.AssignableRoles(), in.Role) {
		fields["role"] = "err.role_not_assignable"
	}
	var orgPath string
	if err := s.DB.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ? AND archived = 0`, in.OrgID).Scan(&orgPath); err != nil || !a.Scope().Contains(orgPath) {
		fields["org_id"] = "err.org_unknown"
	}
	if id == a.UserID && (in.Role != u.Role || in.OrgID != u.OrgID) {
		fields["role"] = "err.cannot_change_own_role"
	}
	if len(fields) > 0 {
		return errs.InvalidFields(fields)
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET display_name = ?, role = ?, org_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.DisplayName, string(in.Role), in.OrgID, db.FormatTime(s.Now()), id, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		if in.Role != u.Role || in.OrgID != u.OrgID {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		changes := audit.Changes(map[string]any{"display_name": u.DisplayName, "role": u.Role, "org_id": u.OrgID},
			map[string]any{"display_name": in.DisplayName, "role": in.Role, "org_id": in.OrgID})
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "user", EntityID: fmt.Sprint(id), Detail: changes})
	})
}

// SetDisabled disables or enables an account. Disabling ends its sessions
// and revokes nothing else: tokens stop working because the user is
// disabled.
func (s *Service) SetDisabled(ctx context.Context, a *Actor, id int64, disabled bool) error {
	if err := a.Require(UserManage); err != nil {
		return err
	}
	u, err := s.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if id == a.UserID {
		return errs.E(errs.Invalid, "err.cannot_disable_self")
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled = ?, version = version + 1, updated_at = ? WHERE id = ?`, boolInt(disabled), db.FormatTime(s.Now()), id); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "user", EntityID: fmt.Sprint(id),
			Detail: audit.Changes(map[string]any{"disabled": u.Disabled}, map[string]any{"disabled": disabled})})
	})
}

// SetPassword sets a user's password. When a is the user themself, the old
// password must be given and the change clears the forced-change flag; an
// administrator (or the command line, the system actor) sets a password that must be
// changed at next login. Other sessions of the user end.
func (s *Service) SetPassword(ctx context.Context, a *Actor, id int64, oldPw, newPw string, keepSession string) error {
	self := a != nil && !a.IsSystem() && a.UserID == id
	need := UserManage
	if self {
		need = Self
	}
	if err := a.Require(need); err != nil {
		return err
	}
	var hash string
	var username string
	if err := s.DB.QueryRow(ctx, `SELECT password_hash, username FROM users WHERE id = ?`, id).Scan(&hash, &username); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errs.ErrNotFound
		}
		return err
	}
	if !self {
		if _, err := s.Get(ctx, a, id); err != nil {
			return err
		}
	}
	if self && !CheckPassword(hash, oldPw) {
		return errs.InvalidFields(map[string]string{"old_password": "err.old_password_wrong"})
	}
	if err := ValidatePassword(newPw, username); err != nil {
		return err
	}
	if self && oldPw == newPw {
		return errs.InvalidFields(map[string]string{"password": "err.password_same"})
	}
	newHash, err := s.Argon.Hash(newPw)
	if err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		now := db.FormatTime(s.Now())
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`,
			newHash, boolInt(!self), now, now, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, id, hashToken(keepSession)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE key = ?`, throttleKey(username)); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionPassword, Entity: "user", EntityID: fmt.Sprint(id)})
	})
}

// SetLang stores the user's interface language.
func (s *Service) SetLang(ctx context.Context, a *Actor, lang string) error {
	if err := a.Require(Self); err != nil {
		return err
	}
	_, err := s.DB.Exec(ctx, `UPDATE users SET lang = ? WHERE id = ?`, lang, a.UserID)
	return err
}

// ByUsername returns the user with that name (for the command line).
func (s *Service) ByUsername(ctx context.Context, username string) (*User, error) {
	u, err := scanUser(s.DB.QueryRow(ctx, `SELECT `+userCols+` FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.username = ?`, strings.ToLower(strings.TrimSpace(username))))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	return u, err
}

// Count returns the number of accounts.
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// ErrBadLogin is the one message for an unknown user, a wrong password, a
// disabled account and a locked one, so a login tells nothing about which
// names exist.
var ErrBadLogin = errs.E(errs.Unauthenticated, "err.bad_login")

func throttleKey(username string) string { return "u:" + strings.ToLower(strings.TrimSpace(username)) }

// Login checks a username and password and, on success, creates a session
// and returns its token (for the cookie).
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent, requestID string) (string, *User, error) {
	now := s.Now()
	key := throttleKey(username)
	who := audit.Who{Username: strings.ToLower(strings.TrimSpace(username)), IP: ip, RequestID: requestID}
	var lockedUntil string
	_ = s.DB.QueryRow(ctx, `SELECT locked_until FROM login_throttle WHERE key = ?`, key).Scan(&lockedUntil)
	if lockedUntil != "" && db.ParseTime(lockedUntil).After(now) {
		_ = audit.Write(ctx, s.DB, audit.Entry{Who: who, Action: audit.ActionLoginFailed, Entity: "user", Detail: map[string]any{"reason": "locked"}, Result: audit.ResultDenied})
		CheckPassword(s.dummyHash(), password) // same time as any other failure
		return "", nil, ErrBadLogin
	}
	var hash string
	u, err := s.ByUsername(ctx, username)
	if err == nil {
		err = s.DB.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&hash)
	}
	ok := false
	if err == nil {
		ok = CheckPassword(hash, password) && !u.Disabled
	} else {
		CheckPassword(s.dummyHash(), password)
	}
	if !ok {
		return "", nil, s.recordFailure(ctx, key, who, u, now)
	}
	token, err := s.startSession(ctx, u, who, key, ip, userAgent, nil)
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// startSession stores a new session of u and audits the login (detail
// says how it was started when not by the login form).
func (s *Service) startSession(ctx context.Context, u *User, who audit.Who, throttle, ip, userAgent string, detail map[string]any) (string, error) {
	now := s.Now()
	token := newToken()
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		t := db.FormatTime(now)
		if _, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE key = ?`, throttle); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			hashToken(token), u.ID, t, t, db.FormatTime(now.Add(AbsoluteTimeout)), ip, truncate(userAgent, 200)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, t, u.ID); err != nil {
			return err
		}
		if who.UserID == 0 {
			who.UserID, who.Role, who.OrgID = u.ID, string(u.Role), u.OrgID
		}
		return audit.Write(ctx, tx, audit.Entry{Who: who, Action: audit.ActionLogin, Entity: "user", EntityID: fmt.Sprint(u.ID), Detail: detail})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// SystemSession starts a browser session for a user without a password:
// only the machine's operator may (the system actor of a command such as
// `shiliu bench`, which measures the pages as a signed-in user sees them).
// It is audited as a login by the operator, saying so.
func (s *Service) SystemSession(ctx context.Context, a *Actor, userID int64) (string, error) {
	if !a.IsSystem() {
		return "", errs.ErrForbidden
	}
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return "", err
	}
	if u.Disabled {
		return "", errs.ErrForbidden
	}
	return s.startSession(ctx, u, a.Who(), throttleKey(u.Username), "", a.Username, map[string]any{"started_by": a.Username})
}

func (s *Service) recordFailure(ctx context.Context, key string, who audit.Who, u *User, now time.Time) error {
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var failures int
		var first string
		err := tx.QueryRow(ctx, `SELECT failures, first_failure_at FROM login_throttle WHERE key = ?`, key).Scan(&failures, &first)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && now.Sub(db.ParseTime(first)) > FailureWindow) {
			failures, first = 0, db.FormatTime(now)
		} else if err != nil {
			return err
		}
		failures++
		locked := ""
		if failures >= MaxFailures {
			locked = db.FormatTime(now.Add(LockoutDuration))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO login_throttle (key, failures, first_failure_at, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until`,
			key, failures, first, locked); err != nil {
			return err
		}
		entityID := ""
		if u != nil {
			entityID = fmt.Sprint(u.ID)
		}
		if err := audit.Write(ctx, tx, audit.Entry{Who: who, Action: audit.ActionLoginFailed, Entity: "user", EntityID: entityID, Result: audit.ResultFailed,
			Detail: map[string]any{"failures": failures}}); err != nil {
			return err
		}
		if locked != "" {
			return audit.Write(ctx, tx, audit.Entry{Who: who, Action: audit.ActionLockout, Entity: "user", EntityID: entityID, Result: audit.ResultDenied,
				Detail: map[string]any{"until": locked}})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ErrBadLogin
}

// Unlock clears a lockout for username.
func (s *Service) Unlock(ctx context.Context, a *Actor, username string) error {
	if err := a.Require(UserSecurity); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE key = ?`, throttleKey(username)); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "unlock", Entity: "user", Detail: map[string]any{"username": username}})
	})
}

// Locked reports whether username is locked out now.
func (s *Service) Locked(ctx context.Context, username string) bool {
	var until string
	_ = s.DB.QueryRow(ctx, `SELECT locked_until FROM login_throttle WHERE key = ?`, throttleKey(username)).Scan(&until)
	return until != "" && db.ParseTime(until).After(s.Now())
}

// Session resolves a session token to its user, enforcing the idle and
// absolute timeouts; an expired session is deleted.
func (s *Service) Session(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, errs.E(errs.Unauthenticated, "err.login_required")
	}
	h := hashToken(token)
	var uid int64
	var lastSeen, expires string
	err := s.DB.QueryRow(ctx, `SELECT user_id, last_seen_at, expires_at FROM sessions WHERE token_hash = ?`, h).Scan(&uid, &lastSeen, &expires)
	if err != nil {
		return nil, errs.E(errs.Unauthenticated, "err.login_required")
	}
	now := s.Now()
	if now.Sub(db.ParseTime(lastSeen)) > IdleTimeout || now.After(db.ParseTime(expires)) {
		_, _ = s.DB.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, h)
		return nil, errs.E(errs.Unauthenticated, "err.session_expired")
	}
	u, err := s.userByID(ctx, uid)
	if err != nil || u.Disabled {
		return nil, errs.E(errs.Unauthenticated, "err.login_required")
	}
	if now.Sub(db.ParseTime(lastSeen)) > touchEvery {
		_, _ = s.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, db.FormatTime(now), h)
	}
	return u, nil
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, a *Actor, token string) error {
	if err := a.Require(Self); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashToken(token)); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionLogout, Entity: "user", EntityID: fmt.Sprint(a.UserID)})
	})
}

// PurgeSessions deletes expired sessions; the server calls it now and then.
func (s *Service) PurgeSessions(ctx context.Context) error {
	now := s.Now()
	_, err := s.DB.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, db.FormatTime(now), db.FormatTime(now.Add(-IdleTimeout)))
	return err
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func containsRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func utf8Len(s string) int { return len([]rune(s)) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
