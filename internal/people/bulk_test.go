package people

// Tests of the roster import and export (import*.go and export.go, package roster). They
// run on both engines; the files are made in code.

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/org"
	"shiliu/internal/people/roster"
	"shiliu/internal/people/roster/rostertest"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// bulkClock is the fixture's now: 2026-06-15 in China.
var bulkClock = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

// bulkFix: district D → subdistrict S → committees A (福安里居委会, with
// building groups A1 1号楼组 and A2 2号楼组) and B (新华居民区, B1 1号楼组);
// subdistrict S2 → committee C (东昌社区居委会).
type bulkFix struct {
	ctx            context.Context
	d              *db.DB
	s              *Service
	orgs           *org.Service
	a, b, c        *org.Unit
	a1, a2, b1     *org.Unit
	staffA, admin  *auth.Actor
	sub, sub2, dis *org.Unit
}

func newBulkFix(t *testing.T, d *db.DB) *bulkFix {
	t.Helper()
	ctx := context.Background()
	keys, err := secret.LoadOrCreate(t.TempDir(), secret.SM4)
	if err != nil {
		t.Fatal(err)
	}
	f := &bulkFix{ctx: ctx, d: d, s: New(d, keys), orgs: &org.Service{DB: d}}
	f.s.Now = func() time.Time { return bulkClock }
	mk := func(code, name string, kind org.Kind, parent *org.Unit) *org.Unit {
		t.Helper()
		var pid int64
		if parent != nil {
			pid = parent.ID
		}
		u, err := f.orgs.Create(ctx, auth.System("test"), org.Input{Code: code, Name: name, Kind: kind, ParentID: pid})
		if err != nil {
			t.Fatalf("org %s: %v", code, err)
		}
		return u
	}
	f.dis = mk("D", "测试区", org.District, nil)
	f.sub = mk("S", "石榴街道", org.Subdistrict, f.dis)
	f.a = mk("A", "福安里居委会", org.Committee, f.sub)
	f.b = mk("B", "新华居民区", org.Committee, f.sub)
	f.a1 = mk("A1", "1号楼组", org.BuildingGroup, f.a)
	f.a2 = mk("A2", "2号楼组", org.BuildingGroup, f.a)
	f.b1 = mk("B1", "1号楼组", org.BuildingGroup, f.b)
	f.sub2 = mk("S2", "东昌街道", org.Subdistrict, f.dis)
	f.c = mk("C", "东昌社区居委会", org.Committee, f.sub2)
	f.staffA = &auth.Actor{UserID: 0, Username: "staffA", Role: auth.CommitteeStaff, OrgID: f.a.ID, OrgPath: f.a.Path}
	f.admin = &auth.Actor{Username: "admin", Role: auth.StreetAdmin, OrgID: f.sub.ID, OrgPath: f.sub.Path}
	return f
}

