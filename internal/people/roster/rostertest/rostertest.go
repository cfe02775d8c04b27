// Package rostertest generates realistic rosters of persons for tests and
// benchmarks: deterministic rows in the import template's layout, with
// valid and unique ID numbers (GB 11643 check digits), an ethnic mix
// weighted for an eastern city, households of one to five members, floating
// residents with arrival dates and residence permits, and a fixture org
// tree to import them into. Optionally a share of the rows carries the
// mistakes real rosters have.
package rostertest

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"shiliu/internal/auth"
	"sort"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"shiliu/internal/org"
	"shiliu/internal/people/roster"
	"shiliu/internal/ref"
)

// Committee is a residents' committee of the fixture tree.
type Committee struct {
	Code, Name string
	Groups     []Group
}

// Group is a building group.
type Group struct{ Code, Name string }

// Tree is a fixture org tree: a district, a subdistrict and its committees.
type Tree struct {
	DistrictCode, DistrictName       string
	SubdistrictCode, SubdistrictName string
	Committees                       []Committee
}

var committeeNames = []string{"福安里", "新华", "东昌", "梅园", "松山", "石榴", "金桥", "华林", "潍坊", "塘桥", "洋泾", "陆家嘴",
	"花木", "张江", "北蔡", "三林", "周家渡", "上钢", "南码头", "川沙", "高桥", "高行", "曹路", "合庆"}

// DefaultTree returns a subdistrict with n committees (named …居委会, codes
// C01…) of groups building groups each (1号楼组…, codes C01-B01…).
func DefaultTree(n, groups int) Tree {
	t := Tree{DistrictCode: "D01", DistrictName: "浦东新区", SubdistrictCode: "S01", SubdistrictName: "石榴街道"}
	for i := range n {
		name := committeeNames[i%len(committeeNames)]
		if i >= len(committeeNames) {
			name += strconv.Itoa(i/len(committeeNames) + 1)
		}
		c := Committee{Code: fmt.Sprintf("C%02d", i+1), Name: name + "居委会"}
		for j := range groups {
			c.Groups = append(c.Groups, Group{Code: fmt.Sprintf("%s-B%02d", c.Code, j+1), Name: fmt.Sprintf("%d号楼组", j+1)})
		}
		t.Committees = append(t.Committees, c)
	}
	return t
}

