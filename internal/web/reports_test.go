package web_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"shiliu/internal/db"
	"shiliu/internal/org"
)

// reportAt begins the data set of unit u for 2025 directly in storage (a
// building group has none through the service: the matrix's child place
// still needs one to try).
func (e *env) reportAt(u *org.Unit) int64 {
	e.t.Helper()
	now := "2026-01-05T08:00:00Z"
	var id int64
	err := e.DB.WithTx(context.Background(), func(tx *db.Tx) (err error) {
		id, err = tx.InsertID(context.Background(), `INSERT INTO report_sets (org_id, year, status, created_at, updated_at) VALUES (?, 2025, 'draft', ?, ?)`,
			u.ID, now, now)
		return err
	})
	if err != nil {
		e.t.Fatalf("report set: %v", err)
	}
	return id
}

// reportObjects adds the annual data sets to the access matrix.
func (m *matrix) reportObjects() {
	e := m.env
	sets := map[string]target{}
	for place, u := range map[string]*org.Unit{"own": e.A, "child": e.G, "sibling": e.B, "parent": e.S} {
		sets[place] = target{e.reportAt(u), ""}
	}
	m.objects["report"] = sets
}

// reportBodies are refused by validation or a stale version once through
// the scope check, so nothing changes between requests.
var reportBodies = map[string]bodyFunc{
	"POST /reports": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"org_id": {strconv.FormatInt(c.m.A.ID, 10)}, "year": {"1999"}})
	},
	"POST /reports/{id}":         func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}, "work": {"x"}}) },
	"POST /reports/{id}/submit":  func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}}) },
	"POST /reports/{id}/approve": func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}}) },
	"POST /reports/{id}/unlock":  func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}, "reason": {"x"}}) },
	"POST /reports/{id}/consent": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"version": {"0"}, "back": {"unlocks"}})
	},
	"POST /api/v1/reports": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"unit_id":%d,"year":1999}`, c.m.A.ID))
	},
	"PUT /api/v1/reports/{id}":          func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0,"work":"x"}`) },
	"POST /api/v1/reports/{id}/submit":  func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0}`) },
	"POST /api/v1/reports/{id}/approve": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0}`) },
	"POST /api/v1/reports/{id}/unlock":  func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0,"reason":"x"}`) },
	"POST /api/v1/reports/{id}/consent": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0}`) },
}

func init() {
	for k, v := range reportBodies {
		matrixBodies[k] = v
	}
	objectKinds["report"] = true
}