// importData imports a file's bytes as the actor.
func (f *bulkFix) importData(t *testing.T, a *auth.Actor, name string, data []byte, opts ImportOptions) *ImportReport {
	t.Helper()
	rep, err := f.s.ImportRoster(f.ctx, a, name, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	t.Cleanup(func() { rep.Close() })
	return rep
}

// id makes a valid ID number from a region, a birth date and a sequence
// (odd for men).
func id(region, birth, seq string) string {
	s := region + birth + seq
	return s + string(ref.CheckDigit(s))
}

// csvOf writes rows as CSV.
func csvOf(rows ...[]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

func (f *bulkFix) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.d.QueryRow(f.ctx, q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (f *bulkFix) person(t *testing.T, number string) *Person {
	t.Helper()
	p, err := f.s.FindByID(f.ctx, auth.System("test"), number)
	if err != nil {
		t.Fatalf("find %s: %v", number, err)
	}
	return p
}

func (f *bulkFix) reveal(t *testing.T, p *Person, field string) string {
	t.Helper()
	col, ad := "id_enc", adID
	if field == "phone" {
		col, ad = "phone_enc", adPhone
	}
	var enc []byte
	if err := f.d.QueryRow(f.ctx, `SELECT `+col+` FROM persons WHERE id = ?`, p.ID).Scan(&enc); err != nil {
		t.Fatal(err)
	}
	v, err := secret.OpenField(f.s.Keys, ad, enc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func summary(r *ImportReport) string {
	return fmt.Sprintf("rows %d imported %d updated %d unchanged %d rejected %d warnings %d %v",
		r.Rows, r.Imported, r.Updated, r.Unchanged, r.Rejected, r.Warnings, r.RejectedByReason)
}

func wantSummary(t *testing.T, r *ImportReport, rows, imported, updated, unchanged, rejected, warnings int) {
	t.Helper()
	got := [6]int{r.Rows, r.Imported, r.Updated, r.Unchanged, r.Rejected, r.Warnings}
	if got != [6]int{rows, imported, updated, unchanged, rejected, warnings} {
		t.Fatalf("report: %s\nwant rows %d imported %d updated %d unchanged %d rejected %d warnings %d\nrejected: %+v\nwarnings: %+v",
			summary(r), rows, imported, updated, unchanged, rejected, warnings, r.RejectedRows, r.WarningList)
	}
}

// The IDs of the fixtures.
var (
	idMa    = id("110105", "19850312", "123") // 男
	idAyi   = id("650102", "19900101", "246") // 女
	idZhang = id("310104", "19721130", "011") // 男
	idLi    = id("310104", "19750808", "022") // 女
	idOld15 = "310104500101151"               // 15 digits: 1950-01-01, male (1)
	idOld18 = func() string { s := "310104" + "19500101" + "151"; return s + string(ref.CheckDigit(s)) }()
)

func TestRosterNormalisations(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		full := func(s string) string { // full-width digits and X
			return strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' || r == 'X' {
					return r - '!' + 0xFF01
				}
				return r
			}, s)
		}
		lowerX := id("110105", "19800101", "00") + "" // find a number ending in X below
		for i := 0; i < 100; i++ {
			s := fmt.Sprintf("11010519800101%03d", i)
			if ref.CheckDigit(s) == 'X' {
				lowerX = s + "x"
				break
			}
		}
		data := csvOf(
			[]string{"石榴街道少数民族人员花名册（2026年）"},
			[]string{"填表单位：福安里居委会", "", "填表日期：2026-06-01"},
			// Aliases, and a required-field star, a line break and a
			// remark in brackets in titles.
			[]string{"序号", "人员姓名", "性别", "民族成份", "身份证号码*", "出生年月", "手机号码（必填）", "户口类别", "居委", "小区", "家庭住址", "户籍地", "单位",
				"单位类型", "文化程度", "政治面貌", "标签", "家庭编号", "与户主\n关系", "来沪日期", "居住证有效期至", "备注", "无关列"},
			[]string{"1", "马国明", "男", "回", " 110 105 1985 0312 " + idMa[14:], "1985-03-12", "138 1234 5678", "户籍", "福安里", "1号楼组", "浦东南路1号", "", "清真面馆",
				"两新组织", "大学本科", "群众", "志愿者，党员", "H1", "户主", "", "", "", "x"},
			[]string{"2", "阿依古丽•买买提", "女", "05", full(idAyi), "1990/1/1", "021-5888 1234", "流动人口", "A", "", "", "", "", "", "", "", "低保、残疾;独居老人 联络员", "H1", "配偶",
				"2020年3月5日", "20270304", "", ""},
			[]string{"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""}, // empty: skipped
			[]string{"3"}, // only a 序号: skipped
			[]string{"4", "张 三", "", "汉族", strings.ToLower(lowerX), "1980.01.01", "", "暂住", "福安里居民委员会", "A2", "", "", "", "", "", "", "", "", "", "2024.5.6", "46000", "备注一", ""},
			[]string{"5", "老王", "男", "汉", idOld15, "19500101", "", "本地", "新华", "", "", "", "", "社区单位", "", "", "", "", "", "", "", "", ""},
			[]string{"6", "李四", "", "1", idLi, "", "13912345678", "外来", "新华居民区", "", "", "", "", "", "", "", "", "H1", "户主", "", "", "", ""},
		)
		rep := f.importData(t, auth.System("test"), "/tmp/名册.csv", data, ImportOptions{})
		wantSummary(t, rep, 5, 5, 0, 0, 0, 0)
		if rep.File != "名册.csv" || rep.Format != "csv" || len(rep.Sheets) != 1 {
			t.Fatalf("report file %q format %q sheets %q", rep.File, rep.Format, rep.Sheets)
		}
		ma := f.person(t, idMa)
		if ma.Name != "马国明" || ma.Ethnicity != "03" || ma.Kind != Registered || ma.OrgID != f.a.ID || ma.BuildingGroupID != f.a1.ID ||
			ma.CurrentAddress != "浦东南路1号" || ma.Workplace != "清真面馆" || ma.WorkplaceKind != WorkNewOrg || ma.Education != "大学本科" ||
			ma.PoliticalStatus != "群众" || ma.Tags != Tags(TagVolunteer|TagPartyMember) || ma.Sex != 1 || ma.BirthDate != "1985-03-12" || ma.BirthRegion != "110105" {
			t.Fatalf("马国明: %+v", ma)
		}
		if got := f.reveal(t, ma, "phone"); got != "13812345678" {
			t.Fatalf("phone with spaces: %q", got)
		}
		ayi := f.person(t, idAyi)
		if ayi.Name != "阿依古丽·买买提" || ayi.Ethnicity != "05" || ayi.Kind != Floating || ayi.OrgID != f.a.ID || ayi.BuildingGroupID != 0 ||
			ayi.ArrivalDate != "2020-03-05" || ayi.PermitExpiry != "2027-03-04" || ayi.Tags != Tags(TagSubsistence|TagDisabled|TagElderlyAlone|TagLiaison) {
			t.Fatalf("阿依古丽: %+v", ayi)
		}
		if got := f.reveal(t, ayi, "phone"); got != "021-58881234" {
			t.Fatalf("landline: %q", got)
		}
		if got := f.reveal(t, ayi, "id_number"); got != idAyi {
			t.Fatalf("full-width ID stored as %q", got)
		}
		zhang := f.person(t, strings.ToUpper(lowerX))
		if zhang.Name != "张三" || zhang.Ethnicity != "01" || zhang.Kind != Floating || zhang.OrgID != f.a.ID || zhang.BuildingGroupID != f.a2.ID ||
			zhang.ArrivalDate != "2024-05-06" || zhang.PermitExpiry != "2025-12-09" || zhang.Note != "备注一" {
			t.Fatalf("张三 (lower-case x, Excel serial date): %+v", zhang)
		}
		old := f.person(t, idOld18)
		if old.BirthDate != "1950-01-01" || old.Kind != Registered || old.OrgID != f.b.ID || old.WorkplaceKind != WorkLocalUnit {
			t.Fatalf("15-digit number: %+v", old)
		}
		if got := f.reveal(t, old, "id_number"); got != idOld18 {
			t.Fatalf("15-digit number stored as %q, want %q", got, idOld18)
		}
		li := f.person(t, idLi)
		if li.Ethnicity != "01" || li.Kind != Floating || li.OrgID != f.b.ID {
			t.Fatalf("李四: %+v", li)
		}
		// Households: H1 in A holds 马 (head) and 阿依古丽; H1 in B is another
		// household, headed by 李四; 张三 and 老王 are in none.
		if ma.HouseholdID == 0 || ayi.HouseholdID != ma.HouseholdID || li.HouseholdID == 0 || li.HouseholdID == ma.HouseholdID ||
			zhang.HouseholdID != 0 || old.HouseholdID != 0 {
			t.Fatalf("households: 马 %d 阿依古丽 %d 李 %d 张 %d 王 %d", ma.HouseholdID, ayi.HouseholdID, li.HouseholdID, zhang.HouseholdID, old.HouseholdID)
		}
		h, err := f.s.Household(f.ctx, f.admin, ma.HouseholdID)
		if err != nil {
			t.Fatal(err)
		}
		if h.Code != "H1" || h.OrgID != f.a.ID || h.HeadPersonID != ma.ID || h.Size != 2 || !h.Mixed() || h.BuildingGroupID != f.a1.ID || h.Address != "浦东南路1号" {
			t.Fatalf("household: %+v", h)
		}
		if ma.Relation != "户主" || ayi.Relation != "配偶" {
			t.Fatalf("relations %q %q", ma.Relation, ayi.Relation)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM households`); n != 2 {
			t.Fatalf("%d households", n)
		}
		// One audit record for the import, one history entry per person.
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'person'`); n != 1 {
			t.Fatalf("%d import audit records", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log`); n != 1+f.count(t, `SELECT COUNT(*) FROM audit_log WHERE entity = 'org_unit'`) {
			t.Fatalf("audit records per row were written")
		}
		var detail string
		f.d.QueryRow(f.ctx, `SELECT detail FROM audit_log WHERE action = 'import'`).Scan(&detail)
		if !strings.Contains(detail, `"file":"名册.csv"`) || !strings.Contains(detail, `"imported":5`) {
			t.Fatalf("audit detail %s", detail)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM person_events WHERE kind = 'imported'`); n != 5 {
			t.Fatalf("%d imported events", n)
		}
		// Search finds imported persons by pinyin initials.
		list, _, err := f.s.Search(f.ctx, f.admin, Filter{Q: "mgm"})
		if err != nil || len(list) != 1 || list[0].ID != ma.ID {
			t.Fatalf("search mgm: %v %v", list, err)
		}
	})
}

// header is the template's header as a row.
func header() []string { return append([]string(nil), roster.Columns[:]...) }

// row makes a template row from field values.
func row(vals map[roster.Field]string) []string {
	r := make([]string, roster.NumFields)
	for f, v := range vals {
		r[f] = v
	}
	return r
}

func rejectedReason(t *testing.T, rep *ImportReport, line int) RejectedRow {
	t.Helper()
	for _, r := range rep.RejectedRows {
		if r.Line == line {
			return r
		}
	}
	t.Fatalf("line %d not rejected: %+v", line, rep.RejectedRows)
	return RejectedRow{}
}

func TestRosterRejections(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		// Another 新华居民区, in the other subdistrict: the name alone is
		// ambiguous for the command line.
		if _, err := f.orgs.Create(f.ctx, auth.System("test"), org.Input{Code: "B2", Name: "新华居民区", Kind: org.Committee, ParentID: f.sub2.ID}); err != nil {
			t.Fatal(err)
		}
		ok := func(name, number, committee string) []string {
			return row(map[roster.Field]string{roster.FName: name, roster.FID: number, roster.FEthnicity: "回族", roster.FCommittee: committee})
		}
		badCheck := idMa[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", idMa[17])+1)%11])
		badDate := func() string { s := "11010519850230123"; return s + string(ref.CheckDigit(s)) }()
		long := strings.Repeat("长", 201)
		data := csvOf(
			header(),
			ok("", idMa, "A"),               // 2 name_missing
			ok("马一", "", "A"),               // 3 id_missing
			ok("马二", "1.10105E+17", "A"),    // 4 id_precision_lost
			ok("马三", badCheck, "A"),         // 5 id_invalid: check digit
			ok("马四", badDate, "A"),          // 6 id_invalid: 2 February 30
			ok("马五", "11010519850312", "A"), // 7 id_invalid: 14 digits
			row(map[roster.Field]string{roster.FName: "马六", roster.FID: idAyi, roster.FEthnicity: "拉牯族", roster.FCommittee: "A"}),  // 8
			row(map[roster.Field]string{roster.FName: "马七", roster.FID: idZhang, roster.FEthnicity: "火星", roster.FCommittee: "A"}), // 9
			row(map[roster.Field]string{roster.FName: "马八", roster.FID: idLi, roster.FCommittee: "A"}),                             // 10 ethnicity empty
			ok("马九", id("110105", "19600101", "013"), "不存在居委会"),                                                                    // 11 committee_unknown
			ok("马十", id("110105", "19600101", "025"), "新华"),                                                                        // 12 ambiguous
			ok("马十一", id("110105", "19600101", "037"), ""),                                                                         // 13 empty, several committees
			ok("马国明", idMa, "A"),   // 14 accepted (row 2 was rejected, but the ID was read)
			ok("马国明", idMa, "B"),   // 15 duplicate_in_file
			ok("老王", idOld18, "B"), // 16 accepted
			ok("老王", idOld15, "B"), // 17 duplicate: the same number in 15 digits
			append(ok("马十二", id("110105", "19600101", "049"), "A")[:roster.FCurrentAddr], append([]string{long}, make([]string, roster.NumFields-int(roster.FCurrentAddr)-1)...)...), // 18 too_long
			ok("东昌", id("110105", "19600101", "051"), "东昌"), // 19 accepted: C by stripped name
			ok("新华", id("110105", "19600101", "063"), "b"),  // 20 accepted: B by code, any case
		)
		rep := f.importData(t, auth.System("test"), "rej.csv", data, ImportOptions{})
		wantSummary(t, rep, 19, 3, 0, 0, 16, 0)
		want := map[string]int{"name_missing": 1, "id_missing": 1, "id_precision_lost": 1, "id_invalid": 3, "ethnicity_unknown": 3,
			"committee_unknown": 3, "duplicate_in_file": 3, "too_long": 1}
		if fmt.Sprint(rep.RejectedByReason) != fmt.Sprint(want) {
			t.Fatalf("by reason %v, want %v", rep.RejectedByReason, want)
		}
		for line, want := range map[int]string{
			2: "姓名为空", 3: "公民身份号码为空", 4: "存成了数字", 5: "校验位", 6: "出生日期", 7: "18 位",
			8: "民族“拉牯族”无法识别，是否为“拉祜族”？", 9: "民族“火星”无法识别", 10: "民族为空",
			11: "所属居委“不存在居委会”不存在", 12: "对应多个居委，请填写居委编码", 13: "所属居委为空",
			14: "公民身份号码与第2行重复", 15: "公民身份号码与第2行重复", 17: "公民身份号码与第16行重复", 18: "现居住地址过长",
		} {
			if r := rejectedReason(t, rep, line); !strings.Contains(r.Reason, want) {
				t.Errorf("line %d: reason %q, want %q", line, r.Reason, want)
			}
		}
		if r := rejectedReason(t, rep, 4); r.Code != "id_precision_lost" || r.Cells[roster.FID] != "1.10105E+17" || r.Cells[roster.FName] != "马二" {
			t.Errorf("rejected row keeps its cells: %+v", r)
		}
		// No ID number is written into a reason.
		for _, r := range rep.RejectedRows {
			if strings.Contains(r.Reason, idMa) || strings.Contains(r.Reason, badCheck) {
				t.Errorf("reason shows an ID number: %q", r.Reason)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM persons`); n != 3 {
			t.Fatalf("%d persons", n)
		}
		if p := f.person(t, id("110105", "19600101", "051")); p.OrgID != f.c.ID {
			t.Fatalf("东昌 → C: %+v", p)
		}

		// A committee's staff: an empty 所属居委 is their committee; other
		// committees are unknown to them; a person registered elsewhere
		// is out of their scope.
		rep = f.importData(t, f.staffA, "a.csv", csvOf(header(),
			ok("甲一", id("310104", "19700101", "011"), ""),
			ok("甲二", id("310104", "19700101", "023"), "新华居民区"),
			ok("老王", idOld18, ""),
			ok("东昌", id("110105", "19600101", "051"), "福安里"),
		), ImportOptions{})
		wantSummary(t, rep, 4, 1, 0, 0, 3, 0)
		if rep.RejectedByReason["committee_unknown"] != 1 || rep.RejectedByReason["out_of_scope"] != 2 {
			t.Fatalf("by reason %v", rep.RejectedByReason)
		}
		if r := rejectedReason(t, rep, 4); !strings.Contains(r.Reason, "管理范围以外") {
			t.Fatalf("out of scope: %+v", r)
		}
		if p := f.person(t, id("310104", "19700101", "011")); p.OrgID != f.a.ID {
			t.Fatalf("empty committee: %+v", p)
		}
		if p := f.person(t, idOld18); p.OrgID != f.b.ID {
			t.Fatalf("out-of-scope person changed: %+v", p)
		}
	})
}

func TestRosterWarnings(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		hdr := header()
		hdr[roster.FBirth] = "出生年月"
		rows := [][]string{hdr,
			// 2: sex and birth date contradict the ID (男, 1985-03-12).
			row(map[roster.Field]string{roster.FName: "马国明", roster.FID: idMa, roster.FEthnicity: "回", roster.FSex: "女", roster.FBirth: "1985-03-13", roster.FCommittee: "A"}),
			// 3: a year and month that agree, a bad phone, an unknown tag
			// beside a known one, an unknown building group.
			row(map[roster.Field]string{roster.FName: "阿依古丽", roster.FID: idAyi, roster.FEthnicity: "维吾尔族", roster.FSex: "女", roster.FBirth: "1990.01",
				roster.FPhone: "12345", roster.FTags: "党员 热心人", roster.FBuildingGroup: "9号楼组", roster.FCommittee: "A"}),
			// 4: a year and month that do not agree; unknown workplace kind,
			// registration kind and dates.
			row(map[roster.Field]string{roster.FName: "张三", roster.FID: idZhang, roster.FEthnicity: "汉", roster.FBirth: "1972年12月", roster.FWorkplaceKind: "国企",
				roster.FKind: "其他", roster.FArrival: "2020-13-01", roster.FPermitExpiry: "明年", roster.FCommittee: "A"}),
		}
		rep := f.importData(t, auth.System("test"), "w.csv", csvOf(rows...), ImportOptions{})
		wantSummary(t, rep, 3, 3, 0, 0, 0, 10)
		var got []string
		for _, w := range rep.WarningList {
			got = append(got, fmt.Sprintf("%d %s", w.Line, w.Key))
		}
		keys := map[string]int{}
		for _, w := range rep.WarningList {
			keys[w.Key]++
		}
		wantKeys := map[string]int{"sex_mismatch": 1, "birth_mismatch": 2, "phone_invalid": 1, "tag_unknown": 1, "building_group_unknown": 1,
			"workplace_kind_unknown": 1, "kind_unknown": 1, "date_invalid": 2}
		if fmt.Sprint(keys) != fmt.Sprint(wantKeys) {
			t.Fatalf("warnings %v, want %v", got, wantKeys)
		}
		msgs := map[string]string{}
		for _, w := range rep.WarningList {
			msgs[fmt.Sprintf("%d %s", w.Line, w.Key)] += w.Message("zh") + "|"
		}
		for k, want := range map[string]string{
			"2 sex_mismatch":           "性别“女”与公民身份号码不符，已按身份证号码记为男",
			"2 birth_mismatch":         "出生日期“1985-03-13”与公民身份号码不符，已按身份证号码记为1985-03-12",
			"3 phone_invalid":          "联系电话不是有效的手机或固定电话号码，未导入",
			"3 tag_unknown":            "人员标签“热心人”无法识别",
			"3 building_group_unknown": "楼组“9号楼组”在该居委下不存在，楼组留空",
			"4 date_invalid":           "到达日期“2020-13-01”不是有效日期，未导入|居住证到期日期“明年”不是有效日期，未导入|",
		} {
			if !strings.Contains(msgs[k], want) {
				t.Errorf("%s: %q, want %q", k, msgs[k], want)
			}
		}
		if w := rep.WarningList[0]; w.Where() != "第2行" || w.Message("en") == "" {
			t.Errorf("where %q", w.Where())
		}
		ma := f.person(t, idMa)
		if ma.Sex != 1 || ma.BirthDate != "1985-03-12" {
			t.Fatalf("the ID wins: %+v", ma)
		}
		ayi := f.person(t, idAyi)
		if ayi.HasPhone() || ayi.Tags != Tags(TagPartyMember) || ayi.BuildingGroupID != 0 || ayi.OrgID != f.a.ID {
			t.Fatalf("dropped values: %+v", ayi)
		}
		zhang := f.person(t, idZhang)
		if zhang.Kind != Registered || zhang.WorkplaceKind != WorkNone || zhang.ArrivalDate != "" || zhang.PermitExpiry != "" {
			t.Fatalf("dropped values: %+v", zhang)
		}
	})
}

// snapshot is what re-importing must not change.
func (f *bulkFix) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, org_id, COALESCE(building_group_id, 0), COALESCE(household_id, 0), relation, name, pinyin, phone_index, phone_masked, ethnicity,
			kind, current_address, registered_address, workplace, workplace_kind, education, political_status, tags, note, arrival_date, permit_expiry,
			status, version, updated_at FROM persons ORDER BY id`,
		`SELECT id, org_id, code, COALESCE(head_person_id, 0), version, updated_at FROM households ORDER BY id`,
		`SELECT person_id, kind, note FROM person_events ORDER BY id`,
	} {
		rows, err := f.d.Query(f.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func TestRosterUpdateAndUnchanged(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		first := csvOf(header(),
			row(map[roster.Field]string{roster.FName: "马国明", roster.FID: idMa, roster.FEthnicity: "回族", roster.FCommittee: "A", roster.FBuildingGroup: "1号楼组",
				roster.FPhone: "13812345678", roster.FCurrentAddr: "浦东南路1号", roster.FWorkplace: "清真面馆", roster.FTags: "志愿者", roster.FEducation: "高中",
				roster.FHousehold: "H1", roster.FRelation: "户主", roster.FNote: "=老住户"}),
			row(map[roster.Field]string{roster.FName: "阿依古丽", roster.FID: idAyi, roster.FEthnicity: "维吾尔族", roster.FCommittee: "A", roster.FKind: "流动",
				roster.FHousehold: "H1", roster.FRelation: "配偶", roster.FArrival: "2020-03-05"}),
			row(map[roster.Field]string{roster.FName: "张三", roster.FID: idZhang, roster.FEthnicity: "汉族", roster.FCommittee: "B"}),
		)
		rep := f.importData(t, auth.System("test"), "first.csv", first, ImportOptions{})
		wantSummary(t, rep, 3, 3, 0, 0, 0, 0)
		before := f.snapshot(t)
		// The same file again changes nothing (but is audited).
		rep = f.importData(t, auth.System("test"), "first.csv", first, ImportOptions{})
		wantSummary(t, rep, 3, 0, 0, 3, 0, 0)
		if after := f.snapshot(t); after != before {
			t.Fatalf("re-import changed the registry:\n%s\n---\n%s", before, after)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'import'`); n != 2 {
			t.Fatalf("%d import audit records", n)
		}
		ma0 := f.person(t, idMa)

		// Non-empty values update; empty cells keep what is there.
		second := csvOf(header(),
			row(map[roster.Field]string{roster.FName: "马 国 明", roster.FID: idMa, roster.FEthnicity: "03", roster.FCommittee: "福安里居委会",
				roster.FPhone: "139-1234-5678", roster.FTags: "志愿者、党员"}),
			// Moves to committee B; its old building group goes.
			row(map[roster.Field]string{roster.FName: "阿依古丽·买买提", roster.FID: idAyi, roster.FEthnicity: "5", roster.FCommittee: "B", roster.FBuildingGroup: "1号楼组",
				roster.FPermitExpiry: "2027-01-31"}),
			row(map[roster.Field]string{roster.FName: "张三", roster.FID: idZhang, roster.FEthnicity: "汉", roster.FCommittee: "新华居民区", roster.FKind: "户籍"}),
		)
		rep = f.importData(t, auth.System("test"), "second.csv", second, ImportOptions{})
		wantSummary(t, rep, 3, 0, 2, 1, 0, 0)
		ma := f.person(t, idMa)
		if ma.Name != "马国明" || ma.Tags != Tags(TagVolunteer|TagPartyMember) || ma.CurrentAddress != "浦东南路1号" || ma.Workplace != "清真面馆" ||
			ma.Education != "高中" || ma.BuildingGroupID != f.a1.ID || ma.Note != "=老住户" || ma.HouseholdID != ma0.HouseholdID || ma.Relation != "户主" ||
			ma.Version != ma0.Version+1 {
			t.Fatalf("马国明 after update: %+v", ma)
		}
		if got := f.reveal(t, ma, "phone"); got != "13912345678" {
			t.Fatalf("phone %q", got)
		}
		ayi := f.person(t, idAyi)
		if ayi.Name != "阿依古丽·买买提" || ayi.OrgID != f.b.ID || ayi.BuildingGroupID != f.b1.ID || ayi.Kind != Floating || ayi.ArrivalDate != "2020-03-05" ||
			ayi.PermitExpiry != "2027-01-31" || ayi.HouseholdID != ma.HouseholdID {
			t.Fatalf("阿依古丽 after update: %+v", ayi)
		}
		list, _, err := f.s.Search(f.ctx, f.admin, Filter{Q: "aygl"})
		if err != nil || len(list) != 1 {
			t.Fatalf("pinyin follows the new name: %v %v", list, err)
		}
		evs, err := f.s.Events(f.ctx, f.admin, ayi.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range evs {
			kinds = append(kinds, e.Kind+":"+e.FromOrg+">"+e.ToOrg)
		}
		if !slices.Contains(kinds, "moved:福安里居委会>新华居民区") || !slices.Contains(kinds, "imported:>福安里居委会") {
			t.Fatalf("history %v", kinds)
		}
		before = f.snapshot(t)
		rep = f.importData(t, auth.System("test"), "second.csv", second, ImportOptions{})
		wantSummary(t, rep, 3, 0, 0, 3, 0, 0)
		if after := f.snapshot(t); after != before {
			t.Fatalf("re-import of the second file changed the registry")
		}
	})
}

func TestRosterHouseholds(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		p := func(name, number, committee, code, rel string) []string {
			return row(map[roster.Field]string{roster.FName: name, roster.FID: number, roster.FEthnicity: "回", roster.FCommittee: committee,
				roster.FHousehold: code, roster.FRelation: rel})
		}
		n1, n2, n3, n4, n5, n6 := id("310104", "19600101", "011"), id("310104", "19620101", "022"), id("310104", "19900101", "031"),
			id("310104", "19700101", "041"), id("310104", "19720101", "052"), id("310104", "19750101", "061")
		rep := f.importData(t, auth.System("test"), "h.csv", csvOf(header(),
			p("父", n1, "A", "101", "户主"),
			p("母", n2, "A", "101", "配偶"),
			p("子", n3, "A", "101", "户主"), // a second head: a warning, not head
			p("甲", n4, "B", "101", "户主"), // the same 户号 in another committee
			p("乙", n5, "A", "", "户主"),    // no 户号: no household
			p("丙", n6, "A", "102", "女"),  // a household without head
		), ImportOptions{})
		wantSummary(t, rep, 6, 6, 0, 0, 0, 1)
		if w := rep.WarningList[0]; w.Key != roster.WarnHeadDuplicate || w.Line != 4 || !strings.Contains(w.Message("zh"), "第2行") {
			t.Fatalf("warning %+v %s", w, w.Message("zh"))
		}
		fa, mo, so, ja, yi, bi := f.person(t, n1), f.person(t, n2), f.person(t, n3), f.person(t, n4), f.person(t, n5), f.person(t, n6)
		h, err := f.s.Household(f.ctx, f.admin, fa.HouseholdID)
		if err != nil {
			t.Fatal(err)
		}
		if h.HeadPersonID != fa.ID || h.Size != 3 || mo.HouseholdID != h.ID || so.HouseholdID != h.ID || so.Relation != "" || h.Code != "101" {
			t.Fatalf("household 101 in A: %+v; son %+v", h, so)
		}
		if ja.HouseholdID == 0 || ja.HouseholdID == h.ID || yi.HouseholdID != 0 || yi.Relation != "" || bi.HouseholdID == 0 {
			t.Fatalf("甲 %d 乙 %d 丙 %d", ja.HouseholdID, yi.HouseholdID, bi.HouseholdID)
		}
		h2, _ := f.s.Household(f.ctx, f.admin, bi.HouseholdID)
		if h2.HeadPersonID != 0 {
			t.Fatalf("no head: %+v", h2)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM households`); n != 3 {
			t.Fatalf("%d households", n)
		}

		// A later roster: the son heads 101 now (the father is no longer
		// head), 丙 heads 102, 乙 joins 102, and 甲 moves from B's 101 to a
		// new household 103 in B, leaving B's 101 without a head.
		rep = f.importData(t, auth.System("test"), "h2.csv", csvOf(header(),
			p("子", n3, "A", "101", "户主"),
			p("丙", n6, "A", "102", "户主"),
			p("乙", n5, "A", "102", "子"),
			p("甲", n4, "B", "103", "户主"),
		), ImportOptions{})
		wantSummary(t, rep, 4, 0, 4, 0, 0, 0)
		fa, so, ja, yi, bi = f.person(t, n1), f.person(t, n3), f.person(t, n4), f.person(t, n5), f.person(t, n6)
		h, _ = f.s.Household(f.ctx, f.admin, fa.HouseholdID)
		if h.HeadPersonID != so.ID || fa.Relation != "" || so.Relation != "户主" {
			t.Fatalf("new head: %+v; father %q son %q", h, fa.Relation, so.Relation)
		}
		h2, _ = f.s.Household(f.ctx, f.admin, bi.HouseholdID)
		if h2.HeadPersonID != bi.ID || yi.HouseholdID != bi.HouseholdID || h2.Size != 2 {
			t.Fatalf("102: %+v", h2)
		}
		var oldHead sql.NullInt64
		if err := f.d.QueryRow(f.ctx, `SELECT head_person_id FROM households WHERE org_id = ? AND code = '101'`, f.b.ID).Scan(&oldHead); err != nil || oldHead.Valid {
			t.Fatalf("B's 101 keeps head %v (%v)", oldHead, err)
		}
		h3, _ := f.s.Household(f.ctx, f.admin, ja.HouseholdID)
		if h3.Code != "103" || h3.HeadPersonID != ja.ID {
			t.Fatalf("103: %+v", h3)
		}
		evs, _ := f.s.Events(f.ctx, f.admin, ja.ID)
		if evs[0].Kind != "household" {
			t.Fatalf("household change not in history: %+v", evs)
		}
		before := f.snapshot(t)
		rep = f.importData(t, auth.System("test"), "h2.csv", csvOf(header(),
			p("子", n3, "A", "101", "户主"),
			p("丙", n6, "A", "102", "户主"),
			p("乙", n5, "A", "102", "子"),
			p("甲", n4, "B", "103", "户主"),
		), ImportOptions{})
		wantSummary(t, rep, 4, 0, 0, 4, 0, 0)
		if f.snapshot(t) != before {
			t.Fatal("re-import changed households")
		}
	})
}

func TestRosterDryRun(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		data := csvOf(header(),
			row(map[roster.Field]string{roster.FName: "马国明", roster.FID: idMa, roster.FEthnicity: "回族", roster.FCommittee: "A", roster.FHousehold: "1", roster.FRelation: "户主"}),
			row(map[roster.Field]string{roster.FName: "阿依古丽", roster.FID: idAyi, roster.FEthnicity: "维吾尔族", roster.FCommittee: "A", roster.FHousehold: "1"}),
			row(map[roster.Field]string{roster.FName: "", roster.FID: idZhang, roster.FEthnicity: "汉族", roster.FCommittee: "A"}),
			row(map[roster.Field]string{roster.FName: "李", roster.FID: idMa, roster.FEthnicity: "汉族", roster.FCommittee: "A"}),
		)
		counts := func() string {
			return fmt.Sprint(f.count(t, `SELECT COUNT(*) FROM persons`), f.count(t, `SELECT COUNT(*) FROM households`),
				f.count(t, `SELECT COUNT(*) FROM person_events`), f.count(t, `SELECT COUNT(*) FROM audit_log`))
		}
		empty := counts()
		rep := f.importData(t, auth.System("test"), "d.csv", data, ImportOptions{DryRun: true})
		wantSummary(t, rep, 4, 2, 0, 0, 2, 0)
		if !rep.DryRun || counts() != empty {
			t.Fatalf("dry run wrote: %s → %s", empty, counts())
		}
		var buf bytes.Buffer
		if err := rep.WriteErrors(&buf); err != nil || buf.Len() == 0 {
			t.Fatalf("errors workbook of a dry run: %v", err)
		}
		real := f.importData(t, auth.System("test"), "d.csv", data, ImportOptions{})
		if real.ImportSummary.String() != rep.ImportSummary.String() {
			t.Fatalf("dry run %s, real %s", rep.ImportSummary.String(), real.ImportSummary.String())
		}
		full := counts()
		rep = f.importData(t, auth.System("test"), "d.csv", csvOf(header(),
			row(map[roster.Field]string{roster.FName: "马国明", roster.FID: idMa, roster.FEthnicity: "回族", roster.FCommittee: "B"}),
			row(map[roster.Field]string{roster.FName: "阿依古丽", roster.FID: idAyi, roster.FEthnicity: "维吾尔族", roster.FCommittee: "A", roster.FHousehold: "1"}),
			row(map[roster.Field]string{roster.FName: "张三", roster.FID: idZhang, roster.FEthnicity: "汉族", roster.FCommittee: "A", roster.FHousehold: "2", roster.FRelation: "户主"}),
		), ImportOptions{DryRun: true})
		wantSummary(t, rep, 3, 1, 1, 1, 0, 0)
		if counts() != full {
			t.Fatal("dry run wrote")
		}
	})
}

// xlsxRoster builds the workbook of TestRosterXLSX: an instructions sheet,
// a sheet with a title row and merged cells above the header (row 3) and a
// numeric ID cell, a second data sheet with aliases whose header is in row
// 1, and a sheet whose header-like row is below row 10.
func xlsxRoster(t *testing.T) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "填写说明")
	x.SetCellValue("填写说明", "A1", "请按模板填写，民族写全称。")
	x.SetCellValue("填写说明", "A2", "姓名、民族、公民身份号码为必填项")

	x.NewSheet("一组")
	x.SetCellValue("一组", "A1", "石榴街道少数民族人员花名册")
	x.MergeCell("一组", "A1", "H1")
	x.SetCellValue("一组", "A2", "填报单位：福安里居委会")
	x.MergeCell("一组", "A2", "D2")
	x.SetSheetRow("一组", "A3", &[]any{"序号", "姓名", "性别", "民族", "公民身份号码", "出生日期", "联系电话", "所属居委", "户号", "与户主关系", "到达日期"})
	text, _ := x.NewStyle(&excelize.Style{NumFmt: 49})
	date, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
	x.SetCellStyle("一组", "E4", "E20", text)
	x.SetSheetRow("一组", "A4", &[]any{1, "马国明", "男", "回族", idMa, "1985-03-12", 13812345678, "福安里", "H1", "户主"})
	// An ID number Excel stored as a number: its last digits are gone.
	x.SetSheetRow("一组", "A5", &[]any{2, "阿依古丽·买买提", "女", "维吾尔族", nil, nil, nil, "福安里", "H1", "配偶"})
	x.SetCellValue("一组", "E5", 650102199001012460.0)
	x.SetCellStyle("一组", "E5", "E5", 0)
	// A real Excel date in a date column, and a numeric 15-digit number.
	x.SetSheetRow("一组", "A6", &[]any{3, "张三", "男", "汉", idZhang, nil, "021 5888 1234", "A", "", "", nil})
	x.SetCellValue("一组", "K6", time.Date(2020, 3, 5, 0, 0, 0, 0, time.UTC))
	x.SetCellStyle("一组", "K6", "K6", date)
	x.SetSheetRow("一组", "A7", &[]any{4}) // only a 序号
	x.SetSheetRow("一组", "A9", &[]any{5, "=错误", "女", "拉牯族", idLi, "", "", "A"})

	x.NewSheet("二组")
	x.SetSheetRow("二组", "A1", &[]any{"名字", "族别", "身份证号", "居委会", "标签", "备注"})
	x.SetSheetRow("二组", "A2", &[]any{"老王", "汉族", idOld15, "新华", "志愿者", ""})
	x.SetSheetRow("二组", "A3", &[]any{"马国明", "回", idMa, "A", "", "重复"})

	x.NewSheet("统计")
	x.SetSheetRow("统计", "A12", &[]any{"姓名", "民族", "人数"})
	x.SetSheetRow("统计", "A13", &[]any{"合计", "", 3})
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRosterXLSX(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		rep := f.importData(t, auth.System("test"), "名册.xlsx", xlsxRoster(t), ImportOptions{})
		wantSummary(t, rep, 6, 3, 0, 0, 3, 0)
		if rep.Format != "xlsx" || fmt.Sprint(rep.Sheets) != "[一组 二组]" {
			t.Fatalf("format %s sheets %q", rep.Format, rep.Sheets)
		}
		if fmt.Sprint(rep.RejectedByReason) != "map[duplicate_in_file:1 ethnicity_unknown:1 id_precision_lost:1]" {
			t.Fatalf("by reason %v", rep.RejectedByReason)
		}
		if r := rep.RejectedRows[0]; r.Sheet != "一组" || r.Line != 5 || r.Code != "id_precision_lost" {
			t.Fatalf("numeric ID: %+v", r)
		}
		if r := rep.RejectedRows[2]; r.Sheet != "二组" || r.Line != 3 || !strings.Contains(r.Reason, "工作表“一组”第4行") {
			t.Fatalf("duplicate across sheets: %+v", r)
		}
		ma := f.person(t, idMa)
		if got := f.reveal(t, ma, "phone"); got != "13812345678" || ma.HouseholdID == 0 || ma.BirthDate != "1985-03-12" {
			t.Fatalf("numeric phone %q, %+v", got, ma)
		}
		if z := f.person(t, idZhang); z.ArrivalDate != "2020-03-05" || z.OrgID != f.a.ID {
			t.Fatalf("Excel date: %+v", z)
		}
		if old := f.person(t, idOld18); old.OrgID != f.b.ID || old.Tags != Tags(TagVolunteer) {
			t.Fatalf("second sheet: %+v", old)
		}

		// The errors workbook: a sheet per roster sheet, its header with
		// 错误原因 first, every rejected row with all its cells as text.
		var buf bytes.Buffer
		if err := rep.WriteErrors(&buf); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if fmt.Sprint(x.GetSheetList()) != "[一组 二组]" {
			t.Fatalf("errors sheets %v", x.GetSheetList())
		}
		rows, _ := x.GetRows("一组")
		if len(rows) != 3 || rows[0][0] != "错误原因" || rows[0][1] != "序号" || rows[0][5] != "公民身份号码" {
			t.Fatalf("errors sheet 一组: %q", rows)
		}
		if !strings.HasPrefix(rows[1][0], "工作表“一组”第5行：公民身份号码被 Excel 存成了数字") || rows[1][2] != "阿依古丽·买买提" || rows[1][5] != "650102199001012000" {
			t.Fatalf("row of the numeric ID: %q", rows[1])
		}
		if !strings.Contains(rows[2][0], "是否为“拉祜族”") || rows[2][2] != "'=错误" {
			t.Fatalf("row 9: %q", rows[2])
		}
		for _, cell := range []string{"F2", "F3", "C3"} {
			if typ, _ := x.GetCellType("一组", cell); typ != excelize.CellTypeInlineString {
				t.Errorf("%s is not text: %v", cell, typ)
			}
			if f, _ := x.GetCellFormula("一组", cell); f != "" {
				t.Errorf("%s has a formula %q", cell, f)
			}
		}
		rows2, _ := x.GetRows("二组")
		if len(rows2) != 2 || rows2[0][0] != "错误原因" || rows2[0][1] != "名字" || rows2[1][6] != "重复" {
			t.Fatalf("errors sheet 二组: %q", rows2)
		}

		// Fixed in the errors workbook, the rows import as they are (the
		// 错误原因 column is ignored; the apostrophe of =错误 goes).
		x.SetCellStr("一组", "F2", idAyi)
		x.SetCellStr("一组", "E3", "拉祜族")
		var fixed bytes.Buffer
		x.WriteTo(&fixed)
		rep = f.importData(t, auth.System("test"), "名册.errors.xlsx", fixed.Bytes(), ImportOptions{})
		// (马国明's second row, 备注 重复, now updates the note.)
		wantSummary(t, rep, 3, 2, 1, 0, 0, 0)
		if li := f.person(t, idLi); li.Name != "=错误" || li.Ethnicity != "24" {
			t.Fatalf("fixed row: %+v", li)
		}
		if ayi := f.person(t, idAyi); ayi.HouseholdID != ma.HouseholdID || ayi.Relation != "配偶" {
			t.Fatalf("fixed row joins the household: %+v", ayi)
		}
	})
}

