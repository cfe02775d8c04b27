package cases

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
	"shiliu/internal/ref"
)

// The workbook's Chinese labels. An export is a file for the office, in
// the language of its rosters, like the registry's export.
var (
	channelLabels = map[Channel]string{Hotline: "热线", Window: "接待窗口", Visit: "走访", WalkIn: "来访", Online: "网上"}
	kindLabels    = map[Kind]string{Consultation: "政策咨询", Rights: "维权", Hardship: "困难帮扶", Dispute: "矛盾纠纷", Suggestion: "意见建议",
		OneStop: "一站式服务", Emergency: "突发事件", Feedback: "信息反馈"}
	statusLabels = map[Status]string{StatusIntake: "待分派", StatusAssigned: "已分派", StatusInProgress: "办理中", StatusClosed: "已办结",
		StatusFollowedUp: "已回访"}
	resultLabels  = map[Result]string{Resolved: "已解决", Partly: "部分解决", Unresolved: "未解决", Referred: "已转办"}
	urgencyLabels = map[Urgency]string{Normal: "一般", Urgent: "紧急"}
)

var exportHeader = []string{"编号", "受理时间", "渠道", "类别", "紧急程度", "状态", "责任单位", "来电人", "回拨电话", "地址", "诉求摘要",
	"承办单位", "承办人", "合作单位", "响应期限", "办结期限", "响应时间", "办结时间", "办理结果", "结果类别", "满意度", "回访时间", "是否超期", "督办层级"}

var exportWidths = []float64{14, 17, 9, 11, 9, 9, 16, 12, 14, 28, 40, 16, 12, 16, 17, 17, 17, 17, 36, 10, 8, 17, 9, 9}

// maxExportRows keeps an export on one sheet.
const maxExportRows = 1_048_575

// local shows a stored UTC timestamp in China time, to the minute.
func local(ts string) string {
	if ts == "" {
		return ""
	}
	t := db.ParseTime(ts)
	if t.IsZero() {
		return ts
	}
	return t.In(ref.China).Format("2006-01-02 15:04")
}

// sanitise makes a value safe for a cell: control characters other than
// tab and line breaks dropped, and an apostrophe before a value a
// spreadsheet would run as a formula (= + - @, and tab, CR, | and %).
func sanitise(s string) string {
	s = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, s)
	if s != "" && strings.IndexByte("=+-@\t\r|%", s[0]) >= 0 {
		s = "'" + s
	}
	if r := []rune(s); len(r) > 32767 {
		s = string(r[:32767])
	}
	return s
}

// Export writes the cases matching f in the actor's scope to w as an xlsx
// workbook (one sheet 案件, every cell text, callback phones masked, values
// that would run as formulas prefixed with an apostrophe), records the
// export in the audit log, and returns the number of cases. Paging in f is
// ignored: every match is written.
func (s *Service) Export(ctx context.Context, a *auth.Actor, f Filter, w io.Writer) (int, error) {
	if err := a.Require(auth.CaseView); err != nil {
		return 0, err
	}
	where, args := s.where(a, f)
	order, ok := orders[f.Sort]
	if !ok {
		order = orders[""]
	}
	rows, err := s.DB.Query(ctx, `SELECT `+caseCols+caseFrom+where+` ORDER BY `+order+` LIMIT ?`, append(args, maxExportRows)...)
	if err != nil {
		return 0, fmt.Errorf("export cases: %w", err)
	}
	defer rows.Close()
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "案件"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	text, err := x.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return 0, err
	}
	head, err := x.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E8EEF4"}}})
	if err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return 0, err
	}
	for i, wd := range exportWidths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return 0, err
		}
	}
	cells := make([]any, len(exportHeader))
	for i, h := range exportHeader {
		cells[i] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return 0, err
	}
	now := s.Now()
	n := 0
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return 0, err
		}
		c.setLate(now)
		redact(a, c)
		caller := c.PersonName
		if caller == "" {
			caller = c.CallerName
		}
		sat, late, level := "", "", ""
		if c.Satisfaction > 0 {
			sat = strconv.Itoa(c.Satisfaction)
		}
		if c.Overdue() {
			late = "是"
		}
		if c.EscalationLevel > 0 {
			level = strconv.Itoa(c.EscalationLevel)
		}
		vals := []string{c.Code, local(c.CreatedAt), channelLabels[c.Channel], kindLabels[c.Kind], urgencyLabels[c.Urgency], statusLabels[c.Status],
			c.OrgName, caller, c.PhoneMasked, c.Address, c.Summary, c.AssigneeOrgName, c.AssigneeName, c.Partner, local(c.RespondDue),
			local(c.ResolveDue), local(c.RespondedAt), local(c.ClosedAt), c.Resolution, resultLabels[c.Result], sat, local(c.FollowedUpAt), late, level}
		for i, v := range vals {
			if v == "" {
				cells[i] = nil
			} else {
				cells[i] = excelize.Cell{StyleID: text, Value: sanitise(v)}
			}
		}
		n++
		cell, _ := excelize.CoordinatesToCellName(1, n+1)
		if err := sw.SetRow(cell, cells); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	// The record is written before the file leaves: no audit, no export.
	q := strings.TrimSpace(f.Q)
	if p, ok := ref.NormalisePhone(q); ok {
		q = ref.MaskPhone(p) // never a phone in the audit log
	}
	err = audit.Write(ctx, s.DB, audit.Entry{Who: a.Who(), Action: audit.ActionExport, Entity: "case",
		Detail: map[string]any{"rows": n, "kind": f.Kind, "channel": f.Channel, "status": f.Status, "org_id": f.OrgID, "from": f.From, "to": f.To,
			"overdue": f.Overdue, "q": q}})
	if err != nil {
		return 0, err
	}
	if _, err := x.WriteTo(w); err != nil {
		return n, fmt.Errorf("write export: %w", err)
	}
	return n, nil
}
