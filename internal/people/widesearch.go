package people

// Search for users who see the whole registry: a district's or a city's
// own staff at the root of its org tree, up to a million persons. A
// subdistrict's search narrows to its committees first (persons_scope);
// theirs cannot, so each kind of search has a plan that reads only what
// matches, counted up to CountCap:
//
//   - a name fragment, a tag, an ethnicity, non-Han or a kind: on SQLite
//     the full-text index person_search lists the active persons that have
//     each (see migration 0007 and searchBody); a fragment is the
//     characters and pairs of characters it is made of; on PostgreSQL the
//     same words are rows of person_terms, in list order (migration 0008,
//     termsAll);
//   - one character (most often a surname), on SQLite: the names it
//     begins, in list order in persons_first, and the others that hold it
//     (see oneCharAll);
//   - an ethnicity alone: persons_eth, in list order;
//   - pinyin and initials: the ranges of persons_order and persons_initials,
//     counted apart (a person can be in both) and merged for the page;
//   - an ID number, its last four, a phone: their own indexes, as for
//     everyone, without the scope.
//
// On SQLite a page in pinyin order of a few thousand matches is sorted; of
// more, it is read by walking persons_order in list order, checking each
// entry against the filters, until the page is full.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/ref"
)

// seesAll reports whether a sees every org unit of the instance (no unit
// lies outside its scope): its searches need no scope condition. A
// liaison, who sees their assignments only, never does.
func (s *Service) seesAll(ctx context.Context, a *auth.Actor) (bool, error) {
	if a.Scope().LiaisonUserID != 0 {
		return false, nil
	}
	lo, hi := a.Scope().ReachRange()
	if lo == "" && hi == "" {
		return false, nil
	}
	// The first and last paths, from the ends of the path index: each in
	// its own subquery (SQLite reads the table for MIN and MAX together),
	// and without parameters (a range probe with the bounds as parameters
	// can become a scan of the table in PostgreSQL's generic plan).
	var first, last string
	if err := s.DB.QueryRow(ctx, `SELECT COALESCE((SELECT MIN(path) FROM org_units), ''), COALESCE((SELECT MAX(path) FROM org_units), '')`).Scan(&first, &last); err != nil {
		return false, fmt.Errorf("scope: %w", err)
	}
	return first != "" && first >= lo && last < hi, nil
}

// searchAll answers f for an actor who sees everything, when one of the
// plans above serves it; ok is false when none does (the caller then
// searches as for anyone, without the scope).
func (s *Service) searchAll(ctx context.Context, a *auth.Actor, f Filter) (list []*Person, total int, ok bool, err error) {
	if f.OrgID != 0 || f.Status != "" || f.Archived || f.NoHousehold {
		return nil, 0, false, nil
	}
	kind, v := ClassifyQuery(f.Q)
	switch kind {
	case QPinyin:
		if orderOf(f.Sort) != "p.pinyin, p.id" {
			return nil, 0, false, nil
		}
		list, total, err = s.pinyinAll(ctx, a, f, v)
		return list, total, true, err
	case QName, QNone:
		plain := orderOf(f.Sort) == "p.pinyin, p.id" && f.Tags == 0 && !f.Kind.Valid() && !f.Minority
		if e, known := ref.ParseEthnicity(f.Ethnicity); plain && kind == QNone && known {
			list, total, err = s.ethnicityAll(ctx, f, e.Code)
			return list, total, true, err
		}
		if s.DB.Dialect == db.Postgres {
			words, verify, ok := termWords(f, kind, v)
			if !ok {
				return nil, 0, false, nil
			}
			list, total, err = s.termsAll(ctx, f, words, verify, v)
			return list, total, true, err
		}
		if rs := []rune(v); plain && f.Ethnicity == "" && kind == QName && len(rs) == 1 {
			if _, exact, ok := fragmentRuns(v); ok && exact {
				list, total, err = s.oneCharAll(ctx, f, rs[0])
				return list, total, true, err
			}
		}
		match, verify, ok := searchMatch(f, kind, v)
		if !ok {
			return nil, 0, false, nil
		}
		list, total, err = s.matchAll(ctx, a, f, match, verify, v)
		return list, total, true, err
	}
	return nil, 0, false, nil
}

