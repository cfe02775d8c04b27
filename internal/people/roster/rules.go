package roster

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shiliu/internal/ref"
)

// Codes of rejected rows (the keys of rejected_by_reason).
const (
	CodeNameMissing      = "name_missing"
	CodeIDMissing        = "id_missing"
	CodeIDPrecisionLost  = "id_precision_lost"
	CodeIDInvalid        = "id_invalid"
	CodeEthnicityUnknown = "ethnicity_unknown"
	CodeCommitteeUnknown = "committee_unknown"
	CodeDuplicateInFile  = "duplicate_in_file"
	// CodeTooLong: a value longer than the registry keeps (a name over 50
	// characters, an address over 200…).
	CodeTooLong = "too_long"
	// CodeOutOfScope: the ID number belongs to a person registered in a
	// unit outside the importer's scope (the web only; the command line
	// sees everything).
	CodeOutOfScope = "out_of_scope"
)

// Codes lists the rejection codes in the order a row is checked.
var Codes = []string{CodeNameMissing, CodeIDMissing, CodeIDPrecisionLost, CodeIDInvalid, CodeEthnicityUnknown,
	CodeCommitteeUnknown, CodeTooLong, CodeDuplicateInFile, CodeOutOfScope}

// Keys of warnings: the row is accepted, and what the warning says was
// corrected or dropped.
const (
	WarnSexMismatch       = "sex_mismatch"           // Args: the cell, the sex the ID gives
	WarnBirthMismatch     = "birth_mismatch"         // Args: the cell, the birth date the ID gives
	WarnPhoneInvalid      = "phone_invalid"          // the phone is dropped
	WarnTagUnknown        = "tag_unknown"            // Args: the word; dropped
	WarnGroupUnknown      = "building_group_unknown" // Args: the cell; left empty
	WarnWorkplaceKind     = "workplace_kind_unknown" // Args: the cell; left as it was
	WarnKindUnknown       = "kind_unknown"           // Args: the cell; 户籍 for a new person
	WarnDateInvalid       = "date_invalid"           // Args: the column, the cell; dropped
	WarnHeadDuplicate     = "household_head_duplicate"
	WarnPersonMerged      = "person_merged" // the ID belongs to a record merged into another: not updated
	WarnHouseholdArchived = "household_archived"
)

var warnMessages = map[string][2]string{
	WarnSexMismatch:       {"性别“%s”与公民身份号码不符，已按身份证号码记为%s", "Sex %q contradicts the ID number; recorded as %s from the ID"},
	WarnBirthMismatch:     {"出生日期“%s”与公民身份号码不符，已按身份证号码记为%s", "Birth date %q contradicts the ID number; recorded as %s from the ID"},
	WarnPhoneInvalid:      {"联系电话不是有效的手机或固定电话号码，未导入", "The phone is not a valid mobile or landline number; not imported"},
	WarnTagUnknown:        {"人员标签“%s”无法识别，未导入", "Unknown tag %q; not imported"},
	WarnGroupUnknown:      {"楼组“%s”在该居委下不存在，楼组留空", "Building group %q does not exist under the committee; left empty"},
	WarnWorkplaceKind:     {"单位类型“%s”无法识别（应为社区单位或两新组织），未导入", "Unknown workplace kind %q (use 社区单位 or 两新组织); not imported"},
	WarnKindUnknown:       {"人员类别“%s”无法识别（应为户籍或流动），未导入", "Unknown registration kind %q (use 户籍 or 流动); not imported"},
	WarnDateInvalid:       {"%s“%s”不是有效日期，未导入", "%s %q is not a valid date; not imported"},
	WarnHeadDuplicate:     {"户号“%s”的户主已由%s指定，本行未设为户主", "Household %q already has its head on %s; this row was not made head"},
	WarnPersonMerged:      {"该人员记录已合并到另一条记录，未更新", "This person's record was merged into another; not updated"},
	WarnHouseholdArchived: {"户号“%s”的家庭已归档，仍按该户导入", "Household %q is archived; imported into it anyway"},
}

// Warning is a note on an accepted row. Key is one of the Warn*
// constants; Message renders it.
type Warning struct {
	Sheet string `json:"sheet"`
	Line  int    `json:"line"`
	Key   string `json:"key"`
	Args  []any  `json:"args,omitempty"`
}

