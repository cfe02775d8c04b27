package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
)

// TestWriteList: what Write stores, List gives back field for field, newest
// first, filtered by each field and by the org scope, on both engines.
func TestWriteList(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sub := fixture.Unit(t, d, org.Input{Code: "S", Name: "石榴街道", Kind: org.Subdistrict}, nil)
		a := fixture.Unit(t, d, org.Input{Code: "A", Name: "A居委", Kind: org.Committee}, sub)
		b := fixture.Unit(t, d, org.Input{Code: "B", Name: "B居委", Kind: org.Committee}, sub)
		staff := fixture.Actor(t, d, "li", auth.CommitteeStaff, a)
		sys := auth.System("test")
		rootAuditor := fixture.Actor(t, d, "auditor", auth.AuditAdmin, sub)
		auditorA := fixture.Actor(t, d, "auditora", auth.AuditAdmin, a)
		auditorB := fixture.Actor(t, d, "auditorb", auth.AuditAdmin, b)
		if _, _, err := audit.List(ctx, d, staff, audit.Filter{}); !errors.Is(err, errs.ErrForbidden) {
			t.Fatalf("staff reads the audit log: %v", err)
		}
		if _, _, err := audit.List(ctx, d, nil, audit.Filter{}); !errors.Is(err, errs.ErrForbidden) {
			t.Fatalf("no reader reads the audit log: %v", err)
		}
		// The fixture's own records (org units, accounts) come first; they
		// are the system actor's, attached to no unit.
		_, before, err := audit.List(ctx, d, sys, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		w := staff.Who()
		w.IP, w.RequestID = "10.0.0.7", "req-1"
		entries := []audit.Entry{
			{Who: w, Action: audit.ActionUpdate, Entity: "person", EntityID: "42",
				Detail: audit.Changes(map[string]any{"name": "王芳", "tags": 1}, map[string]any{"name": "王芳芳", "tags": 1})},
			{Who: w, Action: audit.ActionExport, Entity: "person", Detail: map[string]any{"rows": 3}},
			{Who: audit.Who{Username: "ghost", IP: "10.0.0.9"}, Action: audit.ActionLoginFailed, Entity: "user", Result: audit.ResultDenied},
			{Who: audit.Who{UserID: staff.UserID, Username: "li", Role: "committee_staff", OrgID: b.ID}, Action: audit.ActionDenied, Entity: "case", EntityID: "7", Result: audit.ResultDenied},
		}
		err = d.WithTx(ctx, func(tx *db.Tx) error {
			for _, e := range entries {
				if err := audit.Write(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		recs, total, err := audit.List(ctx, d, sys, audit.Filter{})
		if err != nil || total != before+4 {
			t.Fatalf("total %d (before %d), %v", total, before, err)
		}
		// Newest first: the last written is first.
		r := recs[3]
		if r.UserID != staff.UserID || r.Username != "li" || r.Role != "committee_staff" || r.OrgID != a.ID || r.IP != "10.0.0.7" ||
			r.RequestID != "req-1" || r.Action != "update" || r.Entity != "person" || r.EntityID != "42" || r.Result != audit.ResultOK ||
			!strings.HasPrefix(r.At, "20") || len(r.At) != len("2006-01-02T15:04:05.000Z") {
			t.Fatalf("record %+v", r)
		}
		var detail map[string]audit.Change
		if err := json.Unmarshal([]byte(r.Detail), &detail); err != nil || len(detail) != 1 || detail["name"].Old != "王芳" || detail["name"].New != "王芳芳" {
			t.Fatalf("detail %s (%v)", r.Detail, err)
		}
		if g := recs[1]; g.UserID != 0 || g.OrgID != 0 || g.Username != "ghost" || g.Result != audit.ResultDenied || g.Detail != "" {
			t.Fatalf("unattached record %+v", g)
		}
		if recs[0].ID <= recs[1].ID {
			t.Fatal("not newest first")
		}
		count := func(r audit.Reader, f audit.Filter) int {
			t.Helper()
			_, n, err := audit.List(ctx, d, r, f)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		today := r.At[:10]
		for name, c := range map[string]struct {
			r    audit.Reader
			f    audit.Filter
			want int
		}{
			"action":    {sys, audit.Filter{Action: audit.ActionExport}, 1},
			"entity id": {sys, audit.Filter{Entity: "person", EntityID: "42"}, 1},
			"result":    {sys, audit.Filter{Result: audit.ResultDenied}, 2},
			"username":  {sys, audit.Filter{Username: " GHOST "}, 1},
			"today":     {sys, audit.Filter{From: today, To: today, Entity: "person"}, 2},
			"before":    {sys, audit.Filter{To: "2000-01-01"}, 0},
			"after":     {sys, audit.Filter{From: "2999-01-01"}, 0},
			// An auditor of A sees A's records, not B's nor the
			// unattached ones; one at the root sees the unattached too.
			"auditor A":           {auditorA, audit.Filter{}, 2},
			"auditor A, ok":       {auditorA, audit.Filter{Result: audit.ResultOK, Entity: "person"}, 2},
			"auditor A, case":     {auditorA, audit.Filter{Entity: "case"}, 0},
			"auditor B":           {auditorB, audit.Filter{Entity: "case"}, 1},
			"auditor B, login":    {auditorB, audit.Filter{Username: "ghost"}, 0},
			"root auditor, ghost": {rootAuditor, audit.Filter{Username: "ghost"}, 1},
		} {
			if got := count(c.r, c.f); got != c.want {
				t.Errorf("%s: %d records, want %d", name, got, c.want)
			}
		}
		// Paging.
		page, n, err := audit.List(ctx, d, sys, audit.Filter{Limit: 2, Offset: 1})
		if err != nil || n != total || len(page) != 2 || page[0].ID != recs[1].ID {
			t.Fatalf("page %+v, %d, %v", page, n, err)
		}
	})
}

// TestWriteFailsWithTx: a record written in a transaction that rolls back
// is gone with it, and a detail that cannot be encoded fails the write.
func TestWriteFailsWithTx(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		errRollback := context.Canceled
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			if err := audit.Write(ctx, tx, audit.Entry{Who: audit.Who{Username: "x"}, Action: "create", Entity: "thing"}); err != nil {
				return err
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatal(err)
		}
		if _, n, _ := audit.List(ctx, d, auth.System("test"), audit.Filter{}); n != 0 {
			t.Fatalf("%d records after a rollback", n)
		}
		if err := audit.Write(ctx, d, audit.Entry{Action: "create", Detail: map[string]any{"f": func() {}}}); err == nil {
			t.Fatal("an unencodable detail was written")
		}
	})
}
