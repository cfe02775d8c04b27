// Package audit writes and reads the audit log. A record is written in the
// same transaction as the change it describes: if the record cannot be
// written, the change fails with it.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"shiliu/internal/access"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Who is the actor of a record.
type Who struct {
	UserID    int64
	Username  string
	Role      string
	OrgID     int64
	IP        string
	RequestID string
}

// Results of an audited action.
const (
	ResultOK     = "ok"
	ResultDenied = "denied"
	ResultFailed = "failed"
)

// Actions recorded. Domains may add their own strings.
const (
	ActionCreate      = "create"
	ActionUpdate      = "update"
	ActionArchive     = "archive"
	ActionImport      = "import"
	ActionExport      = "export"
	ActionLogin       = "login"
	ActionLoginFailed = "login_failed"
	ActionLockout     = "lockout"
	ActionLogout      = "logout"
	ActionDenied      = "denied"
	ActionPassword    = "password_change"
	ActionTokenCreate = "token_create"
	ActionTokenRevoke = "token_revoke"
	ActionViewSecret  = "view_sensitive"
)

// Entry is one audit record.
type Entry struct {
	Who
	Action   string
	Entity   string
	EntityID string
	// Detail is stored as JSON; for updates, Changes() builds it.
	Detail any
	Result string
}

// Change is one changed field.
type Change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// Changes returns the fields whose values differ between old and new, for an
// update's Detail. Keys absent from old are new fields.
func Changes(old, new map[string]any) map[string]Change {
	out := map[string]Change{}
	for k, nv := range new {
		ov, ok := old[k]
		if ok && fmt.Sprint(ov) == fmt.Sprint(nv) {
			continue
		}
		out[k] = Change{Old: ov, New: nv}
	}
	return out
}

// Execer is what Write needs: a *db.DB or a *db.Tx.
type Execer interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// Write records e. Call it with the transaction of the change it records.
func Write(ctx context.Context, x Execer, e Entry) error {
	detail := ""
	if e.Detail != nil {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		detail = string(b)
	}
	if e.Result == "" {
		e.Result = ResultOK
	}
	var uid, oid any
	if e.UserID != 0 {
		uid = e.UserID
	}
	if e.OrgID != 0 {
		oid = e.OrgID
	}
	_, err := x.Exec(ctx, `INSERT INTO audit_log (at, user_id, username, role, org_id, ip, request_id, action, entity, entity_id, detail, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		db.Now(), uid, e.Username, e.Role, oid, e.IP, e.RequestID, e.Action, e.Entity, e.EntityID, detail, e.Result)
	if err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}

// Record is a stored audit entry.
type Record struct {
	ID        int64
	At        string
	UserID    int64
	Username  string
	Role      string
	OrgID     int64
	IP        string
	RequestID string
	Action    string
	Entity    string
	EntityID  string
	Detail    string
	Result    string
}

// Filter selects audit records. Empty fields match everything.
type Filter struct {
	Username string
	Action   string
	Entity   string
	EntityID string
	Result   string
	From     string // date, inclusive
	To       string // date, inclusive
	Limit    int
	Offset   int
}

// Reader is who reads the audit log (an *auth.Actor): List refuses one who
// may not, and shows the records of their org subtree.
type Reader interface {
	ReadsAudit() bool
	Scope() access.Scope
}

// where builds the conditions of f within sc: the records of the units in
// the subtree; records with no org unit (failed logins of unknown names)
// only for readers attached to a root unit (or the system).
func (f Filter) where(sc access.Scope) (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a any) { conds = append(conds, c); args = append(args, a) }
	scope, sargs := sc.InSubtree("org_id")
	if sc.All() || strings.Count(sc.Path, "/") == 2 {
		scope = "(org_id IS NULL OR " + scope + ")"
	}
	conds = append(conds, scope)
	args = append(args, sargs...)
	if f.Username != "" {
		add("lower(username) = lower(?)", strings.TrimSpace(f.Username))
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Entity != "" {
		add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if f.Result != "" {
		add("result = ?", f.Result)
	}
	if f.From != "" {
		add("at >= ?", f.From)
	}
	if f.To != "" {
		add("at < ?", f.To+"T99") // whole day inclusive: 'T99' sorts after any time
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List returns the records r may read that match f, newest first, and
// their total count.
func List(ctx context.Context, d *db.DB, r Reader, f Filter) ([]Record, int, error) {
	if r == nil || !r.ReadsAudit() {
		return nil, 0, errs.ErrForbidden
	}
	where, args := f.where(r.Scope())
	var total int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	rows, err := d.Query(ctx, `SELECT id, at, COALESCE(user_id, 0), username, role, COALESCE(org_id, 0), ip, request_id, action, entity, entity_id, detail, result
		FROM audit_log`+where+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	out, err := db.Collect(rows, err, func(sc db.Scanner) (Record, error) {
		var r Record
		err := sc.Scan(&r.ID, &r.At, &r.UserID, &r.Username, &r.Role, &r.OrgID, &r.IP, &r.RequestID, &r.Action, &r.Entity, &r.EntityID, &r.Detail, &r.Result)
		return r, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list audit: %w", err)
	}
	return out, total, nil
}
