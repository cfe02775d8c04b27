package org

// Import reads an org tree from a CSV or xlsx file (`shiliu org import FILE`
// and the web upload) and applies it in one transaction, or not at all.
//
// Message keys used here, for the catalog. Every RowProblem's Args start with
// the row number; the other Args follow in the order of the verbs.
//
//	import.err.rejected: 未导入任何数据：文件中有%d处问题，请修改后重新导入 / Nothing was imported: the file has %d problem(s); fix them and import again
//	import.err.too_large: 文件过大（上限%d MB） / The file is too large (limit %d MB)
//	import.err.too_many_rows: 数据行过多（上限%d行） / Too many data rows (limit %d)
//	import.err.format: 无法识别的文件格式，请使用CSV或xlsx（Excel 2007及以上）文件 / Unknown file format: use a CSV or xlsx (Excel 2007 or later) file
//	import.err.unreadable: 文件无法读取，可能已损坏 / The file cannot be read; it may be damaged
//	import.err.csv_syntax: 第%d行：CSV格式错误（引号不配对等） / Row %d: CSV syntax error (unbalanced quotes or similar)
//	import.err.no_header: 前10行中找不到表头行“编码,名称,上级编码,类型” / No header row "编码,名称,上级编码,类型" in the first 10 rows
//	import.err.code_required: 第%d行：编码不能为空 / Row %d: the code is missing
//	import.err.code_invalid: 第%d行：编码“%s”无效（最多32个字符，不能含空格或“/”） / Row %d: code "%s" is invalid (at most 32 characters, no spaces or "/")
//	import.err.name_required: 第%d行：名称不能为空 / Row %d: the name is missing
//	import.err.name_too_long: 第%d行：名称过长（最多64个字） / Row %d: the name is too long (at most 64 characters)
//	import.err.type_required: 第%d行：类型不能为空 / Row %d: the type is missing
//	import.err.unknown_type: 第%d行：类型“%s”无法识别，应为区、街道、居委、楼组或联络组 / Row %d: unknown type "%s"; use 区, 街道, 居委, 楼组 or 联络组
//	import.err.duplicate_code: 第%d行：编码“%s”与第%d行重复 / Row %d: code "%s" already appears in row %d
//	import.err.unknown_parent: 第%d行：上级编码“%s”不存在 / Row %d: parent code "%s" does not exist
//	import.err.out_of_scope: 第%d行：编码为“%s”的单位不在您的管理范围内 / Row %d: the unit with code "%s" is outside your scope
//	import.err.parent_required: 第%d行：类型为“%s”的单位必须填写上级编码 / Row %d: a unit of type "%s" needs a parent code
//	import.err.parent_archived: 第%d行：上级“%s”已归档 / Row %d: parent "%s" is archived
//	import.err.parent_kind: 第%d行：类型为“%s”的单位不能设在类型为“%s”的上级之下 / Row %d: a unit of type "%s" cannot stand under a unit of type "%s"
//	import.err.cycle: 第%d行：编码“%s”的上级关系形成循环 / Row %d: the parents of code "%s" form a cycle
//	import.err.kind_has_children: 第%d行：“%s”下还有下级单位，不能修改类型 / Row %d: "%s" has units under it, so its type cannot change
//	import.err.cannot_move_own_unit: 第%d行：不能移动或修改您所属单位“%s”的类型 / Row %d: you cannot move or retype your own unit "%s"
//	import.err.year_required: 第%d行：填写人口数时必须填写年份 / Row %d: the year is needed with the population figures
//	import.err.bad_year: 第%d行：年份“%s”无效（1949–2100） / Row %d: year "%s" is invalid (1949–2100)
//	import.err.bad_number: 第%d行：%s“%s”不是有效的人数 / Row %d: %s "%s" is not a valid number of people
//	import.err.row_invalid: 第%d行：数据无效（%s） / Row %d: invalid data (%s)
//	import.err.more_problems: 另有%d处问题未列出 / %d more problem(s) not listed
//
// In import.err.bad_number the second argument is the column title (户籍人口
// or 流动人口). import.err.row_invalid is a fallback whose second argument is
// a message key of the form checks (err.*), for a row the database refused
// although it passed the import's own checks. import.err.more_problems has
// Row 0 and closes a list cut at maxImportProblems.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Limits of an import file.
const (
	// MaxImportBytes is the largest file accepted, CSV or xlsx.
	MaxImportBytes = 10 << 20
	// MaxImportRows is the largest number of data rows accepted.
	MaxImportRows = 100_000
	// maxUnzipBytes bounds what an xlsx may unpack to (zip bombs).
	maxUnzipBytes = 200 << 20
	// maxUnzipXMLBytes is how much of one worksheet is unpacked in memory;
	// larger ones go through a temporary file.
	maxUnzipXMLBytes = 16 << 20
	// headerSearchRows is how many rows from the top may hold the header.
	headerSearchRows = 10
	// maxImportProblems caps the problems listed.
	maxImportProblems = 1000
)

