// Package roster reads and writes rosters of persons (花名册): .xlsx and .csv
// files laid out as the import template, one row a person. It knows the
// files and the import rules that need no database: finding the header row
// on each sheet, the header aliases, normalising and checking each row (ID
// number, ethnicity, dates, phones, committee by name or code…), the
// workbook of rejected rows, and the export workbook. Matching rows with the
// registry and applying them is people.ImportRoster's job.
//
// Files are streamed: a CSV through encoding/csv (UTF-8, UTF-16 with BOM or
// GBK/GB18030), an xlsx part by part from its ZIP container with the cell
// types kept, so that an ID number Excel stored as a number is recognised.
package roster

import (
	"strings"
	"unicode"
)

// Field is a column of the template.
type Field int

// The template's columns, in the template's order.
const (
	FSeq Field = iota
	FName
	FSex
	FEthnicity
	FID
	FBirth
	FPhone
	FKind
	FCommittee
	FBuildingGroup
	FCurrentAddr
	FRegisteredAddr
	FWorkplace
	FWorkplaceKind
	FEducation
	FPolitical
	FTags
	FHousehold
	FRelation
	FArrival
	FPermitExpiry
	FNote
	numFields
)

// Header titles of the template (the canonical name of each column).
const (
	ColSeq            = "序号"
	ColName           = "姓名"
	ColSex            = "性别"
	ColEthnicity      = "民族"
	ColID             = "公民身份号码"
	ColBirth          = "出生日期"
	ColPhone          = "联系电话"
	ColKind           = "人员类别"
	ColCommittee      = "所属居委"
	ColBuildingGroup  = "楼组"
	ColCurrentAddr    = "现居住地址"
	ColRegisteredAddr = "户籍地址"
	ColWorkplace      = "工作单位"
	ColWorkplaceKind  = "单位类型"
	ColEducation      = "文化程度"
	ColPolitical      = "政治面貌"
	ColTags           = "人员标签"
	ColHousehold      = "户号"
	ColRelation       = "与户主关系"
	ColArrival        = "到达日期"
	ColPermitExpiry   = "居住证到期日期"
	ColNote           = "备注"
	// ColReason is the column the errors workbook adds.
	ColReason = "错误原因"
)

// Columns are the template's header titles in order; Columns[f] is the
// title of Field f.
var Columns = [numFields]string{
	ColSeq, ColName, ColSex, ColEthnicity, ColID, ColBirth, ColPhone, ColKind, ColCommittee, ColBuildingGroup,
	ColCurrentAddr, ColRegisteredAddr, ColWorkplace, ColWorkplaceKind, ColEducation, ColPolitical, ColTags,
	ColHousehold, ColRelation, ColArrival, ColPermitExpiry, ColNote,
}

// aliases maps every accepted header title (after cleanHeader) to its field.
var aliases = func() map[string]Field {
	m := map[string]Field{}
	for f, c := range Columns {
		m[c] = Field(f)
	}
	for f, list := range map[Field][]string{
		FName:           {"名字", "人员姓名"},
		FEthnicity:      {"民族成份", "族别", "民族成分"},
		FID:             {"身份证号", "身份证号码", "证件号码"},
		FBirth:          {"出生年月", "出生年月日"},
		FPhone:          {"电话", "手机", "手机号码"},
		FKind:           {"户籍类别", "户口类别"},
		FCommittee:      {"居委会", "居委", "居民区", "所属社区"},
		FBuildingGroup:  {"小区"},
		FCurrentAddr:    {"现住址", "居住地址", "家庭住址"},
		FRegisteredAddr: {"户籍地"},
		FWorkplace:      {"单位"},
		FTags:           {"标签"},
		FHousehold:      {"家庭编号"},
		FArrival:        {"来沪日期", "流入日期"},
		FPermitExpiry:   {"居住证有效期至"},
	} {
		for _, a := range list {
			m[a] = f
		}
	}
	return m
}()

// cleanHeader reduces a header cell to the form the alias table holds: no
// white space (line breaks inside a cell included), no required-field
// stars, no trailing colon, no remark in brackets (联系电话（必填）), and
// full-width letters and digits folded.
func cleanHeader(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '（' || r == '[' || r == '【':
			depth++
			continue
		case r == ')' || r == '）' || r == ']' || r == '】':
			if depth > 0 {
				depth--
			}
			continue
		case depth > 0:
			continue
		case unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' || r == '*' || r == '＊':
			continue
		case r >= 0xFF01 && r <= 0xFF5E:
			r = r - 0xFF01 + '!'
		}
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), ":：")
}

// Header is the header row of a sheet: where each known column is.
type Header struct {
	// Cells are the header row's cells as written.
	Cells []string
	// col[f] is the column index of field f, -1 when absent.
	col [numFields]int
	// reason is the index of an 错误原因 column (a re-imported errors
	// workbook), -1 when absent.
	reason int
}

// Has reports whether the sheet has a column for f.
func (h *Header) Has(f Field) bool { return h.col[f] >= 0 }

// Col returns the column index of f, -1 when absent.
func (h *Header) Col(f Field) int { return h.col[f] }

// parseHeader returns the header when cells hold at least 姓名 and 民族
// (or their aliases), nil otherwise. A title given twice counts where it
// first appears.
func parseHeader(cells []string) *Header {
	h := &Header{reason: -1}
	for i := range h.col {
		h.col[i] = -1
	}
	for i, c := range cells {
		t := cleanHeader(c)
		if t == ColReason && h.reason < 0 {
			h.reason = i
			continue
		}
		if f, ok := aliases[t]; ok && h.col[f] < 0 {
			h.col[f] = i
		}
	}
	if h.col[FName] < 0 || h.col[FEthnicity] < 0 {
		return nil
	}
	h.Cells = append([]string(nil), cells...)
	return h
}

// HeaderSearchRows is how many rows from the top of a sheet may hold the
// header; rows above the header (titles, merged cells) are ignored.
const HeaderSearchRows = 10
