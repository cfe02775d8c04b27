package org_test

import (
	"context"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/org"
)

func TestTreeScopeAndMove(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &org.Service{DB: d}
		mk := func(code, name string, kind org.Kind, parent int64) *org.Unit {
			t.Helper()
			u, err := s.Create(ctx, auth.System("test"), org.Input{Code: code, Name: name, Kind: kind, ParentID: parent})
			if err != nil {
				t.Fatalf("create %s: %v", code, err)
			}
			return u
		}
		dist := mk("D", "区", org.District, 0)
		st := mk("S1", "街道一", org.Subdistrict, dist.ID)
		st2 := mk("S2", "街道二", org.Subdistrict, dist.ID)
		ca := mk("C1", "甲居委", org.Committee, st.ID)
		cb := mk("C2", "乙居委", org.Committee, st.ID)
		bg := mk("B1", "1号楼组", org.BuildingGroup, ca.ID)

		committeeA := &auth.Actor{UserID: 1, Role: auth.CommitteeStaff, OrgPath: ca.Path}
		tree, err := s.Tree(ctx, committeeA, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(tree) != 2 || tree[0].ID != ca.ID || tree[1].ID != bg.ID {
			t.Fatalf("committee A sees %d units, want its committee and building group", len(tree))
		}
		if _, err := s.Get(ctx, committeeA, cb.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("sibling committee: got %v, want not found", err)
		}
		if _, err := s.Get(ctx, committeeA, st.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("parent subdistrict: got %v, want not found", err)
		}

		// Building groups cannot stand under a subdistrict.
		_, err = s.Create(ctx, auth.System("test"), org.Input{Code: "B9", Name: "x", Kind: org.BuildingGroup, ParentID: st.ID})
		if e, ok := errs.As(err); !ok || e.Fields["parent_id"] != "err.parent_kind" {
			t.Fatalf("building group under subdistrict: %v", err)
		}
		// Duplicate code.
		_, err = s.Create(ctx, auth.System("test"), org.Input{Code: "C1", Name: "x", Kind: org.Committee, ParentID: st.ID})
		if e, ok := errs.As(err); !ok || e.Fields["code"] != "err.code_taken" {
			t.Fatalf("duplicate code: %v", err)
		}

		// Move committee A (with its building group) to the second subdistrict.
		admin := &auth.Actor{UserID: 1, Role: auth.StreetAdmin, OrgPath: dist.Path}
		err = s.Update(ctx, admin, ca.ID, org.Input{Code: "C1", Name: "甲居委", Kind: org.Committee, ParentID: st2.ID, Version: ca.Version})
		if err != nil {
			t.Fatalf("move: %v", err)
		}
		moved, _ := s.Get(ctx, admin, bg.ID)
		if moved.Path != st2.Path+itoa(ca.ID)+"/"+itoa(bg.ID)+"/" || moved.Depth != 3 {
			t.Fatalf("building group path after move = %q depth %d", moved.Path, moved.Depth)
		}
		// A stale version is a conflict.
		err = s.Update(ctx, admin, ca.ID, org.Input{Code: "C1", Name: "改名", Kind: org.Committee, ParentID: st2.ID, Version: ca.Version})
		if errs.KindOf(err) != errs.Conflict {
			t.Fatalf("stale version: got %v, want conflict", err)
		}
		// A unit cannot move under its own descendant.
		cur, _ := s.Get(ctx, admin, st2.ID)
		err = s.Update(ctx, admin, st2.ID, org.Input{Code: "S2", Name: "街道二", Kind: org.Subdistrict, ParentID: ca.ID, Version: cur.Version})
		if errs.KindOf(err) != errs.Invalid {
			t.Fatalf("cycle: got %v", err)
		}

		if err := s.SetPopulation(ctx, admin, st.ID, org.Population{Year: 2026, Registered: 52000, Floating: 8100}); err != nil {
			t.Fatal(err)
		}
		ps, err := s.Populations(ctx, admin, st.ID)
		if err != nil || len(ps) != 1 || ps[0].Registered != 52000 || ps[0].Floating != 8100 {
			t.Fatalf("populations = %+v, %v", ps, err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'org_unit' AND action = 'update'`).Scan(&n)
		if n != 1 {
			t.Fatalf("audit records for the move = %d, want 1", n)
		}
	})
}

func itoa(i int64) string { return fmtInt(i) }

// TestAuditFailureFailsTheChange: when the audit record cannot be written,
// the change it describes is not made either.
func TestAuditFailureFailsTheChange(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &org.Service{DB: d}
		st, err := s.Create(ctx, auth.System("test"), org.Input{Code: "S1", Name: "和平街道", Kind: org.Subdistrict})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `ALTER TABLE audit_log RENAME TO audit_log_gone`); err != nil {
			t.Fatal(err)
		}
		admin := &auth.Actor{UserID: 1, Role: auth.StreetAdmin, OrgPath: st.Path}
		err = s.Update(ctx, admin, st.ID, org.Input{Code: "S1", Name: "改名街道", Kind: org.Subdistrict, Version: st.Version})
		if err == nil {
			t.Fatal("update succeeded although its audit record could not be written")
		}
		if _, err := s.Create(ctx, admin, org.Input{Code: "C1", Name: "甲居委", Kind: org.Committee, ParentID: st.ID}); err == nil {
			t.Fatal("create succeeded although its audit record could not be written")
		}
		d.Exec(ctx, `ALTER TABLE audit_log_gone RENAME TO audit_log`)
		got, err := s.Get(ctx, admin, st.ID)
		if err != nil || got.Name != "和平街道" || got.Children != 0 {
			t.Fatalf("after failed audit writes: %+v, %v", got, err)
		}
	})
}
