package roster

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/unicode"

	"shiliu/internal/ref"
)

func TestCleanHeader(t *testing.T) {
	for in, want := range map[string]string{
		" 姓　名 ":      "姓名",
		"*公民身份号码":    "公民身份号码",
		"联系电话（必填）":   "联系电话",
		"与户主\n关系":    "与户主关系",
		"出生日期(yyyy)": "出生日期",
		"民族：":        "民族",
		"\ufeff序号":   "序号",
		"【备注】说明":     "说明",
	} {
		if got := cleanHeader(in); got != want {
			t.Errorf("cleanHeader(%q) = %q, want %q", in, got, want)
		}
	}
	h := parseHeader([]string{"序号", "名字", "族别", "证件号码", "电话", "户口类别", "所属社区", "小区", "现住址", "户籍地", "单位", "标签", "家庭编号", "流入日期", "居住证有效期至", "错误原因", "姓名"})
	if h == nil {
		t.Fatal("aliases not recognised")
	}
	for f, col := range map[Field]int{FSeq: 0, FName: 1, FEthnicity: 2, FID: 3, FPhone: 4, FKind: 5, FCommittee: 6, FBuildingGroup: 7,
		FCurrentAddr: 8, FRegisteredAddr: 9, FWorkplace: 10, FTags: 11, FHousehold: 12, FArrival: 13, FPermitExpiry: 14, FSex: -1} {
		if h.Col(f) != col {
			t.Errorf("%s in column %d, want %d", Columns[f], h.Col(f), col)
		}
	}
	if h.reason != 15 {
		t.Errorf("错误原因 column %d", h.reason)
	}
	if parseHeader([]string{"姓名", "性别"}) != nil || parseHeader([]string{"民族"}) != nil {
		t.Error("a header needs 姓名 and 民族")
	}
}

func TestPlaces(t *testing.T) {
	p := NewPlaces([]Unit{
		{ID: 1, Code: "A", Name: "福安里居委会"},
		{ID: 2, Code: "B", Name: "新华居民区"},
		{ID: 3, Code: "C", Name: "东昌社区居委会"},
		{ID: 4, Code: "D", Name: "梅园社区"},
		{ID: 5, Code: "E", Name: "梅园居委"},
	}, []Unit{{ID: 10, Code: "A1", Name: "1号楼组", Parent: 1}, {ID: 11, Code: "A2", Name: "2号楼组", Parent: 1}, {ID: 12, Code: "B1", Name: "1号楼组", Parent: 2},
		{ID: 13, Code: "X", Name: "孤儿楼组", Parent: 99}})
	for cell, want := range map[string]int64{
		"福安里居委会": 1, "福安里": 1, "福安里居委": 1, "福安里居民区": 1, "福安里社区": 1, "A": 1, "a": 1, " 福 安 里 ": 1,
		"新华": 2, "新华居委会": 2, "东昌": 3, "东昌社区": 3, "东昌居委会": 3, "东昌社区居民委员会": 3, "C": 3,
	} {
		if id, reason := p.Committee(cell); id != want {
			t.Errorf("Committee(%q) = %d (%s), want %d", cell, id, reason, want)
		}
	}
	if id, reason := p.Committee("梅园"); id != 0 || !strings.Contains(reason, "多个") {
		t.Errorf("ambiguous: %d %q", id, reason)
	}
	if id, _ := p.Committee("梅园社区"); id != 4 {
		t.Errorf("an exact name wins over the stripped one: %d", id)
	}
	if id, reason := p.Committee(""); id != 0 || reason != "所属居委为空" {
		t.Errorf("empty: %d %q", id, reason)
	}
	if id, reason := p.Committee("火星居委会"); id != 0 || !strings.Contains(reason, "不存在") {
		t.Errorf("unknown: %d %q", id, reason)
	}
	one := NewPlaces([]Unit{{ID: 7, Code: "Z", Name: "唯一居委会"}}, nil)
	if id, _ := one.Committee(""); id != 7 {
		t.Errorf("the only committee: %d", id)
	}
	for _, c := range []struct {
		committee int64
		cell      string
		want      int64
	}{{1, "1号楼组", 10}, {1, "A2", 11}, {2, "1号楼组", 12}, {2, "2号楼组", 0}, {1, "X", 0}} {
		if got, _ := p.Group(c.committee, c.cell); got != c.want {
			t.Errorf("Group(%d, %q) = %d, want %d", c.committee, c.cell, got, c.want)
		}
	}
	dup := NewPlaces([]Unit{{ID: 1, Code: "A", Name: "新华居委会"}, {ID: 2, Code: "B", Name: "新华居委会"}, {ID: 3, Code: "C", Name: "东昌"}}, nil)
	if dup.CommitteeLabel(Unit{ID: 1, Code: "A", Name: "新华居委会"}) != "A" || dup.CommitteeLabel(Unit{ID: 3, Code: "C", Name: "东昌"}) != "东昌" {
		t.Error("labels: a shared name is written as the code")
	}
}

