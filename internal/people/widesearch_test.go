package people

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
)

// refPerson is a person as the reference search sees them.
type refPerson struct {
	id                               int64
	name, pinyin, initials, eth, org string
	kind, tags                       int
	live                             bool
}

// refSearch is the registry's search written out plainly over every
// person: what each plan must return.
func refSearch(all []refPerson, f Filter, scopePath string) ([]int64, int) {
	kind, v := ClassifyQuery(f.Q)
	var hits []refPerson
	for _, p := range all {
		if !p.live || !strings.HasPrefix(p.org, scopePath) || f.Tags != 0 && Tags(p.tags)&f.Tags != f.Tags ||
			f.Ethnicity != "" && p.eth != f.Ethnicity || f.Kind.Valid() && p.kind != int(f.Kind) || f.Minority && p.eth == "01" {
			continue
		}
		switch kind {
		case QName:
			if !strings.Contains(strings.ToLower(p.name), strings.ToLower(v)) {
				continue
			}
		case QPinyin:
			if !strings.HasPrefix(p.pinyin, v) && !strings.HasPrefix(p.initials, v) {
				continue
			}
		}
		hits = append(hits, p)
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].pinyin != hits[j].pinyin {
			return hits[i].pinyin < hits[j].pinyin
		}
		return hits[i].id < hits[j].id
	})
	limit, offset := pageBounds(f)
	var ids []int64
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		ids = append(ids, hits[i].id)
	}
	return ids, min(len(hits), CountCap+1)
}

