package roster

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"sync/atomic"

	"shiliu/internal/ref"
)

// The xlsx reader works on the ZIP container directly rather than through
// excelize, for two reasons: excelize's row iterator does not tell a cell
// stored as a number from one stored as text (which an ID number needs),
// and excelize.OpenReader loads the whole file into memory. Parts are
// unpacked as streams, with the total capped (Limits.MaxUnzipBytes), and
// the worksheets are parsed token by token.

// maxZipEntries bounds the parts of a workbook.
const maxZipEntries = 10_000

type xlsxBook struct {
	files    map[string]*zip.File
	unzipped atomic.Int64
	lim      Limits
	sst      *sharedStrings
	// dateStyle[s] is set when cell style s has a date number format.
	dateStyle []bool
	sheets    []xlsxSheetRef
}

type xlsxSheetRef struct {
	name, path string
}

type xmlRel struct {
	ID, Type, Target string
}

func (f *File) openXLSX(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return wrapError(ErrUnreadable, err)
	}
	if len(zr.File) > maxZipEntries {
		return newError(ErrUnreadable)
	}
	b := &xlsxBook{files: map[string]*zip.File{}, lim: f.lim}
	var total int64
	for _, zf := range zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(zf.Name, `\`, "/"), "/")
		lower := strings.ToLower(name)
		if strings.HasSuffix(lower, "vbaproject.bin") || strings.HasSuffix(lower, ".bin") && strings.Contains(lower, "vba") {
			return newError(ErrMacro)
		}
		if zf.Flags&0x1 != 0 {
			return newError(ErrEncrypted)
		}
		b.files[lower] = zf
		total += int64(zf.UncompressedSize64)
	}
	wbPath := "xl/workbook.xml"
	if rels, err := b.readRels("_rels/.rels"); err == nil {
		for _, rel := range rels {
			if strings.HasSuffix(rel.Type, "/officeDocument") {
				wbPath = resolvePart("", rel.Target)
			}
		}
	}
	if b.files[strings.ToLower(wbPath)] == nil {
		return newError(ErrUnreadable)
	}
	wbDir := path.Dir(wbPath)
	rels, err := b.readRels(path.Join(wbDir, "_rels", path.Base(wbPath)+".rels"))
	if err != nil {
		return err
	}
	byID := map[string]string{}
	sstPath, stylesPath := "", ""
	for _, rel := range rels {
		target := resolvePart(wbDir, rel.Target)
		switch {
		case strings.HasSuffix(rel.Type, "/worksheet"):
			byID[rel.ID] = target
		case strings.HasSuffix(rel.Type, "/sharedStrings"):
			sstPath = target
		case strings.HasSuffix(rel.Type, "/styles"):
			stylesPath = target
		}
	}
	if err := b.readWorkbook(wbPath, byID); err != nil {
		return err
	}
	if stylesPath != "" {
		if err := b.readStyles(stylesPath); err != nil {
			return err
		}
	}
	if sstPath != "" {
		if err := b.readSharedStrings(sstPath); err != nil {
			return err
		}
	}
	f.totalBytes = 0
	for _, s := range b.sheets {
		if zf := b.files[strings.ToLower(s.path)]; zf != nil {
			f.totalBytes += int64(zf.UncompressedSize64)
		}
	}
	i := 0
	f.nextSheet = func() (string, rawRows, error) {
		for i < len(b.sheets) {
			s := b.sheets[i]
			i++
			rc, err := b.open(s.path, &f.doneBytes)
			if err != nil {
				if errors.Is(err, errNoPart) {
					continue
				}
				return "", nil, err
			}
			f.closers = append(f.closers, rc)
			return s.name, b.sheetRows(rc), nil
		}
		return "", nil, nil
	}
	return nil
}

var errNoPart = errors.New("no such part")

// resolvePart resolves a relationship target against the folder of the
// part that names it.
func resolvePart(dir, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return path.Clean(target[1:])
	}
	return path.Clean(path.Join(dir, target))
}

// limitedPart counts what a part unpacks to against the book's budget.
type limitedPart struct {
	rc    io.ReadCloser
	b     *xlsxBook
	extra *atomic.Int64
}

func (l *limitedPart) Read(p []byte) (int, error) {
	n, err := l.rc.Read(p)
	if l.b.unzipped.Add(int64(n)) > l.b.lim.MaxUnzipBytes {
		return n, newError(ErrUnzipLimit)
	}
	if l.extra != nil {
		l.extra.Add(int64(n))
	}
	return n, err
}

func (l *limitedPart) Close() error { return l.rc.Close() }

// open opens a part for streaming.
func (b *xlsxBook) open(name string, progress *atomic.Int64) (io.ReadCloser, error) {
	zf := b.files[strings.ToLower(name)]
	if zf == nil {
		return nil, errNoPart
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, wrapError(ErrUnreadable, err)
	}
	return &limitedPart{rc: rc, b: b, extra: progress}, nil
}

// decoder opens a part that is read whole, capped at MaxPartBytes.
func (b *xlsxBook) decoder(name string) (*xml.Decoder, io.Closer, error) {
	rc, err := b.open(name, nil)
	if err != nil {
		return nil, nil, err
	}
	lr := &io.LimitedReader{R: rc, N: b.lim.MaxPartBytes + 1}
	d := xml.NewDecoder(bufio.NewReaderSize(capReader{lr}, 64<<10))
	return d, rc, nil
}

// capReader turns running out of a LimitedReader's allowance into an
// error rather than a silent end.
type capReader struct{ lr *io.LimitedReader }

func (c capReader) Read(p []byte) (int, error) {
	n, err := c.lr.Read(p)
	if c.lr.N <= 0 {
		return n, newError(ErrUnzipLimit)
	}
	return n, err
}

func xmlError(err error) error {
	var re *Error
	if errors.As(err, &re) {
		return re
	}
	return wrapError(ErrUnreadable, err)
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (b *xlsxBook) readRels(name string) ([]xmlRel, error) {
	d, c, err := b.decoder(name)
	if err != nil {
		if errors.Is(err, errNoPart) {
			return nil, nil
		}
		return nil, err
	}
	defer c.Close()
	var rels []xmlRel
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return rels, nil
		}
		if err != nil {
			return nil, xmlError(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			rels = append(rels, xmlRel{ID: attr(se, "Id"), Type: attr(se, "Type"), Target: attr(se, "Target")})
		}
	}
}

func (b *xlsxBook) readWorkbook(name string, byID map[string]string) error {
	d, c, err := b.decoder(name)
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "sheet" {
			continue
		}
		var rid string
		for _, a := range se.Attr {
			if a.Name.Local == "id" && a.Name.Space != "" {
				rid = a.Value
			}
		}
		if p, ok := byID[rid]; ok {
			b.sheets = append(b.sheets, xlsxSheetRef{name: attr(se, "name"), path: p})
		}
	}
}

// builtinDateFormats are the built-in number formats that show dates or
// times (ECMA-376 18.8.30, with the ids East Asian versions of Excel use).
func builtinDate(id int) bool {
	return id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
}

// customDate reports whether a number format code shows a date or time.
func customDate(code string) bool {
	code = strings.ToLower(code)
	if strings.Contains(code, "general") {
		return false
	}
	var b strings.Builder
	inQuote, inBracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case inQuote:
			inQuote = c != '"'
		case inBracket:
			inBracket = c != ']'
		case c == '"':
			inQuote = true
		case c == '[':
			inBracket = true
		case c == '\\' || c == '_' || c == '*':
			i++ // the next character is literal, padding or fill
		case c == 'e' && i+1 < len(code) && (code[i+1] == '+' || code[i+1] == '-'):
			i++ // scientific notation
		default:
			b.WriteByte(c)
		}
	}
	return strings.ContainsAny(b.String(), "ymdhse")
}

func (b *xlsxBook) readStyles(name string) error {
	d, c, err := b.decoder(name)
	if err != nil {
		if errors.Is(err, errNoPart) {
			return nil
		}
		return err
	}
	defer c.Close()
	custom := map[int]bool{}
	inXfs := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(t, "numFmtId")); err == nil {
					custom[id] = customDate(attr(t, "formatCode"))
				}
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					id, _ := strconv.Atoi(attr(t, "numFmtId"))
					date, ok := custom[id]
					if !ok {
						date = builtinDate(id)
					}
					b.dateStyle = append(b.dateStyle, date)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	}
}

// sharedStrings holds the workbook's string table compactly: one byte
// slice and the offsets of its strings.
type sharedStrings struct {
	data []byte
	off  []uint32
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i+1 >= len(s.off) {
		return "", false
	}
	return string(s.data[s.off[i]:s.off[i+1]]), true
}

func (b *xlsxBook) readSharedStrings(name string) error {
	d, c, err := b.decoder(name)
	if err != nil {
		if errors.Is(err, errNoPart) {
			return nil
		}
		return err
	}
	defer c.Close()
	s := &sharedStrings{off: []uint32{0}}
	inT, phonetic := false, 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inT = phonetic == 0
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inT = false
			case "rPh":
				phonetic--
			case "si":
				if len(s.data) > math.MaxUint32 {
					return newError(ErrUnzipLimit)
				}
				s.off = append(s.off, uint32(len(s.data)))
			}
		case xml.CharData:
			if inT {
				s.data = append(s.data, t...)
			}
		}
	}
	b.sst = s
	return nil
}

// colIndex returns the 0-based column of a cell reference (AB12 → 27), -1
// when it has no letters.
func colIndex(ref string) int {
	n := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		n = n*26 + int(c-'A'+1)
		if n > 16384 {
			return -1
		}
	}
	if i == 0 {
		return -1
	}
	return n - 1
}

// sheetRows parses a worksheet part row by row.
func (b *xlsxBook) sheetRows(rc io.Reader) rawRows {
	d := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	lastRow := 0
	finished := false
	var val []byte
	return func() (int, []string, []bool, error) {
		if finished {
			return 0, nil, nil, io.EOF
		}
		var (
			cells              []string
			num                []bool
			line               int
			inRow, inV, inT    bool
			inIs               bool
			phonetic           int
			cellType           string
			cellStyle, cellCol int
			nextCol            int
		)
		for {
			tok, err := d.RawToken()
			if err == io.EOF {
				finished = true
				if inRow {
					return line, cells, num, nil
				}
				return 0, nil, nil, io.EOF
			}
			if err != nil {
				return 0, nil, nil, xmlError(err)
			}
			switch t := tok.(type) {
			case xml.StartElement:
				switch t.Name.Local {
				case "row":
					inRow, nextCol = true, 0
					line = lastRow + 1
					if r, err := strconv.Atoi(attr(t, "r")); err == nil && r > 0 {
						line = r
					}
					lastRow = line
				case "c":
					cellType, cellStyle, cellCol = "", 0, nextCol
					val = val[:0]
					for _, a := range t.Attr {
						switch a.Name.Local {
						case "r":
							if c := colIndex(a.Value); c >= 0 {
								cellCol = c
							}
						case "t":
							cellType = a.Value
						case "s":
							cellStyle, _ = strconv.Atoi(a.Value)
						}
					}
				case "v":
					inV = true
				case "is":
					inIs = true
				case "t":
					inT = inIs && phonetic == 0
				case "rPh":
					phonetic++
				}
			case xml.EndElement:
				switch t.Name.Local {
				case "v":
					inV = false
				case "t":
					inT = false
				case "is":
					inIs = false
				case "rPh":
					phonetic--
				case "c":
					nextCol = cellCol + 1
					text, isNum, err := b.cellText(cellType, cellStyle, val)
					if err != nil {
						return 0, nil, nil, err
					}
					if text == "" {
						continue
					}
					for len(cells) <= cellCol {
						cells = append(cells, "")
					}
					cells[cellCol] = text
					if isNum {
						for len(num) <= cellCol {
							num = append(num, false)
						}
						num[cellCol] = true
					}
				case "row":
					if inRow {
						return line, cells, num, nil
					}
				case "sheetData":
					finished = true
					return 0, nil, nil, io.EOF
				}
			case xml.CharData:
				if inV || inT {
					val = append(val, t...)
				}
			}
		}
	}
}

// cellText returns a cell's value as text and whether it was stored as a
// number. Numbers show as integers when they are whole (13812345678, not
// 1.3812345678E+10) and as dates (2006-01-02) under a date format.
func (b *xlsxBook) cellText(typ string, style int, v []byte) (string, bool, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil || b.sst == nil {
			return "", false, newError(ErrUnreadable)
		}
		s, ok := b.sst.get(i)
		if !ok {
			return "", false, newError(ErrUnreadable)
		}
		return s, false, nil
	case "inlineStr", "str", "e", "d":
		return string(v), false, nil
	case "b":
		switch string(v) {
		case "1":
			return "TRUE", false, nil
		case "0":
			return "FALSE", false, nil
		}
		return string(v), false, nil
	}
	s := strings.TrimSpace(string(v))
	if s == "" {
		return "", false, nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s, true, nil
	}
	if style >= 0 && style < len(b.dateStyle) && b.dateStyle[style] && x >= 1 {
		if t := ref.FromExcelSerial(x); !t.IsZero() {
			return t.Format("2006-01-02"), true, nil
		}
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatInt(int64(x), 10), true, nil
	}
	return s, true, nil
}
