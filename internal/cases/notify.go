package cases

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
)

// Notifier sends notices outside the application (a webhook, email). It
// is called after the change is committed, in the background; an error is
// logged and changes nothing (the in-app notifications are already
// written).
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// Message is a notice as a Notifier sends it.
type Message struct {
	Kind     string `json:"kind"`
	CaseID   int64  `json:"case_id"`
	Code     string `json:"code"`
	CaseKind string `json:"case_kind"`
	OrgName  string `json:"org"`
	Title    string `json:"title"`
	Body     string `json:"body,omitempty"`
	// Emergencies: when (UTC), where and who.
	OccurredAt     string `json:"occurred_at,omitempty"`
	Place          string `json:"place,omitempty"`
	PeopleInvolved string `json:"people_involved,omitempty"`
	// Recipients are the usernames notified in the application.
	Recipients []string `json:"recipients"`
	At         string   `json:"at"`
}

// Webhook posts each message as JSON to a URL (a WeCom/DingTalk relay, an
// SMS gateway, a mail bridge). With a Secret, the body's HMAC-SHA256 is
// sent in the X-Shiliu-Signature header ("sha256=<hex>").
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client
}

// NewWebhook returns a webhook notifier with a 5-second timeout.
func NewWebhook(url, secret string) *Webhook {
	return &Webhook{URL: url, Secret: secret, Client: &http.Client{Timeout: 5 * time.Second}}
}

// Notify posts m.
func (w *Webhook) Notify(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "shiliu")
	if w.Secret != "" {
		mac := hmac.New(sha256.New, []byte(w.Secret))
		mac.Write(body)
		req.Header.Set("X-Shiliu-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: %s answered %s", w.URL, resp.Status)
	}
	return nil
}

// send hands committed notices to the Notifier in the background.
func (s *Service) send(ns []Message) {
	if s.Notifier == nil {
		return
	}
	for _, m := range ns {
		if len(m.Recipients) == 0 && m.Kind != NotifyEmergency {
			continue
		}
		s.pending.Add(1)
		go func() {
			defer s.pending.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := s.Notifier.Notify(ctx, m); err != nil && s.Log != nil {
				s.Log.Warn("notice not sent", "kind", m.Kind, "case", m.Code, "err", err)
			}
		}()
	}
}

// title is a notification's title: the case's code and the start of its
// summary.
func title(c *Case) string {
	sum := strings.Join(strings.Fields(c.Summary), " ")
	if r := []rune(sum); len(r) > 40 {
		sum = string(r[:40]) + "…"
	}
	return c.Code + " " + sum
}

