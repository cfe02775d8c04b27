package pairing_test

import (
	"context"
	"fmt"
	"shiliu/internal/errs/errstest"
	"shiliu/internal/fixture"
	"slices"
	"testing"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/org"
	"shiliu/internal/pairing"
	"shiliu/internal/people"
	"shiliu/internal/secret"
)

// clock is the fixture's "now": Monday 2026-06-15 10:00 in China.
var clock = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

const today = "2026-06-15"

// fix is the fixture: district → subdistrict S → committees A and B, a
// liaison group under S and one under A, a second subdistrict S2 with
// committee C; the actors working there; persons and households in hardship,
// a volunteer and representative figures; and assignments to liaisons.
type fix struct {
	keys    *secret.Keys
	ctx     context.Context
	d       *db.DB
	s       *pairing.Service
	reg     *people.Service
	dataDir string

	dist, sub, a, b, lgS, lgA, sub2, c *org.Unit

	admin, staffA, staffB, staffC, leader *auth.Actor
	// liaison is attached to S's liaison group, liaisonA to A's.
	liaison, liaisonA *auth.Actor
	// sysadmin is an IT account: never a helper.
	sysadmin *auth.Actor

	// Persons: hardship residents of A (pA), of A in household hA (pA2),
	// of B (pB) and of C (pC); a volunteer of A (vol) and of B (volB);
	// representative figures of A (repA, repA2) and a resident who is not
	// one (plainA); rep of B (repB).
	pA, pA2, pB, pC, vol, volB, repA, repA2, plainA, repB *people.Person
	hA, hB                                                *people.Household
}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	ctx := context.Background()
	keys := fixture.Keys(t)
	f := &fix{ctx: ctx, d: d, reg: people.New(d, keys), dataDir: t.TempDir(), keys: keys}
	f.reg.Now = func() time.Time { return clock }
	f.s = pairing.New(d, f.dataDir)
	f.s.Now = func() time.Time { return clock }
	tr := fixture.NewTree(t, d)
	f.dist, f.sub, f.a, f.b, f.lgS, f.sub2, f.c = tr.Dist, tr.Sub, tr.A, tr.B, tr.LgS, tr.Sub2, tr.C
	f.lgA = fixture.Unit(t, d, org.Input{Code: "AL", Name: "甲居委联络组", Kind: org.LiaisonGroup}, f.a)

	user := func(name string, role auth.Role, u *org.Unit) *auth.Actor {
		t.Helper()
		return fixture.Actor(t, d, name, role, u)
	}
	st := fixture.NewStaff(t, d, tr)
	f.admin, f.staffA, f.staffB, f.staffC, f.liaison = st.Admin, st.StaffA, st.StaffB, st.StaffC, st.Liaison
	f.leader = user("leader", auth.Leader, f.sub)
	f.liaisonA = user("liaisona", auth.Liaison, f.lgA)
	f.sysadmin = user("sysadmin", auth.SysAdmin, f.sub)
	// root sets up the registry (the registry's household and assignment
	// methods need an actor).
	root := user("root", auth.StreetAdmin, f.dist)

	seq := 0
	person := func(name string, u *org.Unit, tags people.Tag) *people.Person {
		t.Helper()
		seq++
		id := makeID(t, "640104", fmt.Sprintf("1960%02d%02d", seq%12+1, seq%28+1), fmt.Sprintf("%03d", seq*2+1))
		p, err := f.reg.Create(ctx, root, people.Input{Name: name, IDNumber: id, Ethnicity: "回族", Kind: people.Registered, OrgID: u.ID, Tags: people.Tags(tags)})
		if err != nil {
			t.Fatalf("create person %s: %v", name, err)
		}
		return p
	}
	f.pA = person("马大爷", f.a, people.TagHardship)
	f.pA2 = person("马二婶", f.a, people.TagHardship)
	f.pB = person("白阿姨", f.b, people.TagHardship)
	f.pC = person("丙大叔", f.c, people.TagHardship)
	f.vol = person("志愿小马", f.a, people.TagVolunteer)
	f.volB = person("志愿小白", f.b, people.TagVolunteer)
	f.repA = person("代表甲", f.a, people.TagRepresentative)
	f.repA2 = person("代表乙", f.a, people.TagRepresentative|people.TagPartyMember)
	f.plainA = person("普通居民", f.a, 0)
	f.repB = person("代表丙", f.b, people.TagRepresentative)

	household := func(u *org.Unit, code string) *people.Household {
		t.Helper()
		h, err := f.reg.CreateHousehold(ctx, root, people.HouseholdInput{OrgID: u.ID, Code: code, Address: code + "号"})
		if err != nil {
			t.Fatalf("household %s: %v", code, err)
		}
		return h
	}
	f.hA = household(f.a, "A-001")
	f.hB = household(f.b, "B-001")
	if err := f.reg.SetMember(ctx, root, f.pA2.ID, f.hA.ID, "户主"); err != nil {
		t.Fatalf("member: %v", err)
	}
	// liaisonA looks after pA and repA; liaison (of S) after household hB.
	if _, err := f.reg.Assign(ctx, root, f.liaisonA.UserID, []int64{f.pA.ID, f.repA.ID}, nil, true); err != nil {
		t.Fatalf("assign: %v", err)
	}
	if _, err := f.reg.Assign(ctx, root, f.liaison.UserID, nil, []int64{f.hB.ID}, true); err != nil {
		t.Fatalf("assign: %v", err)
	}
	return f
}

