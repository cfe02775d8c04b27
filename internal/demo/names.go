package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Word pools for the fictional district. They are demo data, not interface
// text: every name is invented from common words, so no generated unit or
// person stands for a real one.

// The district: a Shanghai-style code (31 01 xx) that no real district uses.
const (
	districtCode = "310199"
	districtName = "石榴区"
	cityName     = "上海市"
)

// subdistrictWords name subdistricts in order: the first two are always
// 和平街道 and 团结街道, so screenshots and guides can name them.
var subdistrictWords = []string{
	"和平", "团结", "同心", "友谊", "兴华", "新民", "光明", "长乐", "永和", "康宁",
	"嘉禾", "春晖", "振华", "安和", "育英", "福寿", "民乐", "惠民", "复兴", "建设",
}

// estateWords and estateSuffixes make the estate (里弄, 新村, 小区) a
// residents' committee is named after: 福安里, 梅园新村, 康乐苑.
var estateWords = []string{
	"福安", "新华", "康乐", "梅园", "永兴", "平安", "和顺", "吉祥", "锦绣", "青云",
	"东风", "红旗", "曙光", "丽园", "桃源", "枫林", "柳荫", "松柏", "翠竹", "金桥",
	"银杏", "玉兰", "海棠", "春江", "秋霞", "建国", "民主", "长青", "安居", "乐业",
	"怡景", "南山", "北苑", "西康", "东昌", "仁德", "崇文", "广济", "景华", "明珠",
	"书香", "同乐", "兴隆", "嘉园", "鸿福", "瑞丰", "德润", "泰和", "宁安", "恒丰",
	"华阳", "凌云", "晨光", "朝阳", "碧波", "绿洲", "芳草", "杏花", "荷花", "紫藤",
}

var estateSuffixes = []string{"里", "坊", "新村", "一村", "二村", "苑", "小区", "花园", ""}

// roads are the streets of the district's addresses.
var roads = []string{
	"石榴路", "同心路", "和平路", "团结路", "长安路", "兴华路", "光明路", "民主路", "友谊路", "福安路",
	"康乐路", "永和路", "新民路", "春晖路", "嘉禾路", "建国路", "枫林路", "桃源路", "金桥路", "梅园路",
	"石榴东路", "石榴西路", "同心北路", "长乐支路", "振华路", "育英路", "惠民路", "晨光路", "海棠路", "玉兰路",
}

// surnames with rough weights (per mille of the population), the common
// ones first; Shanghai's 陆, 沈, 顾, 钱 are a little heavier than nationally.
var surnames = []struct {
	s string
	w int
}{
	{"王", 71}, {"李", 70}, {"张", 67}, {"刘", 54}, {"陈", 53}, {"杨", 31}, {"黄", 22}, {"赵", 20},
	{"吴", 22}, {"周", 21}, {"徐", 18}, {"孙", 13}, {"马", 11}, {"朱", 14}, {"胡", 13}, {"郭", 10},
	{"何", 9}, {"高", 9}, {"林", 9}, {"罗", 8}, {"郑", 8}, {"梁", 7}, {"谢", 7}, {"宋", 6},
	{"唐", 6}, {"许", 6}, {"韩", 5}, {"冯", 5}, {"邓", 5}, {"曹", 5}, {"彭", 5}, {"曾", 5},
	{"肖", 5}, {"田", 4}, {"董", 4}, {"袁", 4}, {"潘", 4}, {"于", 4}, {"蒋", 5}, {"蔡", 4},
	{"余", 4}, {"杜", 3}, {"叶", 4}, {"程", 3}, {"苏", 3}, {"魏", 3}, {"吕", 3}, {"丁", 3},
	{"任", 3}, {"沈", 6}, {"姚", 3}, {"卢", 3}, {"姜", 3}, {"崔", 2}, {"钟", 3}, {"谭", 2},
	{"陆", 6}, {"汪", 3}, {"范", 3}, {"金", 3}, {"石", 2}, {"顾", 5}, {"钱", 4}, {"严", 2},
}

var surnameTotal = func() int {
	n := 0
	for _, s := range surnames {
		n += s.w
	}
	return n
}()

// Given names: two characters, a first from one list and a second from
// the other (建华, 晓燕), or one character from the second list (伟, 芳).
// The lists are chosen so that any pairing reads like a real name.
var (
	maleFirst    = []rune("建志国晓文海俊永德春明立家子宏嘉思天振学")
	maleSecond   = []rune("华强平军伟明峰杰斌东辉龙涛鹏宇浩磊刚林成")
	femaleFirst  = []rune("秀丽美慧雪晓玉春静欣思雨佳文海凤淑桂彩梦")
	femaleSecond = []rune("英华玲敏梅燕兰娟怡琪婷涵慧静红霞珍萍芳洁")
)

// Turkic given names (Uygur, Kazak, Kirgiz, Uzbek, Tatar), written as
// given name · father's name.
var (
	turkicMale   = []string{"艾力", "买买提", "阿不都", "吐尔逊", "艾尔肯", "依明", "努尔", "亚森", "阿里木", "库尔班", "热合曼", "伊力哈木", "别克", "叶尔兰", "努尔兰"}
	turkicFemale = []string{"古丽", "热依拉", "米娜瓦尔", "帕提古丽", "努尔古丽", "迪丽娜尔", "古丽娜", "热娜", "再努尔", "阿依努尔", "萨拉", "玛依拉"}
)