func TestRosterEncodings(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		text := "序号,姓名,民族,公民身份号码,所属居委,现居住地址\n1,马国明,回族," + idMa + ",福安里居委会,浦东南路1号（东）\n"
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		rep := f.importData(t, auth.System("test"), "gbk.csv", []byte(gbk), ImportOptions{})
		wantSummary(t, rep, 1, 1, 0, 0, 0, 0)
		if p := f.person(t, idMa); p.Name != "马国明" || p.CurrentAddress != "浦东南路1号（东）" {
			t.Fatalf("GBK: %+v", p)
		}
		// UTF-8 with a BOM, tab-separated (Excel's Unicode text).
		tsv := "\ufeff姓名\t民族\t公民身份号码\t所属居委\n阿依古丽\t维吾尔族\t" + idAyi + "\tA\n"
		rep = f.importData(t, auth.System("test"), "bom.csv", []byte(tsv), ImportOptions{})
		wantSummary(t, rep, 1, 1, 0, 0, 0, 0)
		if p := f.person(t, idAyi); p.Name != "阿依古丽" {
			t.Fatalf("BOM: %+v", p)
		}
	})
}

func TestRosterFileErrors(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newBulkFix(t, d)
	try := func(name string, data []byte, lim roster.Limits) string {
		t.Helper()
		rep, err := f.s.ImportRoster(f.ctx, auth.System("test"), name, bytes.NewReader(data), int64(len(data)), ImportOptions{Limits: lim})
		if err == nil {
			t.Fatalf("%s: imported %s", name, summary(rep))
		}
		if errs.KindOf(err) != errs.Invalid {
			t.Fatalf("%s: %v is not Invalid", name, err)
		}
		var re *roster.Error
		if !errors.As(err, &re) {
			t.Fatalf("%s: %v", name, err)
		}
		return re.Key
	}
	good := xlsxRoster(t)
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)
	macro := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		for _, zf := range zr.File {
			w, _ := zw.Create(zf.Name)
			r, _ := zf.Open()
			io.Copy(w, r)
			r.Close()
		}
		w, _ := zw.Create("xl/vbaProject.bin")
		w.Write([]byte("macro"))
		zw.Close()
		return b.Bytes()
	}()
	bomb := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		for _, zf := range zr.File {
			w, _ := zw.Create(zf.Name)
			r, _ := zf.Open()
			io.Copy(w, r)
			r.Close()
		}
		zw.Close()
		return b.Bytes()
	}()
	for _, c := range []struct {
		name string
		data []byte
		lim  roster.Limits
		want string
	}{
		{"a.xls", ole, roster.Limits{}, roster.ErrFormat},
		{"a.xlsx", ole, roster.Limits{}, roster.ErrEncrypted},
		{"a.xlsm", good, roster.Limits{}, roster.ErrFormat},
		{"a.xlsx", macro, roster.Limits{}, roster.ErrMacro},
		{"a.xlsx", []byte("姓名,民族\n"), roster.Limits{}, roster.ErrUnreadable},
		{"a.csv", good, roster.Limits{}, roster.ErrFormat},
		{"a.txt", []byte("姓名,民族\n"), roster.Limits{}, roster.ErrFormat},
		{"a.csv", []byte("序号,名称,编码\n1,x,y\n"), roster.Limits{}, roster.ErrNoHeader},
		{"a.xlsx", good[:len(good)/2], roster.Limits{}, roster.ErrUnreadable},
		{"a.csv", csvOf(header(), row(map[roster.Field]string{roster.FName: "a"}), row(map[roster.Field]string{roster.FName: "b"})), roster.Limits{MaxCSVRows: 1}, roster.ErrTooManyRows},
		{"a.csv", bytes.Repeat([]byte("x"), 2<<20), roster.Limits{MaxCSVBytes: 1 << 20}, roster.ErrTooLarge},
		{"a.xlsx", good, roster.Limits{MaxXLSXBytes: 1000}, roster.ErrTooLarge},
		{"a.xlsx", bomb, roster.Limits{MaxUnzipBytes: 2000}, roster.ErrUnzipLimit},
	} {
		if got := try(c.name, c.data, c.lim); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// A header only: read, nothing to do.
	rep := f.importData(t, auth.System("test"), "empty.csv", csvOf(header()), ImportOptions{})
	wantSummary(t, rep, 0, 0, 0, 0, 0, 0)
}