func loadRef(t *testing.T, ctx context.Context, d *db.DB) []refPerson {
	t.Helper()
	rows, err := d.Query(ctx, `SELECT p.id, p.name, p.pinyin, p.initials, p.ethnicity, o.path, p.kind, p.tags, p.status = 'active' AND p.archived = 0
		FROM persons p JOIN org_units o ON o.id = p.org_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []refPerson
	for rows.Next() {
		var p refPerson
		if err := rows.Scan(&p.id, &p.name, &p.pinyin, &p.initials, &p.eth, &p.org, &p.kind, &p.tags, &p.live); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestSearchWholeRegistry: for a user who sees the whole registry, every
// kind of search (full-text index, pinyin ranges, no scope) returns what
// the plain reference does, page by page, whether the page is sorted or
// walked, after the registry has changed in every way the index follows
// (status, archive, name, tags, ethnicity, kind) — and for an import that
// filled the index in bulk as for one that filled it row by row.
func TestSearchWholeRegistry(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		for _, bulk := range []bool{false, true} {
			if bulk && d.Dialect != db.SQLite {
				continue
			}
			t.Run(fmt.Sprint("bulk=", bulk), func(t *testing.T) {
				var opts ImportOptions
				if bulk {
					// A second database: the first import of this one
					// takes the bulk path.
					d = dbtest.SQLite(t)
					opts.bulkMinRows = 100
				}
				testSearchWholeRegistry(t, d, opts)
			})
		}
	})
}

func testSearchWholeRegistry(t *testing.T, d *db.DB, opts ImportOptions) {
	f := newBulkFix(t, d)
	f.importData(t, auth.System("test"), "g.csv", generated(t, 3000, 11), opts)
	for _, q := range []string{
		`UPDATE persons SET status = 'moved_out' WHERE id % 17 = 0`,
		`UPDATE persons SET archived = 1 WHERE id % 23 = 0`,
		`UPDATE persons SET status = 'active' WHERE id % 34 = 0`,
		`UPDATE persons SET name = '欧阳' || name WHERE id % 31 = 0`,
		// One character in a third of the given names (walked), and in
		// some surnames.
		`UPDATE persons SET name = name || '华' WHERE id % 3 = 0`,
		`UPDATE persons SET name = '华' || name WHERE id % 41 = 0`,
		`UPDATE persons SET tags = 12 WHERE id % 29 = 0`,
		`UPDATE persons SET ethnicity = '05', kind = 2 WHERE id % 37 = 0`,
	} {
		if _, err := d.Exec(f.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	ref := loadRef(t, f.ctx, d)
	root := &auth.Actor{Username: "district", Role: auth.StreetAdmin, OrgID: f.dis.ID, OrgPath: f.dis.Path}
	if all, err := f.s.seesAll(f.ctx, root); err != nil || !all {
		t.Fatalf("the district's user sees all: %v %v", all, err)
	}
	if all, err := f.s.seesAll(f.ctx, f.admin); err != nil || all {
		t.Fatalf("a subdistrict's user sees all: %v %v", all, err)
	}

	// Values drawn from the data: fragments of one, two and three
	// characters, with the name dot, pinyin and initials prefixes.
	var sample []refPerson
	for i := 0; i < len(ref) && len(sample) < 12; i += len(ref) / 12 {
		if ref[i].live {
			sample = append(sample, ref[i])
		}
	}
	filters := []Filter{
		{Q: "欧阳"}, {Q: "阳"}, {Q: "华"}, {Q: "彧骞"}, {Q: "·"}, {Q: "zz"}, {Q: "a"}, {Q: "zh"}, {Q: "li"},
		{Tags: Tags(TagHardship)}, {Tags: Tags(TagHardship) | Tags(TagElderlyAlone)}, {Tags: 4}, {Ethnicity: "05"}, {Ethnicity: "03"},
		{Ethnicity: "37"}, {Kind: Floating}, {Kind: Registered}, {Minority: true}, {Minority: true, Kind: Floating},
		{Q: "马", Tags: Tags(TagHardship)}, {Q: "wang", Kind: Floating}, {Ethnicity: "03", Tags: 8},
	}
	for _, p := range sample {
		rs := []rune(p.name)
		filters = append(filters, Filter{Q: string(rs[:1])}, Filter{Q: string(rs[len(rs)-2:])}, Filter{Q: p.pinyin[:min(4, len(p.pinyin))]},
			Filter{Q: p.initials}, Filter{Q: p.pinyin}, Filter{Q: p.name}, Filter{Ethnicity: p.eth})
		if len(rs) >= 3 {
			filters = append(filters, Filter{Q: string(rs[len(rs)-3:])})
		}
	}
	defer func(n int64, m int) { walkMinRows, pgInitialsSort = n, m }(walkMinRows, pgInitialsSort)
	for _, walk := range []int64{20_000, 0} {
		walkMinRows = walk // 0: large pages are walked
		pgInitialsSort = int(walk) / 10
		for _, base := range filters {
			for _, page := range []struct{ limit, offset int }{{20, 0}, {20, 20}, {7, 140}} {
				fl := base
				fl.Limit, fl.Offset = page.limit, page.offset
				wantIDs, wantTotal := refSearch(ref, fl, f.dis.Path)
				list, total, err := f.s.Search(f.ctx, root, fl)
				if err != nil {
					t.Fatalf("%+v: %v", fl, err)
				}
				if got := idsOf(list); total != wantTotal || !slices.Equal(got, wantIDs) {
					t.Fatalf("walk≥%d %+v: total %d, want %d\n got %v\nwant %v", walk, fl, total, wantTotal, got, wantIDs)
				}
				pageOnly, err := f.s.SearchPage(f.ctx, root, fl)
				if err != nil || !slices.Equal(idsOf(pageOnly), wantIDs) {
					t.Fatalf("SearchPage %+v: %v %v", fl, idsOf(pageOnly), err)
				}
				// The subdistrict's user, through the scoped plans.
				wantIDs, wantTotal = refSearch(ref, fl, f.sub.Path)
				list, total, err = f.s.Search(f.ctx, f.admin, fl)
				if err != nil || total != wantTotal || !slices.Equal(idsOf(list), wantIDs) {
					t.Fatalf("subdistrict %+v: total %d, want %d (%v)", fl, total, wantTotal, err)
				}
			}
		}
	}
	if d.Dialect == db.SQLite {
		// The index holds the active, unarchived persons, no one else.
		var indexed, live int
		d.QueryRow(f.ctx, `SELECT COUNT(*) FROM person_search`).Scan(&indexed)
		d.QueryRow(f.ctx, `SELECT COUNT(*) FROM persons WHERE status = 'active' AND archived = 0`).Scan(&live)
		if indexed != live {
			t.Fatalf("%d persons in the search index, %d active", indexed, live)
		}
	}
}

func idsOf(list []*Person) []int64 {
	var ids []int64
	for _, p := range list {
		ids = append(ids, p.ID)
	}
	return ids
}

// TestSearchBody: the words a bulk import spells for the search index are
// the words the triggers' view spells.
func TestSearchBody(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newBulkFix(t, d)
	f.importData(t, auth.System("test"), "g.csv", generated(t, 300, 5), ImportOptions{})
	if _, err := d.Exec(f.ctx, `UPDATE persons SET tags = 255, name = 'Ali·阿布' WHERE id = 7`); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(f.ctx, `SELECT p.name, p.ethnicity, p.kind, p.tags, b.body FROM persons p JOIN person_search_body b ON b.id = p.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, eth, body string
		var kind, tags int
		if err := rows.Scan(&name, &eth, &kind, &tags, &body); err != nil {
			t.Fatal(err)
		}
		words := func(s string) []string {
			w := strings.Fields(s)
			slices.Sort(w)
			return slices.Compact(w)
		}
		if got, want := words(searchBody(name, eth, kind, tags)), words(body); !slices.Equal(got, want) {
			t.Fatalf("%s: Go spells %v, the view %v", name, got, want)
		}
		n++
	}
	if n < 250 {
		t.Fatalf("compared %d persons", n)
	}
}
