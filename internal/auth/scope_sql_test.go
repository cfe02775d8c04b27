package auth_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// scopeTree is a district with 45 subdistricts side by side, so that two
// siblings' ids share a prefix (4 and 40), each with a committee and a
// liaison group, and a liaison in the group of the first.
type scopeTree struct {
	d        *db.DB
	short    *org.Unit // the sibling whose id is a prefix of long's
	long     *org.Unit
	shortCom *org.Unit // committee under short
	longCom  *org.Unit // committee under long
	liaison  *auth.Actor
}

func newScopeTree(t *testing.T, d *db.DB) *scopeTree {
	t.Helper()
	root := fixture.Unit(t, d, org.Input{Code: "D", Name: "区", Kind: org.District}, nil)
	var subs []*org.Unit
	for i := range 45 {
		subs = append(subs, fixture.Unit(t, d, org.Input{Code: fmt.Sprintf("S%02d", i), Name: fmt.Sprintf("街道%d", i), Kind: org.Subdistrict}, root))
	}
	st := &scopeTree{d: d}
	for _, a := range subs {
		for _, b := range subs {
			as, bs := strconv.FormatInt(a.ID, 10), strconv.FormatInt(b.ID, 10)
			if a != b && strings.HasPrefix(bs, as) && st.short == nil {
				st.short, st.long = a, b
			}
		}
	}
	if st.short == nil {
		t.Fatal("no two siblings whose ids share a prefix")
	}
	st.shortCom = fixture.Unit(t, d, org.Input{Code: "C1", Name: "甲居委会", Kind: org.Committee}, st.short)
	st.longCom = fixture.Unit(t, d, org.Input{Code: "C2", Name: "乙居委会", Kind: org.Committee}, st.long)
	group := fixture.Unit(t, d, org.Input{Code: "L1", Name: "甲联络组", Kind: org.LiaisonGroup}, st.short)
	st.liaison = fixture.Actor(t, d, "liaison", auth.Liaison, group)
	return st
}

// ids runs SELECT id FROM table alias WHERE cond and returns the ids.
func ids(t *testing.T, d *db.DB, from, cond string, args []any) []int64 {
	t.Helper()
	rows, err := d.Query(context.Background(), "SELECT "+strings.Fields(from)[1]+".id FROM "+from+" WHERE "+cond+" ORDER BY 1", args...)
	if err != nil {
		t.Fatalf("%s WHERE %s: %v", from, cond, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func TestScopeSubtreeSiblingPrefix(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		st := newScopeTree(t, d)
		for _, c := range []struct {
			name string
			sc   auth.Scope
			want []int64
		}{
			{"short sibling", auth.Scope{Path: st.short.Path}, []int64{st.short.ID, st.shortCom.ID}},
			{"long sibling", auth.Scope{Path: st.long.Path}, []int64{st.long.ID, st.longCom.ID}},
			{"committee", auth.Scope{Path: st.shortCom.Path}, []int64{st.shortCom.ID}},
			{"zero scope", auth.Scope{}, nil},
		} {
			cond, args := c.sc.InSubtree("o.id")
			got := ids(t, d, "org_units o", cond+" AND o.kind IN ('subdistrict', 'committee')", args)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s (%s): units %v, want %v", c.name, c.sc.Path, got, want)
			}
		}
		all, args := auth.System("test").Scope().InSubtree("o.id")
		if got := ids(t, d, "org_units o", all, args); len(got) != 49 {
			t.Errorf("system scope sees %d units, want 49", len(got))
		}
		var nilActor *auth.Actor
		cond, args := nilActor.Scope().InSubtree("o.id")
		if got := ids(t, d, "org_units o", cond, args); len(got) != 0 {
			t.Errorf("a nil actor sees units %v", got)
		}
	})
}