// notify writes in-app notifications of a case to users (but not to the
// actor who caused them) and returns the message for the Notifier.
func (s *Service) notify(ctx context.Context, tx *db.Tx, a *auth.Actor, users []int64, kind string, c *Case, body string) (Message, error) {
	m := Message{Kind: kind, CaseID: c.ID, Code: c.Code, CaseKind: string(c.Kind), OrgName: c.OrgName, Title: title(c), Body: body, At: formatTime(s.Now())}
	if c.Kind == Emergency {
		m.OccurredAt, m.Place, m.PeopleInvolved = c.OccurredAt, c.Place, c.PeopleInvolved
	}
	seen := map[int64]bool{a.UserID: true}
	for _, u := range users {
		if seen[u] {
			continue
		}
		seen[u] = true
		var name string
		if err := tx.QueryRow(ctx, `SELECT username FROM users WHERE id = ?`, u).Scan(&name); err != nil {
			return m, fmt.Errorf("notify user %d: %w", u, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, kind, case_id, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			u, kind, c.ID, m.Title, body, m.At); err != nil {
			return m, fmt.Errorf("notification: %w", err)
		}
		m.Recipients = append(m.Recipients, name)
	}
	return m, nil
}

// unitUsers returns the active users attached to a unit (not its subtree)
// with one of the roles.
func (s *Service) unitUsers(ctx context.Context, tx *db.Tx, orgID int64, roles ...auth.Role) ([]int64, error) {
	return s.usersIn(ctx, tx, []int64{orgID}, roles...)
}

func (s *Service) usersIn(ctx context.Context, tx *db.Tx, orgIDs []int64, roles ...auth.Role) ([]int64, error) {
	if len(orgIDs) == 0 || len(roles) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(orgIDs)+len(roles))
	for _, id := range orgIDs {
		args = append(args, id)
	}
	for _, r := range roles {
		args = append(args, string(r))
	}
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE org_id IN (`+db.Placeholders(len(orgIDs))+`) AND role IN (`+db.Placeholders(len(roles))+`)
		AND disabled = 0 ORDER BY id`, args...)
	return db.Collect(rows, err, db.ScanID)
}

// pathIDs returns the unit ids of a materialised path, root first.
func pathIDs(path string) []int64 {
	var out []int64
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// notifyEmergency tells the leaders and subdistrict admins of an
// emergency's subdistrict: the active users of role leader or street_admin
// attached to the subdistrict that contains the case's unit, or to a unit
// between it and the case's unit (a committee's own leader). They are the
// ones whose scope holds the case. A case of a unit above any subdistrict
// tells that unit's leaders and admins.
func (s *Service) notifyEmergency(ctx context.Context, tx *db.Tx, caseID int64, kind, body string) (Message, error) {
	c, err := s.get(ctx, tx, escalator, caseID)
	if err != nil {
		return Message{}, err
	}
	chain := pathIDs(c.orgPath)
	units := []int64{c.OrgID}
	for i, id := range chain {
		var k string
		if err := tx.QueryRow(ctx, `SELECT kind FROM org_units WHERE id = ?`, id).Scan(&k); err != nil {
			return Message{}, err
		}
		if k == "subdistrict" {
			units = chain[i:]
			break
		}
	}
	users, err := s.usersIn(ctx, tx, units, auth.Leader, auth.StreetAdmin)
	if err != nil {
		return Message{}, err
	}
	return s.notify(ctx, tx, escalator, users, kind, c, body)
}

// Notifications returns the actor's notifications, newest first (at most
// 200), only the unread ones when asked.
func (s *Service) Notifications(ctx context.Context, a *auth.Actor, unreadOnly bool) ([]Notification, error) {
	if err := a.Require(auth.Self); err != nil {
		return nil, err
	}
	q := `SELECT id, user_id, kind, COALESCE(case_id, 0), title, body, link, created_at, read_at FROM notifications WHERE user_id = ?`
	if unreadOnly {
		q += ` AND read_at = ''`
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY id DESC LIMIT 200`, a.UserID)
	return db.Collect(rows, err, func(sc db.Scanner) (Notification, error) {
		var n Notification
		err := sc.Scan(&n.ID, &n.UserID, &n.Kind, &n.CaseID, &n.Title, &n.Body, &n.Link, &n.CreatedAt, &n.ReadAt)
		return n, err
	})
}

// NotifyTx writes an in-app notification that is not about a case (an
// agreement about to end, from the partners' reminder) to users, in the
// caller's transaction; link is the page it points to.
func (s *Service) NotifyTx(ctx context.Context, tx *db.Tx, users []int64, kind, title, body, link string) error {
	at := formatTime(s.Now())
	for _, u := range users {
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			u, kind, title, body, link, at); err != nil {
			return fmt.Errorf("notification: %w", err)
		}
	}
	return nil
}

// Badges are the counts every page's navigation shows.
type Badges struct {
	// Unread notifications of the actor (the bell).
	Unread int
	// Overdue open cases in the actor's scope (the cases entry), for those
	// who see cases.
	Overdue int
}

// Badges counts the navigation's badges in one query.
func (s *Service) Badges(ctx context.Context, a *auth.Actor) (Badges, error) {
	var b Badges
	if err := a.Require(auth.Self); err != nil {
		return b, err
	}
	q := `SELECT (SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at = ''), `
	args := []any{a.UserID}
	if a.Can(auth.CaseView) {
		where, wargs := s.where(a, Filter{Overdue: true})
		q += `(SELECT COUNT(*) FROM cases c` + where + `)`
		args = append(args, wargs...)
	} else {
		q += `0`
	}
	err := s.DB.QueryRow(ctx, q, args...).Scan(&b.Unread, &b.Overdue)
	return b, err
}

// MarkRead marks the actor's notifications read: the given ones, or all
// when none is given. Other users' notifications are left alone.
func (s *Service) MarkRead(ctx context.Context, a *auth.Actor, ids ...int64) (int, error) {
	if err := a.Require(auth.Self); err != nil {
		return 0, err
	}
	q := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at = ''`
	args := []any{formatTime(s.Now()), a.UserID}
	if len(ids) > 0 {
		q += ` AND id IN (` + db.Placeholders(len(ids)) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := s.DB.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