// MarshalJSON adds the Chinese message.
func (w Warning) MarshalJSON() ([]byte, error) {
	type plain Warning
	return json.Marshal(struct {
		plain
		Message string `json:"message"`
	}{plain(w), w.Message("zh")})
}

// NewWarning makes a warning on a row.
func NewWarning(r *Row, key string, args ...any) Warning {
	return Warning{Sheet: r.Sheet.Name, Line: r.Line, Key: key, Args: args}
}

// Message returns the warning's text in lang ("zh" or "en").
func (w Warning) Message(lang string) string {
	m, ok := warnMessages[w.Key]
	if !ok {
		return w.Key
	}
	t := m[0]
	if lang == "en" {
		t = m[1]
	}
	if len(w.Args) == 0 {
		return t
	}
	return fmt.Sprintf(t, w.Args...)
}

// Where names the row for messages (see Sheet.Where).
func (w Warning) Where() string { return (&Sheet{Name: w.Sheet}).Where(w.Line) }

// Record is an accepted row, normalised. Empty values (and the zero Kind,
// false Has* flags) mean the cell was empty: an existing person keeps what
// they have.
type Record struct {
	Name      string
	ID        ref.ID
	Ethnicity string // GB/T 3304 code
	Phone     string // normalised
	// Kind: 0 not given, 1 户籍, 2 流动.
	Kind            int
	OrgID           int64
	BuildingGroupID int64
	CurrentAddr     string
	RegisteredAddr  string
	Workplace       string
	WorkplaceKind   int
	HasWorkplace    bool // WorkplaceKind was given
	Education       string
	Political       string
	Tags            int
	HasTags         bool
	Household       string
	Relation        string
	Arrival         string // YYYY-MM-DD
	PermitExpiry    string
	Note            string
}

// Result is a row after checking: a Record, or a rejection.
type Result struct {
	Row      Row
	Record   Record
	Code     string // "" when accepted
	Reason   string // Chinese, every problem found
	Warnings []Warning
}

// Reject marks the result rejected for code, adding reason to the reasons
// (the first code counts).
func (r *Result) Reject(code, reason string) {
	if r.Code == "" {
		r.Code = code
	}
	if r.Reason != "" {
		r.Reason += "；"
	}
	r.Reason += reason
}

// Vocab reads the cells whose vocabulary belongs to the registry.
type Vocab struct {
	// Tags reads a 人员标签 cell: the set as bits, and the words it did not
	// know.
	Tags func(string) (int, []string)
	// WorkplaceKind reads a 单位类型 cell.
	WorkplaceKind func(string) (int, bool)
}

// Rules check rows.
type Rules struct {
	Places *Places
	Vocab  Vocab
}

// Limits of text values, in characters (as the registry's forms).
const (
	maxName     = 50
	maxAddress  = 200
	maxShort    = 40
	maxRelation = 20
	maxNote     = 2000
)

// dangerous are the first characters that make a spreadsheet read a cell as
// a formula; exports prefix such cells with an apostrophe, which reading
// removes again.
const dangerous = "=+-@\t\r|%"

// value returns a cell trimmed, without an export's protective apostrophe.
func value(r *Row, f Field) string {
	s := r.Cell(f)
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte(dangerous, s[1]) >= 0 {
		s = s[1:]
	}
	return strings.TrimSpace(s)
}

