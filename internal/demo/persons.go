package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"shiliu/internal/org"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// The registry step (genPersons) makes Options.Persons persons: the minority
// residents of the district and the Han members of their households, as a
// subdistrict office's registry holds them. What it draws:
//
//   - households of 1–5 persons (mostly 2–3), about a third of them mixed
//     (a Han spouse, or a spouse of another minority), with a head, relations
//     and birth dates that fit a family; some persons in no household;
//   - ethnicities weighted by the 2020 census, shifted towards the groups an
//     eastern city has most (Hui, Man, Mongol, Zhuang, Tujia, Miao, Chosen),
//     with the long tail present;
//   - 15–25 % floating residents (more in estates with more floating
//     population), with arrival date, origin province (from the ID number),
//     expected stay, residence permit (some expired, some expiring within 30
//     days, some past their expected stay) and liaison point;
//   - valid, unique, fictional ID numbers (a province's code followed by a
//     prefecture 99 that no real region uses, or the district's own 310199),
//     mobile phones for most adults, education, political status,
//     workplaces (社区单位, 两新组织) and tags;
//   - a few suspected duplicates (same name and birth date, another ID
//     number), persons who moved in from another committee, moved out or
//     died, with their history;
//   - about 20 persons and households assigned to the demo liaison.
//
// Persons are spread over the committees by their base population. Rows go
// straight into the tables in transactions of about 10,000 persons, through
// multi-row prepared INSERTs, not through people.Service.

// personsPerTx is how many persons one transaction writes (whole households).
const personsPerTx = 10_000

// easternFactor shifts the census weights towards an eastern city's mix:
// groups from the north-east and the Hui are far more present, groups of the
// south-west and west less. Groups not listed keep their census weight.
var easternFactor = map[string]float64{
	"03": 6, "11": 5, "02": 4, "10": 6, "15": 2, "06": 1.5, "08": 1.2, "22": 5,
	"05": 0.5, "04": 0.3, "07": 0.3, "16": 0.2, "18": 0.3, "20": 0.2, "21": 0.2, "24": 0.2, "27": 0.5, "17": 0.3,
}

// ethnicTable is a cumulative weight table over the minority groups.
type ethnicTable struct {
	codes []string
	cum   []float64
}

func newEthnicTable() *ethnicTable {
	t := &ethnicTable{}
	sum := 0.0
	for _, e := range ref.Ethnicities {
		if e.Code == ref.HanCode {
			continue
		}
		w, ok := ref.CensusPop10k[e.Code]
		if !ok {
			w = 1 // 97 and 98: rare, but present
		}
		if f, ok := easternFactor[e.Code]; ok {
			w *= f
		}
		sum += w
		t.codes = append(t.codes, e.Code)
		t.cum = append(t.cum, sum)
	}
	return t
}

func (t *ethnicTable) draw(r *rand.Rand) string {
	x := r.Float64() * t.cum[len(t.cum)-1]
	i, _ := slices.BinarySearch(t.cum, x)
	return t.codes[min(i, len(t.codes)-1)]
}

// homeProvinces are the provinces (GB/T 2260 first two digits) a group's
// members were most often born in, for the region of their ID number.
var homeProvinces = map[string][]string{
	"01": {"31", "32", "33", "34", "37", "41", "42", "43", "36", "51", "13", "35"},
	"02": {"15", "15", "21", "22", "65", "23"}, "03": {"64", "64", "62", "63", "41", "37", "13", "65", "53"},
	"04": {"54", "54", "51", "63", "62", "53"}, "05": {"65"}, "06": {"52", "52", "43", "53", "45", "42"},
	"07": {"53", "51", "52"}, "08": {"45", "45", "45", "53", "44"}, "09": {"52"}, "10": {"22", "22", "21", "23"},
	"11": {"21", "21", "13", "22", "23", "15", "11"}, "12": {"52", "43", "45"}, "13": {"45", "43", "44", "53"},
	"14": {"53"}, "15": {"43", "42", "50", "52"}, "16": {"53"}, "17": {"65"}, "18": {"53"}, "19": {"46"},
	"22": {"35", "33", "36", "44"}, "26": {"62"}, "30": {"63", "62"}, "35": {"63", "62"}, "37": {"52"},
	"38": {"65", "21"}, "47": {"62"}, "48": {"62"}, "49": {"45"}, "31": {"15", "23"}, "45": {"15", "23"},
	"52": {"15", "23"}, "53": {"23"}, "29": {"65"}, "41": {"65"}, "43": {"65"}, "50": {"65"}, "44": {"65", "23"},
	"23": {"71"}, "24": {"53"}, "25": {"52"}, "27": {"53"}, "28": {"53"}, "32": {"45"}, "36": {"45"},
	"33": {"51"}, "34": {"53"}, "39": {"53"}, "40": {"53"}, "42": {"53"}, "46": {"53"}, "51": {"53"},
	"54": {"54"}, "55": {"54"}, "56": {"53"}, "20": {"53"}, "21": {"53"},
}