// fixtureCommittees are the fixture's committees for the generator.
func fixtureCommittees() []rostertest.Committee {
	return []rostertest.Committee{
		{Code: "A", Name: "福安里居委会", Groups: []rostertest.Group{{Code: "A1", Name: "1号楼组"}, {Code: "A2", Name: "2号楼组"}}},
		{Code: "B", Name: "新华居民区", Groups: []rostertest.Group{{Code: "B1", Name: "1号楼组"}}},
	}
}

func generated(t *testing.T, n int, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := rostertest.WriteCSV(&b, rostertest.Options{Seed: seed, Rows: n, Committees: fixtureCommittees(), ErrorRate: 0.01}, false); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// state is the registry's content for comparisons.
func (f *bulkFix) state(t *testing.T) string {
	t.Helper()
	return fmt.Sprint(f.snapshot(t), f.count(t, `SELECT COUNT(*) FROM audit_log`),
		f.count(t, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'`))
}

func TestRosterCrashMidway(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newBulkFix(t, d)
	f.importData(t, auth.System("test"), "first.csv", generated(t, 300, 1), ImportOptions{})
	before := f.state(t)
	data := generated(t, 3000, 2)
	for _, bulk := range []bool{false, true} {
		t.Run(fmt.Sprint("bulk=", bulk), func(t *testing.T) {
			staged := false
			var opts ImportOptions
			if bulk {
				opts = ImportOptions{bulkMinRows: 100, onBulk: func() { staged = true }}
			}
			defer func() {
				if staged != bulk {
					t.Errorf("bulk %v, staged %v", bulk, staged)
				}
			}()
			// A failure after 1500 rows.
			failing := opts
			failing.failAfter = 1500
			_, err := f.s.ImportRoster(f.ctx, auth.System("test"), "big.csv", bytes.NewReader(data), int64(len(data)), failing)
			if !errors.Is(err, errInjected) {
				t.Fatalf("injected failure: %v", err)
			}
			if got := f.state(t); got != before {
				t.Fatal("a failed import changed the registry")
			}
			// A cancellation (Ctrl-C, a closed request) after 1000 rows.
			ctx, cancel := context.WithCancel(f.ctx)
			cancelling := opts
			cancelling.Progress = func(p ImportProgress) {
				if p.Rows >= 1000 {
					cancel()
				}
			}
			_, err = f.s.ImportRoster(ctx, auth.System("test"), "big.csv", bytes.NewReader(data), int64(len(data)), cancelling)
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled import: %v", err)
			}
			if got := f.state(t); got != before {
				t.Fatal("a cancelled import changed the registry")
			}
		})
	}
	// And the same file then imports whole.
	rep := f.importData(t, auth.System("test"), "big.csv", data, ImportOptions{})
	if rep.Imported < 2900 {
		t.Fatalf("import after failures: %s", summary(rep))
	}
}

func TestRosterPostgresCrash(t *testing.T) {
	d := dbtest.Postgres(t)
	f := newBulkFix(t, d)
	f.importData(t, auth.System("test"), "first.csv", generated(t, 100, 1), ImportOptions{})
	before := f.snapshot(t)
	audits := f.count(t, `SELECT COUNT(*) FROM audit_log`)
	data := generated(t, 2000, 2)
	_, err := f.s.ImportRoster(f.ctx, auth.System("test"), "big.csv", bytes.NewReader(data), int64(len(data)), ImportOptions{failAfter: 1000})
	if !errors.Is(err, errInjected) || f.snapshot(t) != before || f.count(t, `SELECT COUNT(*) FROM audit_log`) != audits {
		t.Fatalf("failed import on PostgreSQL: %v, changed %v", err, f.snapshot(t) != before)
	}
}

// TestRosterBulkMatchesDirect: the bulk path of large SQLite imports
// (indexes, the unique one included, and the search trigger dropped,
// persons appended, everything built again at the end) gives the registry,
// its indexes and its search index the row-by-row path gives.
func TestRosterBulkMatchesDirect(t *testing.T) {
	data := generated(t, 2500, 7)
	update := generated(t, 800, 7) // the same persons, some households again
	content := func(bulk bool) (string, string) {
		staged := false
		var opts ImportOptions
		if bulk {
			opts = ImportOptions{bulkMinRows: 100, onBulk: func() { staged = true }}
		}
		defer func() {
			if staged != bulk {
				t.Errorf("bulk %v, staged %v", bulk, staged)
			}
		}()
		d := dbtest.SQLite(t)
		f := newBulkFix(t, d)
		schema := func() string {
			var b strings.Builder
			rows, err := d.Query(f.ctx, `SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'persons' ORDER BY type, name`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var kind, name string
				var def sql.NullString
				rows.Scan(&kind, &name, &def)
				fmt.Fprintln(&b, kind, name, def.String)
			}
			return b.String()
		}
		before := schema()
		r1 := f.importData(t, auth.System("test"), "g.csv", data, opts)
		r2 := f.importData(t, auth.System("test"), "g.csv", update, opts)
		var b strings.Builder
		// The last column: the person is found in the search index by the
		// first character of their name (marked as first) and by their
		// ethnicity.
		rows, err := d.Query(f.ctx, `SELECT p.name, p.id_masked, p.birth_date, p.org_id, COALESCE(p.building_group_id, 0), p.relation, p.kind, p.tags,
			COALESCE(h.code, ''), COALESCE(hp.name, ''), (SELECT COUNT(*) FROM person_events e WHERE e.person_id = p.id),
			(SELECT COUNT(*) FROM person_search s WHERE person_search MATCH '"' || char(57344) || substr(p.name, 1, 1) || '" AND eth' || p.ethnicity AND s.rowid = p.id)
			FROM persons p LEFT JOIN households h ON h.id = p.household_id LEFT JOIN persons hp ON hp.id = h.head_person_id ORDER BY p.id_masked, p.birth_date`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v [12]any
			if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11]); err != nil {
				t.Fatal(err)
			}
			if v[11].(int64) != 1 {
				t.Errorf("%v is not in the search index", v[0])
			}
			fmt.Fprintln(&b, v[:]...)
		}
		var check string
		d.QueryRow(f.ctx, `PRAGMA integrity_check`).Scan(&check)
		if check != "ok" {
			t.Fatalf("integrity: %s", check)
		}
		if after := schema(); after != before {
			t.Fatalf("the persons table's indexes and triggers changed:\n%s\nwere\n%s", after, before)
		}
		if n, live := f.count(t, `SELECT COUNT(*) FROM person_search`), f.count(t, `SELECT COUNT(*) FROM persons WHERE status = 'active' AND archived = 0`); n != live {
			t.Fatalf("%d persons in the search index, %d active", n, live)
		}
		return summary(r1) + " / " + summary(r2), b.String()
	}
	s1, c1 := content(false)
	s2, c2 := content(true)
	if s1 != s2 || c1 != c2 {
		l1, l2 := strings.Split(c1, "\n"), strings.Split(c2, "\n")
		for i := range min(len(l1), len(l2)) {
			if l1[i] != l2[i] {
				t.Errorf("first difference:\ndirect %s\nbulk   %s", l1[i], l2[i])
				break
			}
		}
		t.Fatalf("direct: %s\nbulk:   %s\ncontents equal: %v", s1, s2, c1 == c2)
	}
	if !strings.Contains(c1, "户主") {
		t.Fatal("no heads in the generated roster")
	}
}

