package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Format is the kind of a roster file.
type Format int

// The formats read.
const (
	CSV Format = iota + 1
	XLSX
)

func (f Format) String() string {
	if f == XLSX {
		return "xlsx"
	}
	return "csv"
}

// Limits bound what a roster file may hold. The zero value of a field takes
// the value of DefaultLimits, which are those of the command line; the web
// layer passes smaller ones.
type Limits struct {
	// MaxCSVBytes and MaxXLSXBytes: the size of the file.
	MaxCSVBytes, MaxXLSXBytes int64
	// MaxCSVRows and MaxXLSXRows: data rows over all sheets.
	MaxCSVRows, MaxXLSXRows int
	// MaxUnzipBytes: what the parts of an xlsx read may unpack to in all
	// (ZIP bombs).
	MaxUnzipBytes int64
	// MaxPartBytes: the unpacked size of an xlsx part held in memory whole
	// (workbook, relationships, styles, shared strings).
	MaxPartBytes int64
}

// DefaultLimits are the command line's limits.
var DefaultLimits = Limits{
	MaxCSVBytes:   200 << 20,
	MaxXLSXBytes:  50 << 20,
	MaxCSVRows:    2_000_000,
	MaxXLSXRows:   1_048_576,
	MaxUnzipBytes: 4 << 30,
	MaxPartBytes:  512 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxCSVBytes > 0 {
		d.MaxCSVBytes = l.MaxCSVBytes
	}
	if l.MaxXLSXBytes > 0 {
		d.MaxXLSXBytes = l.MaxXLSXBytes
	}
	if l.MaxCSVRows > 0 {
		d.MaxCSVRows = l.MaxCSVRows
	}
	if l.MaxXLSXRows > 0 {
		d.MaxXLSXRows = l.MaxXLSXRows
	}
	if l.MaxUnzipBytes > 0 {
		d.MaxUnzipBytes = l.MaxUnzipBytes
	}
	if l.MaxPartBytes > 0 {
		d.MaxPartBytes = l.MaxPartBytes
	}
	return d
}

// Sheet is a sheet of the file that holds a roster (a header row within its
// first rows). A CSV file is one sheet with an empty name.
type Sheet struct {
	// Index counts the roster sheets of the file from 0.
	Index int
	// Name is the sheet's name in the workbook, "" for CSV.
	Name string
	// HeaderLine is the row number of the header row.
	HeaderLine int
	Header     *Header
}

// Where names a row of the sheet for messages: 工作表“名单”第12行, or 第12行
// for CSV.
func (s *Sheet) Where(line int) string {
	if s == nil || s.Name == "" {
		return fmt.Sprintf("第%d行", line)
	}
	return fmt.Sprintf("工作表“%s”第%d行", s.Name, line)
}

// Row is a data row: its sheet, its row number as the spreadsheet shows it
// (for CSV, the line where the record starts) and its cells as text.
type Row struct {
	Sheet *Sheet
	Line  int
	Cells []string
	// Num[i] is set when cell i was stored as a number in an xlsx (nil
	// when no cell was, and always for CSV).
	Num []bool
}

