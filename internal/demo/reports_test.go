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