// Create creates the tree's units (as the command line would).
func (t Tree) Create(ctx context.Context, s *org.Service) error {
	d, err := s.Create(ctx, auth.System("test"), org.Input{Code: t.DistrictCode, Name: t.DistrictName, Kind: org.District})
	if err != nil {
		return err
	}
	sub, err := s.Create(ctx, auth.System("test"), org.Input{Code: t.SubdistrictCode, Name: t.SubdistrictName, Kind: org.Subdistrict, ParentID: d.ID})
	if err != nil {
		return err
	}
	for _, c := range t.Committees {
		cu, err := s.Create(ctx, auth.System("test"), org.Input{Code: c.Code, Name: c.Name, Kind: org.Committee, ParentID: sub.ID})
		if err != nil {
			return err
		}
		for _, g := range c.Groups {
			if _, err := s.Create(ctx, auth.System("test"), org.Input{Code: g.Code, Name: g.Name, Kind: org.BuildingGroup, ParentID: cu.ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Options describe a generated roster.
type Options struct {
	Seed uint64
	// Rows is the number of data rows.
	Rows int
	// Committees are written in 所属居委 (by name) with their building
	// groups; DefaultTree(8, 6) when empty.
	Committees []Committee
	// ErrorRate is the share of rows given a mistake that rejects them (a
	// wrong check digit, an unknown ethnicity, a missing name, an unknown
	// committee) or draws a warning (a bad phone, an unknown tag).
	ErrorRate float64
}

// eastWeight multiplies the census population of the groups that lead in
// an eastern city (DOMAIN.md: Hui, Man, Mongol, Zhuang, Tujia, Miao,
// Chosen) and damps those that mostly live far away.
var eastWeight = map[string]float64{"03": 6, "11": 5, "02": 5, "08": 1.5, "15": 2, "06": 1.5, "10": 8, "05": 0.4, "04": 0.3, "07": 0.3}

// homeRegion is a typical GB/T 2260 region of origin for floating
// residents of some groups.
var homeRegion = map[string][]string{
	"03": {"640104", "620102", "410102"}, "05": {"650102", "652801"}, "02": {"150102", "152502"}, "08": {"450103", "450203"},
	"11": {"210102", "220102"}, "10": {"222401", "210102"}, "15": {"422801", "433101"}, "06": {"522601", "433101"}, "04": {"540102", "513201"},
	"17": {"654002"}, "07": {"532301", "513401"},
}

// Shanghai's districts, for registered residents.
var localRegions = []string{"310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113", "310115"}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
var givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国志红玉梅德海林波宁晓燕春雪峰婷慧鑫斌宇浩凯琳欣怡子轩梓涵一诺")

// Transliterated names of Turkic groups (given name · father's name).
var turkicGiven = []string{"阿依古丽", "买买提", "艾尔肯", "古丽娜尔", "热依拉", "阿不都", "努尔", "迪丽拜尔", "帕提古丽", "吐尔逊", "阿力木", "再努尔"}
var turkicFather = []string{"买买提", "吐尔逊", "阿不都拉", "艾山", "库尔班", "依明", "哈力克", "托合提", "斯马义", "沙吾提"}
var turkic = map[string]bool{"05": true, "17": true, "29": true, "41": true, "43": true, "50": true}

var educations = []string{"大学本科", "大学专科", "高中", "初中", "小学", "研究生", "中专"}
var politics = []string{"群众", "群众", "群众", "中共党员", "共青团员", "群众"}
var streets = []string{"浦东南路", "东昌路", "崂山路", "福山路", "源深路", "张杨路", "潍坊路", "南泉路", "峨山路", "松林路"}
var workplaces = []struct {
	name, kind string
}{{"", ""}, {"", ""}, {"东方医院", "社区单位"}, {"清真面馆", "两新组织"}, {"第二中学", "社区单位"}, {"顺丰速运网点", "两新组织"},
	{"社区卫生服务中心", "社区单位"}, {"家政服务公司", "两新组织"}, {"", ""}}
var tagSets = []string{"志愿者", "党员", "志愿者、党员", "困难户,低保", "残疾", "独居老人", "代表人士", "联络员；志愿者"}

// Gen generates rows.
type Gen struct {
	opts       Options
	r          *rand.Rand
	i          int
	ethCodes   []string
	ethCum     []float64
	household  []([]string)
	hhSeq      []int
	days       int
	base       time.Time
	committees []Committee
}

// New returns a generator.
func New(opts Options) *Gen {
	g := &Gen{opts: opts, r: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5eed)), committees: opts.Committees}
	if len(g.committees) == 0 {
		g.committees = DefaultTree(8, 6).Committees
	}
	g.hhSeq = make([]int, len(g.committees))
	var codes []string
	for c := range ref.CensusPop10k {
		if c != ref.HanCode {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	sum := 0.0
	for _, c := range codes {
		w := ref.CensusPop10k[c]
		if m, ok := eastWeight[c]; ok {
			w *= m
		}
		sum += w
		g.ethCodes = append(g.ethCodes, c)
		g.ethCum = append(g.ethCum, sum)
	}
	for i := range g.ethCum {
		g.ethCum[i] /= sum
	}
	g.base = time.Date(1935, 1, 1, 0, 0, 0, 0, time.UTC)
	g.days = int(time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC).Sub(g.base).Hours() / 24)
	return g
}

// Header returns the header row: the template's columns.
func (g *Gen) Header() []string { return roster.Columns[:] }

func (g *Gen) minority() string {
	x := g.r.Float64()
	i := sort.SearchFloat64s(g.ethCum, x)
	return g.ethCodes[min(i, len(g.ethCodes)-1)]
}

// idNumber makes the i-th ID number: unique for every i (below 14 million)
// by construction, with a birth date spread over 1935–2019.
func (g *Gen) idNumber(i int, region string, male bool) (string, time.Time) {
	const prime = 7919 // coprime with the number of days
	day := (i * prime) % g.days
	k := (i / g.days) % 500
	birth := g.base.AddDate(0, 0, day)
	seq := 2 * k
	if male {
		seq++
	}
	first17 := region + birth.Format("20060102") + fmt.Sprintf("%03d", seq)
	return first17 + string(ref.CheckDigit(first17)), birth
}

// Next returns the next row's cells (in the template's order), false after
// Rows rows.
func (g *Gen) Next() ([]string, bool) {
	if g.i >= g.opts.Rows {
		return nil, false
	}
	if len(g.household) == 0 {
		g.newHousehold()
	}
	row := g.household[0]
	g.household = g.household[1:]
	g.i++
	row[roster.FSeq] = strconv.Itoa(g.i)
	if g.opts.ErrorRate > 0 && g.r.Float64() < g.opts.ErrorRate {
		g.spoil(row)
	}
	return row, true
}

// newHousehold makes the rows of a household, its head first.
func (g *Gen) newHousehold() {
	ci := g.r.IntN(len(g.committees))
	c := g.committees[ci]
	g.hhSeq[ci]++
	size := []int{1, 2, 2, 2, 3, 3, 3, 4, 4, 5}[g.r.IntN(10)]
	if g.opts.Rows-g.i < size {
		size = g.opts.Rows - g.i
	}
	headEth := g.minority()
	floating := g.r.IntN(5) == 0
	group := ""
	if len(c.Groups) > 0 {
		group = c.Groups[g.r.IntN(len(c.Groups))].Name
	}
	address := fmt.Sprintf("%s%d弄%d号%d室", streets[g.r.IntN(len(streets))], 1+g.r.IntN(999), 1+g.r.IntN(40), 101+g.r.IntN(1800))
	code := ""
	if size > 1 || g.r.IntN(3) > 0 {
		code = fmt.Sprintf("%s%05d", c.Code[1:], g.hhSeq[ci])
	}
	relations := []string{"户主", "配偶", "子", "女", "母亲"}
	surname := surnames[g.r.IntN(len(surnames))]
	for m := range size {
		eth := headEth
		if m == 1 && g.r.IntN(2) == 0 {
			eth = ref.HanCode // many honoured families are mixed
		}
		male := g.r.IntN(2) == 0
		region := localRegions[g.r.IntN(len(localRegions))]
		if floating {
			if rs := homeRegion[eth]; len(rs) > 0 {
				region = rs[g.r.IntN(len(rs))]
			} else {
				region = "110105"
			}
		}
		id, birth := g.idNumber(g.i+m, region, male)
		row := make([]string, roster.NumFields)
		row[roster.FName] = g.name(eth, surname, m)
		row[roster.FSex] = map[bool]string{true: "男", false: "女"}[male]
		if e, ok := ref.EthnicityByCode(eth); ok {
			row[roster.FEthnicity] = []string{e.Name, e.Name, e.Name, e.Short, e.Code}[g.r.IntN(5)]
		}
		row[roster.FID] = id
		row[roster.FBirth] = birth.Format([]string{"2006-01-02", "2006/1/2", "2006.01.02", "20060102"}[g.r.IntN(4)])
		if g.r.IntN(10) < 8 {
			p := fmt.Sprintf("1%d%09d", 3+g.r.IntN(7), g.r.IntN(1_000_000_000))
			if g.r.IntN(10) == 0 {
				p = p[:3] + " " + p[3:7] + " " + p[7:]
			}
			row[roster.FPhone] = p
		}
		if floating {
			row[roster.FKind] = "流动"
			arr := time.Date(2015+g.r.IntN(11), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
			row[roster.FArrival] = arr.Format("2006年1月2日")
			row[roster.FPermitExpiry] = arr.AddDate(1+g.r.IntN(3), 0, 0).Format("2006-01-02")
		} else if g.r.IntN(2) == 0 {
			row[roster.FKind] = "户籍"
		}
		row[roster.FCommittee] = c.Name
		row[roster.FBuildingGroup] = group
		row[roster.FCurrentAddr] = address
		if !floating {
			row[roster.FRegisteredAddr] = address
		}
		w := workplaces[g.r.IntN(len(workplaces))]
		row[roster.FWorkplace], row[roster.FWorkplaceKind] = w.name, w.kind
		row[roster.FEducation] = educations[g.r.IntN(len(educations))]
		row[roster.FPolitical] = politics[g.r.IntN(len(politics))]
		if g.r.IntN(8) == 0 {
			row[roster.FTags] = tagSets[g.r.IntN(len(tagSets))]
		}
		if code != "" {
			row[roster.FHousehold] = code
			row[roster.FRelation] = relations[min(m, len(relations)-1)]
		}
		g.household = append(g.household, row)
	}
}

func (g *Gen) name(eth string, surname rune, member int) string {
	if turkic[eth] {
		return turkicGiven[g.r.IntN(len(turkicGiven))] + "·" + turkicFather[g.r.IntN(len(turkicFather))]
	}
	s := surname
	if member == 1 || member == 4 {
		s = surnames[g.r.IntN(len(surnames))]
	}
	n := 1 + g.r.IntN(2)
	out := []rune{s}
	for range n {
		out = append(out, givenChars[g.r.IntN(len(givenChars))])
	}
	return string(out)
}

// spoil gives a row a mistake real rosters have.
func (g *Gen) spoil(row []string) {
	switch g.r.IntN(6) {
	case 0: // a wrong check digit
		id := []byte(row[roster.FID])
		if id[17] == '0' {
			id[17] = '1'
		} else {
			id[17] = '0'
		}
		row[roster.FID] = string(id)
	case 1:
		row[roster.FEthnicity] = "拉牯族"
	case 2:
		row[roster.FName] = ""
	case 3:
		row[roster.FCommittee] = "不存在居委会"
	case 4:
		row[roster.FPhone] = "12345"
	case 5:
		row[roster.FTags] = "热心人"
	}
}

// WriteCSV writes a generated roster as CSV, in GBK when gbk is set (as
// Excel saves CSV on a Chinese Windows), UTF-8 otherwise.
func WriteCSV(w io.Writer, opts Options, gbk bool) error {
	out := w
	var closer io.Closer
	if gbk {
		tw := transform.NewWriter(w, simplifiedchinese.GBK.NewEncoder())
		out, closer = tw, tw
	}
	cw := csv.NewWriter(out)
	g := New(opts)
	if err := cw.Write(g.Header()); err != nil {
		return err
	}
	for {
		row, ok := g.Next()
		if !ok {
			break
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if closer != nil {
		return closer.Close()
	}
	return nil
}

// WriteXLSX writes a generated roster as an xlsx with a title row above
// the header, every cell as text (ID numbers too).
func WriteXLSX(w io.Writer, opts Options) error {
	f := excelize.NewFile()
	defer f.Close()
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"石榴街道少数民族人员花名册"}); err != nil {
		return err
	}
	g := New(opts)
	hdr := make([]any, roster.NumFields)
	for i, h := range g.Header() {
		hdr[i] = h
	}
	if err := sw.SetRow("A2", hdr); err != nil {
		return err
	}
	n := 2
	cells := make([]any, roster.NumFields)
	for {
		row, ok := g.Next()
		if !ok {
			break
		}
		n++
		for i, v := range row {
			if v == "" {
				cells[i] = nil
			} else {
				cells[i] = excelize.Cell{StyleID: text, Value: v}
			}
		}
		if err := sw.SetRow("A"+strconv.Itoa(n), cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