// Cell returns the value of field f, "" when the sheet has no such column.
func (r *Row) Cell(f Field) string {
	i := r.Sheet.Header.col[f]
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// Numeric reports whether the cell of field f was stored as a number.
func (r *Row) Numeric(f Field) bool {
	i := r.Sheet.Header.col[f]
	return i >= 0 && i < len(r.Num) && r.Num[i]
}

// File is an open roster file. Next gives its data rows, sheet after sheet.
type File struct {
	Name   string
	Format Format
	lim    Limits

	sheets []*Sheet
	rows   atomic.Int64
	// next gives the raw rows of the current sheet; nextSheet opens the
	// following one (false when there is none).
	cur       rawRows
	nextSheet func() (name string, rr rawRows, err error)
	sheetName string
	header    *Sheet
	done      bool

	doneBytes  atomic.Int64
	totalBytes int64
	closers    []io.Closer
}

// rawRows gives the rows of a sheet with their row numbers, io.EOF at the
// end.
type rawRows func() (line int, cells []string, num []bool, err error)

// Open opens a roster file for reading. name is the file name as uploaded
// (its extension decides the format with the content: .xlsx or .csv); r
// and size give the content. Errors are *Error (format, size, macros,
// encryption, an unreadable file).
func Open(name string, r io.ReaderAt, size int64, lim Limits) (*File, error) {
	lim = lim.withDefaults()
	ext := strings.ToLower(path.Ext(baseName(name)))
	var magic [8]byte
	n, _ := r.ReadAt(magic[:], 0)
	head := magic[:n]
	isZip := bytes.HasPrefix(head, []byte("PK\x03\x04"))
	isOLE := bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f := &File{Name: baseName(name), lim: lim, totalBytes: size}
	switch ext {
	case ".xlsx":
		if isOLE {
			// An encrypted workbook is an OLE container, as is an .xls
			// renamed.
			return nil, newError(ErrEncrypted)
		}
		if !isZip {
			return nil, newError(ErrUnreadable)
		}
		if size > lim.MaxXLSXBytes {
			return nil, newError(ErrTooLarge, lim.MaxXLSXBytes>>20)
		}
		f.Format = XLSX
		if err := f.openXLSX(r, size); err != nil {
			return nil, err
		}
	case ".csv":
		if isZip || isOLE {
			return nil, newError(ErrFormat)
		}
		if size > lim.MaxCSVBytes {
			return nil, newError(ErrTooLarge, lim.MaxCSVBytes>>20)
		}
		f.Format = CSV
		if err := f.openCSV(r, size); err != nil {
			return nil, err
		}
	default:
		return nil, newError(ErrFormat)
	}
	return f, nil
}

// Close releases the file's readers.
func (f *File) Close() error {
	var err error
	for _, c := range f.closers {
		if e := c.Close(); err == nil {
			err = e
		}
	}
	f.closers = nil
	return err
}

// Sheets returns the roster sheets found so far (all of them once Next has
// returned io.EOF).
func (f *File) Sheets() []*Sheet { return f.sheets }

// Rows returns how many data rows Next has returned. It may be called
// from another goroutine.
func (f *File) Rows() int { return int(f.rows.Load()) }

// Progress returns how far reading has come, in bytes (of the file for
// CSV, of the unpacked worksheets for xlsx), and the total. It may be
// called from another goroutine.
func (f *File) Progress() (done, total int64) {
	d := f.doneBytes.Load()
	if d > f.totalBytes {
		d = f.totalBytes
	}
	return d, f.totalBytes
}

// Next returns the next data row. Rows whose cells are all empty, or that
// hold nothing but a 序号, are skipped. At the end it returns io.EOF, or an
// *Error ErrNoHeader when no sheet had a header row.
func (f *File) Next() (Row, error) {
	for !f.done {
		if f.cur == nil {
			name, rr, err := f.nextSheet()
			if err != nil {
				return Row{}, err
			}
			if rr == nil {
				f.done = true
				break
			}
			f.cur, f.sheetName, f.header = rr, name, nil
		}
		line, cells, num, err := f.cur()
		if err == io.EOF {
			f.cur = nil
			continue
		}
		if err != nil {
			return Row{}, err
		}
		if f.header == nil {
			if line > HeaderSearchRows {
				f.cur = nil // no header near the top: not a roster sheet
				continue
			}
			if h := parseHeader(cells); h != nil {
				f.header = &Sheet{Index: len(f.sheets), Name: f.sheetName, HeaderLine: line, Header: h}
				f.sheets = append(f.sheets, f.header)
			}
			continue
		}
		if skip(f.header.Header, cells) {
			continue
		}
		max := f.lim.MaxCSVRows
		if f.Format == XLSX {
			max = f.lim.MaxXLSXRows
		}
		if f.rows.Load() >= int64(max) {
			return Row{}, newError(ErrTooManyRows, max)
		}
		f.rows.Add(1)
		return Row{Sheet: f.header, Line: line, Cells: cells, Num: num}, nil
	}
	if len(f.sheets) == 0 {
		return Row{}, newError(ErrNoHeader)
	}
	return Row{}, io.EOF
}

// skip reports a row to leave out: all cells empty, or only the 序号.
func skip(h *Header, cells []string) bool {
	seq := h.col[FSeq]
	for i, c := range cells {
		if i != seq && strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sniffBytes is how much of a CSV file decides its encoding and
// delimiter. The header row, which must be within the first rows, holds
// Chinese titles: in GBK they are not valid UTF-8.
const sniffBytes = 256 << 10

func (f *File) openCSV(r io.ReaderAt, size int64) error {
	head := make([]byte, min(size, sniffBytes))
	if n, err := r.ReadAt(head, 0); err != nil && !(err == io.EOF && n == len(head)) {
		return wrapError(ErrUnreadable, err)
	}
	var src io.Reader = countingReader{io.NewSectionReader(r, 0, size), &f.doneBytes}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		src = transform.NewReader(src, unicode.UTF8BOM.NewDecoder())
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		src = transform.NewReader(src, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		// Sniff the delimiter on the decoded head.
		if d, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(head[:len(head)&^1]); err == nil {
			head = d
		}
	case validUTF8Prefix(head):
	default:
		src = transform.NewReader(src, simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(src)
	cr.Comma = sniffDelimiter(head)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	served := false
	f.nextSheet = func() (string, rawRows, error) {
		if served {
			return "", nil, nil
		}
		served = true
		return "", func() (int, []string, []bool, error) {
			rec, err := cr.Read()
			if err == io.EOF {
				return 0, nil, nil, io.EOF
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return 0, nil, nil, wrapError(ErrCSVSyntax, err, pe.StartLine)
				}
				return 0, nil, nil, wrapError(ErrUnreadable, err)
			}
			line, _ := cr.FieldPos(0)
			return line, rec, nil, nil
		}, nil
	}
	return nil
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a rune cut at
// its end.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:])
		}
		i += n
	}
	return true
}

// sniffDelimiter picks tab (Excel's "Unicode text") when the first lines
// have more tabs than commas, or a semicolon when they have only those.
func sniffDelimiter(head []byte) rune {
	for i, n := 0, 0; i < len(head); i++ {
		if head[i] == '\n' {
			if n++; n == HeaderSearchRows+1 {
				head = head[:i]
				break
			}
		}
	}
	tabs, commas := bytes.Count(head, []byte{'\t'}), bytes.Count(head, []byte{','})
	switch {
	case tabs > commas:
		return '\t'
	case commas == 0 && bytes.Count(head, []byte{';'}) > 0:
		return ';'
	}
	return ','
}
