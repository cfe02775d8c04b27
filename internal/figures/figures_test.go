package figures_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

// The fixture, by hand: committee A has a mixed household (two Hui and a
// Han member), a Man resident, a floating Hui who arrived in March 2026 and
// works in a local unit, a Mongol who moved out on 2026-06-30, a Han
// neighbour; committee B a Hui volunteer. A's base figures for 2026 are
// 5,000 and 800, B's 2,000 and 100; S has none of its own.
func TestIndicators(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2027, 1, 10, 2, 0, 0, 0, time.UTC)
		reg := people.New(d, fixture.Keys(t))
		reg.Now = func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }
		tr := fixture.NewTree(t, d)
		sys := auth.System("test")
		n := 0
		person := func(name, eth string, kind people.Kind, u *org.Unit, mod func(*people.Input)) *people.Person {
			t.Helper()
			n++
			in := people.Input{Name: name, IDNumber: fixture.ID(t, "640104", fmt.Sprintf("1980%02d%02d", n, n), fmt.Sprintf("%03d", n*2+1)), Ethnicity: eth,
				Kind: kind, OrgID: u.ID}
			if mod != nil {
				mod(&in)
			}
			p, err := reg.Create(ctx, sys, in)
			if err != nil {
				t.Fatalf("person %s: %v", name, err)
			}
			return p
		}
		hui1 := person("马一", "回族", people.Registered, tr.A, nil)
		hui2 := person("马二", "回族", people.Registered, tr.A, nil)
		han := person("张三", "汉族", people.Registered, tr.A, nil)
		person("关四", "满族", people.Registered, tr.A, nil)
		person("马五", "回族", people.Floating, tr.A, func(in *people.Input) {
			in.ArrivalDate, in.WorkplaceKind = "2026-03-01", people.WorkLocalUnit
		})
		mongol := person("巴特", "蒙古族", people.Registered, tr.A, nil)
		person("李邻", "汉族", people.Registered, tr.A, nil)
		vol := person("白六", "回族", people.Registered, tr.B, func(in *people.Input) { in.Tags = people.Tags(people.TagVolunteer) })
		h, err := reg.CreateHousehold(ctx, sys, people.HouseholdInput{OrgID: tr.A.ID, Code: "A1", Address: "石榴路1号"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []*people.Person{hui1, hui2, han} {
			if err := reg.SetMember(ctx, sys, p.ID, h.ID, "家庭成员"); err != nil {
				t.Fatal(err)
			}
		}
		if err := reg.Lifecycle(ctx, sys, mongol.ID, people.Change{Kind: "moved_out", Date: "2026-06-30", Version: mongol.Version}); err != nil {
			t.Fatal(err)
		}
		os := &org.Service{DB: d}
		for u, p := range map[*org.Unit]org.Population{tr.A: {Year: 2026, Registered: 5000, Floating: 800}, tr.B: {Year: 2026, Registered: 2000, Floating: 100}} {
			if err := os.SetPopulation(ctx, sys, u.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		// an activity A held, where one of the Hui couple came, and one
		// cancelled
		as := activity.New(d)
		as.Now = func() time.Time { return now }
		x, err := as.Create(ctx, sys, activity.Input{OrgID: tr.A.ID, KindCode: "interest_class", Title: "刺绣班", Date: "2026-05-06", StartTime: "19:00",
			OthersCount: 5, OthersMinority: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := as.Mark(ctx, sys, x.ID, hui1.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		y, _ := as.Create(ctx, sys, activity.Input{OrgID: tr.A.ID, KindCode: "lecture", Title: "讲座", Date: "2026-06-06", StartTime: "09:00"})
		if err := as.Mark(ctx, sys, y.ID, vol.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if err := as.Cancel(ctx, sys, y.ID, activity.ThisOne, "下雨"); err != nil {
			t.Fatal(err)
		}

		fs := figures.New(d)
		fs.Now = func() time.Time { return now }
		admin := fixture.Actor(t, d, "admin", auth.StreetAdmin, tr.Sub)
		got := func(unit *org.Unit, p figures.Period) map[string]any {
			t.Helper()
			vals, err := fs.Compute(ctx, admin, unit.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(figures.Summary(vals))
			var m map[string]any
			json.Unmarshal(b, &m)
			return m
		}
		check := func(what string, m map[string]any, want map[string]any) {
			t.Helper()
			for k, w := range want {
				gb, _ := json.Marshal(m[k])
				wb, _ := json.Marshal(w)
				if string(gb) != string(wb) {
					t.Errorf("%s %s = %s, want %s", what, k, gb, wb)
				}
			}
		}
		a2026 := got(tr.A, figures.Year(2026))
		check("A 2026", a2026, map[string]any{
			"registered_population": 5000, "floating_population": 800,
			"minority_registered": 3, "minority_registered_households": 1, "minority_share_pct": 0.1,
			"ethnic_groups": 2, "ethnic_breakdown": map[string]int{"回族": 2, "满族": 1},
			"minority_floating": 1, "minority_population": 4, "minority_in_local_units": 1, "minority_in_new_orgs": 0,
			"committees": 1, "volunteers": 0, "volunteers_pct": 0.0,
			"activities": 1, "activity_participants": 6, "interest_class_kinds": 1,
			"participating_families": 1, "participating_families_pct": 100.0,
		})
		// a year earlier: the Mongol still lived here, the floating resident
		// had not come; there are no base figures, so no share
		check("A 2025", got(tr.A, figures.Year(2025)), map[string]any{
			"minority_registered": 4, "ethnic_breakdown": map[string]int{"回族": 2, "满族": 1, "蒙古族": 1}, "minority_floating": 0,
			"registered_population": nil, "minority_share_pct": nil, "activities": 0,
		})
		// the subdistrict: its committees' base figures summed, B's volunteer
		check("S 2026", got(tr.Sub, figures.Year(2026)), map[string]any{
			"registered_population": 7000, "floating_population": 900, "minority_registered": 4, "committees": 2, "liaison_groups": 1,
			"volunteers": 1, "volunteers_pct": 20.0, "minority_share_pct": 0.1,
		})
		// every count's record list has as many records as the figure
		for _, ind := range figures.Indicators {
			if ind.Records == nil {
				continue
			}
			for _, u := range []*org.Unit{tr.A, tr.Sub} {
				vals, _ := fs.Compute(ctx, admin, u.ID, figures.Year(2026))
				_, ids, err := fs.Records(ctx, admin, ind.ID, u.ID, figures.Year(2026), "")
				if err != nil || float64(len(ids)) != vals[ind.ID].Number {
					t.Errorf("%s of %s: %d records for the figure %v (%v)", ind.ID, u.Name, len(ids), vals[ind.ID].Number, err)
				}
			}
		}
		// scope: a committee cannot ask for a sibling's or the subdistrict's
		staffA := fixture.Actor(t, d, "staffa", auth.CommitteeStaff, tr.A)
		if _, err := fs.Compute(ctx, staffA, tr.B.ID, figures.Year(2026)); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("A computes B's figures: %v", err)
		}
		// a leader sees figures, not the lists of persons behind them
		leader := fixture.Actor(t, d, "leader", auth.Leader, tr.Sub)
		if _, err := fs.Compute(ctx, leader, tr.A.ID, figures.Year(2026)); err != nil {
			t.Errorf("leader's figures: %v", err)
		}
		if _, _, err := fs.Records(ctx, leader, "minority_registered", tr.A.ID, figures.Year(2026), ""); !errors.Is(err, errs.ErrForbidden) {
			t.Errorf("leader opens the persons behind a figure: %v", err)
		}
	})
}
