package figures_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/figures"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

// The fixture of the honours, budget, cases, pairings and hours figures,
// by hand, all in committee A, which has no base figures: a mixed household
// (Hui and Han) granted 民族团结文明家庭 in 2026, a Man household only
// nominated, a Hui who came as a floating resident and became registered,
// a Mongol who moved out in June 2026, a building group featured in 2026
// and one in 2025; a budget of 1,000.50 + 500 yuan and spending of 200.25
// (a void 999 and one of 2025 do not count); four cases, two overdue at the
// year's end; three pairings, one going on at the end; hours of a
// volunteer from each source.
func TestMoreIndicators(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2027, 1, 10, 2, 0, 0, 0, time.UTC)
		reg := people.New(d, fixture.Keys(t))
		reg.Now = func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }
		tr := fixture.NewTree(t, d)
		sys := auth.System("test")
		n := 0
		input := func(name, eth string, kind people.Kind, u *org.Unit) people.Input {
			n++
			return people.Input{Name: name, IDNumber: fixture.ID(t, "640104", fmt.Sprintf("1981%02d%02d", n, n), fmt.Sprintf("%03d", n*2+1)), Ethnicity: eth,
				Kind: kind, OrgID: u.ID}
		}
		create := func(in people.Input) *people.Person {
			t.Helper()
			p, err := reg.Create(ctx, sys, in)
			if err != nil {
				t.Fatalf("person %s: %v", in.Name, err)
			}
			return p
		}
		hui := create(input("马一", "回族", people.Registered, tr.A))
		han := create(input("张三", "汉族", people.Registered, tr.A))
		man := create(input("关四", "满族", people.Registered, tr.A))
		mongol := create(input("巴特", "蒙古族", people.Registered, tr.A))
		fin := input("马转", "回族", people.Floating, tr.A)
		fin.ArrivalDate = "2025-05-01"
		floater := create(fin)
		fin.Kind, fin.ArrivalDate, fin.Version = people.Registered, "", floater.Version
		if err := reg.Update(ctx, sys, floater.ID, fin); err != nil {
			t.Fatalf("the floating resident becomes registered: %v", err)
		}
		vin := input("白六", "回族", people.Registered, tr.A)
		vin.Tags = people.Tags(people.TagVolunteer)
		vol := create(vin)
		if err := reg.Lifecycle(ctx, sys, mongol.ID, people.Change{Kind: "moved_out", Date: "2026-06-30", Version: mongol.Version}); err != nil {
			t.Fatal(err)
		}
		hh := func(code string, members ...*people.Person) int64 {
			h, err := reg.CreateHousehold(ctx, sys, people.HouseholdInput{OrgID: tr.A.ID, Code: code, Address: "石榴路" + code})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range members {
				if err := reg.SetMember(ctx, sys, p.ID, h.ID, "家庭成员"); err != nil {
					t.Fatal(err)
				}
			}
			return h.ID
		}
		mixed, manH := hh("H1", hui, han), hh("H2", man)
		g1 := fixture.Unit(t, d, org.Input{Code: "G1", Name: "一号楼组", Kind: org.BuildingGroup}, tr.A)
		g2 := fixture.Unit(t, d, org.Input{Code: "G2", Name: "二号楼组", Kind: org.BuildingGroup}, tr.A)
		ts := "2026-12-01T00:00:00.000Z"
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		honour := func(kind string, year int, hh, unit any, key, status string) {
			exec(`INSERT INTO honours (org_id, kind_id, year, household_id, unit_id, recipient_key, deeds, status, nominated_at, created_at, updated_at)
				SELECT ?, id, ?, ?, ?, ?, '事迹', ?, ?, ?, ? FROM honour_kinds WHERE code = ?`, tr.A.ID, year, hh, unit, key, status, ts, ts, ts, kind)
		}
		honour("civilised_family", 2026, mixed, nil, fmt.Sprint("h:", mixed), "granted")
		honour("civilised_family", 2026, manH, nil, fmt.Sprint("h:", manH), "nominated")
		honour("featured_building_group", 2026, nil, g1.ID, fmt.Sprint("u:", g1.ID), "granted")
		honour("featured_building_group", 2025, nil, g2.ID, fmt.Sprint("u:", g2.ID), "granted")
		for _, b := range []struct {
			purpose string
			fen     int
		}{{"publicity", 100050}, {"activity", 50000}} {
			exec(`INSERT INTO budgets (org_id, year, purpose, amount_fen, created_at, updated_at) VALUES (?, 2026, ?, ?, ?, ?)`, tr.A.ID, b.purpose, b.fen, ts, ts)
		}
		for _, s := range []struct {
			date, status string
			fen          int
		}{{"2026-03-01", "valid", 20025}, {"2026-04-01", "void", 99900}, {"2025-12-31", "valid", 5000}} {
			exec(`INSERT INTO spendings (org_id, date, purpose, amount_fen, status, created_at) VALUES (?, ?, 'publicity', ?, ?, ?)`, tr.A.ID, s.date, s.fen, s.status, ts)
		}
		// cases: received 2026-01-15 and closed; received 1 February in
		// China (31 January in UTC), open past its deadline; received in
		// March, due next year; received on 31 December 2025 China time,
		// still open past its deadline
		for i, c := range []struct{ created, status, due, closed string }{
			{"2026-01-15T02:00:00.000Z", "closed", "2026-02-15T00:00:00.000Z", "2026-02-01T02:00:00.000Z"},
			{"2026-01-31T17:00:00.000Z", "in_progress", "2026-03-01T00:00:00.000Z", ""},
			{"2026-03-10T02:00:00.000Z", "intake", "2027-06-01T00:00:00.000Z", ""},
			{"2025-12-31T15:00:00.000Z", "assigned", "2026-01-10T00:00:00.000Z", ""},
		} {
			exec(`INSERT INTO cases (code, org_id, channel, kind, status, summary, resolve_due, closed_at, created_at, updated_at)
				VALUES (?, ?, 'hotline', 'consultation', ?, '咨询', ?, ?, ?, ?)`, fmt.Sprint("C", i), tr.A.ID, c.status, c.due, c.closed, c.created, c.created)
		}
		var pairs []int64
		for _, p := range []struct{ start, status, ended string }{{"2026-02-01", "active", ""}, {"2025-01-01", "ended", "2026-05-01"}, {"2027-01-05", "active", ""}} {
			var id int64
			err := d.WithTx(ctx, func(tx *db.Tx) (err error) {
				id, err = tx.InsertID(ctx, `INSERT INTO pairings (org_id, helper_kind, helper_person_id, target_person_id, start_date, status, ended_at, created_at, updated_at)
				VALUES (?, 'volunteer', ?, ?, ?, ?, ?, ?, ?)`, tr.A.ID, vol.ID, man.ID, p.start, p.status, p.ended, ts, ts)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			pairs = append(pairs, id)
		}
		exec(`INSERT INTO pairing_visits (pairing_id, date, minutes, created_at) VALUES (?, '2026-03-01', 90, ?), (?, '2025-12-20', 30, ?)`, pairs[0], ts, pairs[1], ts)
		exec(`INSERT INTO duty_log (org_id, service, date, person_id, minutes, created_at) VALUES (?, 'hotline', '2026-04-01', ?, 120, ?)`, tr.A.ID, vol.ID, ts)
		exec(`INSERT INTO volunteer_hours (org_id, person_id, date, minutes, what, status, created_at) VALUES
			(?, ?, '2026-05-01', 60, '整理', 'approved', ?), (?, ?, '2026-05-02', 30, '整理', 'pending', ?), (?, ?, '2026-05-03', 45, '整理', 'rejected', ?)`,
			tr.A.ID, vol.ID, ts, tr.A.ID, vol.ID, ts, tr.A.ID, vol.ID, ts)
		as := activity.New(d)
		as.Now = func() time.Time { return now }
		x, err := as.Create(ctx, sys, activity.Input{OrgID: tr.A.ID, KindCode: "lecture", Title: "讲座", Date: "2026-06-06", StartTime: "09:00", EndTime: "10:30"})
		if err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO attendance (activity_id, person_id, role, present) VALUES (?, ?, 'helper', 1)`, x.ID, vol.ID)

		fs := figures.New(d)
		fs.Now = func() time.Time { return now }
		admin := fixture.Actor(t, d, "admin", auth.StreetAdmin, tr.Sub)
		vals, err := fs.Compute(ctx, admin, tr.A.ID, figures.Year(2026))
		if err != nil {
			t.Fatal(err)
		}
		m := figures.Summary(vals)
		want := map[string]string{
			// no base figures: not available, never 0
			"registered_population": `null`, "minority_share_pct": `null`,
			// 马一, 关四, 马转 (now registered), 白六; the Mongol moved out
			"minority_registered": `4`, "minority_floating": `0`, "ethnic_breakdown": `{"回族":3,"满族":1}`,
			"minority_registered_households": `2`, "honoured_families": `1`, "honoured_families_pct": `50.0`,
			"featured_building_groups": `1`, "honours_by_kind": `{"民族团结文明家庭":1,"民族团结特色楼组":1}`,
			"budget": `1500.50`, "spent": `200.25`,
			"cases_received": `3`, "cases_handled": `1`, "cases_by_status": `{"办理中":1,"已办结":1,"待受理":1}`,
			"cases_by_month": `{"2026-01":1,"2026-02":1,"2026-03":1}`, "cases_overdue": `2`,
			"pairings_active": `1`, "visits": `1`,
			// 90 min helping, 120 on duty, 90 visiting, 60 approved of 135 logged
			"volunteer_hours": `6.0`, "hours_by_source": `{"值班":2.0,"活动协助":1.5,"结对走访":1.5,"自行登记":1.0}`,
		}
		for k, w := range want {
			if g, _ := json.Marshal(m[k]); string(g) != w {
				t.Errorf("%s = %s, want %s", k, g, w)
			}
		}
		// every count and every key of a breakdown opens as many records
		for _, ind := range figures.Indicators {
			if ind.Kind != figures.Breakdown && ind.HasRecords("") {
				_, ids, err := fs.Records(ctx, admin, ind.ID, tr.A.ID, figures.Year(2026), "")
				if err != nil || float64(len(ids)) != vals[ind.ID].Number {
					t.Errorf("%s: %d records for %v (%v)", ind.ID, len(ids), vals[ind.ID].Number, err)
				}
			}
			if ind.Kind == figures.Breakdown && ind.KeyRecords != nil {
				for _, p := range vals[ind.ID].Parts {
					_, ids, err := fs.Records(ctx, admin, ind.ID, tr.A.ID, figures.Year(2026), p.Code)
					if err != nil || float64(len(ids)) != p.Count {
						t.Errorf("%s %s: %d records for %v (%v)", ind.ID, p.Key, len(ids), p.Count, err)
					}
				}
			}
		}
	})
}