// The columns of an import file. The first four are required.
const (
	colCode       = "编码"
	colName       = "名称"
	colParent     = "上级编码"
	colKind       = "类型"
	colYear       = "年份"
	colRegistered = "户籍人口"
	colFloating   = "流动人口"
)

var importColumns = []string{colCode, colName, colParent, colKind, colYear, colRegistered, colFloating}

// kindTitle is the Chinese name of a kind, for messages.
var kindTitle = map[Kind]string{District: "区", Subdistrict: "街道", Committee: "居委", BuildingGroup: "楼组", LiaisonGroup: "联络组"}

// ImportResult says what an import did or would do. When Problems is not
// empty nothing was applied and the counts other than Rows are zero.
type ImportResult struct {
	// Rows counts the data rows read (blank rows are skipped).
	Rows        int
	Created     int
	Updated     int
	Unchanged   int
	Populations int // (unit, year) figures added or changed
	Problems    []RowProblem
}

// RowProblem is one problem found in an import file. Row is the row number
// as a spreadsheet shows it (for CSV, the line where the record starts).
// Key is a message-catalog key; Args fill it and start with Row.
type RowProblem struct {
	Row  int
	Code string
	Key  string
	Args []any
}

// importRow is one data row of an import file.
type importRow struct {
	row      int
	code     string
	name     string
	parent   string // parent code, "" for a root
	kindText string
	kind     Kind
	bad      bool // has a problem of its own: leave it out of tree checks

	hasPop           bool // year and at least one figure filled
	year             int
	registered       int
	floating         int
	hasReg, hasFloat bool
	// figureProblems are the population columns' problems, Args without
	// the row number.
	figureProblems []RowProblem

	existing   *importUnit
	parentRow  *importRow  // parent defined in the file
	parentUnit *importUnit // parent in the database, not in the file
	resolved   bool        // parent found, unit in scope
	depth      int
	// changed: an existing unit differs in name, kind or parent; moveCheck:
	// in kind or parent (or the unit is new), so the parent is checked.
	changed, moveCheck bool
}

// importUnit is a unit already in the database.
type importUnit struct {
	id                     int64
	code, name             string
	kind                   Kind
	parentID               int64
	path                   string
	address, contact, note string
	archived               bool
	children               int
}

var (
	errDryRun      = errors.New("dry run")
	errRowRejected = errors.New("row rejected")
)

// Import reads an org tree from a CSV or xlsx file and creates or updates
// the units by code, with their base population when the file has the year
// columns (a blank figure keeps the stored one, or 0 for a new year; a year
// with both figures blank sets nothing). Every row is checked first; if any has a problem, the result lists
// them all with an errs.Invalid error "import.err.rejected" and nothing is
// applied. With dryRun the import runs and is rolled back, so the counts say
// what it would do.
//
// The command line's system actor sees every unit and may add roots.
// Otherwise every unit the file names and every new parent must be in a's
// scope, and every new or moved unit needs a parent. a must hold
// auth.OrgImport.
func (s *Service) Import(ctx context.Context, a *auth.Actor, filename string, r io.Reader, dryRun bool) (*ImportResult, error) {
	if err := a.Require(auth.OrgImport); err != nil {
		return nil, err
	}
	rows, err := readImportFile(filename, r)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Rows: len(rows)}
	var probs problemList
	checkRowFields(rows, &probs)
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		units, err := loadImportUnits(ctx, tx)
		if err != nil {
			return err
		}
		order := planImport(a, rows, units, &probs)
		if len(probs) > 0 {
			return errRowRejected
		}
		if err := s.applyImport(ctx, tx, a, order, res, &probs); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionImport, Entity: "org_unit",
			Detail: map[string]any{"file": baseName(filename), "rows": res.Rows, "created": res.Created, "updated": res.Updated,
				"unchanged": res.Unchanged, "populations": res.Populations}})
	})
	switch {
	case errors.Is(err, errDryRun):
		return res, nil
	case errors.Is(err, errRowRejected):
		res.Created, res.Updated, res.Unchanged, res.Populations = 0, 0, 0, 0
		res.Problems = probs.sorted()
		return res, errs.E(errs.Invalid, "import.err.rejected", len(probs))
	case err != nil:
		return nil, err
	}
	return res, nil
}