// Sanitise prefixes a value with an apostrophe when it begins with a
// character that would make a spreadsheet run it as a formula.
func Sanitise(s string) string {
	if s != "" && strings.IndexByte(dangerous, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Check normalises and checks a row on its own (duplicates within the
// file and the registry are the caller's).
func (ru *Rules) Check(row Row) *Result {
	res := &Result{Row: row}
	rec := &res.Record
	warn := func(key string, args ...any) { res.Warnings = append(res.Warnings, NewWarning(&row, key, args...)) }
	long := func(title, v string, n int) bool {
		if utf8.RuneCountInString(v) > n {
			res.Reject(CodeTooLong, fmt.Sprintf("%s过长（最多 %d 字）", title, n))
			return true
		}
		return false
	}

	rec.Name = ref.NormaliseName(value(&row, FName))
	if rec.Name == "" {
		res.Reject(CodeNameMissing, "姓名为空")
	}

	switch id := value(&row, FID); {
	case id == "":
		res.Reject(CodeIDMissing, "公民身份号码为空")
	case row.Numeric(FID) || scientific(ref.NormaliseID(id)):
		res.Reject(CodeIDPrecisionLost, "公民身份号码被 Excel 存成了数字，第 15 位以后的数字已丢失：请把该列设为文本格式，重新填写完整号码")
	default:
		v, err := ref.ParseID(id)
		if err != nil {
			res.Reject(CodeIDInvalid, "公民身份号码无效（"+idProblem(err)+"）")
		} else {
			rec.ID = v
		}
	}

	switch e := value(&row, FEthnicity); {
	case e == "":
		res.Reject(CodeEthnicityUnknown, "民族为空")
	default:
		if v, ok := ref.ParseEthnicity(e); ok {
			rec.Ethnicity = v.Code
		} else if s, ok := ref.SuggestEthnicity(e); ok {
			res.Reject(CodeEthnicityUnknown, fmt.Sprintf("民族“%s”无法识别，是否为“%s”？", e, s.Name))
		} else {
			res.Reject(CodeEthnicityUnknown, fmt.Sprintf("民族“%s”无法识别，应填写民族名称（如“回族”或“回”）或两位代码（如“03”）", e))
		}
	}

	if id, reason := ru.Places.Committee(value(&row, FCommittee)); reason != "" {
		res.Reject(CodeCommitteeUnknown, reason)
	} else {
		rec.OrgID = id
		if g := value(&row, FBuildingGroup); g != "" {
			if gid, ok := ru.Places.Group(id, g); ok {
				rec.BuildingGroupID = gid
			} else {
				warn(WarnGroupUnknown, g)
			}
		}
	}

	long("姓名", rec.Name, maxName)
	rec.CurrentAddr, rec.RegisteredAddr, rec.Workplace = value(&row, FCurrentAddr), value(&row, FRegisteredAddr), value(&row, FWorkplace)
	long("现居住地址", rec.CurrentAddr, maxAddress)
	long("户籍地址", rec.RegisteredAddr, maxAddress)
	long("工作单位", rec.Workplace, maxAddress)
	rec.Education, rec.Political = value(&row, FEducation), value(&row, FPolitical)
	long("文化程度", rec.Education, maxShort)
	long("政治面貌", rec.Political, maxShort)
	rec.Household, rec.Relation = compact(value(&row, FHousehold)), value(&row, FRelation)
	long("户号", rec.Household, maxShort)
	long("与户主关系", rec.Relation, maxRelation)
	rec.Note = value(&row, FNote)
	long("备注", rec.Note, maxNote)
	if res.Code != "" {
		return res
	}

	// Accepted: what is corrected or dropped with a warning.
	if s := value(&row, FSex); s != "" {
		if v, ok := ref.ParseSex(s); ok && v != rec.ID.Sex() {
			warn(WarnSexMismatch, s, sexName(rec.ID.Sex()))
		}
	}
	if b := value(&row, FBirth); b != "" && !sameBirth(b, rec.ID.Birth) {
		warn(WarnBirthMismatch, b, rec.ID.Birth.Format("2006-01-02"))
	}
	if p := value(&row, FPhone); p != "" {
		if v, ok := ref.NormalisePhone(p); ok {
			rec.Phone = v
		} else {
			warn(WarnPhoneInvalid)
		}
	}
	if k := value(&row, FKind); k != "" {
		if v, ok := ParseKind(k); ok {
			rec.Kind = v
		} else {
			warn(WarnKindUnknown, k)
		}
	}
	if w := value(&row, FWorkplaceKind); w != "" && ru.Vocab.WorkplaceKind != nil {
		if v, ok := ru.Vocab.WorkplaceKind(w); ok {
			rec.WorkplaceKind, rec.HasWorkplace = v, true
		} else {
			warn(WarnWorkplaceKind, w)
		}
	}
	if t := value(&row, FTags); t != "" && t != "无" && ru.Vocab.Tags != nil {
		set, unknown := ru.Vocab.Tags(t)
		for _, u := range unknown {
			warn(WarnTagUnknown, u)
		}
		rec.Tags, rec.HasTags = set, set != 0
	}
	for _, d := range []struct {
		f   Field
		dst *string
	}{{FArrival, &rec.Arrival}, {FPermitExpiry, &rec.PermitExpiry}} {
		if v := value(&row, d.f); v != "" {
			if t, ok := parseDate(v); ok {
				*d.dst = t.Format("2006-01-02")
			} else {
				warn(WarnDateInvalid, Columns[d.f], v)
			}
		}
	}
	return res
}

// scientific reports a number in scientific notation (1.10105E+17), as
// Excel writes a long number it stored as a number into a CSV file.
func scientific(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i <= 0 || i == len(s)-1 {
		return false
	}
	mant, exp := s[:i], strings.TrimPrefix(s[i+1:], "+")
	if exp == "" || strings.Trim(exp, "0123456789") != "" {
		return false
	}
	whole, frac, _ := strings.Cut(mant, ".")
	return whole != "" && strings.Trim(whole, "0123456789") == "" && strings.Trim(frac, "0123456789") == ""
}

func idProblem(err error) string {
	switch {
	case errors.Is(err, ref.ErrIDLength):
		return "应为 18 位，或 15 位的一代身份证号码"
	case errors.Is(err, ref.ErrIDChars):
		return "只能由数字组成，末位可以是 X"
	case errors.Is(err, ref.ErrIDChecksum):
		return "校验位不符，请核对号码"
	case errors.Is(err, ref.ErrIDBirthDate):
		return "其中的出生日期不存在"
	}
	return "格式不对"
}

func sexName(code int) string {
	if code == ref.SexMale {
		return "男"
	}
	return "女"
}

// ParseKind reads a 人员类别 cell: 户籍, 常住, 本地 give 1; 流动, 外来, 流动人口,
// 暂住 give 2.
func ParseKind(s string) (int, bool) {
	switch compact(s) {
	case "户籍", "常住", "本地", "户籍人口", "常住人口", "本地人口", "户籍人员", "1":
		return 1, true
	case "流动", "外来", "流动人口", "暂住", "外来人口", "暂住人口", "流动人员", "2":
		return 2, true
	}
	return 0, false
}

// KindName is how an export writes a kind.
func KindName(k int) string {
	if k == 2 {
		return "流动"
	}
	return "户籍"
}

// SexName is how an export writes a sex code.
func SexName(code int) string {
	switch code {
	case ref.SexMale:
		return "男"
	case ref.SexFemale:
		return "女"
	}
	return ""
}

// parseDate reads a date as rosters write it (see ref.ParseDate), or an
// Excel date serial number (a whole number of up to five digits).
func parseDate(s string) (time.Time, bool) {
	if t, ok := ref.ParseDate(s); ok {
		return t, true
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 100000 {
		if t := ref.FromExcelSerial(float64(n)); !t.IsZero() {
			return t, true
		}
	}
	return time.Time{}, false
}

// sameBirth reports whether a 出生日期 cell agrees with the ID's birth
// date: a whole date, or a year and month (出生年月: 1985-03, 1985.3,
// 198503, 1985年3月).
func sameBirth(cell string, birth time.Time) bool {
	if t, ok := parseDate(cell); ok {
		return t.Equal(birth)
	}
	y, m, ok := parseYearMonth(cell)
	return ok && y == birth.Year() && m == int(birth.Month())
}

func parseYearMonth(s string) (int, int, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(compact(s)), "月")
	var ys, ms string
	switch {
	case len(s) == 6 && strings.Trim(s, "0123456789") == "":
		ys, ms = s[:4], s[4:]
	default:
		i := strings.IndexAny(s, "-/.年")
		if i < 0 {
			return 0, 0, false
		}
		ys = s[:i]
		ms = strings.TrimLeft(s[i:], "-/.年")
	}
	y, err1 := strconv.Atoi(ys)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || len(ys) != 4 || m < 1 || m > 12 {
		return 0, 0, false
	}
	return y, m, true
}

// DuplicateReason is the 错误原因 of a row whose ID number appeared on an
// earlier row.
func DuplicateReason(first *Sheet, line int) string {
	return "公民身份号码与" + first.Where(line) + "重复"
}

// OutOfScopeReason is the 错误原因 of a row whose person is registered
// outside the importer's scope.
const OutOfScopeReason = "该公民身份号码的人员登记在您管理范围以外的单位，不能在此导入"