// localRegion is the fictional district's own region code: residents born
// here carry it.
const localRegion = districtCode

// Word pools of the registry. All are invented.
var (
	localUnits = []string{"石榴区第一中心小学", "石榴区社区卫生服务中心", "石榴街道社区事务受理服务中心", "石榴区图书馆", "同心清真饭店",
		"福安菜场", "石榴区第二幼儿园", "同心养老院", "石榴区司法所", "石榴区城市管理中队", "和平社区文化活动中心", "石榴区第三中学",
		"兴华百货商店", "石榴区房管所", "长乐敬老院", "石榴区邮政支局", "团结社区食堂", "石榴区税务所", "民乐清真牛肉面馆", "石榴区派出所"}
	newOrgWords    = []string{"石榴", "同心", "聚力", "恒信", "和合", "嘉禾", "鼎新", "睿智", "启航", "云帆", "绿源", "安达", "星辰", "汇通", "博远"}
	newOrgSuffixes = []string{"科技有限公司", "信息技术有限公司", "物业管理有限公司", "社会工作服务社", "律师事务所", "文化传播有限公司",
		"餐饮管理有限公司", "快递服务站", "家政服务有限公司", "志愿者协会", "青少年服务中心", "商贸有限公司"}
	otherEmployers = []string{"上海浦江机械厂", "上海申城电子有限公司", "东方航运公司", "沪东医院", "江南造船配套公司", "上海某高校",
		"浦西商贸城", "申江物流有限公司", "外企驻沪办事处", "海港餐饮集团"}
	countyWords  = []string{"清河", "柳溪", "青山", "白石", "黄花", "红岩", "金川", "银滩", "雁门", "松原", "桃源", "梨花"}
	villageWords = []string{"东沟", "西岭", "南洼", "北坡", "上庄", "下寨", "前营", "后屯", "河湾", "山脚"}
)

// A member of a household being drawn.
type member struct {
	rel    string
	female bool
	age    int
	eth    string
	// father/mother: index in the family of the parent whose name a child
	// takes (-1: none).
	parent int
}

// personRow is one persons row, in the clear until it is written.
type personRow struct {
	id, org, bg, household int64
	relation, name         string
	idNumber, region       string
	phone                  string
	eth                    string
	sex                    int
	birth                  time.Time
	kind                   int
	curAddr, regAddr       string
	workplace              string
	workKind               int
	education, political   string
	tags                   int
	status, statusDate     string
	arrival, origin, leave string
	permitNo, permitExpiry string
	liaisonPoint           string
	created                time.Time
	movedFrom              int64 // a committee they moved from, with movedDate
	movedDate              string
	female                 bool
}

type householdRow struct {
	id, org, bg int64
	code, addr  string
	head        int64
	created     time.Time
}

// registry is the state of the registry step.
type registry struct {
	g      *Gen
	r      *rand.Rand
	today  time.Time // midnight UTC of Options.Today's date in China
	eth    *ethnicTable
	ids    map[uint64]struct{}
	phones map[uint64]struct{}
	// next ids
	nextPerson, nextHousehold int64
	permitSeq                 int
	householdSeq              map[int64]int // by committee, for 户号
	w                         *writer
	// pending rows of the current batch
	persons    []*personRow
	households []*householdRow
	// dupSource holds persons a duplicate can be made from (a sample).
	dupSource []*personRow
	// liaison candidates in the first subdistrict
	liaisonPersons    []int64
	liaisonHouseholds []int64
	stats             RegistryStats
}

// RegistryStats are what the registry step made.
type RegistryStats struct {
	Persons, Households, Floating, Minority, MixedHouseholds int
	Duplicates, MovedOut, Deceased                           int
	// LiaisonPersons and LiaisonHouseholds are assigned to the demo
	// liaison account.
	LiaisonPersons, LiaisonHouseholds int
}

