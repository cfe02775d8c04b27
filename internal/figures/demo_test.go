package figures_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/demo"
	"shiliu/internal/figures"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
)

// scopeSQL finds, among a figure's record ids, those whose unit is outside
// a subtree (path prefix), by kind of record.
var scopeSQL = map[string]string{
	"person":    `SELECT x.id FROM persons x JOIN org_units o ON o.id = x.org_id WHERE x.id = ? AND o.path NOT LIKE ?`,
	"household": `SELECT x.id FROM households x JOIN org_units o ON o.id = x.org_id WHERE x.id = ? AND o.path NOT LIKE ?`,
	"case":      `SELECT x.id FROM cases x JOIN org_units o ON o.id = x.org_id WHERE x.id = ? AND o.path NOT LIKE ?`,
	"activity":  `SELECT x.id FROM activities x JOIN org_units o ON o.id = x.org_id WHERE x.id = ? AND o.path NOT LIKE ?`,
	"honour":    `SELECT x.id FROM honours x JOIN org_units o ON o.id = x.org_id WHERE x.id = ? AND o.path NOT LIKE ?`,
	"pairing":   `SELECT x.id FROM pairings x JOIN org_units o ON o.id = x.org_id WHERE x.id = ? AND o.path NOT LIKE ?`,
	"visit":     `SELECT v.id FROM pairing_visits v JOIN pairings x ON x.id = v.pairing_id JOIN org_units o ON o.id = x.org_id WHERE v.id = ? AND o.path NOT LIKE ?`,
	"org":       `SELECT o.id FROM org_units o WHERE o.id = ? AND o.path NOT LIKE ?`,
}

// TestDemoFiguresMatchTheirRecords sweeps the demo district: for every demo
// account, at its own unit and at each unit under it that has a data set
// (subdistricts, committees), every count equals the length of the record
// list it opens, every key of a breakdown the length of that key's list,
// and every record listed lies in the account's scope. An account that may
// not read the records gets the figures and a refusal, never a list.
func TestDemoFiguresMatchTheirRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo district takes a few seconds")
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		today := time.Date(2026, 9, 15, 2, 0, 0, 0, time.UTC)
		res, err := demo.Generate(ctx, d, demo.Options{Argon: auth.TestArgon2(), Seed: 11, Persons: 800, Today: today, Keys: fixture.Keys(t)})
		if err != nil {
			t.Fatal(err)
		}
		s := figures.New(d)
		s.Now = func() time.Time { return today }
		as := auth.NewService(d)
		orgs := &org.Service{DB: d}
		p := figures.Year(2026)
		checked, lists := 0, 0
		// and an administrator of the whole district (the root: figures
		// read without a unit condition, Query.Whole)
		if _, err := as.Create(ctx, auth.System("test"), auth.NewUser{Username: "district", DisplayName: "区级管理员", Role: auth.StreetAdmin,
			OrgID: res.RootID, Password: auth.RandomPassword()}); err != nil {
			t.Fatal(err)
		}
		accounts := append(res.Accounts, demo.Account{Username: "district", Role: auth.StreetAdmin})
		for _, acc := range accounts {
			u, err := as.ByUsername(ctx, acc.Username)
			if err != nil {
				t.Fatal(err)
			}
			a := u.Actor()
			if !a.Can(auth.FigureView) {
				if _, err := s.Compute(ctx, a, a.OrgID, p); err == nil {
					t.Errorf("%s (%s) may not see figures but computed them", acc.Username, a.Role)
				}
				continue
			}
			tree, err := orgs.Tree(ctx, a, false)
			if err != nil {
				t.Fatal(err)
			}
			var units []*org.Unit
			for _, u := range tree {
				if u.ID == a.OrgID || u.Kind == org.Subdistrict || u.Kind == org.Committee && a.OrgID != res.RootID {
					units = append(units, u)
				}
			}
			for _, u := range units {
				vals, err := s.Compute(ctx, a, u.ID, p)
				if err != nil {
					t.Fatalf("%s at %s: %v", acc.Username, u.Name, err)
				}
				for _, ind := range figures.Indicators {
					v := vals[ind.ID]
					if !v.Available {
						continue
					}
					type want struct {
						key string
						n   float64
					}
					var wants []want
					switch {
					case ind.Kind == figures.Breakdown && ind.KeyRecords != nil:
						for _, part := range v.Parts {
							wants = append(wants, want{part.Code, part.Count})
						}
					case ind.Kind == figures.Count && ind.Records != nil:
						wants = append(wants, want{"", v.Number})
					}
					for _, w := range wants {
						where := fmt.Sprintf("%s at %s: %s[%s]", acc.Username, u.Name, ind.ID, w.key)
						entity, ids, err := s.Records(ctx, a, ind.ID, u.ID, p, w.key)
						if !ind.CanOpen(a, w.key) {
							if err == nil {
								t.Errorf("%s: %s may not read %s records but got %d", where, a.Role, ind.Entity, len(ids))
							}
							continue
						}
						if err != nil {
							t.Fatalf("%s: %v", where, err)
						}
						checked++
						if float64(len(ids)) != w.n {
							t.Errorf("%s is %v but opens %d records", where, w.n, len(ids))
						}
						if len(ids) > 0 {
							lists++
						}
						for _, id := range ids {
							var out int64
							err := d.QueryRow(ctx, scopeSQL[entity], id, a.OrgPath+"%").Scan(&out)
							if err == nil {
								t.Errorf("%s lists %s %d, outside %s's scope", where, entity, id, acc.Username)
							} else if !errors.Is(err, sql.ErrNoRows) {
								t.Fatalf("%s: %v", where, err)
							}
						}
					}
				}
			}
		}
		// The sweep means something only if the demo gives the lists records.
		if checked < 100 || lists < checked/3 {
			t.Errorf("only %d figures checked, %d with records", checked, lists)
		}
		t.Logf("%d figures checked against their record lists, %d non-empty", checked, lists)
	})
}