type problemList []RowProblem

func (p *problemList) add(r *importRow, key string, args ...any) {
	*p = append(*p, RowProblem{Row: r.row, Code: r.code, Key: key, Args: append([]any{r.row}, args...)})
	r.bad = true
}

// sorted returns the problems by row, cut at maxImportProblems.
func (p problemList) sorted() []RowProblem {
	out := append([]RowProblem(nil), p...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Row < out[j].Row })
	if len(out) > maxImportProblems {
		more := len(out) - maxImportProblems
		out = append(out[:maxImportProblems], RowProblem{Key: "import.err.more_problems", Args: []any{more}})
	}
	return out
}

// checkRowFields checks each row on its own: code, name, type, figures, and
// codes repeated within the file.
func checkRowFields(rows []*importRow, probs *problemList) {
	first := map[string]*importRow{}
	for _, r := range rows {
		in := Input{Code: r.code, Name: r.name}
		in.normalise()
		f := in.validate()
		switch f["code"] {
		case "err.required":
			probs.add(r, "import.err.code_required")
		case "":
		default:
			probs.add(r, "import.err.code_invalid", r.code)
		}
		switch f["name"] {
		case "err.required":
			probs.add(r, "import.err.name_required")
		case "":
		default:
			probs.add(r, "import.err.name_too_long")
		}
		if r.kindText == "" {
			probs.add(r, "import.err.type_required")
		} else if k, ok := KindFromName(r.kindText); ok {
			r.kind = k
		} else {
			probs.add(r, "import.err.unknown_type", r.kindText)
		}
		for _, p := range r.figureProblems {
			probs.add(r, p.Key, p.Args...)
		}
		if r.code != "" {
			if p, dup := first[r.code]; dup {
				probs.add(r, "import.err.duplicate_code", r.code, p.row)
			} else {
				first[r.code] = r
			}
		}
	}
}