// makeID returns a valid ID number for a region, a birth date and a
// sequence.
func makeID(t testing.TB, region, birth, seq string) string {
	t.Helper()
	return fixture.ID(t, region, birth, seq)
}

// pair creates a pairing or fails the test.
func (f *fix) pair(t *testing.T, a *auth.Actor, in pairing.Input) *pairing.Pairing {
	t.Helper()
	p, err := f.s.Create(f.ctx, a, in)
	if err != nil {
		t.Fatalf("create pairing %+v: %v", in, err)
	}
	return p
}

// visit logs a visit or fails the test.
func (f *fix) visit(t *testing.T, a *auth.Actor, pid int64, in pairing.VisitInput) *pairing.Visit {
	t.Helper()
	v, err := f.s.LogVisit(f.ctx, a, pid, in)
	if err != nil {
		t.Fatalf("log visit on %d %+v: %v", pid, in, err)
	}
	return v
}

// ids returns the ids of pairings, sorted.
func ids(ps []*pairing.Pairing) []int64 {
	out := []int64{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	slices.Sort(out)
	return out
}

func idsOf(ps ...*pairing.Pairing) []int64 { return ids(ps) }

// count returns a single integer from a query.
func (f *fix) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	return fixture.Count(t, f.d, q, args...)
}

// auditRecords returns the audit records of an action on an entity.
func (f *fix) auditRecords(t *testing.T, action, entity string, id int64) []audit.Record {
	t.Helper()
	return fixture.AuditRecords(t, f.d, action, entity, fmt.Sprint(id))
}

// wantAudit checks that exactly n records of an action on an entity were
// written by username.
func (f *fix) wantAudit(t *testing.T, action, entity string, id int64, n int, username string) []audit.Record {
	t.Helper()
	recs := f.auditRecords(t, action, entity, id)
	if len(recs) != n {
		t.Fatalf("audit %s %s %d: %d records, want %d: %+v", action, entity, id, len(recs), n, recs)
	}
	for _, r := range recs {
		if r.Username != username || r.Result != audit.ResultOK {
			t.Errorf("audit %s %s %d by %q result %q, want %q", action, entity, id, r.Username, r.Result, username)
		}
	}
	return recs
}

// The shared assertions on service errors.
var (
	wantFields     = errstest.WantFields
	wantKind       = errstest.WantKind
	wantOutOfScope = errstest.WantOutOfScope
)
