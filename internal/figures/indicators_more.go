package figures

import (
	"context"
	"fmt"
	"math"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/db"
)

func init() { Indicators = append(Indicators, more...) }

// more are the figures of honours, the budget, cases received, volunteers'
// hours and pairings.
var more = []Indicator{
	{ID: "honoured_families", ZH: "民族团结文明家庭", EN: "Civilised families of ethnic unity", Kind: Count, Entity: "household", Needs: "honours",
		Definition: "当年被授予“民族团结文明家庭”称号的家庭户数（已授予，不含提名中或未通过的）。", Records: granted("civilised_family", "h.household_id")},
	{ID: "honoured_families_pct", ZH: "民族团结文明家庭占少数民族户数比例（%）", EN: "Honoured families' share of minority households (%)", Kind: Percent,
		Definition: "民族团结文明家庭 ÷ 少数民族户数 × 100，保留一位小数。", Of: [2]string{"honoured_families", "minority_registered_households"}},
	{ID: "featured_building_groups", ZH: "民族团结特色楼组", EN: "Featured building groups", Kind: Count, Entity: "org", Needs: "honours",
		Definition: "当年被授予“民族团结特色楼组”称号的楼组个数。", Records: granted("featured_building_group", "h.unit_id")},
	{ID: "honours_by_kind", ZH: "荣誉（按类别）", EN: "Honours by kind", Kind: Breakdown, Entity: "honour", Needs: "honours",
		Definition: "当年授予的各类荣誉个数，按荣誉类别分列。", Keys: byHonourKind.keys, KeyRecords: byHonourKind.records},
	{ID: "budget", ZH: "年度经费预算（元）", EN: "Budget (yuan)", Kind: Count, Decimals: 2, Needs: "budgets",
		Definition: "本单位及下级当年各用途经费预算之和，单位元；未编制预算时为“暂无数据”。", Value: budget},
	{ID: "spent", ZH: "经费支出（元）", EN: "Spent (yuan)", Kind: Count, Decimals: 2, Needs: "spendings",
		Definition: "期内本单位及下级登记的有效经费支出之和（作废的不计），单位元。", Value: spent},
	{ID: "cases_received", ZH: "受理诉求件数", EN: "Cases received", Kind: Count, Entity: "case",
		Definition: "期内受理（登记）的诉求件数。", Records: receivedCases},
	{ID: "cases_by_status", ZH: "受理诉求（按状态）", EN: "Cases received by status", Kind: Breakdown, Entity: "case", KeyName: caseStatusName,
		Definition: "期内受理的诉求按当前办理状态分列。", Keys: byCaseStatus.keys, KeyRecords: byCaseStatus.records},
	{ID: "cases_by_month", ZH: "受理诉求（按月）", EN: "Cases received by month", Kind: Breakdown, Entity: "case",
		Definition: "期内受理的诉求按受理月份（北京时间）分列。", Keys: byCaseMonth.keys, KeyRecords: byCaseMonth.records, KeyOrder: true},
	{ID: "cases_overdue", ZH: "超期未办结诉求", EN: "Overdue open cases", Kind: Count, Entity: "case",
		Definition: "期末（期末在今天之后时为此刻）尚未办结且已过办结时限的诉求件数。", Records: overdueCases},
	{ID: "volunteer_hours", ZH: "志愿服务时长（小时）", EN: "Volunteer hours", Kind: Count, Decimals: 1, Needs: "volunteer_hours",
		Definition: "期内本单位及下级居民的志愿服务时长：活动协助、值班、结对走访，以及经审核通过的自行登记时长，保留一位小数。", Value: volunteerHours},
	{ID: "hours_by_source", ZH: "志愿服务时长（按来源，小时）", EN: "Volunteer hours by source", Kind: Breakdown, Decimals: 1, Needs: "volunteer_hours",
		Definition: "志愿服务时长按来源分列：活动协助、值班、结对走访、自行登记（审核通过）。", Parts: hoursBySource},
	{ID: "pairings_active", ZH: "结对帮扶（期末有效）", EN: "Active pairings", Kind: Count, Entity: "pairing",
		Definition: "期末仍在进行（已开始、未结束）的结对帮扶个数。", Records: activePairings},
	{ID: "visits", ZH: "结对走访次数", EN: "Pairing visits", Kind: Count, Entity: "visit",
		Definition: "期内登记的结对帮扶走访次数。", Records: visits},
}