func genPersons(ctx context.Context, g *Gen) error {
	n := g.Opt.Persons
	if n <= 0 {
		return nil
	}
	if g.Opt.Keys == nil {
		return fmt.Errorf("Options.Keys is needed to seal ID numbers and phones")
	}
	t := g.Opt.Today.In(ref.China)
	reg := &registry{
		g: g, r: g.R,
		today:        time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC),
		eth:          newEthnicTable(),
		ids:          make(map[uint64]struct{}, n+n/8),
		phones:       make(map[uint64]struct{}, n),
		householdSeq: map[int64]int{},
	}
	w, err := newWriter(ctx, g.DB, g.Opt.Keys)
	if err != nil {
		return err
	}
	reg.w = w
	defer w.close(ctx)
	reg.nextPerson, reg.nextHousehold = w.firstPerson, w.firstHousehold

	// Persons per committee follow the committees' base population; a few
	// of each subdistrict's are duplicates of others of the subdistrict.
	y := g.Opt.Year
	weights := make([]int, len(g.Res.Committees))
	for i, c := range g.Res.Committees {
		weights[i] = max(1, c.Pop[y].Registered+c.Pop[y].Floating)
	}
	quota := split(n, weights)
	dups := 0
	if n >= 100 {
		dups = max(3, n/1500)
	}
	dupQuota := split(dups, weights)
	i := 0
	for _, sd := range g.Res.Subdistricts {
		committees := sd.ChildrenOf(org.Committee)
		sdDups := 0
		reg.dupSource = reg.dupSource[:0]
		for _, c := range committees {
			p := c.Pop[y]
			// The share of floating households: a quarter on average (their
			// households are smaller: about a fifth of the persons), more
			// where the estate has more floating population.
			floatShare := 0.26
			if p.Registered > 0 {
				floatShare = min(0.40, max(0.12, 0.26*float64(p.Floating)/float64(p.Registered)/0.175))
			}
			k := min(dupQuota[i], quota[i])
			sdDups += k
			if err := reg.committee(ctx, c, quota[i]-k, floatShare); err != nil {
				return err
			}
			i++
		}
		for range sdDups {
			c := committees[reg.r.IntN(len(committees))]
			if len(reg.dupSource) == 0 {
				// Too small to have anyone to duplicate: a plain person.
				if err := reg.committee(ctx, c, 1, 0.26); err != nil {
					return err
				}
				continue
			}
			reg.duplicate(c)
		}
	}
	if err := reg.flush(ctx); err != nil {
		return err
	}
	if err := reg.assignLiaison(ctx); err != nil {
		return err
	}
	if err := w.finish(ctx); err != nil {
		return err
	}
	g.Res.Registry = reg.stats
	return nil
}