// searchMatch is the full-text query of f (kind and v as ClassifyQuery
// reads f.Q): the words a person must have. verify is true when the words
// of a name fragment find more than the fragment (a fragment of three or
// more characters, or with signs between them), and the name must be
// checked too. ok is false when the index cannot answer f.
func searchMatch(f Filter, kind QueryKind, v string) (match string, verify, ok bool) {
	var words []string
	if kind == QName {
		runs, exact, ok := fragmentRuns(v)
		if !ok {
			return "", false, false
		}
		for _, r := range runs {
			if len(r) == 1 {
				// The character first in the name, or elsewhere.
				words = append(words, `("`+string(r)+`" OR "`+string(firstMark)+string(r)+`")`)
				continue
			}
			for i := 0; i+1 < len(r); i++ {
				words = append(words, `"`+string(r[i:i+2])+`"`)
			}
		}
		verify = !exact
	}
	words = append(words, filterWords(f)...)
	if len(words) == 0 {
		return "", false, false
	}
	return strings.Join(words, " AND "), verify, true
}

// filterWords are the words of f's filters, as both search indexes spell
// them (searchBody, migration 0008): kind2, eth03, min for non-Han, tag4.
// An unknown ethnicity filters nothing, as in where.
func filterWords(f Filter) []string {
	var words []string
	if f.Kind.Valid() {
		words = append(words, "kind"+strconv.Itoa(int(f.Kind)))
	}
	if e, known := ref.ParseEthnicity(f.Ethnicity); f.Ethnicity != "" && known {
		words = append(words, "eth"+e.Code)
	}
	if f.Minority {
		words = append(words, "min")
	}
	for _, t := range AllTags {
		if f.Tags.Has(t.Tag) {
			words = append(words, "tag"+strconv.Itoa(int(t.Tag)))
		}
	}
	return words
}

// termWords is what person_terms (PostgreSQL) holds of the persons f
// finds, each word a person must have: a fragment's characters (one alone)
// or pairs, then the filters' values; verify and ok as for searchMatch.
func termWords(f Filter, kind QueryKind, v string) (words []string, verify, ok bool) {
	if kind == QName {
		runs, exact, ok := fragmentRuns(v)
		if !ok {
			return nil, false, false
		}
		for _, r := range runs {
			if len(r) == 1 {
				words = append(words, string(r))
				continue
			}
			for i := 0; i+1 < len(r); i++ {
				words = append(words, string(r[i:i+2]))
			}
		}
		verify = !exact
	}
	words = append(words, filterWords(f)...)
	return slices.Compact(words), verify, len(words) > 0
}

// termsAll: the persons who have every word (PostgreSQL). The rarest word
// leads (each counted, up to CountCap, from its rows): its rows give the
// persons in list order, and each of them is checked for the other words
// by the primary key. A page in another order is sorted.
func (s *Service) termsAll(ctx context.Context, f Filter, words []string, verify bool, v string) ([]*Person, int, error) {
	lead := 0
	if len(words) > 1 {
		least := math.MaxInt
		for i, w := range words {
			var n int
			if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM person_terms WHERE term = ? LIMIT ?) x`, w, CountCap+1).Scan(&n); err != nil {
				return nil, 0, fmt.Errorf("count persons: %w", err)
			}
			if n < least {
				lead, least = i, n
			}
		}
	}
	from := " FROM person_terms t"
	where := " WHERE t.term = ?"
	args := []any{words[lead]}
	for i, w := range words {
		if i != lead {
			where += " AND EXISTS (SELECT 1 FROM person_terms o WHERE o.term = ? AND o.pinyin = t.pinyin AND o.person_id = t.person_id)"
			args = append(args, w)
		}
	}
	order := orderOf(f.Sort)
	if verify || order != "p.pinyin, p.id" {
		from += " JOIN persons p ON p.id = t.person_id"
		if strings.HasPrefix(order, "o.") {
			from += " JOIN org_units o ON o.id = p.org_id"
		}
	}
	if verify {
		cond, arg := s.nameCond(v)
		where += " AND " + cond
		args = append(args, arg)
	}
	limit, offset := pageBounds(f)
	inner := `SELECT t.person_id AS id` + from + where + ` ORDER BY t.pinyin, t.person_id LIMIT ? OFFSET ?`
	if order != "p.pinyin, p.id" {
		inner = `SELECT p.id` + from + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	}
	// The count and the page at once, on two connections.
	var total int
	var list []*Person
	err := together(func() error {
		err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1`+from+where+` LIMIT ?) x`, append(args[:len(args):len(args)], CountCap+1)...).Scan(&total)
		return err
	}, func() (err error) {
		list, err = s.fetch(ctx, inner, append(args[:len(args):len(args)], limit, offset), order)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search persons: %w", err)
	}
	return list, total, nil
}

