package org_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/org"
)

const importHeader = "编码,名称,上级编码,类型,年份,户籍人口,流动人口\n"

// freshTree is a 区/街道/居委/楼组/联络组 tree with figures for two units.
const freshTree = importHeader +
	"D1,浦东新区,,区,,,\n" +
	"S1,花木街道,D1,街道,2026,\"52,000\",8100\n" +
	"C1,石榴居委,S1,居委会,2026,6200,900\n" +
	"B1,1号楼组,C1,楼组,2026,,\n" +
	"L1,第一联络组,C1,联络组,,,\n"

func importCSV(t *testing.T, s *org.Service, a *auth.Actor, text string, dryRun bool) (*org.ImportResult, error) {
	t.Helper()
	return s.Import(context.Background(), a, "/tmp/上传/tree.csv", strings.NewReader(text), dryRun)
}

func mustImport(t *testing.T, s *org.Service, a *auth.Actor, name string, data []byte) *org.ImportResult {
	t.Helper()
	res, err := s.Import(context.Background(), a, name, bytes.NewReader(data), false)
	if err != nil {
		t.Fatalf("import %s: %v; problems %+v", name, err, problemsOf(res))
	}
	return res
}

func problemsOf(res *org.ImportResult) []org.RowProblem {
	if res == nil {
		return nil
	}
	return res.Problems
}

func counts(res *org.ImportResult) [5]int {
	return [5]int{res.Rows, res.Created, res.Updated, res.Unchanged, res.Populations}
}

func unitCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM org_units`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func byCode(t *testing.T, s *org.Service, code string) *org.Unit {
	t.Helper()
	u, err := s.ByCode(context.Background(), code)
	if err != nil {
		t.Fatalf("unit %s: %v", code, err)
	}
	return u
}

func TestImportFreshAndReimport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &org.Service{DB: d}

		// A dry run says what would happen and changes nothing.
		res, err := importCSV(t, s, auth.System("cli"), freshTree, true)
		if err != nil {
			t.Fatalf("dry run: %v", err)
		}
		if got, want := counts(res), [5]int{5, 5, 0, 0, 2}; got != want {
			t.Fatalf("dry run counts = %v, want %v", got, want)
		}
		if n := unitCount(t, d); n != 0 {
			t.Fatalf("dry run left %d units", n)
		}

		// UTF-8 with a BOM, as Excel saves "CSV UTF-8".
		res = mustImport(t, s, auth.System("cli"), "tree.csv", append([]byte("\xEF\xBB\xBF"), freshTree...))
		if got, want := counts(res), [5]int{5, 5, 0, 0, 2}; got != want {
			t.Fatalf("fresh import counts = %v, want %v", got, want)
		}
		d1, s1, c1, b1, l1 := byCode(t, s, "D1"), byCode(t, s, "S1"), byCode(t, s, "C1"), byCode(t, s, "B1"), byCode(t, s, "L1")
		for _, c := range []struct {
			u      *org.Unit
			kind   org.Kind
			parent int64
			depth  int
		}{{d1, org.District, 0, 0}, {s1, org.Subdistrict, d1.ID, 1}, {c1, org.Committee, s1.ID, 2}, {b1, org.BuildingGroup, c1.ID, 3}, {l1, org.LiaisonGroup, c1.ID, 3}} {
			if c.u.Kind != c.kind || c.u.ParentID != c.parent || c.u.Depth != c.depth {
				t.Errorf("%s: kind %s parent %d depth %d, want %s %d %d", c.u.Code, c.u.Kind, c.u.ParentID, c.u.Depth, c.kind, c.parent, c.depth)
			}
		}
		if b1.Path != c1.Path+fmtInt(b1.ID)+"/" {
			t.Errorf("B1 path %q under C1 %q", b1.Path, c1.Path)
		}
		root := &auth.Actor{UserID: 1, Role: auth.StreetAdmin, OrgPath: d1.Path}
		for code, want := range map[string]org.Population{"S1": {2026, 52000, 8100}, "C1": {2026, 6200, 900}} {
			ps, err := s.Populations(ctx, root, byCode(t, s, code).ID)
			if err != nil || len(ps) != 1 || ps[0] != want {
				t.Errorf("%s populations = %+v, %v; want %+v", code, ps, err, want)
			}
		}
		recs := importAudit(t, d)
		if len(recs) != 1 || recs[0].Entity != "org_unit" || recs[0].Username != "(cli)" {
			t.Fatalf("import audit records = %+v", recs)
		}
		var detail map[string]any
		if err := json.Unmarshal([]byte(recs[0].Detail), &detail); err != nil || detail["file"] != "tree.csv" || detail["created"] != 5.0 {
			t.Fatalf("import audit detail = %s", recs[0].Detail)
		}
		var created int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'org_unit' AND action = 'create'`).Scan(&created)
		if created != 5 {
			t.Fatalf("create audit records = %d, want 5", created)
		}

		// Re-import: rename C1 and move it (with B1 and L1) under a new S2;
		// change S1's figures; a blank figure keeps the stored one.
		second := importHeader +
			"D1,浦东新区,,区,,,\n" +
			"S1,花木街道,D1,街道,2026,53000,\n" +
			"C1,石榴籽居委,S2,居委,,,\n" +
			"B1,1号楼组,C1,楼组,,,\n" +
			"L1,第一联络组,C1,联络组,,,\n" +
			"S2,陆家嘴街道,D1,街道,2025,41000,7000\n"
		res = mustImport(t, s, auth.System("cli"), "tree2.csv", []byte(second))
		if got, want := counts(res), [5]int{6, 1, 1, 4, 2}; got != want {
			t.Fatalf("re-import counts = %v, want %v", got, want)
		}
		s2, c1, b1 := byCode(t, s, "S2"), byCode(t, s, "C1"), byCode(t, s, "B1")
		if c1.Name != "石榴籽居委" || c1.ParentID != s2.ID || c1.ID != byCode(t, s, "C1").ID {
			t.Fatalf("C1 after re-import: %+v", c1)
		}
		if b1.Path != s2.Path+fmtInt(c1.ID)+"/"+fmtInt(b1.ID)+"/" {
			t.Fatalf("B1 path after move = %q", b1.Path)
		}
		ps, _ := s.Populations(ctx, root, s1.ID)
		if len(ps) != 1 || ps[0] != (org.Population{Year: 2026, Registered: 53000, Floating: 8100}) {
			t.Fatalf("S1 populations after re-import = %+v", ps)
		}
		if n := unitCount(t, d); n != 6 {
			t.Fatalf("units = %d, want 6", n)
		}

		// The same file again changes nothing.
		before := auditCount(t, d)
		res = mustImport(t, s, auth.System("cli"), "tree2.csv", []byte(second))
		if got, want := counts(res), [5]int{6, 0, 0, 6, 0}; got != want {
			t.Fatalf("identical import counts = %v, want %v", got, want)
		}
		if n := auditCount(t, d); n != before+1 {
			t.Fatalf("identical import wrote %d audit records, want only the import's", n-before)
		}
	})
}