// grouping is a breakdown of a selection of records by an expression: the
// counts per key and the records of one key come from the same SQL, so a
// cell and its list agree.
type grouping struct {
	// base selects the ids counted; from and id name the table and its id
	base     func(q Query) (string, []any)
	from, id string
	// expr is the key of a record (literal SQL, no arguments)
	expr func(q Query) string
	// byKey orders the keys themselves (months) rather than largest first
	byKey bool
}

func (g grouping) keys(q Query) (string, []any) {
	b, args := g.base(q)
	order := "2 DESC, 1"
	if g.byKey {
		order = "1"
	}
	// joined to the selection (its ids are distinct: each base selects a
	// table's ids) rather than "id IN (…)", which PostgreSQL answered by
	// scanning the whole table (a subdistrict's cases by status: 150 ms)
	return `SELECT ` + g.expr(q) + `, COUNT(*) FROM ` + g.from + ` JOIN (` + b + `) sel ON sel.id = ` + g.id + ` GROUP BY 1 ORDER BY ` + order, args
}

func (g grouping) records(q Query, key string) (string, []any) {
	b, args := g.base(q)
	return `SELECT ` + g.id + ` FROM ` + g.from + ` WHERE ` + g.id + ` IN (` + b + `) AND ` + g.expr(q) + ` = ?`, append(args, key)
}

func col(c string) func(Query) string { return func(Query) string { return c } }

var (
	registeredMinority = persons(who{minority: true, kind: 1}.cond())
	byEthnicity        = grouping{base: registeredMinority, from: "persons p", id: "p.id", expr: col("p.ethnicity")}
	byChannel          = grouping{base: closedCases, from: "cases c", id: "c.id", expr: col("c.channel")}
	byCaseKind         = grouping{base: closedCases, from: "cases c", id: "c.id", expr: col("c.kind")}
	byCaseStatus       = grouping{base: receivedCases, from: "cases c", id: "c.id", expr: col("c.status")}
	byCaseMonth        = grouping{base: receivedCases, from: "cases c", id: "c.id", expr: monthOf("c.created_at"), byKey: true}
	byActivityKind     = grouping{base: held("1 = 1"), from: "activities x JOIN activity_kinds k ON k.id = x.kind_id", id: "x.id", expr: col("k.name")}
	byActivityMonth    = grouping{base: held("1 = 1"), from: "activities x", id: "x.id", expr: col("substr(x.starts_at, 1, 7)"), byKey: true}
	byHonourKind       = grouping{base: grantedAny, from: "honours h JOIN honour_kinds k ON k.id = h.kind_id", id: "h.id", expr: col("k.name")}
)

// monthOf is the month (YYYY-MM, China time) of a stored UTC timestamp
// within the query's period, as a CASE over the months' boundaries (the
// same on both engines).
func monthOf(c string) func(q Query) string {
	return func(q Query) string {
		f, _ := time.ParseInLocation(db.DateLayout, q.Period.From, china)
		t, _ := time.ParseInLocation(db.DateLayout, q.Period.To, china)
		s := "CASE"
		for m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, china); !m.After(t); m = m.AddDate(0, 1, 0) {
			s += fmt.Sprintf(" WHEN %s < '%s' THEN '%s'", c, db.FormatTime(m.AddDate(0, 1, 0)), m.Format("2006-01"))
		}
		return s + " ELSE '' END"
	}
}

// receivedCases selects the cases of the subtree received in the period.
func receivedCases(q Query) (string, []any) {
	sub, args := q.Within("c.org_id")
	lo, hi := timeRange(q.Period)
	return `SELECT c.id FROM cases c WHERE ` + sub + ` AND c.created_at >= ? AND c.created_at < ?`, append(args, lo, hi)
}

// overdueCases selects the cases of the subtree open at the end of the
// period (or now, when that is earlier) past their deadline.
func overdueCases(q Query) (string, []any) {
	sub, args := q.Within("c.org_id")
	_, end := timeRange(q.Period)
	if q.Now != "" && q.Now < end {
		end = q.Now
	}
	return `SELECT c.id FROM cases c WHERE ` + sub + ` AND c.created_at < ? AND (c.closed_at = '' OR c.closed_at >= ?)
		AND c.resolve_due <> '' AND c.resolve_due < ?`, append(args, end, end, end)
}

func caseStatusName(s string) string {
	if n, ok := map[string]string{"intake": "待受理", "assigned": "已分派", "in_progress": "办理中", "closed": "已办结", "followed_up": "已回访"}[s]; ok {
		return n
	}
	return s
}