func TestRosterExport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newBulkFix(t, d)
		f.importData(t, auth.System("test"), "in.csv", csvOf(header(),
			row(map[roster.Field]string{roster.FName: "马国明", roster.FID: idMa, roster.FEthnicity: "回族", roster.FCommittee: "A", roster.FBuildingGroup: "1号楼组",
				roster.FPhone: "13812345678", roster.FCurrentAddr: "=HYPERLINK(\"http://x\")", roster.FWorkplace: "+86 公司", roster.FWorkplaceKind: "两新组织",
				roster.FEducation: "-", roster.FPolitical: "@群众", roster.FTags: "志愿者、党员", roster.FHousehold: "H1", roster.FRelation: "户主",
				roster.FNote: "\t缩进"}),
			row(map[roster.Field]string{roster.FName: "阿依古丽·买买提", roster.FID: idAyi, roster.FEthnicity: "维吾尔族", roster.FCommittee: "A", roster.FKind: "流动",
				roster.FPhone: "021-58881234", roster.FHousehold: "H1", roster.FRelation: "配偶", roster.FArrival: "2020-03-05", roster.FPermitExpiry: "2027-03-04",
				roster.FRegisteredAddr: "|竖线", roster.FNote: "%百分"}),
			row(map[roster.Field]string{roster.FName: "张三", roster.FID: idZhang, roster.FEthnicity: "汉族", roster.FCommittee: "B", roster.FWorkplaceKind: "社区单位"}),
			row(map[roster.Field]string{roster.FName: "东昌一", roster.FID: idLi, roster.FEthnicity: "满族", roster.FCommittee: "C"}),
		), ImportOptions{})
		export := func(a *auth.Actor, flt Filter, reveal bool) (*excelize.File, int) {
			t.Helper()
			var buf bytes.Buffer
			n, err := f.s.ExportRoster(f.ctx, a, flt, reveal, &buf)
			if err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { x.Close() })
			return x, n
		}
		x, n := export(f.admin, Filter{}, false)
		if n != 3 {
			t.Fatalf("the admin of S exports %d persons", n)
		}
		rows, _ := x.GetRows("人员名册")
		if len(rows) != 4 || fmt.Sprint(rows[0]) != fmt.Sprint(roster.Columns[:]) {
			t.Fatalf("export header %q", rows[0])
		}
		var ma []string
		for _, r := range rows[1:] {
			if r[roster.FName] == "马国明" {
				ma = r
			}
		}
		if ma == nil || ma[roster.FID] != "110105********"+idMa[14:] || ma[roster.FPhone] != "138****5678" || ma[roster.FEthnicity] != "回族" ||
			ma[roster.FSex] != "男" || ma[roster.FBirth] != "1985-03-12" || ma[roster.FKind] != "户籍" || ma[roster.FCommittee] != "福安里居委会" ||
			ma[roster.FBuildingGroup] != "1号楼组" || ma[roster.FWorkplaceKind] != "两新组织" || ma[roster.FTags] != "志愿者、党员" ||
			ma[roster.FHousehold] != "H1" || ma[roster.FRelation] != "户主" {
			t.Fatalf("masked row %q", ma)
		}
		// Formulas are never run: an apostrophe before = + - @ tab | %.
		for f, want := range map[roster.Field]string{roster.FCurrentAddr: "'=HYPERLINK(\"http://x\")", roster.FWorkplace: "'+86 公司",
			roster.FEducation: "'-", roster.FPolitical: "'@群众"} {
			if ma[f] != want {
				t.Errorf("%s: %q, want %q", roster.Columns[f], ma[f], want)
			}
		}
		// Every cell is text, none a formula; ID and phone columns have the
		// text number format.
		cols, _ := x.GetCols("人员名册")
		for c := range cols {
			for r := 2; r <= 4; r++ {
				cell, _ := excelize.CoordinatesToCellName(c+1, r)
				v, _ := x.GetCellValue("人员名册", cell)
				if v == "" {
					continue
				}
				if typ, _ := x.GetCellType("人员名册", cell); typ != excelize.CellTypeInlineString {
					t.Errorf("%s (%q) has type %v", cell, v, typ)
				}
				if fm, _ := x.GetCellFormula("人员名册", cell); fm != "" {
					t.Errorf("%s has a formula", cell)
				}
			}
		}
		idCell, _ := excelize.CoordinatesToCellName(int(roster.FID)+1, 2)
		style, _ := x.GetCellStyle("人员名册", idCell)
		if st, _ := x.GetStyle(style); st == nil || st.NumFmt != 49 {
			t.Errorf("ID cell style %+v", st)
		}
		var detail string
		d.QueryRow(f.ctx, `SELECT detail FROM audit_log WHERE action = 'export' ORDER BY id DESC`).Scan(&detail)
		if detail != `{"full":false,"rows":3}` {
			t.Fatalf("export audit %s", detail)
		}

		// Masked values do not import back: the ID numbers are rejected
		// (id_invalid), nothing changes.
		var masked bytes.Buffer
		x.WriteTo(&masked)
		before := f.snapshot(t)
		rep := f.importData(t, f.admin, "masked.xlsx", masked.Bytes(), ImportOptions{})
		wantSummary(t, rep, 3, 0, 0, 0, 3, 0)
		if rep.RejectedByReason["id_invalid"] != 3 || f.snapshot(t) != before {
			t.Fatalf("masked round trip: %v", rep.RejectedByReason)
		}

		// Full values: export → import changes nothing.
		var full bytes.Buffer
		nf, err := f.s.ExportRoster(f.ctx, auth.System("test"), Filter{}, true, &full)
		if err != nil || nf != 4 {
			t.Fatalf("full export of the command line: %d %v", nf, err)
		}
		xf, _ := excelize.OpenReader(bytes.NewReader(full.Bytes()))
		defer xf.Close()
		frows, _ := xf.GetRows("人员名册")
		found := false
		for _, r := range frows {
			if len(r) > int(roster.FPhone) && r[roster.FID] == idAyi && r[roster.FPhone] == "021-58881234" && r[roster.FRegisteredAddr] == "'|竖线" {
				found = true
			}
		}
		if !found {
			t.Fatalf("full export rows %q", frows)
		}
		d.QueryRow(f.ctx, `SELECT detail FROM audit_log WHERE action = 'export' ORDER BY id DESC`).Scan(&detail)
		if detail != `{"full":true,"rows":4}` {
			t.Fatalf("export audit %s", detail)
		}
		rep = f.importData(t, auth.System("test"), "full.xlsx", full.Bytes(), ImportOptions{})
		wantSummary(t, rep, 4, 0, 0, 4, 0, 0)
		if f.snapshot(t) != before {
			t.Fatal("full round trip changed the registry")
		}

		// A committee's staff exports their committee only; a filter by
		// committee and a search text are audited without the text.
		if _, n := export(f.staffA, Filter{}, false); n != 2 {
			t.Fatalf("staff of A exports %d", n)
		}
		if _, n := export(f.admin, Filter{OrgID: f.b.ID, Q: idZhang}, false); n != 1 {
			t.Fatalf("filtered export %d", n)
		}
		d.QueryRow(f.ctx, `SELECT detail FROM audit_log WHERE action = 'export' ORDER BY id DESC`).Scan(&detail)
		if strings.Contains(detail, idZhang) || !strings.Contains(detail, `"query":"id"`) {
			t.Fatalf("export audit %s", detail)
		}
	})
}

