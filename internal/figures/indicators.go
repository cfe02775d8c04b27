package figures

import (
	"context"
	"strconv"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// tagged is the condition "the person carries tag t".
func tagged(t people.Tag) string { return "(p.tags & " + strconv.Itoa(int(t)) + ") <> 0" }

// activeAt is the condition "the person (alias p) lived here at the end of
// the period": not archived nor merged, and active then — still active,
// or moved out or died after it; a floating resident had arrived. The kind
// and the ethnicity are the record's current ones.
func activeAt(q Query) (string, []any) {
	end := q.Period.To
	// (status IN first, then the date: SQLite reads the three statuses from
	// the index rather than scanning every person for the OR's second arm)
	return `p.archived = 0 AND p.status IN ('active', 'moved_out', 'deceased') AND (p.status = 'active' OR p.status_date > ?)
		AND (p.kind <> 2 OR p.arrival_date = '' OR p.arrival_date <= ?)`, []any{end, end}
}

// persons selects the persons of the subtree living there at the period's
// end who also meet cond.
func persons(cond string, cargs ...any) func(q Query) (string, []any) {
	return func(q Query) (string, []any) {
		sub, sargs := q.Subtree("p.org_id")
		act, aargs := activeAt(q)
		args := append(append(append([]any{}, sargs...), aargs...), cargs...)
		return `SELECT p.id FROM persons p WHERE ` + sub + ` AND ` + act + ` AND ` + cond, args
	}
}

// minority is the condition "of a non-Han group" (GB/T 3304 code 01 is Han).
const minority = `p.ethnicity <> '01'`

// timeRange is the period as stored timestamps (UTC), half open: from the
// first day's midnight in China to the midnight after the last day.
func timeRange(p Period) (lo, hi string) {
	f, _ := time.ParseInLocation(db.DateLayout, p.From, china)
	t, _ := time.ParseInLocation(db.DateLayout, p.To, china)
	return db.FormatTime(f), db.FormatTime(t.AddDate(0, 0, 1))
}

// held selects the activities of the subtree held in the period (not
// cancelled, begun by today) that also meet cond.
func held(cond string) func(q Query) (string, []any) {
	return func(q Query) (string, []any) {
		sub, args := q.Within("x.org_id")
		return `SELECT x.id FROM activities x JOIN activity_kinds k ON k.id = x.kind_id WHERE ` + sub +
			` AND x.status <> 'cancelled' AND x.starts_at >= ? AND x.starts_at < ? AND ` + cond, append(args, q.Period.From, heldBefore(q))
	}
}

// heldBefore bounds the start of a held activity (starts_at < it): the
// period's end or today, whichever is first ('U' sorts after every time
// of that day).
func heldBefore(q Query) string {
	to := q.Period.To
	if q.Today < to {
		to = q.Today
	}
	return to + "U"
}

// closedCases selects the cases of the subtree closed in the period.
func closedCases(q Query) (string, []any) {
	sub, args := q.Within("c.org_id")
	lo, hi := timeRange(q.Period)
	return `SELECT c.id FROM cases c WHERE ` + sub + ` AND c.closed_at <> '' AND c.closed_at >= ? AND c.closed_at < ?`, append(args, lo, hi)
}

// minorityHouseholds selects the households of the subtree with at least
// one minority member living there at the period's end, of kind (1
// registered, 0 any).
func minorityHouseholds(kind int) func(q Query) (string, []any) {
	return func(q Query) (string, []any) {
		sub, args := q.Subtree("h.org_id")
		act, aargs := activeAt(q)
		cond := ""
		if kind != 0 {
			cond = ` AND p.kind = 1`
		}
		return `SELECT h.id FROM households h WHERE ` + sub + ` AND h.archived = 0 AND EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id AND ` +
			minority + cond + ` AND ` + act + `)`, append(args, aargs...)
	}
}

// units selects the live units of the subtree of kind.
func units(kind string) func(q Query) (string, []any) {
	return func(q Query) (string, []any) {
		sub, args := q.Subtree("u.id")
		return `SELECT u.id FROM org_units u WHERE ` + sub + ` AND u.archived = 0 AND u.kind = ?`, append(args, kind)
	}
}

// basePopulation is a base figure of the year (registered or floating):
// the unit's own, or where it has none, the sum of its children's,
// computed the same way.
func basePopulation(col string) func(ctx context.Context, d *db.DB, q Query) (float64, bool, error) {
	return func(ctx context.Context, d *db.DB, q Query) (float64, bool, error) {
		sub, args := q.Subtree("u.id")
		rows, err := d.Query(ctx, `SELECT u.id, COALESCE(u.parent_id, 0), pop.`+col+` IS NOT NULL, COALESCE(pop.`+col+`, 0) FROM org_units u
			LEFT JOIN org_population pop ON pop.org_id = u.id AND pop.year = ? WHERE `+sub+` AND u.archived = 0`, append([]any{q.Period.Year}, args...)...)
		if err != nil {
			return 0, false, err
		}
		type node struct {
			has bool
			n   int64
		}
		nodes, kids := map[int64]node{}, map[int64][]int64{}
		for rows.Next() {
			var id, parent, n int64
			var has bool
			if err := rows.Scan(&id, &parent, &has, &n); err != nil {
				rows.Close()
				return 0, false, err
			}
			nodes[id] = node{has, n}
			kids[parent] = append(kids[parent], id)
		}
		if err := rows.Close(); err != nil {
			return 0, false, err
		}
		var sum func(id int64) (int64, bool)
		sum = func(id int64) (int64, bool) {
			if nd := nodes[id]; nd.has {
				return nd.n, true
			}
			var total int64
			any := false
			for _, k := range kids[id] {
				if n, ok := sum(k); ok {
					total, any = total+n, true
				}
			}
			return total, any
		}
		n, ok := sum(q.UnitID)
		return float64(n), ok, nil
	}
}

// Indicators is every figure, in the report's order. Adding one is an
// entry here with its query.
var Indicators = []Indicator{
	{ID: "registered_population", ZH: "户籍人口", EN: "Registered population", Kind: Count,
		Definition: "本单位当年的户籍人口基数；本单位未填写时，为下级单位基数之和。", Value: basePopulation("registered")},
	{ID: "floating_population", ZH: "流动人口", EN: "Floating population", Kind: Count,
		Definition: "本单位当年的流动人口基数；本单位未填写时，为下级单位基数之和。", Value: basePopulation("floating")},
	{ID: "minority_registered", ZH: "户籍少数民族人口", EN: "Registered minority residents", Kind: Count, Entity: "person",
		Definition: "期末在册（未迁出、未去世）、户籍类型为户籍的非汉族居民人数。", tally: &tallied{who: who{minority: true, kind: 1}}},
	{ID: "minority_registered_households", ZH: "少数民族户数", EN: "Minority households", Kind: Count, Entity: "household",
		Definition: "至少有一名期末在册的户籍少数民族成员的家庭户数（含汉族成员的混合家庭）。", Records: minorityHouseholds(1)},
	{ID: "minority_share_pct", ZH: "少数民族占户籍人口比例（%）", EN: "Minority share of the registered population (%)", Kind: Percent,
		Definition: "户籍少数民族人口 ÷ 户籍人口 × 100，保留一位小数。", Of: [2]string{"minority_registered", "registered_population"}},
	{ID: "ethnic_groups", ZH: "少数民族成分数", EN: "Minority groups", Kind: Count,
		Definition: "户籍少数民族人口中不同民族的个数。", tally: &tallied{who: who{minority: true, kind: 1}, by: "groups"}},
	{ID: "ethnic_breakdown", ZH: "各民族人数", EN: "Residents by group", Kind: Breakdown, Entity: "person",
		Definition: "户籍少数民族人口按民族分列，人数多的在前。", KeyName: EthnicName, Keys: byEthnicity.keys, KeyRecords: byEthnicity.records,
		tally: &tallied{who: who{minority: true, kind: 1}, by: "ethnicity"}},
	{ID: "minority_floating", ZH: "流动少数民族人口", EN: "Floating minority residents", Kind: Count, Entity: "person",
		Definition: "期末在册、户籍类型为流动的非汉族居民人数。", tally: &tallied{who: who{minority: true, kind: 2}}},
	{ID: "minority_population", ZH: "少数民族人口（户籍与流动）", EN: "Minority residents (registered and floating)", Kind: Count, Entity: "person",
		Definition: "期末在册的全部非汉族居民人数，户籍与流动合计。", tally: &tallied{who: who{minority: true}}},
	{ID: "minority_in_local_units", ZH: "在社区单位工作的少数民族", EN: "Minority residents working in local units", Kind: Count, Entity: "person",
		Definition: "期末在册、工作单位类型为社区单位的非汉族居民（户籍与流动）。", tally: &tallied{who: who{minority: true, workplace: 1}}},
	{ID: "minority_in_new_orgs", ZH: "在两新组织工作的少数民族", EN: "Minority residents working in new organisations", Kind: Count, Entity: "person",
		Definition: "期末在册、工作单位类型为两新组织的非汉族居民（户籍与流动）。", tally: &tallied{who: who{minority: true, workplace: 2}}},
	{ID: "committees", ZH: "居委会数", EN: "Residents' committees", Kind: Count, Entity: "org",
		Definition: "本单位及下级中类型为居委的组织个数。", Records: units("committee")},
	{ID: "liaison_groups", ZH: "少数民族联络组数", EN: "Liaison groups", Kind: Count, Entity: "org",
		Definition: "本单位及下级中类型为联络组的组织个数。", Records: units("liaison_group")},
	{ID: "liaisons", ZH: "少数民族联络员人数", EN: "Liaisons", Kind: Count, Entity: "person",
		Definition: "期末在册、标注为“联络员”的居民人数。", tally: &tallied{who: who{tag: people.TagLiaison}}},
	{ID: "cases_handled", ZH: "办结诉求件数", EN: "Cases closed", Kind: Count, Entity: "case",
		Definition: "期内办结的诉求件数（以办结时间计，含已回访）。", Records: closedCases},
	{ID: "cases_by_channel", ZH: "办结诉求（按渠道）", EN: "Cases closed by channel", Kind: Breakdown, Entity: "case",
		Definition: "期内办结的诉求按受理渠道分列。", Keys: byChannel.keys, KeyRecords: byChannel.records},
	{ID: "cases_by_kind", ZH: "办结诉求（按类别）", EN: "Cases closed by kind", Kind: Breakdown, Entity: "case",
		Definition: "期内办结的诉求按类别分列。", Keys: byCaseKind.keys, KeyRecords: byCaseKind.records},
	{ID: "participating_families", ZH: "参与活动的少数民族家庭", EN: "Minority households taking part", Kind: Count, Entity: "household",
		Definition: "期内至少有一名成员在已举办的活动中签到的少数民族家庭户数。", Records: participating},
	{ID: "participating_families_pct", ZH: "参与活动的少数民族家庭比例（%）", EN: "Share of minority households taking part (%)", Kind: Percent,
		Definition: "参与活动的少数民族家庭 ÷ 少数民族户数 × 100。", Of: [2]string{"participating_families", "minority_registered_households"}},
	{ID: "volunteers", ZH: "少数民族志愿者", EN: "Minority volunteers", Kind: Count, Entity: "person",
		Definition: "期末在册、标注为“志愿者”的非汉族居民（户籍与流动）。", tally: &tallied{who: who{minority: true, tag: people.TagVolunteer}}},
	{ID: "volunteers_pct", ZH: "少数民族志愿者占少数民族人口比例（%）", EN: "Volunteers' share of minority residents (%)", Kind: Percent,
		Definition: "少数民族志愿者 ÷ 少数民族人口（户籍与流动）× 100。", Of: [2]string{"volunteers", "minority_population"}},
	{ID: "activities", ZH: "开展活动场次", EN: "Activities held", Kind: Count, Entity: "activity",
		Definition: "期内已举办的活动场次（系列活动每场计一次，取消的不计）。", Records: held("1 = 1")},
	{ID: "activity_participants", ZH: "活动参与人次", EN: "Activity participants", Kind: Count,
		Definition: "期内已举办活动的签到人数与按人数登记的其他参与者之和。", Value: participants},
	{ID: "interest_class_kinds", ZH: "兴趣班种类", EN: "Kinds of interest class", Kind: Count,
		Definition: "期内举办过的兴趣班（按名称）的个数。", Value: func(ctx context.Context, d *db.DB, q Query) (float64, bool, error) {
			sel, args := held(`k.code = 'interest_class'`)(q)
			var n int64
			err := d.QueryRow(ctx, `SELECT COUNT(DISTINCT x.title) FROM activities x WHERE x.id IN (`+sel+`)`, args...).Scan(&n)
			return float64(n), err == nil, err
		}},
	{ID: "activities_by_kind", ZH: "活动（按类别）", EN: "Activities by kind", Kind: Breakdown, Entity: "activity",
		Definition: "期内已举办的活动按类别分列。", Keys: byActivityKind.keys, KeyRecords: byActivityKind.records},
	{ID: "activities_by_month", ZH: "活动（按月）", EN: "Activities by month", Kind: Breakdown, Entity: "activity",
		Definition: "期内已举办的活动按月份分列。", Keys: byActivityMonth.keys, KeyRecords: byActivityMonth.records, KeyOrder: true},
}

// the figures of honours, the budget, cases received, volunteers' hours
// and pairings are in indicators_more.go, appended to Indicators there.

// participating selects the minority households (a minority member living
// there at the period's end) of the subtree with a member present at an
// activity held in the period.
//
// It goes from the households to their members' roll calls: each
// household of the subtree is looked up by its members (an index) and
// their attendance (an index) against the period's activities, read once.
// Going the other way — every attendance of the period, then whether the
// attendee's household is one of the subtree's minority households —
// took 17 s for the district at 20,000 persons on SQLite; testing each
// roll call against the list of the period's activities, 170 ms for a
// subdistrict at a million persons (the list of the whole district's is
// built each time); looking the roll call's activity up by its id, a few.
func participating(q Query) (string, []any) {
	hh, hargs := minorityHouseholds(0)(q)
	// an activity held in the period, wherever it was (as held, for every
	// unit): looked up by its id from each roll call
	return hh + ` AND EXISTS (SELECT 1 FROM persons m JOIN attendance t ON t.person_id = m.id JOIN activities x ON x.id = t.activity_id
		WHERE m.household_id = h.id AND t.present = 1 AND x.status <> 'cancelled' AND x.starts_at >= ? AND x.starts_at < ?)`,
		append(hargs, q.Period.From, heldBefore(q))
}

// participants sums the participants of the activities held in the
// period: registered persons present and others counted by number.
func participants(ctx context.Context, d *db.DB, q Query) (float64, bool, error) {
	sel, args := held("1 = 1")(q)
	var present, others int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM attendance t WHERE t.present = 1 AND t.activity_id IN (`+sel+`)`, args...).Scan(&present); err != nil {
		return 0, false, err
	}
	if err := d.QueryRow(ctx, `SELECT COALESCE(SUM(x.others_count), 0) FROM activities x WHERE x.id IN (`+sel+`)`, args...).Scan(&others); err != nil {
		return 0, false, err
	}
	return float64(present + others), true, nil
}

// EthnicName shows a breakdown key of ethnic_breakdown as the full name.
func EthnicName(code string) string {
	if e, ok := ref.EthnicityByCode(code); ok {
		return e.Name
	}
	return code
}