// loadImportUnits reads every unit, archived ones too, by code.
func loadImportUnits(ctx context.Context, tx *db.Tx) (map[string]*importUnit, error) {
	rs, err := tx.Query(ctx, `SELECT id, code, name, kind, COALESCE(parent_id, 0), path, address, contact, note, archived FROM org_units`)
	if err != nil {
		return nil, fmt.Errorf("load org units: %w", err)
	}
	defer rs.Close()
	byCode := map[string]*importUnit{}
	byID := map[int64]*importUnit{}
	for rs.Next() {
		var u importUnit
		var kind string
		var archived int
		if err := rs.Scan(&u.id, &u.code, &u.name, &kind, &u.parentID, &u.path, &u.address, &u.contact, &u.note, &archived); err != nil {
			return nil, err
		}
		u.kind, u.archived = Kind(kind), archived == 1
		byCode[u.code], byID[u.id] = &u, &u
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	for _, u := range byID {
		if p := byID[u.parentID]; p != nil && !u.archived {
			p.children++
		}
	}
	return byCode, nil
}

// planImport resolves parents, checks the tree the file would make and
// returns the rows in the order to apply them: parents before children.
func planImport(a *auth.Actor, rows []*importRow, units map[string]*importUnit, probs *problemList) []*importRow {
	inFile := map[string]*importRow{}
	for _, r := range rows {
		if r.code != "" && inFile[r.code] == nil {
			inFile[r.code] = r
		}
	}
	byID := map[int64]*importUnit{}
	for _, u := range units {
		byID[u.id] = u
	}
	scoped := func(path string) bool { return a.Scope().Contains(path) }

	// Existing units and parents.
	for _, r := range rows {
		if r.code == "" || inFile[r.code] != r {
			continue // a duplicate: reported already
		}
		r.existing = units[r.code]
		if r.existing != nil && !scoped(r.existing.path) {
			probs.add(r, "import.err.out_of_scope", r.code)
			continue
		}
		switch {
		case r.parent == "":
			r.resolved = true
		case r.parent == r.code:
			probs.add(r, "import.err.cycle", r.code)
		case inFile[r.parent] != nil:
			r.parentRow, r.resolved = inFile[r.parent], true
		case units[r.parent] != nil:
			r.parentUnit, r.resolved = units[r.parent], true
		default:
			probs.add(r, "import.err.unknown_parent", r.parent)
		}
	}

	// What changes, and whether the parent then fits.
	for _, r := range rows {
		if !r.resolved || r.kind == "" {
			continue
		}
		old := r.existing
		parentChanged := true
		if old != nil {
			switch {
			case r.parentRow != nil:
				parentChanged = r.parentRow.existing == nil || r.parentRow.existing.id != old.parentID
			case r.parentUnit != nil:
				parentChanged = r.parentUnit.id != old.parentID
			default:
				parentChanged = old.parentID != 0
			}
			kindChanged := r.kind != old.kind
			r.changed = parentChanged || kindChanged || r.name != old.name
			r.moveCheck = parentChanged || kindChanged
			if kindChanged && old.children > 0 {
				probs.add(r, "import.err.kind_has_children", r.code)
			}
			if !a.IsSystem() && old.path == a.OrgPath && r.moveCheck {
				probs.add(r, "import.err.cannot_move_own_unit", r.code)
			}
		} else {
			r.changed, r.moveCheck = true, true
		}
		if !r.moveCheck {
			continue
		}
		switch {
		case r.parentRow != nil:
			p := r.parentRow
			if p.existing != nil && p.existing.archived {
				probs.add(r, "import.err.parent_archived", r.parent)
			} else if p.kind != "" && !CanStandUnder(r.kind, p.kind) {
				probs.add(r, "import.err.parent_kind", r.kindText, kindTitle[p.kind])
			}
		case r.parentUnit != nil:
			p := r.parentUnit
			switch {
			case !scoped(p.path):
				probs.add(r, "import.err.out_of_scope", r.parent)
			case p.archived:
				probs.add(r, "import.err.parent_archived", r.parent)
			case !CanStandUnder(r.kind, p.kind):
				probs.add(r, "import.err.parent_kind", r.kindText, kindTitle[p.kind])
			}
		default:
			if !a.IsSystem() || !CanStandUnder(r.kind, "") {
				probs.add(r, "import.err.parent_required", r.kindText)
			}
		}
	}

	// Depth in the tree as it will be, which finds cycles: a row's parent is
	// its row's parent code; a unit not in the file keeps its parent.
	const visiting, unknown = -2, -3 // depths are >= 0 otherwise; -1 is above the roots
	depth := map[string]int{}
	parentOf := func(code string) string {
		if r := inFile[code]; r != nil {
			return r.parent
		}
		if u := units[code]; u != nil {
			if p := byID[u.parentID]; p != nil {
				return p.code
			}
		}
		return ""
	}
	for _, r := range rows {
		if r.code == "" || inFile[r.code] != r {
			continue
		}
		var chain []string // from r up
		code, base := r.code, -1
		for code != "" {
			if v, ok := depth[code]; ok {
				base = v
				break
			}
			depth[code] = visiting
			chain = append(chain, code)
			code = parentOf(code)
		}
		switch base {
		case visiting: // code is on the chain: from there up is a cycle
			onCycle := false
			for _, c := range chain {
				onCycle = onCycle || c == code
				depth[c] = unknown
				if fr := inFile[c]; onCycle && fr != nil && fr.parent != fr.code {
					probs.add(fr, "import.err.cycle", fr.code)
				}
			}
		case unknown:
			for _, c := range chain {
				depth[c] = unknown
			}
		default:
			for i := len(chain) - 1; i >= 0; i-- {
				base++
				depth[chain[i]] = base
			}
		}
	}

	var order []*importRow
	for _, r := range rows {
		if !r.bad {
			r.depth = depth[r.code]
			order = append(order, r)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].depth < order[j].depth })
	return order
}

