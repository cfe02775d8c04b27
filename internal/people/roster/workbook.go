package roster

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// maxSheetRows is the most rows a worksheet holds.
const maxSheetRows = 1_048_576

// maxCellChars is the most characters a cell holds.
const maxCellChars = 32767

// xmlSafe drops the characters XML cannot carry (control characters other
// than tab, line feed and carriage return) and cuts a value to what a cell
// holds.
func xmlSafe(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xEF {
			clean = false
			break
		}
	}
	if !clean {
		s = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
				return -1
			}
			return r
		}, s)
	}
	if len(s) > maxCellChars && utf8.RuneCountInString(s) > maxCellChars {
		s = string([]rune(s)[:maxCellChars])
	}
	return s
}

// book is a workbook written with excelize's stream writer, sheet after
// sheet, every cell as text.
type book struct {
	f         *excelize.File
	sw        *excelize.StreamWriter
	sheet     string
	row       int
	text      int // style: text (number format 49, "@")
	head      int // style: text, bold, shaded
	used      map[string]bool
	header    []any
	widths    []float64
	firstUsed bool
}

func newBook() (*book, error) {
	f := excelize.NewFile()
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		f.Close()
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E8EEF4"}}})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &book{f: f, text: text, head: head, used: map[string]bool{}}, nil
}

// sheetName makes a valid, unused sheet name from want.
func (b *book) sheetName(want string) string {
	want = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, strings.Trim(want, "'"))
	if want == "" {
		want = "Sheet"
	}
	if utf8.RuneCountInString(want) > 28 {
		want = string([]rune(want)[:28])
	}
	name := want
	for i := 2; b.used[strings.ToLower(name)]; i++ {
		name = fmt.Sprintf("%s(%d)", want, i)
	}
	b.used[strings.ToLower(name)] = true
	return name
}

// startSheet begins a new sheet with a header row.
func (b *book) startSheet(name string, header []string, widths []float64) error {
	if err := b.finishSheet(); err != nil {
		return err
	}
	name = b.sheetName(name)
	if !b.firstUsed {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
		b.firstUsed = true
	} else if _, err := b.f.NewSheet(name); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	b.sw, b.sheet, b.row = sw, name, 0
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, w := range widths {
		if w > 0 {
			if err := sw.SetColWidth(i+1, i+1, w); err != nil {
				return err
			}
		}
	}
	b.header = make([]any, len(header))
	for i, h := range header {
		b.header[i] = excelize.Cell{StyleID: b.head, Value: xmlSafe(h)}
	}
	b.widths = widths
	return b.writeRow(b.header)
}

func (b *book) writeRow(cells []any) error {
	b.row++
	cell, _ := excelize.CoordinatesToCellName(1, b.row)
	return b.sw.SetRow(cell, cells)
}

// addRow writes cells as text, each made safe and prefixed against
// formulas; a full sheet continues on a new one with the same header.
func (b *book) addRow(values []string) error {
	if b.row >= maxSheetRows {
		hdr := make([]string, len(b.header))
		for i, h := range b.header {
			hdr[i] = h.(excelize.Cell).Value.(string)
		}
		if err := b.startSheet(b.sheet, hdr, b.widths); err != nil {
			return err
		}
	}
	cells := make([]any, len(values))
	for i, v := range values {
		if v == "" {
			cells[i] = nil
			continue
		}
		cells[i] = excelize.Cell{StyleID: b.text, Value: xmlSafe(Sanitise(v))}
	}
	return b.writeRow(cells)
}

func (b *book) finishSheet() error {
	if b.sw == nil {
		return nil
	}
	err := b.sw.Flush()
	b.sw = nil
	return err
}

// ErrorBook collects rejected rows into a workbook: for each sheet of the
// roster, a sheet of the same name with its header row and a first column
// 错误原因, then every rejected row with all its original cells, as text.
// Fixed, it imports again as it is (the 错误原因 column is ignored). Rows
// must be added in the order of the file.
type ErrorBook struct {
	b     *book
	sheet *Sheet
	n     int
	err   error
}

// NewErrorBook returns an empty errors workbook; nothing is allocated
// until a row is added.
func NewErrorBook() *ErrorBook { return &ErrorBook{} }

// Len returns the number of rows added.
func (e *ErrorBook) Len() int { return e.n }

func withoutReason(h *Header, cells []string) []string {
	if h.reason < 0 || h.reason >= len(cells) {
		return cells
	}
	out := make([]string, 0, len(cells)-1)
	out = append(out, cells[:h.reason]...)
	return append(out, cells[h.reason+1:]...)
}

