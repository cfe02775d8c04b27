package activity

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/people/roster"
	"shiliu/internal/ref"
)

var statusLabels = map[Status]string{Planned: "计划", Done: "已举办", Cancelled: "已取消"}

var ledgerHeader = []string{"日期", "开始", "结束", "活动名称", "类别", "组织单位", "地点", "参与人数", "其中少数民族", "覆盖户数", "状态", "简要情况"}

// maxLedgerRows bounds an export or an import of the activity ledger.
const maxLedgerRows = 20000

// ExportLedger writes the activity ledger (活动台账) of f as a workbook;
// the export is audited.
func (s *Service) ExportLedger(ctx context.Context, a *auth.Actor, f Filter, w io.Writer) (int, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return 0, err
	}
	f.Limit, f.Offset = 1000, 0
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "活动台账"
	x.SetSheetName("Sheet1", sheet)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	for i, wd := range []float64{12, 7, 7, 30, 12, 16, 18, 9, 11, 9, 8, 40} {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return 0, err
		}
	}
	if err := sw.SetRow("A1", cells(ledgerHeader)); err != nil {
		return 0, err
	}
	n := 0
	for n < maxLedgerRows {
		list, total, err := s.List(ctx, a, f)
		if err != nil {
			return 0, err
		}
		for _, v := range list {
			n++
			row := []any{v.Date(), v.StartTime(), v.EndTime(), roster.Sanitise(v.Title), v.KindName, v.OrgName, roster.Sanitise(v.Place),
				v.Stats.Participants, v.Stats.Minority, v.Stats.Households, statusLabels[v.Status], roster.Sanitise(v.Summary)}
			cell, _ := excelize.CoordinatesToCellName(1, n+1)
			if err := sw.SetRow(cell, row); err != nil {
				return 0, err
			}
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			break
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionExport, Entity: "activity", Detail: map[string]any{"rows": n,
			"from": f.From, "to": f.To}})
	})
	if err != nil {
		return 0, err
	}
	return n, x.Write(w)
}

func cells(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

var sourceLabels = map[Source]string{FromActivity: "活动服务", FromDuty: "值班", FromVisit: "结对走访", FromSelf: "自行登记"}

var hoursStatusLabels = map[string]string{"": "计入", HoursApproved: "已审核", HoursPending: "待审核", HoursRejected: "未通过"}

// ExportHours writes the volunteers' hours of the period: one sheet with
// each volunteer's totals by source, one with every line. personID limits
// it to one volunteer's ledger. The export is audited.
func (s *Service) ExportHours(ctx context.Context, a *auth.Actor, personID int64, from, to string, w io.Writer) error {
	if err := a.Require(auth.CommunityView); err != nil {
		return err
	}
	var vols []*VolunteerHours
	var lines []Entry
	var err error
	if personID != 0 {
		if lines, err = s.Ledger(ctx, a, personID, from, to); err != nil {
			return err
		}
	} else {
		if vols, err = s.Volunteers(ctx, a, from, to); err != nil {
			return err
		}
		cond, args := a.Scope().Persons("p")
		if lines, err = s.entries(ctx, cond, args, from, to); err != nil {
			return err
		}
	}
	names := map[int64]string{}
	for _, v := range vols {
		names[v.PersonID] = v.Name
	}
	if personID != 0 {
		var name string
		if err := s.DB.QueryRow(ctx, `SELECT name FROM persons WHERE id = ?`, personID).Scan(&name); err != nil {
			return err
		}
		names[personID] = name
	}
	x := excelize.NewFile()
	defer x.Close()
	first := "志愿服务汇总"
	x.SetSheetName("Sheet1", first)
	if personID == 0 {
		head := []any{"排名", "姓名", "所属单位"}
		for _, src := range Sources {
			head = append(head, sourceLabels[src]+"（小时）")
		}
		head = append(head, "合计（小时）", "待审核（小时）")
		rows := [][]any{head}
		for i, v := range vols {
			row := []any{i + 1, v.Name, v.OrgName}
			for _, src := range Sources {
				row = append(row, hoursValue(v.Minutes[src]))
			}
			rows = append(rows, append(row, hoursValue(v.Total), hoursValue(v.Pending)))
		}
		if err := writeSheet(x, first, rows); err != nil {
			return err
		}
		if _, err := x.NewSheet("服务明细"); err != nil {
			return err
		}
	} else {
		x.SetSheetName(first, "服务明细")
	}
	rows := [][]any{{"日期", "姓名", "来源", "内容", "小时", "状态"}}
	for _, e := range lines {
		rows = append(rows, []any{e.Date, names[e.PersonID], sourceLabels[e.Source], roster.Sanitise(e.What), hoursValue(e.Minutes), hoursStatusLabels[e.Status]})
	}
	if err := writeSheet(x, "服务明细", rows); err != nil {
		return err
	}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionExport, Entity: "volunteer_hours",
			Detail: map[string]any{"rows": len(lines), "person_id": personID, "from": from, "to": to}})
	})
	if err != nil {
		return err
	}
	return x.Write(w)
}