// together runs fns at once, each on its own connection (PostgreSQL's
// pool), and returns the first error.
func together(fns ...func() error) error {
	errc := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errc <- fn() }()
	}
	var first error
	for range fns {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// fragmentRuns splits a name fragment into runs of letters and digits,
// lower-cased, as the index's tokenizer does; exact reports whether the
// index's words are the fragment itself (one run of one or two
// characters). ok is false for a fragment with no letter, or with a cased
// letter beyond ASCII (whose case the index would ignore and the name
// check would not).
func fragmentRuns(v string) (runs [][]rune, exact, ok bool) {
	var cur []rune
	for _, r := range v {
		switch {
		case r > unicode.MaxASCII && (unicode.IsUpper(r) || unicode.IsLower(r)):
			return nil, false, false
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			cur = append(cur, unicode.ToLower(r))
		case len(cur) > 0:
			runs, cur = append(runs, cur), nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	if len(runs) == 0 {
		return nil, false, false
	}
	exact = len(runs) == 1 && len(runs[0]) <= 2 && utf8.RuneCountInString(v) == len(runs[0])
	return runs, exact, true
}

// matchAll: the persons the full-text query match finds (checking their
// name for the fragment v when verify is set).
func (s *Service) matchAll(ctx context.Context, a *auth.Actor, f Filter, match string, verify bool, v string) ([]*Person, int, error) {
	from, where, args := " FROM person_search", " WHERE person_search MATCH ?", []any{match}
	if verify {
		cond, arg := s.nameCond(v)
		from = " FROM person_search s JOIN persons p ON p.id = s.rowid"
		where += " AND " + cond
		args = append(args, arg)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1`+from+where+` LIMIT ?) x`, append(args, CountCap+1)...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count persons: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	order := orderOf(f.Sort)
	limit, offset := pageBounds(f)
	// Checking a name on each entry costs about what looking a match up
	// does; checking the filters' numbers, a third of it.
	cost := 3.0
	if f.Q != "" {
		cost = 1
	}
	walk, err := s.walkWins(ctx, total, limit, offset, cost)
	if err != nil {
		return nil, 0, err
	}
	var inner string
	if order == "p.pinyin, p.id" && walk {
		// Many matches: walk the list order, checking each entry.
		w, wargs, _ := s.whereIn(a, f, true)
		inner, args = `SELECT p.id FROM persons p INDEXED BY persons_order`+w+` ORDER BY p.pinyin, p.id LIMIT ? OFFSET ?`, wargs
	} else {
		// Few: collect and sort them.
		from = " FROM person_search s JOIN persons p ON p.id = s.rowid"
		if strings.HasPrefix(order, "o.") {
			from += " JOIN org_units o ON o.id = p.org_id"
		}
		inner = `SELECT p.id` + from + where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	}
	list, err := s.fetch(ctx, inner, append(args, limit, offset), order)
	return list, total, err
}

// ethnicityAll: the active persons of an ethnicity, from persons_eth.
func (s *Service) ethnicityAll(ctx context.Context, f Filter, code string) ([]*Person, int, error) {
	from := " FROM persons p"
	if s.DB.Dialect == db.SQLite {
		from += " INDEXED BY persons_eth"
	}
	where := ` WHERE p.ethnicity = ? AND p.status = 'active' AND p.archived = 0 AND p.id > 0` // (see migration 0007)
	var total int
	var list []*Person
	limit, offset := pageBounds(f)
	count := func() error {
		return s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1`+from+where+` LIMIT ?) x`, code, CountCap+1).Scan(&total)
	}
	page := func() (err error) {
		list, err = s.fetch(ctx, `SELECT p.id`+from+where+` ORDER BY p.pinyin, p.id LIMIT ? OFFSET ?`, []any{code, limit, offset}, "p.pinyin, p.id")
		return err
	}
	var err error
	if s.DB.Dialect == db.Postgres {
		// At once, on two connections.
		err = together(count, page)
	} else if err = count(); err == nil && total > 0 {
		err = page()
	}
	if err != nil {
		return nil, 0, fmt.Errorf("search persons: %w", err)
	}
	return list, total, nil
}

// oneCharAll: the active persons whose name holds the character c. Those
// whose name begins with it (a surname: tens of thousands, all together in
// pinyin order) come from persons_first in list order; the others, where
// it is one character of the given name (spread over the list), as any
// fragment's: counted in person_search (the word for c elsewhere than
// first, less the few who also have it first), then sorted when few and
// walked when many. The page merges the two.
func (s *Service) oneCharAll(ctx context.Context, f Filter, c rune) ([]*Person, int, error) {
	ch := string(c)
	first := ` FROM persons p INDEXED BY persons_first WHERE substr(p.name, 1, 1) = ? AND p.status = 'active' AND p.archived = 0 AND p.id > 0`
	rest := `"` + ch + `" NOT "` + string(firstMark) + ch + `"`
	var a, b int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1`+first+` LIMIT ?) x`, ch, CountCap+1).Scan(&a); err != nil {
		return nil, 0, fmt.Errorf("count persons: %w", err)
	}
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM person_search WHERE person_search MATCH ? LIMIT ?) x`, rest, CountCap+1).Scan(&b); err != nil {
		return nil, 0, fmt.Errorf("count persons: %w", err)
	}
	total := min(a+b, CountCap+1)
	if total == 0 {
		return nil, 0, nil
	}
	limit, offset := pageBounds(f)
	k := offset + limit
	inner := `SELECT id, pinyin FROM (SELECT p.id, p.pinyin` + first + ` ORDER BY p.pinyin, p.id LIMIT ?) a`
	args := []any{ch, k}
	if b > 0 {
		walk, err := s.walkWins(ctx, b, limit, offset, 1)
		if err != nil {
			return nil, 0, err
		}
		if walk {
			inner += ` UNION ALL SELECT id, pinyin FROM (SELECT p.id, p.pinyin FROM persons p INDEXED BY persons_order
				WHERE p.status = 'active' AND p.archived = 0 AND instr(p.name, ?) > 1 ORDER BY p.pinyin, p.id LIMIT ?) b`
			args = append(args, ch, k)
		} else {
			inner += ` UNION ALL SELECT id, pinyin FROM (SELECT p.id, p.pinyin FROM person_search s JOIN persons p ON p.id = s.rowid
				WHERE person_search MATCH ? ORDER BY p.pinyin, p.id LIMIT ?) b`
			args = append(args, rest, k)
		}
	}
	inner = `SELECT id FROM (` + inner + `) x ORDER BY pinyin, id LIMIT ? OFFSET ?`
	list, err := s.fetch(ctx, inner, append(args, limit, offset), "p.pinyin, p.id")
	return list, total, err
}

