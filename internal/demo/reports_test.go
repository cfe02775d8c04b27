package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shiliu/internal/approval"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/demo"
	"shiliu/internal/figures"
)

// The demo opens with last year's data sets: the first subdistrict and all
// its committees approved, the second's last two committees only
// submitted; the approved figures are those of the records; this year the
// committee secretary's set is begun.
func TestReports(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res, err := demo.Generate(ctx, d, registryOpt(testKeys(t)))
		if err != nil {
			t.Fatal(err)
		}
		if st := res.Reports; st.Approved != 3+1+1 || st.Submitted != 2 || st.Drafts != 1 {
			t.Errorf("reports made: %+v, want 5 approved, 2 submitted, 1 draft", st)
		}
		fig := figures.New(d)
		fig.Now = func() time.Time { return today }
		svc := approval.New(d, fig)
		svc.Now = fig.Now
		sys := auth.System("test")
		rows, err := svc.List(ctx, sys, year-1)
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]approval.Status{}
		for _, r := range rows {
			if r.Set != nil {
				status[r.OrgName] = r.Set.Status
				if r.Set.Work == "" || r.Set.Problems == "" || r.Set.Plans == "" {
					t.Errorf("%s's set has no narrative", r.OrgName)
				}
			}
		}
		first, second := res.Subdistricts[0], res.Subdistricts[1]
		want := map[string]approval.Status{first.Name: approval.Approved, second.Name: ""}
		for _, c := range first.Children {
			if c.Kind == "committee" {
				want[c.Name] = approval.Approved
			}
		}
		var cs []*demo.Unit
		for _, c := range second.Children {
			if c.Kind == "committee" {
				cs = append(cs, c)
			}
		}
		for i, c := range cs {
			want[c.Name] = approval.Approved
			if i >= len(cs)-2 {
				want[c.Name] = approval.Submitted
			}
		}
		for name, w := range want {
			if status[name] != w {
				t.Errorf("%s's set of %d is %q, want %q", name, year-1, status[name], w)
			}
		}

		// The first committee's approved figures are its records'.
		c := first.ChildrenOf("committee")[0]
		_, vals, ok, err := svc.Approved(ctx, c.ID, year-1)
		if err != nil || !ok {
			t.Fatalf("%s has no approved snapshot: %v", c.Name, err)
		}
		live, err := fig.Compute(ctx, sys, c.ID, figures.Year(year-1))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(vals["minority_registered"]), fmt.Sprint(live["minority_registered"].Number); got != want || want == "0" {
			t.Errorf("%s's approved registered minority %v, its records count %v", c.Name, got, want)
		}

		// Side by side, the district marks the second subdistrict.
		_, cols, err := svc.Compare(ctx, sys, res.RootID, year-1)
		if err != nil || len(cols) != 2 || !cols[0].Approved() || cols[1].Approved() {
			t.Errorf("the district's side by side: %d columns, %v", len(cols), err)
		}
	})
}

// The volume of a benchmark: the cases and activities asked for, on top of
// the workflow's, each in a committee with residents of it; the case
// counter moved past them so the next intake gets a free number; the
// figures count them.
func TestVolume(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		opt := registryOpt(testKeys(t))
		opt.Cases, opt.Activities = 3000, 400
		res, err := demo.Generate(ctx, d, opt)
		if err != nil {
			t.Fatal(err)
		}
		if v := res.Volume; v.Cases != 3000 || v.Activities != 400 || v.Attendance < 400*5/2 {
			t.Fatalf("volume written: %+v", v)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := d.QueryRow(ctx, q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM cases`); n != 3000+res.Activity.Cases {
			t.Errorf("%d cases, want 3000 + %d of the workflow", n, res.Activity.Cases)
		}
		// (the volume's are the last written)
		if n := count(`SELECT COUNT(*) FROM cases c JOIN persons p ON p.id = c.person_id WHERE p.org_id <> c.org_id AND c.id > (SELECT MAX(id) - 3000 FROM cases)`); n != 0 {
			t.Errorf("%d cases in another committee than their caller's", n)
		}
		if n := count(`SELECT COUNT(*) FROM cases WHERE status IN ('closed', 'followed_up') AND closed_at = ''`); n != 0 {
			t.Errorf("%d closed cases without a closing time", n)
		}
		if n := count(`SELECT COUNT(*) FROM attendance a JOIN activities x ON x.id = a.activity_id JOIN persons p ON p.id = a.person_id
			WHERE p.org_id <> x.org_id AND x.id > (SELECT MAX(id) - 400 FROM activities)`); n != 0 {
			t.Errorf("%d attendances of residents of another committee", n)
		}
		if n := count(`SELECT COUNT(*) FROM cases c WHERE CAST(substr(c.code, 6) AS INTEGER) > (SELECT seq FROM case_counters k WHERE k.year = CAST(substr(c.code, 1, 4) AS INTEGER))`); n != 0 {
			t.Errorf("%d case numbers beyond their year's counter", n)
		}
		fig := figures.New(d)
		fig.Now = func() time.Time { return today }
		p, err := figures.Range(today.AddDate(-1, 0, 0).Format("2006-01-02"), today.Format("2006-01-02"))
		if err != nil {
			t.Fatal(err)
		}
		vals, err := fig.Compute(ctx, auth.System("test"), res.RootID, p)
		if err != nil {
			t.Fatal(err)
		}
		if n := vals["cases_received"].Number; n < 3000 {
			t.Errorf("the district's cases received over the year: %v, want at least the 3000 written", n)
		}
	})
}