// TestRosterBulkHeads: in the bulk path, a new person who heads an
// existing household replaces its head, whose relation is cleared.
func TestRosterBulkHeads(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newBulkFix(t, d)
	p := func(name, number, code, rel string) []string {
		return row(map[roster.Field]string{roster.FName: name, roster.FID: number, roster.FEthnicity: "回", roster.FCommittee: "A",
			roster.FHousehold: code, roster.FRelation: rel})
	}
	n1, n2, n3 := id("310104", "19500101", "011"), id("310104", "19520101", "022"), id("310104", "19800101", "031")
	f.importData(t, auth.System("test"), "a.csv", csvOf(header(), p("父", n1, "H1", "户主"), p("母", n2, "H1", "配偶")), ImportOptions{})
	staged := false
	bulk := ImportOptions{bulkMinRows: 1, onBulk: func() { staged = true }}
	indexes := f.count(t, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'`)
	rep := f.importData(t, auth.System("test"), "b.csv", csvOf(header(),
		p("子", n3, "H1", "户主"),
		p("甲", id("310104", "19700101", "041"), "H9", "户主"),
		p("乙", id("310104", "19720101", "052"), "H9", "配偶"),
		p("丙", id("310104", "19990101", "061"), "", ""),
	), bulk)
	wantSummary(t, rep, 4, 4, 0, 0, 0, 0)
	fa, mo, so, ja, yi := f.person(t, n1), f.person(t, n2), f.person(t, n3), f.person(t, id("310104", "19700101", "041")), f.person(t, id("310104", "19720101", "052"))
	h1, _ := f.s.Household(f.ctx, f.admin, fa.HouseholdID)
	h9, _ := f.s.Household(f.ctx, f.admin, ja.HouseholdID)
	if h1.HeadPersonID != so.ID || fa.Relation != "" || mo.Relation != "配偶" || so.HouseholdID != h1.ID || h1.Size != 3 {
		t.Fatalf("H1 %+v, father %q", h1, fa.Relation)
	}
	if h9.HeadPersonID != ja.ID || yi.HouseholdID != h9.ID || h9.Size != 2 {
		t.Fatalf("H9 %+v", h9)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'`); n != indexes {
		t.Fatalf("%d indexes, had %d", n, indexes)
	}
	if !staged {
		t.Fatal("the import did not take the bulk path")
	}
	var temp int
	if err := d.W.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM sqlite_temp_master`).Scan(&temp); err != nil || temp != 0 {
		t.Fatalf("temporary tables left on the writer: %d (%v)", temp, err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM person_events WHERE kind = 'imported'`); n != 6 {
		t.Fatalf("%d imported events", n)
	}
}