// granted selects the recipients (column what) of the honours of a kind
// granted in the period's year in the subtree.
func granted(kind, what string) func(q Query) (string, []any) {
	return func(q Query) (string, []any) {
		sub, args := q.Subtree("h.org_id")
		return `SELECT DISTINCT ` + what + ` FROM honours h JOIN honour_kinds k ON k.id = h.kind_id WHERE ` + sub +
			` AND k.code = ? AND h.status = 'granted' AND h.year = ? AND ` + what + ` IS NOT NULL`, append(args, kind, q.Period.Year)
	}
}

// grantedAny selects the honours of any kind granted in the year.
func grantedAny(q Query) (string, []any) {
	sub, args := q.Subtree("h.org_id")
	return `SELECT h.id FROM honours h WHERE ` + sub + ` AND h.status = 'granted' AND h.year = ?`, append(args, q.Period.Year)
}

func budget(ctx context.Context, d *db.DB, q Query) (float64, bool, error) {
	sub, args := q.Subtree("b.org_id")
	var n, fen int64
	err := d.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(b.amount_fen), 0) FROM budgets b WHERE `+sub+` AND b.year = ?`, append(args, q.Period.Year)...).Scan(&n, &fen)
	return float64(fen) / 100, err == nil && n > 0, err
}

func spent(ctx context.Context, d *db.DB, q Query) (float64, bool, error) {
	sub, args := q.Subtree("s.org_id")
	var fen int64
	err := d.QueryRow(ctx, `SELECT COALESCE(SUM(s.amount_fen), 0) FROM spendings s WHERE `+sub+` AND s.status = 'valid' AND s.date >= ? AND s.date <= ?`,
		append(args, q.Period.From, q.Period.To)...).Scan(&fen)
	return float64(fen) / 100, err == nil, err
}

// minutesBySource sums the counted hours of the subtree's residents in the
// period, by source, from the volunteers' own ledger.
func minutesBySource(ctx context.Context, d *db.DB, q Query) (map[activity.Source]int, error) {
	// volunteer_hours and hours_by_source read the same entries: once per
	// computation
	m := memoOf(ctx)
	m.hoursOnce.Do(func() { m.hours, m.hoursErr = readMinutesBySource(ctx, d, q) })
	return m.hours, m.hoursErr
}

func readMinutesBySource(ctx context.Context, d *db.DB, q Query) (map[activity.Source]int, error) {
	sub, args := q.Subtree("p.org_id")
	list, err := activity.HoursEntries(ctx, d, sub, args, q.Period.From, q.Period.To)
	if err != nil {
		return nil, err
	}
	by := map[activity.Source]int{}
	for _, e := range list {
		if e.Counts() {
			by[e.Source] += e.Minutes
		}
	}
	return by, nil
}

func hours(minutes int) float64 { return math.Round(float64(minutes)/6) / 10 }

func volunteerHours(ctx context.Context, d *db.DB, q Query) (float64, bool, error) {
	by, err := minutesBySource(ctx, d, q)
	total := 0
	for _, m := range by {
		total += m
	}
	return hours(total), err == nil, err
}

var sourceNames = map[activity.Source]string{activity.FromActivity: "活动协助", activity.FromDuty: "值班", activity.FromVisit: "结对走访", activity.FromSelf: "自行登记"}

func hoursBySource(ctx context.Context, d *db.DB, q Query) ([]Part, error) {
	by, err := minutesBySource(ctx, d, q)
	if err != nil {
		return nil, err
	}
	var out []Part
	for _, s := range activity.Sources {
		out = append(out, Part{Key: sourceNames[s], Code: string(s), Count: hours(by[s])})
	}
	return out, nil
}

// activePairings selects the pairings of the subtree going on at the end
// of the period: begun by then, and still active or ended after it.
func activePairings(q Query) (string, []any) {
	sub, args := q.Subtree("pr.org_id")
	return `SELECT pr.id FROM pairings pr WHERE ` + sub + ` AND pr.start_date <= ? AND (pr.status = 'active' OR pr.ended_at > ?)`,
		append(args, q.Period.To, q.Period.To)
}

// visits selects the visits of the subtree's pairings in the period.
func visits(q Query) (string, []any) {
	sub, args := q.Subtree("pr.org_id")
	return `SELECT v.id FROM pairing_visits v JOIN pairings pr ON pr.id = v.pairing_id WHERE ` + sub + ` AND v.date >= ? AND v.date <= ?`,
		append(args, q.Period.From, q.Period.To)
}