// applyImport creates and updates the units in order and sets their figures.
func (s *Service) applyImport(ctx context.Context, tx *db.Tx, a *auth.Actor, order []*importRow, res *ImportResult, probs *problemList) error {
	ids := map[string]int64{}
	for _, r := range order {
		var parentID int64
		switch {
		case r.parentRow != nil:
			parentID = ids[r.parent]
		case r.parentUnit != nil:
			parentID = r.parentUnit.id
		}
		in := Input{Code: r.code, Name: r.name, Kind: r.kind, ParentID: parentID}
		var id int64
		var err error
		switch old := r.existing; {
		case old == nil:
			id, err = s.create(ctx, tx, a, in)
			res.Created++
		case r.changed:
			id = old.id
			in.Address, in.Contact, in.Note = old.address, old.contact, old.note
			err = s.update(ctx, tx, a, id, in, false)
			res.Updated++
		default:
			id = old.id
			res.Unchanged++
		}
		if err != nil {
			return rowError(r, err, probs)
		}
		ids[r.code] = id
		if !r.hasPop {
			continue
		}
		var old Population
		qerr := tx.QueryRow(ctx, `SELECT year, registered, floating FROM org_population WHERE org_id = ? AND year = ?`, id, r.year).
			Scan(&old.Year, &old.Registered, &old.Floating)
		if qerr != nil && !errors.Is(qerr, sql.ErrNoRows) {
			return fmt.Errorf("read population: %w", qerr)
		}
		p := Population{Year: r.year, Registered: old.Registered, Floating: old.Floating}
		if r.hasReg {
			p.Registered = r.registered
		}
		if r.hasFloat {
			p.Floating = r.floating
		}
		if qerr == nil && p == old {
			continue
		}
		if err := setPopulation(ctx, tx, a, id, p); err != nil {
			return err
		}
		res.Populations++
	}
	return nil
}

// rowError turns a refusal from create or update, which the checks should
// have caught, into a problem of the row.
func rowError(r *importRow, err error, probs *problemList) error {
	e, ok := errs.As(err)
	if !ok || (e.Kind != errs.Invalid && e.Kind != errs.Conflict) {
		return err
	}
	key := e.Key
	for _, field := range []string{"code", "name", "kind", "parent_id"} {
		if k, ok := e.Fields[field]; ok {
			key = k
			break
		}
	}
	probs.add(r, "import.err.row_invalid", key)
	return errRowRejected
}

// baseName is the file name without folders, from either kind of path.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// readImportFile reads the data rows of a CSV or xlsx file.
func readImportFile(filename string, r io.Reader) ([]*importRow, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "import.err.unreadable")
	}
	if len(data) > MaxImportBytes {
		return nil, errs.E(errs.Invalid, "import.err.too_large", MaxImportBytes>>20)
	}
	ext := strings.ToLower(path.Ext(baseName(filename)))
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}): // .xls or an encrypted workbook
		return nil, errs.E(errs.Invalid, "import.err.format")
	case ext == ".xlsx" || ext == ".xlsm":
		return nil, errs.E(errs.Invalid, "import.err.unreadable")
	case ext == ".xls" || ext == ".et" || ext == ".ods" || ext == ".numbers":
		return nil, errs.E(errs.Invalid, "import.err.format")
	}
	return readCSV(data)
}

// rowSource gives the rows of a sheet with their row numbers, io.EOF at the
// end.
type rowSource func() (row int, cells []string, err error)

var errNoHeader = errs.E(errs.Invalid, "import.err.no_header")

// readSheet finds the header within the first rows and reads the data rows
// under it.
func readSheet(next rowSource) ([]*importRow, error) {
	var cols map[string]int
	for i := 0; i < headerSearchRows && cols == nil; i++ {
		_, cells, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		cols = headerColumns(cells)
	}
	if cols == nil {
		return nil, errNoHeader
	}
	cell := func(cells []string, col string) string {
		i, ok := cols[col]
		if !ok || i >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[i])
	}
	var rows []*importRow
	for {
		n, cells, err := next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if blank(cells) {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, errs.E(errs.Invalid, "import.err.too_many_rows", MaxImportRows)
		}
		r := &importRow{row: n, code: cell(cells, colCode), name: cell(cells, colName), parent: cell(cells, colParent), kindText: cell(cells, colKind)}
		r.setFigures(cell(cells, colYear), cell(cells, colRegistered), cell(cells, colFloating))
		rows = append(rows, r)
	}
}

