package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/demo"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// registryOpt is a small district with a small registry.
func registryOpt(keys *secret.Keys) demo.Options {
	return demo.Options{Argon: auth.TestArgon2(), Seed: 11, Year: year, Today: today, Subdistricts: 2, CommitteesPerSubdistrict: 3, Persons: 600, Keys: keys}
}

func TestRegistry(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		keys := testKeys(t)
		start := time.Now()
		res, err := demo.Generate(ctx, d, registryOpt(keys))
		if err != nil {
			t.Fatal(err)
		}
		st := res.Registry
		t.Logf("%d persons in %d households in %v: %+v", st.Persons, st.Households, time.Since(start), st)
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM persons`); n != 600 || st.Persons != 600 {
			t.Fatalf("%d persons in the database, %d reported, want 600", n, st.Persons)
		}
		if n := count(`SELECT COUNT(*) FROM households`); n != st.Households || n < 150 || n > 400 {
			t.Errorf("%d households in the database, %d reported", n, st.Households)
		}

		// Every person: a valid, unique ID number that agrees with the
		// stored birth date, sex, region, mask, last four and blind index; a
		// valid mobile when there is a phone; a committee of the district and
		// a building group of that committee.
		rows, err := d.Query(ctx, `SELECT p.id, p.name, p.pinyin, p.initials, p.id_index, p.id_enc, p.id_masked, p.id_last4, p.phone_index, p.phone_enc,
			p.phone_masked, p.ethnicity, p.sex, p.birth_date, p.birth_region, p.kind, o.kind, o.path, COALESCE(bg.parent_id, 0), p.org_id,
			COALESCE(p.building_group_id, 0), p.origin, p.arrival_date, p.status, p.status_date, p.tags
			FROM persons p JOIN org_units o ON o.id = p.org_id LEFT JOIN org_units bg ON bg.id = p.building_group_id ORDER BY p.id`)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		var minority, floating, phones, tagged, withStatus int
		rootPath := fmt.Sprintf("/%d/", res.RootID)
		for rows.Next() {
			var (
				id, bgParent, orgID, bgID                                               int64
				name, py, ini, idIndex, masked, last4, phoneIndex, phoneMasked, eth, bd string
				region, okind, opath, origin, arrival, status, statusDate               string
				idEnc, phoneEnc                                                         []byte
				sex, kind, tags                                                         int
			)
			if err := rows.Scan(&id, &name, &py, &ini, &idIndex, &idEnc, &masked, &last4, &phoneIndex, &phoneEnc, &phoneMasked, &eth, &sex, &bd,
				&region, &kind, &okind, &opath, &bgParent, &orgID, &bgID, &origin, &arrival, &status, &statusDate, &tags); err != nil {
				t.Fatal(err)
			}
			number, err := secret.OpenField(keys, "persons.id_number", idEnc)
			if err != nil {
				t.Fatalf("person %d: open ID number: %v", id, err)
			}
			v, err := ref.ValidateID(number)
			switch {
			case err != nil:
				t.Errorf("person %d %s: ID number %s: %v", id, name, number, err)
				continue
			case seen[number]:
				t.Errorf("person %d: ID number %s used twice", id, number)
			case v.Birth.Format(time.DateOnly) != bd || v.Sex() != sex || v.Region != region:
				t.Errorf("person %d: ID %s, but birth %s sex %d region %s", id, number, bd, sex, region)
			case masked != ref.MaskID(number) || last4 != number[14:] || idIndex != keys.Index("id", number):
				t.Errorf("person %d: ID %s stored as %s, %s, index %s", id, number, masked, last4, idIndex)
			case region != "310199" && region[2:4] != "99":
				t.Errorf("person %d: region %s is not a fictional one", id, region)
			}
			seen[number] = true
			if p, i := ref.Pinyin(name); p != py || i != ini || name == "" {
				t.Errorf("person %d %q: pinyin %q %q, want %q %q", id, name, py, ini, p, i)
			}
			if _, ok := ref.EthnicityByCode(eth); !ok {
				t.Errorf("person %d: ethnicity %q", id, eth)
			}
			if okind != "committee" || !strings.HasPrefix(opath, rootPath) {
				t.Errorf("person %d is in a %s at %s, not a committee of the district", id, okind, opath)
			}
			if bgID != 0 && bgParent != orgID {
				t.Errorf("person %d: building group %d is not under committee %d", id, bgID, orgID)
			}
			if len(phoneEnc) > 0 {
				phones++
				phone, err := secret.OpenField(keys, "persons.phone", phoneEnc)
				if n, ok := ref.NormalisePhone(phone); err != nil || !ok || n != phone || len(phone) != 11 || phoneMasked != ref.MaskPhone(phone) ||
					phoneIndex != keys.Index("phone", phone) {
					t.Errorf("person %d: phone %q (%v) masked %q", id, phone, err, phoneMasked)
				}
			} else if phoneIndex != "" || phoneMasked != "" {
				t.Errorf("person %d: no phone but index %q, mask %q", id, phoneIndex, phoneMasked)
			}
			if eth != ref.HanCode {
				minority++
			}
			if kind == 2 {
				floating++
				if prov, _ := ref.ProvinceName(region); origin != prov || arrival == "" || arrival > today.Format(time.DateOnly) {
					t.Errorf("person %d: floating from %s, origin %q, arrived %q", id, region, origin, arrival)
				}
			} else if kind != 1 {
				t.Errorf("person %d: kind %d", id, kind)
			}
			if tags != 0 {
				tagged++
			}
			if status != "active" {
				withStatus++
				if statusDate == "" || count(`SELECT COUNT(*) FROM person_events WHERE person_id = ? AND kind = ? AND date = ?`, id, status, statusDate) != 1 {
					t.Errorf("person %d is %s on %q without that event", id, status, statusDate)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if minority != st.Minority || minority < 600*70/100 || minority > 600*95/100 {
			t.Errorf("%d minority persons (%d reported)", minority, st.Minority)
		}
		if floating != st.Floating || floating < 600*12/100 || floating > 600*30/100 {
			t.Errorf("%d floating persons (%d reported)", floating, st.Floating)
		}
		if phones < 600/2 || tagged < 600/20 || withStatus == 0 {
			t.Errorf("%d with phones, %d tagged, %d moved out or deceased", phones, tagged, withStatus)
		}
		if n := count(`SELECT COUNT(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM person_events e WHERE e.person_id = p.id AND e.kind = 'created')`); n != 0 {
			t.Errorf("%d persons without a created event", n)
		}

		// Households: 1–5 members, a head of the household's committee with
		// relation 户主, every member of the same committee; some mixed.
		if n := count(`SELECT COUNT(*) FROM households h WHERE h.head_person_id IS NULL OR NOT EXISTS (SELECT 1 FROM persons p
			WHERE p.id = h.head_person_id AND p.household_id = h.id AND p.relation = '户主' AND p.status = 'active' AND p.org_id = h.org_id)`); n != 0 {
			t.Errorf("%d households without a proper head", n)
		}
		if n := count(`SELECT COUNT(*) FROM (SELECT household_id FROM persons WHERE household_id IS NOT NULL GROUP BY household_id
			HAVING COUNT(*) > 5 OR SUM(CASE WHEN relation = '户主' THEN 1 ELSE 0 END) <> 1) x`); n != 0 {
			t.Errorf("%d households with more than 5 members or not exactly one head", n)
		}
		if n := count(`SELECT COUNT(*) FROM persons p JOIN households h ON h.id = p.household_id WHERE p.org_id <> h.org_id`); n != 0 {
			t.Errorf("%d persons in a household of another committee", n)
		}
		mixed := count(`SELECT COUNT(*) FROM (SELECT household_id FROM persons WHERE household_id IS NOT NULL GROUP BY household_id
			HAVING COUNT(DISTINCT ethnicity) > 1) x`)
		if mixed != st.MixedHouseholds || mixed < st.Households/10 {
			t.Errorf("%d mixed households (%d reported) of %d", mixed, st.MixedHouseholds, st.Households)
		}

		// The data quality page has something to show on the generation day.
		s := people.New(d, keys)
		s.Now = func() time.Time { return today }
		root := &auth.Actor{Role: auth.StreetAdmin, OrgPath: rootPath}
		q, err := s.QualityCounts(ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		if q.Duplicates < 3 || q.NoHousehold == 0 || q.OverStay == 0 || q.PermitExpired == 0 || q.PermitExpiring30 == 0 {
			t.Errorf("quality counts %+v", q)
		}

		// The demo liaison sees the persons and households assigned to them,
		// and nobody else.
		as := auth.NewService(d)
		lu, err := as.ByUsername(ctx, "liaison")
		if err != nil {
			t.Fatal(err)
		}
		assigned := count(`SELECT COUNT(*) FROM liaison_assignments WHERE user_id = ?`, lu.ID)
		if assigned != st.LiaisonPersons+st.LiaisonHouseholds || st.LiaisonPersons == 0 || st.LiaisonHouseholds == 0 || assigned > 25 {
			t.Errorf("%d assignments; %d persons and %d households reported", assigned, st.LiaisonPersons, st.LiaisonHouseholds)
		}
		want := count(`SELECT COUNT(*) FROM persons p WHERE p.status = 'active' AND (p.id IN (SELECT person_id FROM liaison_assignments WHERE user_id = ?)
			OR p.household_id IN (SELECT household_id FROM liaison_assignments WHERE user_id = ?))`, lu.ID, lu.ID)
		list, total, err := s.Search(ctx, lu.Actor(), people.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if total != want || len(list) != want || want < st.LiaisonPersons {
			t.Errorf("the liaison sees %d persons (%d listed), want %d", total, len(list), want)
		}
		sd := res.Subdistricts[0]
		for _, p := range list {
			if p.Status != people.Active {
				t.Errorf("liaison sees %s (%s)", p.Name, p.Status)
			}
			var path string
			if err := d.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, p.OrgID).Scan(&path); err != nil || !strings.Contains(path, fmt.Sprintf("/%d/", sd.ID)) {
				t.Errorf("liaison sees %s of %s, outside %s", p.Name, p.OrgName, sd.Name)
			}
		}
		if pl, _, err := s.Search(ctx, lu.Actor(), people.Filter{Q: "张"}); err != nil || len(pl) > len(list) {
			t.Errorf("liaison name search: %d (%v)", len(pl), err)
		}
	})
}

// dumpPersons lists the registry as stored, but for the sealed values
// (whose nonces are random).
func dumpPersons(t *testing.T, d *db.DB) string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT p.id, o.code, COALESCE(h.code, ''), p.relation, p.name, p.id_index, p.id_masked, p.phone_index,
		p.ethnicity, p.birth_date, p.kind, p.current_address, p.registered_address, p.workplace, p.workplace_kind, p.education, p.political_status,
		p.tags, p.status, p.status_date, p.arrival_date, p.origin, p.expected_leave_date, p.permit_no, p.permit_expiry, p.liaison_point, p.created_at
		FROM persons p JOIN org_units o ON o.id = p.org_id LEFT JOIN households h ON h.id = p.household_id ORDER BY p.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	cols, _ := rows.Columns()
	vals := make([]string, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		b.WriteString(strings.Join(vals, "|"))
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRegistryDeterministic(t *testing.T) {
	keys := testKeys(t)
	ctx := context.Background()
	var dumps []string
	for _, d := range []*db.DB{dbtest.SQLite(t), dbtest.SQLite(t), pgOrSQLite(t)} {
		if _, err := demo.Generate(ctx, d, registryOpt(keys)); err != nil {
			t.Fatal(err)
		}
		dumps = append(dumps, dumpPersons(t, d))
	}
	for i := 1; i < len(dumps); i++ {
		if dumps[i] != dumps[0] {
			t.Fatalf("run %d differs from the first:\n%.2000s\n---\n%.2000s", i, dumps[0], dumps[i])
		}
	}
	opt := registryOpt(keys)
	opt.Seed++
	d := dbtest.SQLite(t)
	if _, err := demo.Generate(ctx, d, opt); err != nil {
		t.Fatal(err)
	}
	if dumpPersons(t, d) == dumps[0] {
		t.Error("another seed gave the same registry")
	}
}

// pgOrSQLite is a PostgreSQL database when one answers (so determinism is
// checked across engines), else another SQLite one.
func pgOrSQLite(t *testing.T) *db.DB {
	t.Helper()
	if d, err := db.Open(context.Background(), dbtest.PGDSN(), ""); err == nil {
		d.Close()
		return dbtest.Postgres(t)
	} else if dbtest.PGRequired() {
		t.Fatalf("PostgreSQL required but not reachable: %v", err)
	}
	return dbtest.SQLite(t)
}

func TestRegistrySizes(t *testing.T) {
	ctx := context.Background()
	keys := testKeys(t)
	for _, n := range []int{1, 7, 150} {
		d := dbtest.SQLite(t)
		opt := registryOpt(keys)
		opt.Persons = n
		res, err := demo.Generate(ctx, d, opt)
		if err != nil {
			t.Fatalf("%d persons: %v", n, err)
		}
		var got int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM persons`).Scan(&got)
		if got != n || res.Registry.Persons != n {
			t.Errorf("asked for %d persons, got %d (%d reported)", n, got, res.Registry.Persons)
		}
	}
	// None at all, and no keys needed for none.
	d := dbtest.SQLite(t)
	if _, err := demo.Generate(ctx, d, demo.Options{Argon: auth.TestArgon2(), Seed: 1, Persons: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(ctx, dbtest.SQLite(t), demo.Options{Argon: auth.TestArgon2(), Seed: 1}); err == nil {
		t.Error("a registry without keys was accepted")
	}
}