// Mongol and Tibetan names have no surname.
var (
	mongolMale   = []string{"巴特尔", "额尔敦", "那仁", "苏和", "朝鲁", "宝音", "孟和", "布和", "哈斯", "图雅"}
	mongolFemale = []string{"其其格", "乌日娜", "斯琴", "萨仁", "高娃", "娜仁", "琪琪", "阿拉坦", "塔娜", "乌兰"}
	tibetanFirst = []string{"扎西", "次仁", "格桑", "丹增", "索朗", "尼玛", "达瓦", "平措", "旦增", "洛桑"}
	tibetanMale  = []string{"多吉", "顿珠", "罗布", "群培", "旺堆", "边巴", "普布", "朗杰"}
	tibetanFem   = []string{"卓玛", "央金", "拉姆", "德吉", "曲珍", "白玛", "央宗", "措姆"}
)

// Korean-Chinese (朝鲜族) surnames and given-name characters.
var (
	koreanSurnames = []string{"金", "李", "朴", "崔", "郑", "姜", "赵", "尹", "张", "林", "韩", "申"}
	koreanMale     = []rune("哲浩成贤俊东植洙奎永日光")
	koreanFemale   = []rune("美英善姬淑顺玉珍花子仙爱")
)

// Hui and the other Chinese-speaking Muslim groups use Han-style names with
// a few surnames much more common.
var huiSurnames = []string{"马", "马", "马", "白", "哈", "纳", "沙", "丁", "海", "杨", "米", "穆"}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func hanSurname(r *rand.Rand) string {
	n := r.IntN(surnameTotal)
	for _, s := range surnames {
		if n < s.w {
			return s.s
		}
		n -= s.w
	}
	return surnames[0].s
}

// givenName is a Han-style given name.
func givenName(r *rand.Rand, female bool) string {
	first, second := maleFirst, maleSecond
	if female {
		first, second = femaleFirst, femaleSecond
	}
	if r.IntN(4) == 0 {
		return string(pick(r, second))
	}
	a, b := pick(r, first), pick(r, second)
	if a == b { // 慧慧, 静静: read as nicknames
		return string(b)
	}
	return string([]rune{a, b})
}

// personName returns a plausible full name for a person of the given
// ethnicity (GB/T 3304 code, "01" Han … "56" Jino) and sex. Most groups
// use Han-style names; Turkic groups get the middle-dot form
// (阿依努尔·艾力), Mongol and Tibetan names have no surname.
func personName(r *rand.Rand, ethnic string, female bool) string {
	switch ethnic {
	case "05", "17", "29", "43", "50": // Uygur, Kazak, Kirgiz, Uzbek, Tatar
		given := pick(r, turkicMale)
		if female {
			given = pick(r, turkicFemale)
		}
		father := pick(r, turkicMale)
		for father == given {
			father = pick(r, turkicMale)
		}
		return given + "·" + father
	case "02": // Mongol
		if female {
			return pick(r, mongolFemale)
		}
		return pick(r, mongolMale)
	case "04", "54", "55": // Zang, Monba, Lhoba
		if female {
			return pick(r, tibetanFirst) + pick(r, tibetanFem)
		}
		return pick(r, tibetanFirst) + pick(r, tibetanMale)
	case "10": // Chosen
		chars := koreanMale
		if female {
			chars = koreanFemale
		}
		return pick(r, koreanSurnames) + string([]rune{pick(r, chars), pick(r, chars)})
	case "03", "26", "35", "47": // Hui, Dongxiang, Salar, Bonan
		return pick(r, huiSurnames) + givenName(r, female)
	}
	return hanSurname(r) + givenName(r, female)
}

// estateNamer hands out estate names that are unique in the district,
// each word used once until all have been.
type estateNamer struct {
	r     *rand.Rand
	words []string // shuffled
	n     int
	seen  map[string]bool
}

func newEstateNamer(r *rand.Rand) *estateNamer {
	words := append([]string(nil), estateWords...)
	r.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
	return &estateNamer{r: r, words: words, seen: map[string]bool{}}
}

func (e *estateNamer) next() string {
	for range 50 {
		s := e.words[e.n%len(e.words)] + pick(e.r, estateSuffixes)
		if !e.seen[s] {
			e.seen[s] = true
			e.n++
			return s
		}
	}
	// More committees than the pools can name: number them.
	for i := len(e.seen) + 1; ; i++ {
		s := fmt.Sprintf("%s%d村", pick(e.r, estateWords), i)
		if !e.seen[s] {
			e.seen[s] = true
			return s
		}
	}
}

// subdistrictName returns the i-th (0-based) subdistrict's name.
func subdistrictName(i int) string {
	if i < len(subdistrictWords) {
		return subdistrictWords[i] + "街道"
	}
	return fmt.Sprintf("第%d街道", i+1)
}

// buildingGroupName names a building group after its estate: lanes (弄) in
// 里弄 estates, buildings (号) in newer ones.
func buildingGroupName(estate string, n int) string {
	if isLaneEstate(estate) {
		return fmt.Sprintf("%s%d弄楼组", estate, n)
	}
	return fmt.Sprintf("%s%d号楼组", estate, n)
}

// isLaneEstate reports whether an estate is an old lane (里弄) estate, whose
// addresses and building groups go by lane (弄).
func isLaneEstate(estate string) bool {
	return strings.HasSuffix(estate, "里") || strings.HasSuffix(estate, "坊")
}

// officePhone is a fictional Shanghai landline.
func officePhone(r *rand.Rand) string {
	return fmt.Sprintf("021-5%07d", r.IntN(10_000_000))
}

// address is a street address in the district.
func address(r *rand.Rand, lane bool) string {
	if lane {
		return fmt.Sprintf("%s%s%s%d弄%d号", cityName, districtName, pick(r, roads), 10+r.IntN(990), 1+r.IntN(40))
	}
	return fmt.Sprintf("%s%s%s%d号", cityName, districtName, pick(r, roads), 1+r.IntN(1200))
}