// Add adds a rejected row with its reason.
func (e *ErrorBook) Add(row Row, reason string) error {
	if e.err != nil {
		return e.err
	}
	if e.b == nil {
		if e.b, e.err = newBook(); e.err != nil {
			return e.err
		}
	}
	if row.Sheet != e.sheet {
		e.sheet = row.Sheet
		name := row.Sheet.Name
		if name == "" {
			name = "错误行"
		}
		hdr := append([]string{ColReason}, withoutReason(row.Sheet.Header, row.Sheet.Header.Cells)...)
		widths := make([]float64, len(hdr))
		widths[0] = 48
		if e.err = e.b.startSheet(name, hdr, widths); e.err != nil {
			return e.err
		}
	}
	vals := append([]string{row.Sheet.Where(row.Line) + "：" + reason}, withoutReason(row.Sheet.Header, row.Cells)...)
	e.n++
	e.err = e.b.addRow(vals)
	return e.err
}

// WriteTo finishes the workbook and writes it to w. It may be called more
// than once, but no row may be added after it.
func (e *ErrorBook) WriteTo(w io.Writer) (int64, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.b == nil {
		if e.b, e.err = newBook(); e.err != nil {
			return 0, e.err
		}
		if e.err = e.b.startSheet("错误行", []string{ColReason}, nil); e.err != nil {
			return 0, e.err
		}
	}
	if err := e.b.finishSheet(); err != nil {
		return 0, err
	}
	return e.b.f.WriteTo(w)
}

// Close releases the workbook's temporary files.
func (e *ErrorBook) Close() error {
	if e.b == nil {
		return nil
	}
	err := e.b.f.Close()
	e.b = nil
	return err
}

// NumFields is the number of template columns.
const NumFields = int(numFields)

// ExportRow is a person as an export writes it, one value per template
// column (index by Field); the 序号 is filled in.
type ExportRow [NumFields]string

// exportWidths are the export's column widths.
var exportWidths = [NumFields]float64{
	FSeq: 7, FName: 14, FSex: 6, FEthnicity: 10, FID: 22, FBirth: 12, FPhone: 15, FKind: 9, FCommittee: 16, FBuildingGroup: 12,
	FCurrentAddr: 30, FRegisteredAddr: 30, FWorkplace: 20, FWorkplaceKind: 10, FEducation: 10, FPolitical: 10, FTags: 18,
	FHousehold: 10, FRelation: 10, FArrival: 12, FPermitExpiry: 14, FNote: 24,
}

// Export writes persons in the template's layout: one sheet 人员名册 with
// the template's header row, every cell as text (ID numbers and phones
// too, so Excel never turns them into numbers), and any value that begins
// with = + - @ (or tab, CR, | or %) prefixed with an apostrophe so it is
// never run as a formula. It continues on further sheets past a sheet's
// row limit.
type Export struct {
	b *book
	n int
}

// NewExport starts an export workbook.
func NewExport() (*Export, error) {
	b, err := newBook()
	if err != nil {
		return nil, err
	}
	if err := b.startSheet("人员名册", Columns[:], exportWidths[:]); err != nil {
		b.f.Close()
		return nil, err
	}
	return &Export{b: b}, nil
}

// Add writes a person.
func (e *Export) Add(r ExportRow) error {
	e.n++
	r[FSeq] = fmt.Sprint(e.n)
	return e.b.addRow(r[:])
}

// Len returns the number of persons written.
func (e *Export) Len() int { return e.n }

// WriteTo finishes the workbook and writes it to w.
func (e *Export) WriteTo(w io.Writer) (int64, error) {
	if err := e.b.finishSheet(); err != nil {
		return 0, err
	}
	return e.b.f.WriteTo(w)
}

// Close releases the workbook's temporary files.
func (e *Export) Close() error { return e.b.f.Close() }

// WriteTemplate writes an empty import template: the header row, and a
// sheet 填写说明 with the rules (it has no header row, so importing the
// template ignores it).
func WriteTemplate(w io.Writer) error {
	e, err := NewExport()
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.b.startSheet("填写说明", []string{"填写说明"}, []float64{100}); err != nil {
		return err
	}
	for _, line := range TemplateNotes {
		if err := e.b.addRow([]string{line}); err != nil {
			return err
		}
	}
	_, err = e.WriteTo(w)
	return err
}

// TemplateNotes are the template's instructions.
var TemplateNotes = []string{
	"1. 每行一人。必填：姓名、公民身份号码、民族；所属居委在只管理一个居委时可不填。",
	"2. 公民身份号码请设为文本格式（本模板已设置），否则 Excel 会丢失第 15 位以后的数字；15 位一代号码会自动升为 18 位。",
	"3. 民族可填全称（回族）、简称（回）或两位代码（03）。",
	"4. 所属居委可填名称或编码；楼组须是该居委下的楼组。",
	"5. 人员类别填“户籍”或“流动”，不填视为户籍。日期可写作 1985-03-12、1985/3/12、19850312 或 1985年3月12日。",
	"6. 人员标签可填多个，用逗号、顿号、分号或空格分隔：困难户、低保、残疾、独居老人、代表人士、志愿者、联络员、党员。",
	"7. 同一居委内户号相同的人员为一户，与户主关系填“户主”者为户主；不填户号则不编入家庭。",
	"8. 身份证号码已在系统中的人员，按本表中非空的内容更新；同一文件重复导入不会重复登记。",
}
