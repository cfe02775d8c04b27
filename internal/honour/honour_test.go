package honour_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/fixture"
	"shiliu/internal/honour"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

type fix struct {
	ctx                             context.Context
	d                               *db.DB
	s                               *honour.Service
	tr                              *fixture.Tree
	G                               *org.Unit
	admin, staffA, staffB, reviewer *auth.Actor
	hA, hB                          *people.Household
	pA                              *people.Person
}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	ctx := context.Background()
	f := &fix{ctx: ctx, d: d, s: honour.New(d), tr: fixture.NewTree(t, d)}
	f.s.Now = func() time.Time { return time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC) }
	st := fixture.NewStaff(t, d, f.tr)
	f.admin, f.staffA, f.staffB = st.Admin, st.StaffA, st.StaffB
	f.reviewer = fixture.Actor(t, d, "reviewer", auth.StreetStaff, f.tr.Sub)
	f.G = fixture.Unit(t, d, org.Input{Code: "A-G1", Name: "甲一号楼组", Kind: org.BuildingGroup}, f.tr.A)
	reg := people.New(d, fixture.Keys(t))
	root := auth.System("test")
	var err error
	f.pA, err = reg.Create(ctx, root, people.Input{Name: "马大爷", IDNumber: fixture.ID(t, "640104", "19500101", "011"), Ethnicity: "回族", Kind: people.Registered, OrgID: f.tr.A.ID})
	if err != nil {
		t.Fatal(err)
	}
	if f.hA, err = reg.CreateHousehold(ctx, root, people.HouseholdInput{OrgID: f.tr.A.ID, Code: "A-1", Address: "石榴路1号"}); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetMember(ctx, root, f.pA.ID, f.hA.ID, "户主"); err != nil {
		t.Fatal(err)
	}
	if f.hB, err = reg.CreateHousehold(ctx, root, people.HouseholdInput{OrgID: f.tr.B.ID, Code: "B-1", Address: "桂花路2号"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func wantKey(t *testing.T, err error, kind errs.Kind, key string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("got %v, want %v %s", err, kind, key)
	}
	if key == "" {
		return
	}
	if e.Key == key {
		return
	}
	for _, k := range e.Fields {
		if k == key {
			return
		}
	}
	t.Fatalf("got %v (%s %v), want %s", err, e.Key, e.Fields, key)
}

func TestHonourWorkflow(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ctx := f.ctx
		fam, err := f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindCivilisedFamily, Year: 2026, HouseholdID: f.hA.ID, Deeds: "邻里互助二十年"})
		if err != nil {
			t.Fatal(err)
		}
		if fam.Status != honour.Nominated || fam.RecipientName != "马大爷" || fam.OrgID != f.tr.A.ID {
			t.Fatalf("nominated: %+v", fam)
		}
		// A grant before the review is refused, saying so.
		_, err = f.s.Grant(ctx, f.admin, fam.ID, fam.Version)
		wantKey(t, err, errs.Invalid, "err.honour_not_reviewed")
		// The committee may not review or grant.
		_, err = f.s.Review(ctx, f.staffA, fam.ID, fam.Version, "")
		wantKey(t, err, errs.Forbidden, "")
		// A stale version is a conflict.
		_, err = f.s.Review(ctx, f.reviewer, fam.ID, fam.Version-1, "")
		wantKey(t, err, errs.Conflict, "err.version_conflict")
		fam, err = f.s.Review(ctx, f.reviewer, fam.ID, fam.Version, "材料齐全")
		if err != nil || fam.Status != honour.Reviewed || fam.ReviewNote != "材料齐全" {
			t.Fatalf("review: %v %+v", err, fam)
		}
		// The reviewer cannot grant.
		_, err = f.s.Grant(ctx, f.reviewer, fam.ID, fam.Version)
		wantKey(t, err, errs.Forbidden, "")
		fam, err = f.s.Grant(ctx, f.admin, fam.ID, fam.Version)
		if err != nil || fam.Status != honour.Granted || fam.GrantedByOrg != "石榴街道" || fam.CertificateNo != fmt.Sprintf("2026-%06d", fam.ID) || fam.GrantDate() != "2027-03-01" {
			t.Fatalf("grant: %v %+v", err, fam)
		}
		_, err = f.s.Grant(ctx, f.admin, fam.ID, fam.Version)
		wantKey(t, err, errs.Conflict, "err.honour_decided")
		for _, action := range []string{"nominate", "review", "grant"} {
			if n := len(fixture.AuditRecords(t, d, action, "honour", fmt.Sprint(fam.ID))); n != 1 {
				t.Errorf("audit %s: %d records", action, n)
			}
		}

		// A building group, refused at the grant with a reason.
		grp, err := f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindFeaturedGroup, Year: 2026, UnitID: f.G.ID, Deeds: "楼道文化墙"})
		if err != nil {
			t.Fatal(err)
		}
		grp, err = f.s.Review(ctx, f.reviewer, grp.ID, grp.Version, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Refuse(ctx, f.admin, grp.ID, grp.Version, "  ")
		wantKey(t, err, errs.Invalid, "err.required")
		// The reviewer refuses at the review, not at the grant.
		_, err = f.s.Refuse(ctx, f.reviewer, grp.ID, grp.Version, "不符合")
		wantKey(t, err, errs.Forbidden, "")
		grp, err = f.s.Refuse(ctx, f.admin, grp.ID, grp.Version, "活动记录不足")
		if err != nil || grp.Status != honour.Refused || grp.RefusedAt != "grant" || grp.RefuseReason != "活动记录不足" {
			t.Fatalf("refuse: %v %+v", err, grp)
		}
		// A refused nomination does not hold the place: nominate again.
		if _, err := f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindFeaturedGroup, Year: 2026, UnitID: f.G.ID, Deeds: "补充材料"}); err != nil {
			t.Fatalf("renominate after refusal: %v", err)
		}

		// One honour per kind, year and recipient.
		_, err = f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindCivilisedFamily, Year: 2026, HouseholdID: f.hA.ID, Deeds: "再报"})
		wantKey(t, err, errs.Invalid, "err.honour_exists")
		// … held by the database too.
		_, err = d.Exec(ctx, `INSERT INTO honours (org_id, kind_id, year, household_id, recipient_key, deeds, nominated_at, created_at, updated_at)
			SELECT org_id, kind_id, year, household_id, recipient_key, 'x', nominated_at, created_at, updated_at FROM honours WHERE id = ?`, fam.ID)
		if !db.IsUniqueViolation(err) {
			t.Errorf("a second row for the same recipient: %v, want a unique violation", err)
		}
		// Another year is another honour.
		if _, err := f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindCivilisedFamily, Year: 2027, HouseholdID: f.hA.ID, Deeds: "继续"}); err != nil {
			t.Fatal(err)
		}

		// Figures: one family granted in 2026, no building group.
		fg, err := f.s.Figures(ctx, f.admin, 2026)
		if err != nil || fg.HonouredFamilies != 1 || fg.FeaturedBuildingGroups != 0 {
			t.Errorf("figures 2026: %+v %v", fg, err)
		}
		// The building group's own list.
		list, _, err := f.s.List(ctx, f.staffA, honour.Filter{UnitID: f.G.ID})
		if err != nil || len(list) != 2 {
			t.Errorf("building group's honours: %d %v", len(list), err)
		}
	})
}

func TestHonourScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ctx := f.ctx
		// A sibling committee cannot nominate A's household or building group.
		_, err := f.s.Nominate(ctx, f.staffB, honour.Input{KindCode: honour.KindCivilisedFamily, HouseholdID: f.hA.ID, Deeds: "x"})
		wantKey(t, err, errs.Invalid, "err.household_unknown")
		_, err = f.s.Nominate(ctx, f.staffB, honour.Input{KindCode: honour.KindFeaturedGroup, UnitID: f.G.ID, Deeds: "x"})
		wantKey(t, err, errs.Invalid, "err.honour_group_unknown")
		_, err = f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindAdvancedIndividual, PersonID: f.pA.ID, Deeds: "x", Year: 1999})
		wantKey(t, err, errs.Invalid, "err.year_range")
		// A committee is not a building group.
		_, err = f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindFeaturedGroup, UnitID: f.tr.A.ID, Deeds: "x"})
		wantKey(t, err, errs.Invalid, "err.honour_group_unknown")
		h, err := f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindAdvancedIndividual, PersonID: f.pA.ID, Deeds: "热心调解"})
		if err != nil {
			t.Fatal(err)
		}
		// … nor see A's honours.
		_, err = f.s.Get(ctx, f.staffB, h.ID)
		wantKey(t, err, errs.NotFound, "")
		if list, n, err := f.s.List(ctx, f.staffB, honour.Filter{}); err != nil || n != 0 || len(list) != 0 {
			t.Errorf("sibling's list: %d %v", n, err)
		}
		_, err = f.s.Review(ctx, fixture.Actor(t, d, "rev2", auth.StreetStaff, f.tr.Sub2), h.ID, h.Version, "")
		wantKey(t, err, errs.NotFound, "")
		// B nominates its own household; the subdistrict sees both.
		if _, err := f.s.Nominate(ctx, f.staffB, honour.Input{KindCode: honour.KindCivilisedFamily, HouseholdID: f.hB.ID, Deeds: "y"}); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := f.s.List(ctx, f.admin, honour.Filter{}); n != 2 {
			t.Errorf("subdistrict sees %d honours, want 2", n)
		}
		if _, n, _ := f.s.List(ctx, f.admin, honour.Filter{OrgID: f.tr.B.ID}); n != 1 {
			t.Errorf("filtered by unit B: %d, want 1", n)
		}
		// A named collective, and a title of the community's own.
		if _, err := f.s.AddKind(ctx, f.staffA, "石榴籽好邻居", honour.ToPerson); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("committee adds a kind: %v", err)
		}
		kid, err := f.s.AddKind(ctx, f.admin, "石榴籽好邻居", honour.ToPerson)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Nominate(ctx, f.staffA, honour.Input{KindID: kid, PersonID: f.pA.ID, Deeds: "好邻居"}); err != nil {
			t.Fatal(err)
		}
		c, err := f.s.Nominate(ctx, f.staffA, honour.Input{KindCode: honour.KindAdvancedCollective, Collective: "甲居委民族团结合唱团", Deeds: "演出十场"})
		if err != nil || c.RecipientName != "甲居委民族团结合唱团" || c.OrgID != f.tr.A.ID {
			t.Fatalf("collective: %v %+v", err, c)
		}
	})
}
