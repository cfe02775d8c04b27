package activity_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"shiliu/internal/activity"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/fixture"
)

func workbook(t *testing.T, rows [][]any) *bytes.Buffer {
	t.Helper()
	x := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	return &b
}

// An office's old ledger: all or none. A bad row refuses the file and
// says where; once fixed, every row is an activity held, counted by
// number, and the exported ledger shows them.
func TestLedgerImport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		head := []any{"日期", "活动名称", "类别", "地点", "参与人数", "少数民族参与人数", "经费（元）"}
		bad := workbook(t, [][]any{{"2026年活动台账"}, head,
			{"2026-03-05", "学雷锋日政策宣传", "政策宣传", "社区广场", 60, 25, "300"},
			{"2026/13/01", "", "不知道", "", "很多", 3, "-5"},
			{"2026年9月17日", "中秋联欢", "节日活动", "民族之家", 120, 48, "1,280.50"},
		})
		res, err := f.s.ImportLedger(f.ctx, f.staffA, bad, false)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"日期 err.date_invalid": true, "活动名称 err.required": true, "类别 err.ledger_kind": true,
			"参与人数 err.number_invalid": true, "经费 err.amount_invalid": true}
		got := map[string]bool{}
		for _, p := range res.Problems {
			if p.Line != 4 {
				t.Errorf("problem on line %d: %+v", p.Line, p)
			}
			got[p.Column+" "+p.Key] = true
		}
		if len(got) != len(want) {
			t.Errorf("problems %v, want %v", got, want)
		}
		for k := range want {
			if !got[k] {
				t.Errorf("missing problem %s", k)
			}
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM activities`); n != 0 || res.Imported != 0 {
			t.Fatalf("%d activities written from a refused file", n)
		}
		var errBook bytes.Buffer
		if err := activity.WriteLedgerErrors(&errBook, res, func(k string) string { return k }); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&errBook)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("错误明细")
		if len(rows) != 2 || rows[1][0] != "4" || rows[1][len(rows[1])-1] == "" {
			t.Errorf("errors workbook %q", rows)
		}

		good := workbook(t, [][]any{head,
			{"2026-03-05", "学雷锋日政策宣传", "政策宣传", "社区广场", 60, 25, "300"},
			{"2026年9月17日", "中秋联欢", "节日活动", "民族之家", 120, 48, "1,280.50"},
		})
		res, err = f.s.ImportLedger(f.ctx, f.staffA, good, false)
		if err != nil || len(res.Problems) != 0 || res.Imported != 2 || res.Participants != 180 || res.Minority != 73 || res.CostFen != 158050 {
			t.Fatalf("import %+v, %v", res, err)
		}
		list, _, err := f.s.List(f.ctx, f.staffA, activity.Filter{From: "2026-01-01", To: "2026-12-31"})
		if err != nil || len(list) != 2 || list[1].Title != "中秋联欢" || list[1].KindCode != "festival" || list[1].Stats.Participants != 120 ||
			list[1].Stats.Minority != 48 || list[1].Status != activity.Done {
			t.Fatalf("imported %+v, %v", list, err)
		}
		var out bytes.Buffer
		if n, err := f.s.ExportLedger(f.ctx, f.staffA, activity.Filter{From: "2026-01-01", To: "2026-12-31"}, &out); err != nil || n != 2 {
			t.Fatalf("export %d, %v", n, err)
		}
		x, _ = excelize.OpenReader(&out)
		rows, _ = x.GetRows("活动台账")
		if len(rows) != 3 || rows[2][0] != "2026-09-17" || rows[2][3] != "中秋联欢" || rows[2][7] != "120" || rows[2][8] != "48" {
			t.Errorf("exported %q", rows)
		}
		// another committee's export has none of them
		out.Reset()
		if n, _ := f.s.ExportLedger(f.ctx, f.staffB, activity.Filter{}, &out); n != 0 {
			t.Errorf("B exports %d of A's activities", n)
		}
	})
}