func TestValueRules(t *testing.T) {
	for s, want := range map[string]bool{"1.10105E+17": true, "1.10105e17": true, "1E+17": true, "110105198503121234": false, "E+17": false, "1.1.1E5": false, "12e": false} {
		if scientific(s) != want {
			t.Errorf("scientific(%q) != %v", s, want)
		}
	}
	birth := time.Date(1985, 3, 12, 0, 0, 0, 0, time.UTC)
	for cell, want := range map[string]bool{"1985-03-12": true, "1985/3/12": true, "1985.03.12": true, "19850312": true, "1985年3月12日": true,
		"31118": true, "1985-03": true, "1985.3": true, "198503": true, "1985年3月": true, "1985-04": false, "1985-03-13": false, "八五年": false} {
		if sameBirth(cell, birth) != want {
			t.Errorf("sameBirth(%q) != %v", cell, want)
		}
	}
	for in, want := range map[string]int{"户籍": 1, "常住": 1, "本地": 1, "流动": 2, "外来": 2, "流动人口": 2, "暂住": 2, " 户 籍 ": 1} {
		if k, ok := ParseKind(in); !ok || k != want {
			t.Errorf("ParseKind(%q) = %d %v", in, k, ok)
		}
	}
	if _, ok := ParseKind("其他"); ok {
		t.Error("ParseKind(其他)")
	}
	for in, want := range map[string]string{"=1+1": "'=1+1", "+86": "'+86", "-3": "'-3", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx", "|x": "'|x", "%x": "'%x", "x=1": "x=1", "": ""} {
		if got := Sanitise(in); got != want {
			t.Errorf("Sanitise(%q) = %q", in, got)
		}
	}
	sh := &Sheet{Header: parseHeader([]string{"姓名", "民族", "备注"})}
	r := Row{Sheet: sh, Cells: []string{"'=张三", "'回", " '-x "}}
	if value(&r, FName) != "=张三" || value(&r, FEthnicity) != "'回" || value(&r, FNote) != "'-x" {
		t.Errorf("apostrophes: %q %q %q", value(&r, FName), value(&r, FEthnicity), value(&r, FNote))
	}
	if xmlSafe("a\x01b\x1fc\td\ufffe") != "abc\td" {
		t.Errorf("xmlSafe %q", xmlSafe("a\x01b\x1fc\td\ufffe"))
	}
	if !customDate("yyyy\"年\"m\"月\"d\"日\"") || !customDate("[$-409]mmm d, yyyy") || customDate("0.00E+00") || customDate("General") || customDate(`0.0" days"`) {
		t.Error("customDate")
	}
	if colIndex("A1") != 0 || colIndex("AB12") != 27 || colIndex("xfd1") != 16383 || colIndex("12") != -1 {
		t.Error("colIndex")
	}
}