// setFigures parses the population columns. Their problems are kept in the
// row for checkRowFields to report in order.
func (r *importRow) setFigures(year, reg, flt string) {
	// A year without figures (a template's prefilled column) sets nothing.
	r.hasReg, r.hasFloat = reg != "", flt != ""
	r.hasPop = year != "" && (r.hasReg || r.hasFloat)
	if !r.hasReg && !r.hasFloat {
		return
	}
	var bad []RowProblem
	add := func(key string, args ...any) {
		bad = append(bad, RowProblem{Key: key, Args: args})
	}
	if year != "" {
		y, ok := parseCount(strings.TrimSuffix(year, "年"))
		if !ok || y < 1949 || y > 2100 {
			add("import.err.bad_year", year)
		}
		r.year = y
	} else {
		add("import.err.year_required")
	}
	if r.hasReg {
		n, ok := parseCount(reg)
		if !ok || n < 0 || n > 50_000_000 {
			add("import.err.bad_number", colRegistered, reg)
		}
		r.registered = n
	}
	if r.hasFloat {
		n, ok := parseCount(flt)
		if !ok || n < 0 || n > 50_000_000 {
			add("import.err.bad_number", colFloating, flt)
		}
		r.floating = n
	}
	r.figureProblems = bad
}

// parseCount reads a whole number, allowing thousands separators,
// full-width digits and a ".0" that a spreadsheet may add.
func parseCount(s string) (int, bool) {
	s = strings.Map(func(c rune) rune {
		switch {
		case c == ',' || c == '，' || c == ' ' || c == '\u00a0' || c == '\u3000':
			return -1
		case c >= '０' && c <= '９':
			return c - '０' + '0'
		}
		return c
	}, s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e12 {
		return 0, false
	}
	return int(f), true
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// headerColumns returns the column of each known title when cells are the
// header row (all four required titles present), nil otherwise.
func headerColumns(cells []string) map[string]int {
	cols := map[string]int{}
	for i, c := range cells {
		c = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\u3000', '\u00a0', '\ufeff', '*', '＊':
				return -1
			}
			return r
		}, c)
		for _, title := range importColumns {
			if _, seen := cols[title]; c == title && !seen {
				cols[title] = i
			}
		}
	}
	for _, title := range importColumns[:4] {
		if _, ok := cols[title]; !ok {
			return nil
		}
	}
	return cols
}

// readXLSX reads the first sheet that has the header row, cells as text.
func readXLSX(data []byte) ([]*importRow, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipBytes, UnzipXMLSizeLimit: maxUnzipXMLBytes})
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "import.err.unreadable")
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, err, "import.err.unreadable")
		}
		n := 0
		out, err := readSheet(func() (int, []string, error) {
			if !rows.Next() {
				if err := rows.Error(); err != nil {
					return 0, nil, errs.Wrap(errs.Invalid, err, "import.err.unreadable")
				}
				return 0, nil, io.EOF
			}
			n++ // Next steps one row at a time, empty rows included
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return 0, nil, errs.Wrap(errs.Invalid, err, "import.err.unreadable")
			}
			return n, cells, nil
		})
		rows.Close()
		if err == errNoHeader {
			continue
		}
		return out, err
	}
	return nil, errNoHeader
}

// readCSV reads a CSV file in UTF-8 (with or without BOM), UTF-16 with BOM,
// or GBK/GB18030. A tab-separated file (Excel's "Unicode text") works too.
func readCSV(data []byte) ([]*importRow, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "import.err.unreadable")
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = sniffDelimiter(text)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	return readSheet(func() (int, []string, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return 0, nil, errs.Wrap(errs.Invalid, err, "import.err.csv_syntax", line)
		}
		line, _ := cr.FieldPos(0)
		return line, rec, nil
	})
}

func decodeText(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
	case utf8.Valid(data):
		return data, nil
	}
	return simplifiedchinese.GB18030.NewDecoder().Bytes(data)
}

// sniffDelimiter picks tab when the first lines have more tabs than commas.
func sniffDelimiter(text []byte) rune {
	head := text
	for i, n := 0, 0; i < len(head); i++ {
		if head[i] == '\n' {
			if n++; n == headerSearchRows+1 {
				head = head[:i]
				break
			}
		}
	}
	if bytes.Count(head, []byte{'\t'}) > bytes.Count(head, []byte{','}) {
		return '\t'
	}
	return ','
}