// pinyinAll: the persons whose pinyin or initials begin with v.
func (s *Service) pinyinAll(ctx context.Context, a *auth.Actor, f Filter, v string) ([]*Person, int, error) {
	rest := f
	rest.Q = ""
	w, wargs, _ := s.whereIn(a, rest, true) // the other filters
	byPinyin, byInitials := " FROM persons p", " FROM persons p"
	if s.DB.Dialect == db.SQLite {
		byPinyin, byInitials = " FROM persons p INDEXED BY persons_order", " FROM persons p INDEXED BY persons_initials"
	}
	pinyin, initials := " AND p.pinyin >= ? AND p.pinyin < ?", " AND p.initials >= ? AND p.initials < ?"
	rng := []any{v, v + "{"}
	count := func(from, cond string, n int, c *int) error {
		args := append(append(append([]any{}, wargs...), rng...), rng[:n-2]...)
		args = append(args, CountCap+1)
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1`+from+w+cond+` LIMIT ?) x`, args...).Scan(c); err != nil {
			return fmt.Errorf("count persons: %w", err)
		}
		return nil
	}
	// Initials begin with the pinyin's first letter: for one letter the
	// two ranges hold the same persons.
	both := len(v) > 1
	var p, i, pi int
	if both {
		if err := count(byInitials, initials, 2, &i); err != nil {
			return nil, 0, err
		}
	}
	limit, offset := pageBounds(f)
	// The first offset+limit of each range, merged.
	k := offset + limit
	inner := `SELECT id, pinyin FROM (SELECT p.id, p.pinyin` + byPinyin + w + pinyin + ` ORDER BY p.pinyin, p.id LIMIT ?) a`
	args := append(append(append([]any{}, wargs...), rng...), k)
	if both {
		inner += ` UNION SELECT id, pinyin FROM (SELECT p.id, p.pinyin` + byInitials + w + initials + ` ORDER BY p.pinyin, p.id LIMIT ?) b`
		args = append(append(append(args, wargs...), rng...), k)
	}
	inner = `SELECT id FROM (` + inner + `) x ORDER BY pinyin, id LIMIT ? OFFSET ?`
	if both && s.DB.Dialect == db.Postgres && i <= pgInitialsSort {
		// PostgreSQL would read the initials' branch by walking the list
		// order (persons_order) and checking each person's initials: the
		// whole list for rare ones. Collected first, they are sorted.
		inner = `WITH b AS MATERIALIZED (SELECT p.id, p.pinyin FROM persons p` + w + initials + `)
			SELECT id FROM (SELECT id, pinyin FROM (SELECT p.id, p.pinyin` + byPinyin + w + pinyin + ` ORDER BY p.pinyin, p.id LIMIT ?) a
			UNION SELECT id, pinyin FROM (SELECT id, pinyin FROM b ORDER BY pinyin, id LIMIT ?) c) x ORDER BY pinyin, id LIMIT ? OFFSET ?`
		args = append(append(append(append(append(append([]any{}, wargs...), rng...), wargs...), rng...), k), k)
	} else if both && s.DB.Dialect == db.Postgres {
		// Many: walked in list order, among the persons whose pinyin has
		// the initials' first letter (initials and pinyin begin alike).
		inner = `SELECT id FROM (SELECT id, pinyin FROM (SELECT p.id, p.pinyin` + byPinyin + w + pinyin + ` ORDER BY p.pinyin, p.id LIMIT ?) a
			UNION SELECT id, pinyin FROM (SELECT p.id, p.pinyin FROM persons p` + w + pinyin + initials + ` ORDER BY p.pinyin, p.id LIMIT ?) b) x
			ORDER BY pinyin, id LIMIT ? OFFSET ?`
		letter := []any{v[:1], v[:1] + "{"}
		args = append(append(append(append(append(append(append([]any{}, wargs...), rng...), k), wargs...), letter...), rng...), k)
	}
	var list []*Person
	steps := []func() error{
		func() error { return count(byPinyin, pinyin, 2, &p) },
		func() error {
			if !both {
				return nil
			}
			return count(byInitials, initials+pinyin, 4, &pi)
		},
		func() (err error) {
			list, err = s.fetch(ctx, inner, append(args, limit, offset), "p.pinyin, p.id")
			return err
		},
	}
	if s.DB.Dialect == db.Postgres {
		// At once, on three connections.
		if err := together(steps...); err != nil {
			return nil, 0, err
		}
	} else {
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, 0, err
			}
		}
	}
	total := min(p+i-pi, CountCap+1)
	if p > CountCap || i > CountCap {
		total = CountCap + 1
	}
	if total == 0 {
		list = nil
	}
	return list, total, nil
}

// pgInitialsSort: up to this many persons whose initials match are
// collected and sorted on PostgreSQL; more are walked in list order (a
// variable for tests).
var pgInitialsSort = 3000

// walkWins reports whether a page in pinyin order of total matches is
// read faster by walking persons_order than by sorting the matches (see
// walkLimit; cost: about 1 µs to look a match up in the table, measured at
// a million persons, and as much to check a name on an entry, a third of
// it to check numbers).
func (s *Service) walkWins(ctx context.Context, total, limit, offset int, cost float64) (bool, error) {
	most, err := s.walkLimit(ctx, limit, offset, cost)
	return most >= 0 && total > most, err
}

// walkLimit is the number of matches above which a page in pinyin order
// is read faster by walking persons_order than by sorting the matches, or
// -1 below walkMinRows persons (either way is fast: always sort). Walking
// reads about (offset+limit) × rows/total entries; sorting reads total
// matches at cost times the cost of walking past an entry: walking wins
// above total ≈ √((offset+limit) × rows / cost).
func (s *Service) walkLimit(ctx context.Context, limit, offset int, cost float64) (int, error) {
	var rows int64
	if err := s.DB.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM persons`).Scan(&rows); err != nil {
		return 0, err
	}
	if rows < walkMinRows {
		return -1, nil
	}
	return int(math.Sqrt(float64(offset+limit) * float64(rows) / cost)), nil
}

// walkMinRows: below it, pages are sorted (a variable for tests).
var walkMinRows int64 = 20_000