func readAll(t *testing.T, name string, data []byte) ([]Row, *File) {
	t.Helper()
	f, err := Open(name, bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	var rows []Row
	for {
		r, err := f.Next()
		if err == io.EOF {
			return rows, f
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		rows = append(rows, r)
	}
}

func TestCSVEncodings(t *testing.T) {
	text := "标题\n姓名,民族,备注\n张三,回族,\"多\n行\"\n,,\n"
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)
	for name, data := range map[string]string{
		"utf8":  text,
		"bom":   "\ufeff" + text,
		"utf16": utf16,
		"semi":  strings.ReplaceAll(strings.ReplaceAll(text, ",", ";"), "\"多\n行\"", "\"多\n行\""),
	} {
		rows, f := readAll(t, "x.csv", []byte(data))
		if len(rows) != 1 || rows[0].Cell(FName) != "张三" || rows[0].Cell(FNote) != "多\n行" || rows[0].Line != 3 || f.Sheets()[0].HeaderLine != 2 || f.Rows() != 1 {
			t.Errorf("%s: %+v", name, rows)
		}
	}
}

// rawXLSX builds a workbook by hand, as other producers write them: inline
// strings, shared strings with rich text and phonetic runs, booleans,
// cells without references, a date style, a prefixed namespace.
func rawXLSX(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	add := func(name, body string) {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	add("[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	add("_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	add("xl/workbook.xml", `<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="名单" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`)
	add("xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
		<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/s1.xml"/>
		<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/strings.xml"/>
		<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`)
	add("xl/strings.xml", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>姓名</t></si><si><t>民族</t></si>
		<si><r><t>阿依古丽</t></r><r><t>·买买提</t></r><rPh><t>アイ</t></rPh></si><si><t xml:space="preserve"> 回族 </t></si></sst>`)
	add("xl/styles.xml", `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>
		<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="49"/></cellXfs></styleSheet>`)
	add("xl/worksheets/s1.xml", `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
		<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>花名册</x:t></x:is></x:c></x:row>
		<x:row r="3"><x:c r="A3" t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>身份证号</x:t></x:is></x:c>
			<x:c t="inlineStr"><x:is><x:t>出生日期</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>到达日期</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>备注</x:t></x:is></x:c>
			<x:c t="inlineStr"><x:is><x:t>电话</x:t></x:is></x:c></x:row>
		<x:row r="4"><x:c r="A4" t="s"><x:v>2</x:v></x:c><x:c r="B4" t="s"><x:v>3</x:v></x:c><x:c r="C4"><x:v>6.50102199001012E+17</x:v></x:c>
			<x:c r="D4" s="1"><x:v>32874</x:v></x:c><x:c r="E4" s="2"><x:v>43895.5</x:v></x:c><x:c r="F4" t="b"><x:v>1</x:v></x:c><x:c r="G4"><x:v>13812345678</x:v></x:c></x:row>
		<x:row><x:c r="A5" t="str"><x:f>A4</x:f><x:v>公式值</x:v></x:c><x:c r="C5" t="inlineStr" s="3"><x:is><x:t>650102199001012469</x:t></x:is></x:c><x:c r="F5" t="e"><x:v>#N/A</x:v></x:c></x:row>
		<x:row r="7"/>
		</x:sheetData></x:worksheet>`)
	zw.Close()
	return b.Bytes()
}

func TestXLSXReader(t *testing.T) {
	rows, f := readAll(t, "hand.xlsx", rawXLSX(t))
	if len(rows) != 2 || len(f.Sheets()) != 1 || f.Sheets()[0].Name != "名单" || f.Sheets()[0].HeaderLine != 3 {
		t.Fatalf("rows %+v sheets %+v", rows, f.Sheets())
	}
	r := rows[0]
	if r.Line != 4 || r.Cell(FName) != "阿依古丽·买买提" || r.Cell(FEthnicity) != " 回族 " || !r.Numeric(FID) || r.Cell(FID) != "6.50102199001012E+17" ||
		r.Cell(FBirth) != "1990-01-01" || r.Cell(FArrival) != "2020-03-05" || r.Cell(FNote) != "TRUE" || r.Cell(FPhone) != "13812345678" || !r.Numeric(FPhone) {
		t.Fatalf("row 4: %q num %v", r.Cells, r.Num)
	}
	r = rows[1]
	if r.Line != 5 || r.Cell(FName) != "公式值" || r.Numeric(FID) || r.Cell(FID) != "650102199001012469" || r.Cell(FNote) != "#N/A" {
		t.Fatalf("row 5: %q", r.Cells)
	}
	res := (&Rules{Places: NewPlaces([]Unit{{ID: 1, Code: "A", Name: "甲"}}, nil)}).Check(rows[0])
	if res.Code != CodeIDPrecisionLost {
		t.Fatalf("numeric ID cell: %+v", res)
	}
	if done, total := f.Progress(); done != total || total == 0 {
		t.Errorf("progress %d/%d", done, total)
	}
}

func TestExcelizeWorkbook(t *testing.T) {
	// A workbook excelize writes (as the tests and the template do): a
	// numeric cell, a date cell, merged title cells.
	x := excelize.NewFile()
	x.SetCellValue("Sheet1", "A1", "标题")
	x.MergeCell("Sheet1", "A1", "C1")
	x.SetSheetRow("Sheet1", "A2", &[]any{"姓名", "民族", "公民身份号码", "出生日期"})
	x.SetSheetRow("Sheet1", "A3", &[]any{"张三", "汉", 110105198503121234, time.Date(1985, 3, 12, 0, 0, 0, 0, time.UTC)})
	var b bytes.Buffer
	x.WriteTo(&b)
	x.Close()
	rows, _ := readAll(t, "e.xlsx", b.Bytes())
	if len(rows) != 1 || !rows[0].Numeric(FID) || rows[0].Cell(FBirth) != "1985-03-12" {
		t.Fatalf("%q %v", rows[0].Cells, rows[0].Num)
	}
	// The template round-trips through the reader: a header, no rows.
	var tpl bytes.Buffer
	if err := WriteTemplate(&tpl); err != nil {
		t.Fatal(err)
	}
	rows, f := readAll(t, "template.xlsx", tpl.Bytes())
	if len(rows) != 0 || len(f.Sheets()) != 1 || f.Sheets()[0].Name != "人员名册" {
		t.Fatalf("template: %d rows, sheets %+v", len(rows), f.Sheets())
	}
	for fl := range NumFields {
		if f.Sheets()[0].Header.Col(Field(fl)) != fl {
			t.Errorf("template column %s", Columns[fl])
		}
	}
}

func TestRulesWithoutVocabulary(t *testing.T) {
	sh := &Sheet{Header: parseHeader(Columns[:])}
	cells := make([]string, NumFields)
	cells[FName], cells[FEthnicity], cells[FID], cells[FTags], cells[FWorkplaceKind] = "张三", "汉", "11010519850312123"+string(ref.CheckDigit("11010519850312123")), "志愿者", "两新组织"
	res := (&Rules{Places: NewPlaces([]Unit{{ID: 1, Code: "A", Name: "甲"}}, nil)}).Check(Row{Sheet: sh, Line: 2, Cells: cells})
	if res.Code != "" || res.Record.HasTags || res.Record.HasWorkplace || res.Record.OrgID != 1 {
		t.Fatalf("%+v", res)
	}
}
