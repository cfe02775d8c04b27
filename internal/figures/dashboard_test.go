package figures_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

// A dashboard's distribution: the subdistrict's committees each with the
// figures of its own subtree (the liaison group is not a place people
// live), a percentage with what it is computed from, and a committee's
// staff refused the subdistrict's distribution.
func TestChildrenAndSome(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := people.New(d, fixture.Keys(t))
		tr := fixture.NewTree(t, d)
		st := fixture.NewStaff(t, d, tr)
		sys := auth.System("test")
		n := 0
		person := func(eth string, kind people.Kind, u *org.Unit) {
			t.Helper()
			n++
			_, err := reg.Create(ctx, sys, people.Input{Name: fmt.Sprintf("居民%d", n), IDNumber: fixture.ID(t, "640104", fmt.Sprintf("1980%02d%02d", n, n), fmt.Sprintf("%03d", n*2+1)),
				Ethnicity: eth, Kind: kind, OrgID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
		}
		person("回族", people.Registered, tr.A)
		person("回族", people.Registered, tr.A)
		person("汉族", people.Registered, tr.A)
		person("满族", people.Floating, tr.A)
		person("回族", people.Registered, tr.B)
		fs := figures.New(d)
		p := figures.Year(time.Now().Year())
		kids, err := fs.Children(ctx, st.Admin, tr.Sub.ID, p, "minority_registered", "minority_floating", "no_such_figure")
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, k := range kids {
			got += fmt.Sprintf("%s %v/%v; ", k.Name, k.Values["minority_registered"].Number, k.Values["minority_floating"].Number)
			if _, ok := k.Values["no_such_figure"]; ok {
				t.Errorf("an unknown figure was computed")
			}
		}
		if got != "甲居委 2/1; 乙居委 1/0; " {
			t.Errorf("the committees: %s", got)
		}
		// only person figures: one tally of the subdistrict by unit, the same answer
		tallied, err := fs.Children(ctx, st.Admin, tr.Sub.ID, p, "minority_registered", "minority_floating")
		if err != nil {
			t.Fatal(err)
		}
		got = ""
		for _, k := range tallied {
			got += fmt.Sprintf("%s %v/%v; ", k.Name, k.Values["minority_registered"].Number, k.Values["minority_floating"].Number)
		}
		if got != "甲居委 2/1; 乙居委 1/0; " {
			t.Errorf("the committees from the tally: %s", got)
		}
		vals, err := fs.Some(ctx, st.Admin, tr.Sub.ID, p, "ethnic_groups")
		if err != nil || vals["ethnic_groups"].Number != 1 || len(vals) != 1 {
			t.Errorf("some: %+v %v", vals, err)
		}
		if _, err := fs.Children(ctx, st.StaffA, tr.Sub.ID, p, "minority_registered"); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("a committee reads the subdistrict's committees: %v", err)
		}
	})
}

func TestPeriods(t *testing.T) {
	now := time.Date(2028, 2, 29, 3, 0, 0, 0, time.UTC)
	p := figures.ToDate(2028, now)
	if p.From != "2028-01-01" || p.To != "2028-02-29" || p.Year != 2028 {
		t.Errorf("to date: %+v", p)
	}
	if b := figures.SameSpanBefore(p); b.From != "2027-01-01" || b.To != "2027-02-28" || b.Year != 2027 {
		t.Errorf("the year before: %+v", b)
	}
	if p := figures.ToDate(2026, now); p.From != "2026-01-01" || p.To != "2026-12-31" {
		t.Errorf("a past year: %+v", p)
	}
}
