package demo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/demo"
	"shiliu/internal/org"
	"shiliu/internal/secret"
)

const year = 2026

// today is the date tests generate the registry for.
var today = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

// testKeys returns fresh instance keys (SM4, as a new instance makes).
func testKeys(t testing.TB) *secret.Keys {
	t.Helper()
	k, err := secret.LoadOrCreate(t.TempDir(), secret.SM4)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestGenerate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		start := time.Now()
		res, err := demo.Generate(ctx, d, demo.Options{Argon: auth.TestArgon2(), Seed: 7, Year: year, Keys: testKeys(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d units in %v", res.Units, time.Since(start))

		if len(res.Subdistricts) != 2 || len(res.Committees) != 16 {
			t.Fatalf("%d subdistricts and %d committees, want 2 and 16", len(res.Subdistricts), len(res.Committees))
		}
		for _, sd := range res.Subdistricts {
			if n := len(sd.ChildrenOf(org.Committee)); n != 8 {
				t.Errorf("%s has %d committees, want 8", sd.Name, n)
			}
			if n := len(sd.ChildrenOf(org.LiaisonGroup)); n != 1 {
				t.Errorf("%s has %d liaison groups of its own, want 1", sd.Name, n)
			}
			committeeGroups := 0
			for _, c := range sd.ChildrenOf(org.Committee) {
				if n := len(c.ChildrenOf(org.BuildingGroup)); n < 4 || n > 8 {
					t.Errorf("%s has %d building groups, want 4–8", c.Name, n)
				}
				committeeGroups += len(c.ChildrenOf(org.LiaisonGroup))
			}
			if committeeGroups < 2 || committeeGroups > 3 {
				t.Errorf("%s has %d committee liaison groups, want 2–3", sd.Name, committeeGroups)
			}
		}
		if res.Subdistricts[0].Name != "和平街道" || res.Subdistricts[1].Name != "团结街道" {
			t.Errorf("subdistricts are %s and %s", res.Subdistricts[0].Name, res.Subdistricts[1].Name)
		}
		units := 1 + len(res.Subdistricts) + len(res.Committees) + len(res.BuildingGroups) + len(res.LiaisonGroups)
		s := &org.Service{DB: d}
		if n, _ := s.Count(ctx); n != res.Units || n != units {
			t.Errorf("database has %d units, result says %d, lists hold %d", n, res.Units, units)
		}

		// Every unit is valid and in the tree as the result says.
		root := &auth.Actor{Role: auth.SysAdmin, OrgPath: "/" + fmt.Sprint(res.RootID) + "/"}
		tree, err := s.Tree(ctx, root, false)
		if err != nil || len(tree) != units {
			t.Fatalf("tree has %d units (%v), want %d", len(tree), err, units)
		}
		for _, u := range tree {
			if u.Kind == org.Committee && (!strings.HasSuffix(u.Name, "居委会") || !strings.HasPrefix(u.Contact, "021-5") || !strings.HasPrefix(u.Address, "上海市石榴区")) {
				t.Errorf("committee %s %s: address %q contact %q", u.Code, u.Name, u.Address, u.Contact)
			}
		}

		// Populations: the current year in range, sums at every level.
		checkSums(t, res)
		for _, sd := range res.Subdistricts {
			p := sd.Pop[year]
			if p.Registered < 50_000 || p.Registered > 150_000 || p.Floating*10 < p.Registered || p.Floating*4 > p.Registered {
				t.Errorf("%s %d: %+v", sd.Name, year, p)
			}
		}
		ps, err := s.Populations(ctx, root, res.Committees[3].ID)
		if err != nil || len(ps) != 3 || ps[0] != res.Committees[3].Pop[year] {
			t.Errorf("stored populations of %s = %+v (%v), want %+v first", res.Committees[3].Name, ps, err, res.Committees[3].Pop[year])
		}

		// One account per role; each logs in with its password and is not
		// asked to change it.
		if len(res.Accounts) != len(auth.Roles) {
			t.Fatalf("%d accounts, want %d", len(res.Accounts), len(auth.Roles))
		}
		as := auth.NewService(d)
		want := map[auth.Role]string{
			auth.StreetAdmin: "和平街道", auth.StreetStaff: "和平街道", auth.Leader: "和平街道",
			auth.CommitteeStaff: res.Subdistricts[0].ChildrenOf(org.Committee)[0].Name,
			auth.Liaison:        "和平街道少数民族联络组",
			auth.SysAdmin:       "石榴区", auth.SecAdmin: "石榴区", auth.AuditAdmin: "石榴区",
		}
		for i, a := range res.Accounts {
			if a.Role != auth.Roles[i] {
				t.Errorf("account %d has role %s, want %s", i, a.Role, auth.Roles[i])
			}
			if a.OrgName != want[a.Role] {
				t.Errorf("%s is attached to %s, want %s", a.Username, a.OrgName, want[a.Role])
			}
			if n := utf8.RuneCountInString(a.DisplayName); n < 2 || n > 12 {
				t.Errorf("%s display name %q", a.Username, a.DisplayName)
			}
			_, u, err := as.Login(ctx, a.Username, a.Password, "127.0.0.1", "test", "")
			if err != nil {
				t.Errorf("login %s: %v", a.Username, err)
				continue
			}
			if u.Role != a.Role || u.OrgName != a.OrgName || u.MustChangePassword {
				t.Errorf("%s logged in as %s at %s, must change %v", a.Username, u.Role, u.OrgName, u.MustChangePassword)
			}
		}

		// A second run is refused and changes nothing.
		if _, err := demo.Generate(ctx, d, demo.Options{Argon: auth.TestArgon2(), Seed: 8, Keys: testKeys(t)}); !errors.Is(err, demo.ErrNotEmpty) {
			t.Fatalf("second run: %v, want ErrNotEmpty", err)
		}
		if n, _ := s.Count(ctx); n != units {
			t.Errorf("second run left %d units, want %d", n, units)
		}
	})
}

func checkSums(t *testing.T, res *demo.Result) {
	t.Helper()
	var check func(u *demo.Unit)
	check = func(u *demo.Unit) {
		var kids []*demo.Unit
		for _, c := range u.Children {
			if c.Kind != org.LiaisonGroup {
				kids = append(kids, c)
			}
		}
		for _, y := range res.Years {
			if u.Pop[y].Registered <= 0 || u.Pop[y].Floating <= 0 {
				t.Errorf("%s %d: %+v", u.Name, y, u.Pop[y])
			}
			if len(kids) == 0 {
				continue
			}
			var sum org.Population
			for _, c := range kids {
				sum.Registered += c.Pop[y].Registered
				sum.Floating += c.Pop[y].Floating
			}
			if sum.Registered != u.Pop[y].Registered || sum.Floating != u.Pop[y].Floating {
				t.Errorf("%s %d: %+v, children add up to %+v", u.Name, y, u.Pop[y], sum)
			}
		}
		for _, c := range kids {
			check(c)
		}
	}
	check(res.Root)
}

// dump lists every unit with its figures, by code, as the database holds them.
func dump(t *testing.T, d *db.DB) string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT u.code, u.name, u.kind, COALESCE(p.code, ''), u.address, u.contact, u.note,
		COALESCE(op.year, 0), COALESCE(op.registered, 0), COALESCE(op.floating, 0)
		FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id LEFT JOIN org_population op ON op.org_id = u.id
		ORDER BY u.code, op.year`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var code, name, kind, parent, addr, contact, note string
		var y, reg, flo int
		if err := rows.Scan(&code, &name, &kind, &parent, &addr, &contact, &note, &y, &reg, &flo); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s|%s|%d|%d|%d\n", code, name, kind, parent, addr, contact, note, y, reg, flo)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDeterministic(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fresh := dbtest.SQLite
		if d.Dialect == db.Postgres {
			fresh = dbtest.Postgres
		}
		d2 := fresh(t)
		opt := demo.Options{Argon: auth.TestArgon2(), Seed: 42, Year: year, Keys: testKeys(t), Today: today}
		r1, err := demo.Generate(ctx, d, opt)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := demo.Generate(ctx, d2, opt)
		if err != nil {
			t.Fatal(err)
		}
		a, b := dump(t, d), dump(t, d2)
		if a != b {
			t.Fatalf("same seed, different districts:\n%s\n---\n%s", a, b)
		}
		for i := range r1.Accounts {
			if r1.Accounts[i].DisplayName != r2.Accounts[i].DisplayName {
				t.Errorf("account %s: %s and %s", r1.Accounts[i].Username, r1.Accounts[i].DisplayName, r2.Accounts[i].DisplayName)
			}
		}
		if r1.Accounts[0].Password == r2.Accounts[0].Password {
			t.Error("passwords are not random")
		}

		// Another seed gives another district.
		d3 := fresh(t)
		if _, err := demo.Generate(ctx, d3, demo.Options{Argon: auth.TestArgon2(), Seed: 43, Year: year, Keys: opt.Keys, Today: today}); err != nil {
			t.Fatal(err)
		}
		if dump(t, d3) == a {
			t.Error("seeds 42 and 43 gave the same district")
		}
	})
}

func TestOptions(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if _, err := demo.Generate(ctx, d, demo.Options{Argon: auth.TestArgon2(), Subdistricts: -1}); err == nil {
		t.Error("negative size accepted")
	}
	res, err := demo.Generate(ctx, d, demo.Options{Argon: auth.TestArgon2(), Seed: 1, Subdistricts: 3, CommitteesPerSubdistrict: 2, Year: 2030, Persons: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Subdistricts) != 3 || len(res.Committees) != 6 {
		t.Errorf("%d subdistricts, %d committees; want 3 and 6", len(res.Subdistricts), len(res.Committees))
	}
	if fmt.Sprint(res.Years) != "[2028 2029 2030]" {
		t.Errorf("years %v", res.Years)
	}
	// With two committees, both may have a liaison group; never more.
	for _, sd := range res.Subdistricts {
		for _, c := range sd.ChildrenOf(org.Committee) {
			if n := len(c.ChildrenOf(org.LiaisonGroup)); n > 1 {
				t.Errorf("%s has %d liaison groups", c.Name, n)
			}
		}
	}
	checkSums(t, res)
}