// committee draws households (and a few persons without one) until the
// committee has quota persons.
func (reg *registry) committee(ctx context.Context, c *Unit, quota int, floatShare float64) error {
	r := reg.r
	bgs := c.ChildrenOf(org.BuildingGroup)
	estate := strings.TrimSuffix(c.Name, "居委会")
	sd := c.Parent
	for made := 0; made < quota; {
		kind := 1
		if r.Float64() < floatShare {
			kind = 2
		}
		fam := reg.family(kind)
		if len(fam) > quota-made {
			fam = fam[:quota-made]
		}
		var bg *Unit
		if len(bgs) > 0 && r.IntN(100) < 97 {
			bg = bgs[r.IntN(len(bgs))]
		}
		addr := reg.address(bg)
		// A floating single is often registered without a household, and so
		// are a few registered residents.
		withHousehold := !(len(fam) == 1 && (kind == 2 && r.IntN(2) == 0 || r.IntN(25) == 0))
		// When the records were entered: a floating household on arrival
		// (they arrived together), others over the last three years.
		created := reg.createdDate()
		var arrival time.Time
		if kind == 2 {
			arrival = reg.today.AddDate(0, 0, -1-r.IntN(8*365))
			created = arrival.AddDate(0, 0, r.IntN(60))
			if created.After(reg.today) {
				created = reg.today
			}
		}
		var h *householdRow
		if withHousehold {
			reg.householdSeq[c.ID]++
			h = &householdRow{id: reg.nextHousehold, org: c.ID, code: fmt.Sprintf("%s-%04d", c.Code[len(c.Code)-3:], reg.householdSeq[c.ID]), addr: addr, created: created}
			if bg != nil {
				h.bg = bg.ID
			}
			reg.nextHousehold++
			reg.households = append(reg.households, h)
			reg.stats.Households++
		}
		rows := make([]*personRow, len(fam))
		eths := map[string]bool{}
		for i, m := range fam {
			p := reg.person(c, bg, kind, m, addr, created)
			if i > 0 && m.parent >= 0 && m.parent < i {
				p.name = childName(r, m.eth, m.female, rows[m.parent])
			}
			if h != nil {
				p.household, p.relation = h.id, m.rel
				if i == 0 {
					h.head = p.id
				}
			}
			if kind == 2 {
				reg.floating(p, sd, estate, arrival)
			}
			rows[i] = p
			eths[p.eth] = true
		}
		if len(eths) > 1 {
			reg.stats.MixedHouseholds++
		}
		if h != nil {
			h.created = rows[0].created // not before its head was born
		}
		reg.lifecycle(rows, h != nil, c)
		if h != nil && h.head != 0 && rows[0].tags&tagHardship != 0 {
			// 低保 goes with hardship, to the head and often the spouse.
			if r.IntN(2) == 0 {
				rows[0].tags |= tagSubsistence
				if len(rows) > 1 && rows[1].relation == "配偶" && r.IntN(2) == 0 {
					rows[1].tags |= tagSubsistence
				}
			}
		}
		for _, p := range rows {
			reg.add(p)
		}
		if sd == reg.g.Res.Subdistricts[0] {
			reg.noteLiaisonCandidates(rows, h)
		}
		made += len(fam)
		if len(reg.persons) >= personsPerTx {
			if err := reg.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// add queues a person and keeps a sample of them for duplicates.
func (reg *registry) add(p *personRow) {
	reg.persons = append(reg.persons, p)
	reg.stats.Persons++
	if p.eth != ref.HanCode {
		reg.stats.Minority++
	}
	if p.kind == 2 {
		reg.stats.Floating++
	}
	if p.status == "active" && reg.r.IntN(50) == 0 && len(reg.dupSource) < 5000 {
		reg.dupSource = append(reg.dupSource, p)
	}
}

func (reg *registry) flush(ctx context.Context) error {
	if len(reg.persons) == 0 && len(reg.households) == 0 {
		return nil
	}
	err := reg.w.write(ctx, reg.households, reg.persons)
	clear(reg.persons)
	clear(reg.households)
	reg.persons, reg.households = reg.persons[:0], reg.households[:0]
	return err
}

// Household sizes in per mille, 1 to 5 persons.
var (
	registeredSizes = []int{170, 300, 300, 150, 80}
	floatingSizes   = []int{400, 330, 200, 60, 10}
)

func drawWeighted(r *rand.Rand, w []int) int {
	n := r.IntN(1000)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

// family draws the members of one household, the head first.
func (reg *registry) family(kind int) []member {
	r := reg.r
	sizes := registeredSizes
	if kind == 2 {
		sizes = floatingSizes
	}
	size := 1 + drawWeighted(r, sizes)
	primary := reg.eth.draw(r)
	// In a mixed household one spouse is Han (sometimes of another
	// minority); the children mostly take the minority parent's group.
	mixedPct := 38
	if kind == 2 {
		mixedPct = 20
	}
	mixed := size >= 2 && r.IntN(100) < mixedPct
	other := primary
	if mixed {
		other = ref.HanCode
		if r.IntN(10) == 0 {
			other = reg.eth.draw(r)
		}
	}
	headFemale := r.IntN(100) < 30
	headEth, spouseEth := primary, other
	if mixed && r.IntN(2) == 0 {
		headEth, spouseEth = other, primary
	}
	childEth := func() string {
		if !mixed || r.IntN(4) > 0 {
			return primary
		}
		return other
	}
	var fam []member
	add := func(rel string, female bool, age int, eth string, parent int) {
		fam = append(fam, member{rel: rel, female: female, age: max(0, age), eth: eth, parent: parent})
	}
	// The father's index, whose surname the children take (or the mother
	// when the father's group has no surnames).
	fatherIdx := func() int {
		if len(fam) > 1 && fam[1].rel == "配偶" && headFemale {
			return 1
		}
		return 0
	}
	child := func(parentAge int) {
		f := r.IntN(2) == 0
		rel := "子"
		if f {
			rel = "女"
		}
		add(rel, f, parentAge-24-r.IntN(15), childEth(), fatherIdx())
	}
	elder := func(headAge int) {
		f := r.IntN(3) > 0
		rel := "父亲"
		if f {
			rel = "母亲"
		}
		add(rel, f, min(98, headAge+22+r.IntN(14)), fam[0].eth, -1)
	}
	switch size {
	case 1:
		age := 22 + r.IntN(43)
		if kind == 1 && r.IntN(100) < 40 {
			age = 65 + r.IntN(28)
		} else if kind == 2 {
			age = 19 + r.IntN(32)
		}
		add("户主", headFemale || r.IntN(3) == 0, age, primary, -1)
	case 2:
		if r.IntN(100) < 70 {
			age := 25 + r.IntN(60)
			if kind == 2 {
				age = 22 + r.IntN(30)
			}
			add("户主", headFemale, age, headEth, -1)
			add("配偶", !headFemale, age-3+r.IntN(7), spouseEth, -1)
		} else {
			age := 40 + r.IntN(40)
			add("户主", headFemale, age, headEth, -1)
			child(age)
		}
	default:
		age := 30 + r.IntN(28)
		if kind == 2 {
			age = 28 + r.IntN(18)
		}
		add("户主", headFemale, age, headEth, -1)
		add("配偶", !headFemale, age-3+r.IntN(7), spouseEth, -1)
		switch {
		case size == 3 && r.IntN(4) > 0:
			child(age)
		case size == 3:
			elder(age)
		case size == 4 && r.IntN(5) < 3:
			child(age)
			child(age)
		case size == 4:
			child(age)
			elder(age)
		case size == 5 && r.IntN(2) == 0:
			child(age)
			child(age)
			elder(age)
		default:
			// Three generations: an older couple, their child, the child's
			// spouse and a grandchild.
			age = 55 + r.IntN(20)
			fam[0].age, fam[1].age = age, age-3+r.IntN(7)
			c := len(fam)
			child(age)
			cf := fam[c].female
			inLawRel := "儿媳"
			if cf {
				inLawRel = "女婿"
			}
			inLawEth := ref.HanCode
			if r.IntN(3) == 0 {
				inLawEth = fam[c].eth
			}
			add(inLawRel, !cf, fam[c].age-2+r.IntN(5), inLawEth, -1)
			gf := r.IntN(2) == 0
			rel := "孙子"
			if gf {
				rel = "孙女"
			}
			father := c
			if cf {
				father = c + 1
			}
			add(rel, gf, fam[c].age-24-r.IntN(12), fam[c].eth, father)
		}
	}
	return fam
}

// childName names a child after the parent at p: the parent's surname for
// groups with surnames, the father's given name after the dot for the
// Turkic groups.
func childName(r *rand.Rand, eth string, female bool, p *personRow) string {
	switch {
	case turkic(eth) && turkic(p.eth):
		given, _, _ := strings.Cut(p.name, "·")
		own, _, _ := strings.Cut(personName(r, eth, female), "·")
		if own == given {
			return personName(r, eth, female)
		}
		return own + "·" + given
	case hasSurname(eth) && hasSurname(p.eth):
		sur := string([]rune(p.name)[:1])
		if eth == "10" {
			full := []rune(personName(r, eth, female))
			return sur + string(full[1:])
		}
		return sur + givenName(r, female)
	}
	return personName(r, eth, female)
}

func turkic(eth string) bool {
	switch eth {
	case "05", "17", "29", "43", "50":
		return true
	}
	return false
}

// hasSurname reports whether names of the group start with a Chinese
// surname (see personName).
func hasSurname(eth string) bool {
	switch eth {
	case "02", "04", "54", "55":
		return false
	}
	return !turkic(eth)
}

// createdDate is when a record was entered: over the last three years.
func (reg *registry) createdDate() time.Time {
	return reg.today.AddDate(0, 0, -30-reg.r.IntN(3*365))
}

// person draws everything about one member but the household link and the
// floating details.
func (reg *registry) person(c, bg *Unit, kind int, m member, addr string, created time.Time) *personRow {
	r := reg.r
	birth := reg.today.AddDate(-m.age, 0, -r.IntN(365))
	if !birth.Before(reg.today) {
		birth = reg.today.AddDate(0, 0, -1-r.IntN(300))
	}
	p := &personRow{id: reg.nextPerson, org: c.ID, kind: kind, eth: m.eth, female: m.female, birth: birth, curAddr: addr, status: "active"}
	reg.nextPerson++
	if bg != nil {
		p.bg = bg.ID
	}
	p.sex = 1
	if m.female {
		p.sex = 2
	}
	p.name = personName(r, m.eth, m.female)
	age := m.age
	// The ID number: born here, or in the group's home province.
	p.region = localRegion
	local := kind == 1 && (age < 40 && r.IntN(100) < 65 || r.IntN(100) < 20)
	if !local {
		provs := homeProvinces[m.eth]
		if len(provs) == 0 || r.IntN(100) < 15 {
			provs = homeProvinces[ref.HanCode]
		}
		prov := pick(r, provs)
		if kind == 2 && prov == "31" {
			prov = "34" // floating residents come from elsewhere
		}
		p.region = fmt.Sprintf("%s99%02d", prov, 1+r.IntN(20))
	}
	p.idNumber = reg.idNumber(p.region, birth, !m.female)
	if created.Before(birth) {
		created = birth.AddDate(0, 0, 20+r.IntN(40))
	}
	if created.After(reg.today) {
		created = reg.today
	}
	p.created = created
	if kind == 1 {
		p.regAddr = addr
		if r.IntN(100) < 12 { // registered here, living elsewhere in the district, or the other way round
			p.regAddr = reg.address(nil)
		}
	} else {
		prov, _ := ref.ProvinceName(p.region)
		p.regAddr = fmt.Sprintf("%s%s县%s镇%s村", prov, pick(r, countyWords), pick(r, countyWords), pick(r, villageWords))
	}
	// A phone for most adults and older children.
	if age >= 16 && (age < 75 && r.IntN(100) < 90 || r.IntN(100) < 45) {
		p.phone = reg.mobile()
	}
	p.education = education(r, age)
	p.political = political(r, age)
	if strings.HasPrefix(p.political, "中共") {
		p.tags |= tagPartyMember
	}
	if age >= 18 && age < 62 {
		switch n := r.IntN(100); {
		case n < 30:
			p.workplace, p.workKind = pick(r, localUnits), 1
		case n < 52:
			p.workplace, p.workKind = pick(r, newOrgWords)+pick(r, newOrgSuffixes), 2
		case n < 80:
			p.workplace = pick(r, otherEmployers)
		}
	}
	minority := m.eth != ref.HanCode
	if m.rel == "户主" && r.IntN(1000) < 30 {
		p.tags |= tagHardship
	}
	if r.IntN(1000) < 20+age/4 {
		p.tags |= tagDisabled
	}
	if age >= 18 && age < 72 {
		if minority && r.IntN(100) < 7 || !minority && r.IntN(100) < 2 {
			p.tags |= tagVolunteer
		}
		if minority && age >= 25 && r.IntN(1000) < 15 {
			p.tags |= tagLiaison
		}
	}
	if minority && age >= 35 && r.IntN(1000) < 8 {
		p.tags |= tagRepresentative
	}
	return p
}

// The tags, as stored bits.
const (
	tagHardship       = int(people.TagHardship)
	tagSubsistence    = int(people.TagSubsistence)
	tagDisabled       = int(people.TagDisabled)
	tagElderlyAlone   = int(people.TagElderlyAlone)
	tagRepresentative = int(people.TagRepresentative)
	tagVolunteer      = int(people.TagVolunteer)
	tagLiaison        = int(people.TagLiaison)
	tagPartyMember    = int(people.TagPartyMember)
)

// idNumber makes a valid, unique ID number: region, birth date, a sequence
// whose last digit is odd for men, and the check digit.
func (reg *registry) idNumber(region string, birth time.Time, male bool) string {
	prefix := region + birth.Format("20060102")
	for {
		seq := 2 * reg.r.IntN(500)
		if male {
			seq++
		}
		first17 := fmt.Sprintf("%s%03d", prefix, seq)
		key := atou(first17)
		if _, dup := reg.ids[key]; dup {
			continue
		}
		reg.ids[key] = struct{}{}
		return first17 + string(ref.CheckDigit(first17))
	}
}

func atou(s string) uint64 {
	var n uint64
	for i := 0; i < len(s); i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n
}

var mobilePrefixes = []string{"130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159",
	"166", "173", "177", "180", "181", "182", "185", "186", "187", "188", "189", "191", "195", "198", "199"}

// mobile is a valid, unused mainland mobile number.
func (reg *registry) mobile() string {
	for {
		s := pick(reg.r, mobilePrefixes) + fmt.Sprintf("%08d", reg.r.IntN(100_000_000))
		k := atou(s)
		if _, dup := reg.phones[k]; !dup {
			reg.phones[k] = struct{}{}
			return s
		}
	}
}

// address is a flat in the building group (or somewhere in the district).
func (reg *registry) address(bg *Unit) string {
	r := reg.r
	if bg == nil {
		return fmt.Sprintf("%s%s%s%d号%d室", cityName, districtName, pick(r, roads), 1+r.IntN(1200), (1+r.IntN(6))*100+1+r.IntN(4))
	}
	place := strings.TrimSuffix(bg.Name, "楼组")
	if strings.HasSuffix(place, "弄") {
		return fmt.Sprintf("%s%s%s%d号%d室", cityName, districtName, place, 1+r.IntN(40), (1+r.IntN(4))*100+1+r.IntN(3))
	}
	return fmt.Sprintf("%s%s%s%d室", cityName, districtName, place, (1+r.IntN(18))*100+1+r.IntN(4))
}

func education(r *rand.Rand, age int) string {
	switch {
	case age < 6:
		return ""
	case age < 12:
		return "小学"
	case age < 15:
		return "初中"
	case age < 18:
		return pick(r, []string{"高中", "高中", "中专"})
	}
	// Younger adults studied longer.
	levels := []string{"研究生", "大学本科", "大学专科", "中专", "高中", "初中", "小学", "文盲或半文盲"}
	var w []int
	switch {
	case age < 35:
		w = []int{90, 380, 240, 90, 120, 70, 10, 0}
	case age < 55:
		w = []int{40, 220, 200, 120, 200, 180, 35, 5}
	case age < 75:
		w = []int{10, 90, 110, 100, 250, 300, 120, 20}
	default:
		w = []int{5, 40, 50, 50, 150, 250, 330, 125}
	}
	return levels[drawWeighted(r, w)]
}

func political(r *rand.Rand, age int) string {
	if age < 14 {
		return ""
	}
	n := r.IntN(1000)
	switch {
	case age < 28 && n < 380:
		return "共青团员"
	case age >= 18 && n >= 380 && n < 380+60+age:
		return "中共党员"
	case age >= 18 && n >= 500 && n < 505:
		return "中共预备党员"
	case age >= 30 && n >= 600 && n < 610:
		return "民主党派"
	case age >= 30 && n >= 700 && n < 706:
		return "无党派人士"
	}
	return "群众"
}

// floating fills in what a floating resident has: arrival, origin,
// expected stay, permit, liaison point.
func (reg *registry) floating(p *personRow, sd *Unit, estate string, arrival time.Time) {
	r := reg.r
	if arrival.Before(p.birth) {
		arrival = p.birth.AddDate(0, 0, 1+r.IntN(30))
	}
	p.arrival = arrival.Format(time.DateOnly)
	p.origin, _ = ref.ProvinceName(p.region)
	// Expected to leave from half a year ago to four years from now: about
	// one in ten is past their expected stay.
	leave := reg.today.AddDate(0, 0, -180+r.IntN(1640))
	if leave.Before(arrival.AddDate(0, 6, 0)) {
		leave = arrival.AddDate(0, 6+r.IntN(24), 0)
	}
	p.leave = leave.Format(time.DateOnly)
	// Most adults hold a residence permit: some expired, some expiring
	// within 30 days.
	if p.birth.Before(reg.today.AddDate(-16, 0, 0)) && r.IntN(100) < 85 {
		reg.permitSeq++
		p.permitNo = fmt.Sprintf("SH%d%07d", arrival.Year(), reg.permitSeq)
		p.permitExpiry = reg.today.AddDate(0, 0, -60+r.IntN(460)).Format(time.DateOnly)
	}
	if r.IntN(10) < 7 {
		p.liaisonPoint = sd.Name + "民族之家联络点"
	} else {
		p.liaisonPoint = estate + "居委联络点"
	}
}

// lifecycle marks a few members as moved in from another committee, moved
// out, left (floating) or deceased. A household's head stays active, so
// every household keeps its head.
func (reg *registry) lifecycle(rows []*personRow, inHousehold bool, c *Unit) {
	r := reg.r
	for i, p := range rows {
		if i == 0 && rows[0].tags&tagElderlyAlone == 0 && len(rows) == 1 && p.kind == 1 && reg.ageOf(p) >= 65 && r.IntN(100) < 80 {
			p.tags |= tagElderlyAlone
		}
		if i == 0 && inHousehold {
			// Heads: only moves within the district.
			if p.kind == 1 && r.IntN(100) < 3 {
				reg.movedIn(p, c)
			}
			continue
		}
		age := reg.ageOf(p)
		n := r.IntN(1000)
		switch {
		case age >= 80 && n < 60 || age >= 70 && n < 20 || n < 2:
			p.status = "deceased"
			reg.stats.Deceased++
		case p.kind == 2 && n < 80 || p.kind == 1 && n < 22:
			p.status = "moved_out"
			reg.stats.MovedOut++
		case p.kind == 1 && n < 50:
			reg.movedIn(p, c)
			continue
		default:
			continue
		}
		from := p.created
		if a, ok := parseDate(p.arrival); ok && a.After(from) {
			from = a
		}
		span := int(reg.today.Sub(from).Hours()/24) - 1
		d := reg.today.AddDate(0, 0, -1)
		if span > 1 {
			d = from.AddDate(0, 0, 1+r.IntN(span))
		}
		p.statusDate = d.Format(time.DateOnly)
		p.tags &^= tagVolunteer | tagLiaison
	}
}

// movedIn records that p came from another committee of the subdistrict.
func (reg *registry) movedIn(p *personRow, c *Unit) {
	sibs := c.Parent.ChildrenOf(org.Committee)
	if len(sibs) < 2 {
		return
	}
	from := sibs[reg.r.IntN(len(sibs))]
	if from == c {
		return
	}
	span := int(reg.today.Sub(p.created).Hours()/24) - 1
	if span < 2 {
		return
	}
	p.movedFrom = from.ID
	p.movedDate = p.created.AddDate(0, 0, 1+reg.r.IntN(span)).Format(time.DateOnly)
}

func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

func (reg *registry) ageOf(p *personRow) int {
	age := reg.today.Year() - p.birth.Year()
	if reg.today.YearDay() < p.birth.YearDay() {
		age--
	}
	return age
}

// duplicate adds a record that looks like an earlier one: the same name and
// birth date under another ID number, as when two rosters wrote one person
// differently. It has no household.
func (reg *registry) duplicate(c *Unit) {
	r := reg.r
	if len(reg.dupSource) == 0 {
		return
	}
	src := reg.dupSource[r.IntN(len(reg.dupSource))]
	p := &personRow{id: reg.nextPerson, org: c.ID, kind: src.kind, eth: src.eth, female: src.female, birth: src.birth, sex: src.sex,
		name: src.name, status: "active", education: src.education, political: src.political}
	reg.nextPerson++
	// Another region (a typo in the roster, or an old number).
	prov := pick(r, homeProvinces[ref.HanCode])
	p.region = fmt.Sprintf("%s99%02d", prov, 21+r.IntN(20))
	p.idNumber = reg.idNumber(p.region, p.birth, !p.female)
	bgs := c.ChildrenOf(org.BuildingGroup)
	var bg *Unit
	if len(bgs) > 0 {
		bg = bgs[r.IntN(len(bgs))]
		p.bg = bg.ID
	}
	p.curAddr = reg.address(bg)
	p.regAddr = p.curAddr
	p.created = reg.createdDate()
	if p.created.Before(p.birth) {
		p.created = reg.today
	}
	if p.kind == 2 {
		reg.floating(p, c.Parent, strings.TrimSuffix(c.Name, "居委会"), p.created.AddDate(0, 0, -r.IntN(30)))
	}
	reg.add(p)
	reg.stats.Duplicates++
}

// noteLiaisonCandidates keeps, in the first subdistrict, needy minority
// persons and minority households for the demo liaison.
func (reg *registry) noteLiaisonCandidates(rows []*personRow, h *householdRow) {
	for _, p := range rows {
		if p.status == "active" && p.eth != ref.HanCode && p.tags&(tagElderlyAlone|tagHardship|tagSubsistence|tagDisabled) != 0 && len(reg.liaisonPersons) < 12 {
			reg.liaisonPersons = append(reg.liaisonPersons, p.id)
			return
		}
	}
	if h != nil && len(rows) >= 2 && len(reg.liaisonHouseholds) < 8 && reg.r.IntN(4) == 0 {
		for _, p := range rows {
			if p.eth != ref.HanCode {
				reg.liaisonHouseholds = append(reg.liaisonHouseholds, h.id)
				return
			}
		}
	}
}

// assignLiaison gives the demo liaison (the account "liaison") its persons
// and households.
func (reg *registry) assignLiaison(ctx context.Context) error {
	u, err := reg.g.Auth.ByUsername(ctx, "liaison")
	if err != nil {
		return nil // no demo liaison account: nothing to assign
	}
	if err := reg.w.assign(ctx, u.ID, reg.liaisonPersons, reg.liaisonHouseholds, reg.today); err != nil {
		return err
	}
	reg.stats.LiaisonPersons, reg.stats.LiaisonHouseholds = len(reg.liaisonPersons), len(reg.liaisonHouseholds)
	return nil
}