func hoursValue(minutes int) float64 { return float64(minutes*10/60) / 10 }

func writeSheet(x *excelize.File, sheet string, rows [][]any) error {
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	return nil
}

// LedgerProblem is a refused cell of an imported ledger.
type LedgerProblem struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Key    string `json:"key"`
}

// LedgerResult is what an import of an activity ledger found (and, unless
// a dry run with problems, wrote).
type LedgerResult struct {
	Rows         int             `json:"rows"`
	Imported     int             `json:"imported"`
	Participants int             `json:"participants"`
	Minority     int             `json:"minority"`
	CostFen      int64           `json:"cost_fen"`
	Problems     []LedgerProblem `json:"problems,omitempty"`
	// Cells are the rows as read and Lines their row numbers, for the
	// errors workbook.
	Cells [][]string `json:"-"`
	Lines []int      `json:"-"`
	// Header is the header row as read.
	Header []string `json:"-"`
}

// ledger columns: the header names recognised for each.
var ledgerColumns = map[string][]string{
	"date":         {"日期", "活动日期", "时间"},
	"time":         {"起止时间", "活动时间", "时段"},
	"title":        {"活动名称", "名称", "标题", "活动主题", "主题"},
	"kind":         {"类别", "活动类别", "类型", "活动类型"},
	"place":        {"地点", "活动地点", "场所"},
	"participants": {"参与人数", "参加人数", "人数"},
	"minority":     {"少数民族参与人数", "少数民族人数", "其中少数民族"},
	"cost":         {"经费", "费用", "金额", "经费（元）", "费用（元）"},
	"summary":      {"简要情况", "备注", "内容"},
}

// MaxLedgerBytes bounds an uploaded ledger.
const MaxLedgerBytes = 10 << 20