func TestScopeLiaisonAssignments(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		st := newScopeTree(t, d)
		ctx := context.Background()
		keys, err := secret.LoadOrCreate(t.TempDir(), secret.SM4)
		if err != nil {
			t.Fatal(err)
		}
		reg := people.New(d, keys)
		sys := auth.System("test")
		n := 0
		person := func(com *org.Unit) *people.Person {
			t.Helper()
			n++
			first := fmt.Sprintf("11010119800101%03d", n)
			p, err := reg.Create(ctx, sys, people.Input{Name: fmt.Sprintf("测试%d", n), IDNumber: first + string(ref.CheckDigit(first)), Ethnicity: "回族", OrgID: com.ID, Kind: people.Registered})
			if err != nil {
				e, _ := errs.As(err)
				t.Fatal(err, e.Fields)
			}
			return p
		}
		household := func(com *org.Unit, members ...*people.Person) int64 {
			t.Helper()
			n++
			h, err := reg.CreateHousehold(ctx, sys, people.HouseholdInput{OrgID: com.ID, Code: fmt.Sprint("H", n), Address: "测试路1号"})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range members {
				if err := reg.SetMember(ctx, sys, m.ID, h.ID, "其他"); err != nil {
					t.Fatal(err)
				}
			}
			return h.ID
		}
		direct := person(st.shortCom) // assigned by name
		kin, kin2 := person(st.shortCom), person(st.shortCom)
		hKin := household(st.shortCom, kin, kin2) // household assigned: both members
		viaMember := person(st.shortCom)
		other := person(st.shortCom)
		hViaMember := household(st.shortCom, viaMember, other) // assigned through viaMember
		stranger := person(st.shortCom)
		household(st.shortCom, stranger)
		outside := person(st.longCom) // assigned, but beyond the liaison's reach
		admin := fixture.Actor(t, d, "admin", auth.StreetAdmin, st.short)
		if _, err := reg.Assign(ctx, sys, st.liaison.UserID, []int64{direct.ID, viaMember.ID}, []int64{hKin}, true); err != nil {
			e, _ := errs.As(err)
			t.Fatal(err, e.Fields)
		}
		if _, err := d.Exec(ctx, `INSERT INTO liaison_assignments (user_id, person_id, created_at) VALUES (?, ?, ?)`, st.liaison.UserID, outside.ID, db.Now()); err != nil {
			t.Fatal(err)
		}
		sc := st.liaison.Scope()
		if !sc.IsLiaison() || sc.Reach().Path != st.short.Path {
			t.Fatalf("liaison's reach = %q, want the group's parent %q", sc.Reach().Path, st.short.Path)
		}
		cond, args := sc.Persons("p")
		got := ids(t, d, "persons p", cond, args)
		want := []int64{direct.ID, kin.ID, kin2.ID, viaMember.ID}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("liaison's persons = %v, want %v (stranger %d, outside %d, household-mate of an assigned person %d)", got, want, stranger.ID, outside.ID, other.ID)
		}
		// A pairing's target names a person only: the same answer.
		cond, args = sc.AssignedPerson("p.id", "")
		reach, rargs := sc.InReachSQL("p.org_id")
		if got2 := ids(t, d, "persons p", reach+" AND "+cond, append(rargs, args...)); !slices.Equal(got2, want) {
			t.Errorf("liaison's persons by id alone = %v, want %v", got2, want)
		}
		cond, args = sc.Households("h")
		wantH := []int64{hKin, hViaMember}
		slices.Sort(wantH)
		if got := ids(t, d, "households h", cond, args); !slices.Equal(got, wantH) {
			t.Errorf("liaison's households = %v, want %v", got, wantH)
		}
		// Outside a liaison's scope the assignment conditions are true.
		cond, args = admin.Scope().Persons("p")
		wantA := []int64{direct.ID, kin.ID, kin2.ID, viaMember.ID, other.ID, stranger.ID}
		slices.Sort(wantA)
		if got := ids(t, d, "persons p", cond, args); !slices.Equal(got, wantA) {
			t.Errorf("admin of the short sibling sees persons %v, want %v", got, wantA)
		}
	})
}
