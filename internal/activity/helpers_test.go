package activity_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

// clock is the fixture's "now": Monday 2027-03-01 10:00 in China.
var clock = time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)

// fix: the shared tree (S with committees A and B, S2 with C), its staff,
// and residents of A (two Hui in one household, a Han neighbour, a Hui
// volunteer), of B and of C.
type fix struct {
	ctx context.Context
	d   *db.DB
	s   *activity.Service
	reg *people.Service
	now time.Time

	tr *fixture.Tree

	admin, staffA, staffB, staffC, liaison *auth.Actor

	huiA, huiA2, hanA, volA, pB, pC *people.Person
	hA                              *people.Household
}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	ctx := context.Background()
	f := &fix{ctx: ctx, d: d, now: clock}
	f.reg = people.New(d, fixture.Keys(t))
	f.reg.Now = func() time.Time { return f.now }
	f.s = activity.New(d)
	f.s.Now = func() time.Time { return f.now }
	f.tr = fixture.NewTree(t, d)
	st := fixture.NewStaff(t, d, f.tr)
	f.admin, f.staffA, f.staffB, f.staffC, f.liaison = st.Admin, st.StaffA, st.StaffB, st.StaffC, st.Liaison
	root := fixture.Actor(t, d, "root", auth.StreetAdmin, f.tr.Dist)
	seq := 0
	person := func(name, eth string, u *org.Unit, tags people.Tag) *people.Person {
		t.Helper()
		seq++
		id := fixture.ID(t, "640104", fmt.Sprintf("1970%02d%02d", seq%12+1, seq%28+1), fmt.Sprintf("%03d", seq*2+1))
		p, err := f.reg.Create(ctx, root, people.Input{Name: name, IDNumber: id, Ethnicity: eth, Kind: people.Registered, OrgID: u.ID, Tags: people.Tags(tags)})
		if err != nil {
			t.Fatalf("create person %s: %v", name, err)
		}
		return p
	}
	f.huiA = person("马大爷", "回族", f.tr.A, people.TagHardship)
	f.huiA2 = person("马二婶", "回族", f.tr.A, 0)
	f.hanA = person("张邻居", "汉族", f.tr.A, 0)
	f.volA = person("白志愿", "回族", f.tr.A, people.TagVolunteer)
	f.pB = person("乙居民", "满族", f.tr.B, 0)
	f.pC = person("丙居民", "蒙古族", f.tr.C, 0)
	h, err := f.reg.CreateHousehold(ctx, root, people.HouseholdInput{OrgID: f.tr.A.ID, Code: "A-1", Address: "石榴路1号"})
	if err != nil {
		t.Fatal(err)
	}
	f.hA = h
	for _, p := range []*people.Person{f.huiA, f.huiA2} {
		if err := f.reg.SetMember(ctx, root, p.ID, h.ID, "家庭成员"); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// create plans an activity or fails the test.
func (f *fix) create(t *testing.T, a *auth.Actor, in activity.Input) *activity.Activity {
	t.Helper()
	if in.KindCode == "" && in.KindID == 0 {
		in.KindCode = activity.KindInterestClass
	}
	if in.StartTime == "" {
		in.StartTime, in.EndTime = "14:00", "16:00"
	}
	x, err := f.s.Create(f.ctx, a, in)
	if err != nil {
		t.Fatalf("create %+v: %v", in, err)
	}
	return x
}

// occurrences lists a series' rows as "seq date HH:MM status title".
func (f *fix) occurrences(t *testing.T, seriesID int64) []string {
	t.Helper()
	rows, err := f.d.Query(f.ctx, `SELECT seq, starts_at, status, title FROM activities WHERE series_id = ? ORDER BY starts_at, id`, seriesID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var seq int
		var at, st, title string
		if err := rows.Scan(&seq, &at, &st, &title); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %s %s", seq, at, st, title))
	}
	return out
}
