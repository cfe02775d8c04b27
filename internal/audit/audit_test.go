package audit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
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
		// The fixture's own records (org units, accounts) come first.
		_, before, err := audit.List(ctx, d, audit.Filter{ScopeLo: "/", ScopeHi: "0", WithUnattached: true})
		if err != nil {
			t.Fatal(err)
		}
		// They are the system actor's, attached to no unit.
		_, unattached, err := audit.List(ctx, d, audit.Filter{WithUnattached: true})
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
		all := audit.Filter{ScopeLo: "/", ScopeHi: "0", WithUnattached: true}
		recs, total, err := audit.List(ctx, d, all)
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
		count := func(f audit.Filter) int {
			t.Helper()
			_, n, err := audit.List(ctx, d, f)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		with := func(mod func(*audit.Filter)) audit.Filter { f := all; mod(&f); return f }
		aLo, aHi := (&auth.Actor{OrgPath: a.Path}).Scope().PathRange()
		bLo, bHi := (&auth.Actor{OrgPath: b.Path}).Scope().PathRange()
		today := r.At[:10]
		for name, c := range map[string]struct {
			f    audit.Filter
			want int
		}{
			"action":      {with(func(f *audit.Filter) { f.Action = audit.ActionExport }), 1},
			"entity id":   {with(func(f *audit.Filter) { f.Entity, f.EntityID = "person", "42" }), 1},
			"result":      {with(func(f *audit.Filter) { f.Result = audit.ResultDenied }), 2},
			"username":    {with(func(f *audit.Filter) { f.Username = " GHOST " }), 1},
			"today":       {with(func(f *audit.Filter) { f.From, f.To = today, today; f.Entity = "person" }), 2},
			"before":      {with(func(f *audit.Filter) { f.To = "2000-01-01" }), 0},
			"after":       {with(func(f *audit.Filter) { f.From = "2999-01-01" }), 0},
			"scope A":     {audit.Filter{ScopeLo: aLo, ScopeHi: aHi}, 2},
			"scope B":     {audit.Filter{ScopeLo: bLo, ScopeHi: bHi, Entity: "case"}, 1},
			"no scope":    {audit.Filter{}, 0},
			"unattached":  {with(func(f *audit.Filter) { f.ScopeLo, f.ScopeHi = "", "" }), unattached + 1},
			"scope A, ok": {audit.Filter{ScopeLo: aLo, ScopeHi: aHi, Result: audit.ResultOK, Entity: "person"}, 2},
		} {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: %d records, want %d", name, got, c.want)
			}
		}
		// Paging.
		page, n, err := audit.List(ctx, d, audit.Filter{ScopeLo: "/", ScopeHi: "0", WithUnattached: true, Limit: 2, Offset: 1})
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
		if _, n, _ := audit.List(ctx, d, audit.Filter{WithUnattached: true}); n != 0 {
			t.Fatalf("%d records after a rollback", n)
		}
		if err := audit.Write(ctx, d, audit.Entry{Action: "create", Detail: map[string]any{"f": func() {}}}); err == nil {
			t.Fatal("an unencodable detail was written")
		}
	})
}