// ImportLedger reads an existing activity ledger (xlsx: date, title, kind,
// place, participants, minority participants, cost) as past activities of
// the actor's unit, each held and counted by number. All or none: with a
// problem in any row nothing is written, and Problems say where. A dry run
// only checks.
func (s *Service) ImportLedger(ctx context.Context, a *auth.Actor, r io.Reader, dryRun bool) (*LedgerResult, error) {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return nil, err
	}
	x, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, errs.E(errs.Invalid, "import.bad_type")
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		return nil, errs.E(errs.Invalid, "import.bad_type")
	}
	res := &LedgerResult{}
	// the header: the first row naming a date and a title
	col := map[string]int{}
	head := -1
	for i := 0; i < len(rows) && i < 10 && head < 0; i++ {
		found := map[string]int{}
		for j, c := range rows[i] {
			c = strings.TrimSpace(strings.ReplaceAll(c, " ", ""))
			for field, names := range ledgerColumns {
				for _, n := range names {
					if c == n {
						if _, seen := found[field]; !seen {
							found[field] = j
						}
					}
				}
			}
		}
		if _, ok := found["date"]; ok {
			if _, ok := found["title"]; ok {
				head, col = i, found
				res.Header = rows[i]
			}
		}
	}
	if head < 0 {
		return nil, errs.E(errs.Invalid, "err.ledger_header")
	}
	if len(rows)-head-1 > maxLedgerRows {
		return nil, errs.E(errs.Invalid, "err.ledger_too_many", maxLedgerRows)
	}
	kinds, err := s.Kinds(ctx, a)
	if err != nil {
		return nil, err
	}
	byName := map[string]int64{}
	for _, k := range kinds {
		byName[k.Name], byName[k.Code] = k.ID, k.ID
	}
	other := byName["meeting"]
	type parsed struct {
		in   checked
		cost int64
	}
	var items []parsed
	for i := head + 1; i < len(rows); i++ {
		row := rows[i]
		cell := func(field string) string {
			j, ok := col[field]
			if !ok || j >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[j])
		}
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		line := i + 1
		res.Rows++
		res.Cells, res.Lines = append(res.Cells, row), append(res.Lines, line)
		bad := func(column, key string) {
			res.Problems = append(res.Problems, LedgerProblem{Line: line, Column: column, Key: key})
		}
		var p parsed
		p.in.OrgID = a.OrgID
		p.in.Title, p.in.Place, p.in.Summary = cell("title"), cell("place"), cell("summary")
		switch {
		case p.in.Title == "":
			bad("活动名称", "err.required")
		case ref.TooLong(p.in.Title, 100):
			bad("活动名称", "err.too_long")
		}
		if ref.TooLong(p.in.Place, 100) {
			bad("地点", "err.too_long")
		}
		if ref.TooLong(p.in.Summary, 5000) {
			bad("简要情况", "err.too_long")
		}
		d, ok := ref.ParseDate(cell("date"))
		if !ok {
			if n, err := strconv.ParseFloat(cell("date"), 64); err == nil && n > 30000 && n < 80000 {
				d, ok = ref.FromExcelSerial(n), true
			}
		}
		switch {
		case !ok:
			bad("日期", "err.date_invalid")
		case d.Format(db.DateLayout) > s.Today():
			bad("日期", "err.date_future")
		default:
			p.in.Date = d.Format(db.DateLayout)
		}
		p.in.start, p.in.end = "09:00", "11:00"
		if t := cell("time"); t != "" {
			from, to, _ := strings.Cut(strings.NewReplacer("—", "-", "~", "-", "－", "-", "至", "-").Replace(t), "-")
			st, ok1 := parseClock(from)
			en, ok2 := parseClock(to)
			if !ok1 || !ok2 || en <= st {
				bad("起止时间", "err.time_invalid")
			} else {
				p.in.start, p.in.end = st, en
			}
		}
		if k := cell("kind"); k == "" {
			p.in.KindID = other
		} else if id, ok := byName[strings.TrimSuffix(k, "类")]; ok {
			p.in.KindID = id
		} else if id, ok := byName[k]; ok {
			p.in.KindID = id
		} else {
			bad("类别", "err.ledger_kind")
		}
		counted := true
		count := func(column, v string) int {
			if v == "" {
				return 0
			}
			n, err := strconv.Atoi(strings.TrimSuffix(v, "人"))
			if err != nil || n < 0 || n > 100000 {
				bad(column, "err.number_invalid")
				counted = false
				return 0
			}
			return n
		}
		p.in.OthersCount = count("参与人数", cell("participants"))
		p.in.OthersMinority = count("少数民族参与人数", cell("minority"))
		if counted && p.in.OthersMinority > p.in.OthersCount {
			bad("少数民族参与人数", "err.others_minority")
		}
		if c := cell("cost"); c != "" {
			fen, ok := parseFen(c)
			if !ok {
				bad("经费", "err.amount_invalid")
			}
			p.cost = fen
		}
		res.Participants += p.in.OthersCount
		res.Minority += p.in.OthersMinority
		res.CostFen += p.cost
		items = append(items, p)
	}
	if res.Rows == 0 {
		return nil, errs.E(errs.Invalid, "err.ledger_empty")
	}
	if len(res.Problems) > 0 || dryRun {
		return res, nil
	}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		for i := range items {
			it := &items[i]
			id, err := s.insert(ctx, tx, a, &it.in, it.in.Date, 0, 0)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE activities SET status = 'done' WHERE id = ?`, id); err != nil {
				return err
			}
			if it.cost > 0 && s.Costs != nil {
				if err := s.Costs.ActivityCost(ctx, tx, a, id, it.in.OrgID, it.in.Date, it.cost, it.in.Title); err != nil {
					return fmt.Errorf("line %d: cost: %w", i+1, err)
				}
			}
		}
		res.Imported = len(items)
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionImport, Entity: "activity",
			Detail: map[string]any{"rows": len(items), "participants": res.Participants, "cost_fen": res.CostFen}})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// parseFen reads an amount of yuan ("1,234.5", "¥80", "80元") as fen.
func parseFen(s string) (int64, bool) {
	s = strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "", " ", "").Replace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 2 {
		return 0, false
	}
	w, err := strconv.ParseInt(cmpOr(whole, "0"), 10, 64)
	if err != nil || w < 0 || w > 1e9 {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		n, err := strconv.Atoi(frac)
		if err != nil || n < 0 {
			return 0, false
		}
		if len(frac) == 1 {
			n *= 10
		}
		f = int64(n)
	}
	return w*100 + f, true
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CostRecorder records an activity's cost as a spending entry of the
// budget, in the transaction that writes the activity (the budget service).
type CostRecorder interface {
	ActivityCost(ctx context.Context, tx *db.Tx, a *auth.Actor, activityID, orgID int64, date string, fen int64, note string) error
}

// WriteLedgerErrors writes the rows of an import that have problems: the
// row number, the row as read, and a last column saying what to fix (msg
// turns a message key into the user's words).
func WriteLedgerErrors(w io.Writer, res *LedgerResult, msg func(key string) string) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "错误明细"
	x.SetSheetName("Sheet1", sheet)
	byLine := map[int][]string{}
	var order []int
	for _, p := range res.Problems {
		if _, seen := byLine[p.Line]; !seen {
			order = append(order, p.Line)
		}
		byLine[p.Line] = append(byLine[p.Line], p.Column+"："+msg(p.Key))
	}
	head := []any{"行号"}
	for _, h := range res.Header {
		head = append(head, roster.Sanitise(h))
	}
	rows := [][]any{append(head, "错误")}
	for _, line := range order {
		row := []any{line}
		for i, l := range res.Lines {
			if l == line {
				for _, c := range res.Cells[i] {
					row = append(row, roster.Sanitise(c))
				}
			}
		}
		for len(row) < len(head) {
			row = append(row, "")
		}
		rows = append(rows, append(row, strings.Join(byLine[line], "；")))
	}
	if err := writeSheet(x, sheet, rows); err != nil {
		return err
	}
	return x.Write(w)
}