// importAudit returns the import records, oldest first.
func importAudit(t *testing.T, d *db.DB) []audit.Record {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT username, COALESCE(org_id, 0), entity, detail FROM audit_log WHERE action = ? ORDER BY id`, audit.ActionImport)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []audit.Record
	for rows.Next() {
		var r audit.Record
		if err := rows.Scan(&r.Username, &r.OrgID, &r.Entity, &r.Detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func auditCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n)
	return n
}

type wantProblem struct {
	row int
	key string
}

func keysOf(ps []org.RowProblem) []wantProblem {
	var out []wantProblem
	for _, p := range ps {
		out = append(out, wantProblem{p.Row, p.Key})
	}
	return out
}

func TestImportRejectsBadRows(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		// An existing tree for the files to build on.
		mustImport(t, s, auth.System("cli"), "base.csv", []byte(importHeader+"D1,区,,区,,,\nS1,街道,D1,街道,,,\nC1,居委,S1,居委,,,\nB1,楼组,C1,楼组,,,\n"))

		cases := []struct {
			name string
			file string
			want []wantProblem
			args []any // of the first problem, when checked
		}{
			{"unknown parent", importHeader + "C2,乙居委,S1,居委,,,\nB2,楼组,C9,楼组,,,\n",
				[]wantProblem{{3, "import.err.unknown_parent"}}, []any{3, "C9"}},
			{"unknown type", importHeader + "C2,乙居委,S1,居委,,,\nX1,某某,S1,社区,,,\n",
				[]wantProblem{{3, "import.err.unknown_type"}}, []any{3, "社区"}},
			{"duplicate code", importHeader + "C2,乙居委,S1,居委,,,\nC3,丙居委,S1,居委,,,\nC2,又一个,S1,居委,,,\n",
				[]wantProblem{{4, "import.err.duplicate_code"}}, []any{4, "C2", 2}},
			{"bad population number", importHeader + "C2,乙居委,S1,居委,2026,12a0,3\n",
				[]wantProblem{{2, "import.err.bad_number"}}, []any{2, "户籍人口", "12a0"}},
			{"negative population and bad year", importHeader + "C2,乙居委,S1,居委,26,-5,3\n",
				[]wantProblem{{2, "import.err.bad_year"}, {2, "import.err.bad_number"}}, nil},
			{"figures without a year", importHeader + "C2,乙居委,S1,居委,,100,3\n",
				[]wantProblem{{2, "import.err.year_required"}}, nil},
			{"missing code and name, type", importHeader + ",乙居委,S1,居委,,,\nC3,,S1,,,,\n",
				[]wantProblem{{2, "import.err.code_required"}, {3, "import.err.name_required"}, {3, "import.err.type_required"}}, nil},
			{"wrong parent kind", importHeader + "B2,楼组,S1,楼组,,,\nS2,街道,D1,街道,,,\nL2,联络组,B1,联络组,,,\n",
				[]wantProblem{{2, "import.err.parent_kind"}, {4, "import.err.parent_kind"}}, []any{2, "楼组", "街道"}},
			{"committee without parent", importHeader + "C2,乙居委,,居委,,,\n",
				[]wantProblem{{2, "import.err.parent_required"}}, nil},
			{"cycle in the file", importHeader + "C2,乙,C3,居委,,,\nC3,丙,C2,居委,,,\nC4,丁,C4,居委,,,\n",
				[]wantProblem{{2, "import.err.parent_kind"}, {2, "import.err.cycle"}, {3, "import.err.parent_kind"}, {3, "import.err.cycle"}, {4, "import.err.cycle"}}, nil},
			{"move under own descendant", importHeader + "S1,街道,B1,街道,,,\n",
				[]wantProblem{{2, "import.err.parent_kind"}, {2, "import.err.cycle"}}, nil},
			{"retype a unit with children", importHeader + "C1,居委,S1,联络组,,,\n",
				[]wantProblem{{2, "import.err.kind_has_children"}}, nil},
			{"bad code", importHeader + "C 2,乙居委,S1,居委,,,\n",
				[]wantProblem{{2, "import.err.code_invalid"}}, nil},
			{"all problems, not the first", importHeader +
				"C2,乙居委,S9,居委,,,\n" +
				"C3,丙居委,S1,社区,,,\n" +
				"C4,丁居委,S1,居委,2026,abc,\n" +
				"C4,丁居委,S1,居委,,,\n" +
				"C5,戊居委,S1,居委,,,\n",
				[]wantProblem{{2, "import.err.unknown_parent"}, {3, "import.err.unknown_type"}, {4, "import.err.bad_number"}, {5, "import.err.duplicate_code"}}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before, beforeAudit := unitCount(t, d), auditCount(t, d)
				res, err := importCSV(t, s, auth.System("cli"), c.file, false)
				if e, ok := errs.As(err); !ok || e.Kind != errs.Invalid || e.Key != "import.err.rejected" || e.Args[0] != len(res.Problems) {
					t.Fatalf("err = %v, want import.err.rejected", err)
				}
				if got := keysOf(res.Problems); !reflect.DeepEqual(got, c.want) {
					t.Fatalf("problems = %+v, want %+v", res.Problems, c.want)
				}
				if c.args != nil && !reflect.DeepEqual(res.Problems[0].Args, c.args) {
					t.Fatalf("args = %#v, want %#v", res.Problems[0].Args, c.args)
				}
				if res.Created+res.Updated+res.Unchanged+res.Populations != 0 {
					t.Fatalf("counts of a rejected import: %+v", res)
				}
				if after := unitCount(t, d); after != before {
					t.Fatalf("units %d → %d: a rejected import applied rows", before, after)
				}
				if after := auditCount(t, d); after != beforeAudit {
					t.Fatalf("audit records %d → %d after a rejected import", beforeAudit, after)
				}
				if c1 := byCode(t, s, "C1"); c1.Kind != org.Committee {
					t.Fatalf("C1 changed: %+v", c1)
				}
			})
		}
	})
}

func TestImportParentAfterChild(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		file := importHeader +
			"B1,1号楼组,C1,楼组,,,\n" +
			"L1,联络组,S1,联络组,,,\n" +
			"C1,居委,S1,居委,2026,3000,200\n" +
			"S1,街道,D1,街道,,,\n" +
			"D1,区,,区,,,\n"
		res := mustImport(t, s, auth.System("cli"), "x.csv", []byte(file))
		if got, want := counts(res), [5]int{5, 5, 0, 0, 1}; got != want {
			t.Fatalf("counts = %v, want %v", got, want)
		}
		b1, c1, s1 := byCode(t, s, "B1"), byCode(t, s, "C1"), byCode(t, s, "S1")
		if b1.ParentID != c1.ID || c1.ParentID != s1.ID || b1.Depth != 3 || byCode(t, s, "L1").ParentID != s1.ID {
			t.Fatalf("tree: B1 %+v, C1 %+v", b1, c1)
		}
	})
}

func TestImportGBK(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(freshTree))
		if err != nil {
			t.Fatal(err)
		}
		res := mustImport(t, s, auth.System("cli"), "tree.csv", gbk)
		if res.Created != 5 {
			t.Fatalf("created %d, want 5", res.Created)
		}
		if u := byCode(t, s, "C1"); u.Name != "石榴居委" || u.Kind != org.Committee {
			t.Fatalf("C1 from GBK = %+v", u)
		}
		// The same file in UTF-8 is then unchanged.
		res = mustImport(t, s, auth.System("cli"), "tree.csv", []byte(freshTree))
		if res.Unchanged != 5 || res.Populations != 0 {
			t.Fatalf("UTF-8 after GBK: %+v", res)
		}
	})
}

func TestImportTabSeparatedUTF16(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		text := strings.ReplaceAll(strings.ReplaceAll(freshTree, "\"52,000\"", "52000"), ",", "\t")
		// Excel's "Unicode text": UTF-16LE with a BOM.
		b := []byte{0xFF, 0xFE}
		for _, r := range text {
			b = append(b, byte(r), byte(r>>8))
		}
		res := mustImport(t, s, auth.System("cli"), "tree.txt", b)
		if res.Created != 5 || res.Populations != 2 {
			t.Fatalf("tab separated: %+v", res)
		}
	})
}

// xlsxFile builds a workbook: a sheet of notes first, then the data sheet
// whose rows are given from row 1 (nil for an empty row).
func xlsxFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "说明"); err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("说明", "A1", "请在第二个工作表填写组织架构")
	if _, err := f.NewSheet("组织"); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("组织", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	// Thousands separators in the display must not reach the numbers.
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	f.SetColStyle("组织", "F:G", style)
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportXLSX(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		header := []any{"编码", "名称", "上级编码", "类型", "年份", "户籍人口", "流动人口"}
		rows := [][]any{
			{"花木街道组织架构（2026年）"},
			{"填表说明：编码不可重复"},
			header,
			{310115, "浦东新区", nil, "区"},
			{"S1", "花木街道", 310115, "街道", 2026, 52000, 8100},
			nil, // an empty row keeps the numbering
			{"C1", "石榴居委", "S1", "居民区", 2026, 6200, 900},
			{"B1", "1号楼组", "C1", "小区"},
		}
		// A bad row first: the problem names the spreadsheet row.
		bad := append(append([][]any{}, rows...), []any{"B2", "2号楼组", "C1", "楼组", 2026, "很多", nil})
		res, err := s.Import(context.Background(), auth.System("cli"), "tree.xlsx", bytes.NewReader(xlsxFile(t, bad)), false)
		if errs.KindOf(err) != errs.Invalid || !reflect.DeepEqual(keysOf(res.Problems), []wantProblem{{9, "import.err.bad_number"}}) {
			t.Fatalf("bad xlsx: %v, %+v", err, problemsOf(res))
		}
		if n := unitCount(t, d); n != 0 {
			t.Fatalf("rejected xlsx left %d units", n)
		}

		res = mustImport(t, s, auth.System("cli"), "tree.xlsx", xlsxFile(t, rows))
		if got, want := counts(res), [5]int{4, 4, 0, 0, 2}; got != want {
			t.Fatalf("xlsx counts = %v, want %v", got, want)
		}
		dist := byCode(t, s, "310115")
		if dist.Kind != org.District || byCode(t, s, "S1").ParentID != dist.ID || byCode(t, s, "B1").Kind != org.BuildingGroup {
			t.Fatalf("xlsx tree wrong: %+v", dist)
		}
		root := &auth.Actor{UserID: 1, Role: auth.StreetAdmin, OrgPath: dist.Path}
		ps, _ := s.Populations(context.Background(), root, byCode(t, s, "S1").ID)
		if len(ps) != 1 || ps[0] != (org.Population{Year: 2026, Registered: 52000, Floating: 8100}) {
			t.Fatalf("S1 populations from xlsx = %+v", ps)
		}
	})
}

func TestImportScopedActor(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		mustImport(t, s, auth.System("cli"), "base.csv", []byte(importHeader+
			"D1,区,,区,,,\nS1,一街道,D1,街道,,,\nS2,二街道,D1,街道,,,\nC1,甲居委,S1,居委,,,\nC9,乙居委,S2,居委,,,\n"))
		s1 := byCode(t, s, "S1")
		a := &auth.Actor{UserID: 7, Username: "wang", Role: auth.StreetAdmin, OrgID: s1.ID, OrgPath: s1.Path}

		cases := []struct {
			name string
			file string
			want []wantProblem
		}{
			{"new unit under a unit outside the scope", importHeader + "C2,丙居委,S2,居委,,,\n",
				[]wantProblem{{2, "import.err.out_of_scope"}}},
			{"a code that exists outside the scope", importHeader + "C9,乙居委改名,S1,居委,,,\n",
				[]wantProblem{{2, "import.err.out_of_scope"}}},
			{"a new root", importHeader + "S3,三街道,,街道,,,\n",
				[]wantProblem{{2, "import.err.parent_required"}}},
			{"moving the actor's own unit", importHeader + "S1,一街道,S2,街道,,,\n",
				[]wantProblem{{2, "import.err.cannot_move_own_unit"}, {2, "import.err.out_of_scope"}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := unitCount(t, d)
				res, err := importCSV(t, s, a, c.file, false)
				if errs.KindOf(err) != errs.Invalid || !reflect.DeepEqual(keysOf(res.Problems), c.want) {
					t.Fatalf("got %v, %+v; want %+v", err, problemsOf(res), c.want)
				}
				if after := unitCount(t, d); after != before {
					t.Fatalf("units %d → %d", before, after)
				}
			})
		}

		// Inside the scope it works, and the actor's own row (with its parent
		// outside the scope, unchanged) is allowed.
		res, err := importCSV(t, s, a, importHeader+
			"S1,一街道,D1,街道,2026,50000,\n"+
			"C1,甲居委（新）,S1,居委,,,\n"+
			"B1,1号楼组,C1,楼组,,,\n", false)
		if err != nil {
			t.Fatalf("scoped import: %v %+v", err, problemsOf(res))
		}
		if got, want := counts(res), [5]int{3, 1, 1, 1, 1}; got != want {
			t.Fatalf("scoped counts = %v, want %v", got, want)
		}
		recs := importAudit(t, d)
		if len(recs) != 2 || recs[1].Username != "wang" || recs[1].OrgID != s1.ID {
			t.Fatalf("scoped import audit = %+v", recs)
		}
	})
}

func TestImportFileErrors(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		big := bytes.Repeat([]byte("x"), org.MaxImportBytes+1)
		var many strings.Builder
		many.WriteString(importHeader)
		for i := 0; i <= org.MaxImportRows; i++ {
			fmt.Fprintf(&many, "C%d,居委,S1,居委\n", i)
		}
		for _, c := range []struct {
			name, file string
			data       []byte
			key        string
		}{
			{"no header", "a.csv", []byte("名称,编码\n甲,1\n"), "import.err.no_header"},
			{"header too low", "a.csv", []byte(strings.Repeat("说明\n", 10) + importHeader), "import.err.no_header"},
			{"empty", "a.csv", nil, "import.err.no_header"},
			{"too large", "a.csv", big, "import.err.too_large"},
			{"too many rows", "a.csv", []byte(many.String()), "import.err.too_many_rows"},
			{"old xls", "a.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, "import.err.format"},
			{"broken xlsx", "a.xlsx", []byte("PK\x03\x04 broken"), "import.err.unreadable"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, err := s.Import(context.Background(), auth.System("cli"), c.file, bytes.NewReader(c.data), false)
				if e, ok := errs.As(err); !ok || e.Kind != errs.Invalid || e.Key != c.key || res != nil {
					t.Fatalf("got %v, want %s", err, c.key)
				}
			})
		}
		// A header with no data rows imports nothing, without error.
		res, err := importCSV(t, s, auth.System("cli"), importHeader+",,,\n", false)
		if err != nil || res.Rows != 0 {
			t.Fatalf("header only: %+v, %v", res, err)
		}
	})
}
