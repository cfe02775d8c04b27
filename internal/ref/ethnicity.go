package ref

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ethnicity is one entry of GB/T 3304 "Names of nationalities of China in
// romanization with codes".
type Ethnicity struct {
	// Code is the two-digit code, "01" to "56", "97" or "98".
	Code string
	// Name is the full name, with 族 for the 56 groups (回族).
	Name string
	// Short is the name without 族 (回); for 97 and 98 it equals Name.
	Short string
	// Roman is the romanisation given by the standard (Hui); empty for 97
	// and 98, which the standard gives none.
	Roman string
}

// Ethnicities lists the 56 ethnic groups and the codes 97 and 98, in code
// order. Treat it as read-only.
var Ethnicities = []Ethnicity{
	{"01", "汉族", "汉", "Han"},
	{"02", "蒙古族", "蒙古", "Mongol"},
	{"03", "回族", "回", "Hui"},
	{"04", "藏族", "藏", "Zang"},
	{"05", "维吾尔族", "维吾尔", "Uygur"},
	{"06", "苗族", "苗", "Miao"},
	{"07", "彝族", "彝", "Yi"},
	{"08", "壮族", "壮", "Zhuang"},
	{"09", "布依族", "布依", "Buyei"},
	{"10", "朝鲜族", "朝鲜", "Chosen"},
	{"11", "满族", "满", "Man"},
	{"12", "侗族", "侗", "Dong"},
	{"13", "瑶族", "瑶", "Yao"},
	{"14", "白族", "白", "Bai"},
	{"15", "土家族", "土家", "Tujia"},
	{"16", "哈尼族", "哈尼", "Hani"},
	{"17", "哈萨克族", "哈萨克", "Kazak"},
	{"18", "傣族", "傣", "Dai"},
	{"19", "黎族", "黎", "Li"},
	{"20", "傈僳族", "傈僳", "Lisu"},
	{"21", "佤族", "佤", "Va"},
	{"22", "畲族", "畲", "She"},
	{"23", "高山族", "高山", "Gaoshan"},
	{"24", "拉祜族", "拉祜", "Lahu"},
	{"25", "水族", "水", "Sui"},
	{"26", "东乡族", "东乡", "Dongxiang"},
	{"27", "纳西族", "纳西", "Naxi"},
	{"28", "景颇族", "景颇", "Jingpo"},
	{"29", "柯尔克孜族", "柯尔克孜", "Kirgiz"},
	{"30", "土族", "土", "Tu"},
	{"31", "达斡尔族", "达斡尔", "Daur"},
	{"32", "仫佬族", "仫佬", "Mulao"},
	{"33", "羌族", "羌", "Qiang"},
	{"34", "布朗族", "布朗", "Blang"},
	{"35", "撒拉族", "撒拉", "Salar"},
	{"36", "毛南族", "毛南", "Maonan"},
	{"37", "仡佬族", "仡佬", "Gelao"},
	{"38", "锡伯族", "锡伯", "Xibe"},
	{"39", "阿昌族", "阿昌", "Achang"},
	{"40", "普米族", "普米", "Pumi"},
	{"41", "塔吉克族", "塔吉克", "Tajik"},
	{"42", "怒族", "怒", "Nu"},
	{"43", "乌孜别克族", "乌孜别克", "Uzbek"},
	{"44", "俄罗斯族", "俄罗斯", "Russ"},
	{"45", "鄂温克族", "鄂温克", "Ewenki"},
	{"46", "德昂族", "德昂", "Deang"},
	{"47", "保安族", "保安", "Bonan"},
	{"48", "裕固族", "裕固", "Yugur"},
	{"49", "京族", "京", "Gin"},
	{"50", "塔塔尔族", "塔塔尔", "Tatar"},
	{"51", "独龙族", "独龙", "Derung"},
	{"52", "鄂伦春族", "鄂伦春", "Oroqen"},
	{"53", "赫哲族", "赫哲", "Hezhen"},
	{"54", "门巴族", "门巴", "Monba"},
	{"55", "珞巴族", "珞巴", "Lhoba"},
	{"56", "基诺族", "基诺", "Jino"},
	{"97", "其他未识别民族", "其他未识别民族", ""},
	{"98", "外国血统中国籍人士", "外国血统中国籍人士", ""},
}

// HanCode is the GB/T 3304 code of the Han majority.
const HanCode = "01"

// CensusPop10k gives the 2020 census population of each group, in units of
// 10,000 people, keyed by code, for weighting generated demo data. Codes 97
// and 98 are absent.
var CensusPop10k = map[string]float64{
	"01": 128631, "02": 629, "03": 1138, "04": 706, "05": 1177, "06": 1107,
	"07": 983, "08": 1957, "09": 358, "10": 170, "11": 1042, "12": 350,
	"13": 331, "14": 209, "15": 959, "16": 173, "17": 156, "18": 133,
	"19": 160, "20": 76, "21": 43, "22": 75, "23": 0.3, "24": 50,
	"25": 50, "26": 77, "27": 32, "28": 16, "29": 20, "30": 28,
	"31": 13, "32": 28, "33": 31, "34": 13, "35": 17, "36": 12,
	"37": 68, "38": 19, "39": 4.4, "40": 4.5, "41": 5, "42": 3.7,
	"43": 1.3, "44": 1.6, "45": 3.5, "46": 2.2, "47": 2.4, "48": 1.5,
	"49": 3.3, "50": 0.35, "51": 0.7, "52": 0.9, "53": 0.5, "54": 1.1,
	"55": 0.4, "56": 2.6,
}

// ethnicityIndex maps codes, full names and short names to an index into
// Ethnicities.
var ethnicityIndex = func() map[string]int {
	m := make(map[string]int, 3*len(Ethnicities))
	for i, e := range Ethnicities {
		m[e.Code] = i
		m[e.Name] = i
		m[e.Short] = i
	}
	return m
}()

// EthnicityByCode returns the ethnicity with the given two-digit code.
func EthnicityByCode(code string) (Ethnicity, bool) {
	if len(code) != 2 {
		return Ethnicity{}, false
	}
	if i, ok := ethnicityIndex[code]; ok {
		return Ethnicities[i], true
	}
	return Ethnicity{}, false
}

// IsMinority reports whether code is a valid code other than Han (01); the
// codes 97 and 98 count as minorities.
func IsMinority(code string) bool {
	_, ok := EthnicityByCode(code)
	return ok && code != HanCode
}

// ParseEthnicity reads an ethnicity as written in a roster: the full name
// (回族), the name without 族 (回) or the code (03, or 3). Surrounding and
// inner white space is ignored and full-width digits are accepted. Anything
// else, including variants and typos, is refused: see SuggestEthnicity.
func ParseEthnicity(s string) (Ethnicity, bool) {
	s = compactWidth(s)
	if s == "" {
		return Ethnicity{}, false
	}
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		s = "0" + s
	}
	if i, ok := ethnicityIndex[s]; ok {
		return Ethnicities[i], true
	}
	return Ethnicity{}, false
}

// compactWidth removes all white space (including U+3000 and zero-width
// characters) and folds full-width ASCII forms (digits, letters, signs) to
// their ASCII equivalents.
func compactWidth(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c <= ' ' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || isZeroWidth(r) {
			continue
		}
		b.WriteRune(foldWidth(r))
	}
	return b.String()
}

// foldWidth maps a full-width ASCII form (U+FF01–U+FF5E) to ASCII.
func foldWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFF01 + '!'
	}
	return r
}

// isZeroWidth reports invisible characters that copy-and-paste leaves in
// cells: zero-width space, joiners, word joiner and the byte-order mark.
func isZeroWidth(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return false
}

// traditionalFold maps traditional and variant characters seen in names of
// ethnic groups to the simplified forms of the standard.
var traditionalFold = map[rune]rune{
	'漢': '汉', '維': '维', '爾': '尔', '壯': '壮', '鮮': '鲜', '滿': '满',
	'瑤': '瑶', '薩': '萨', '東': '东', '鄉': '乡', '納': '纳', '頗': '颇',
	'達': '达', '錫': '锡', '烏': '乌', '別': '别', '羅': '罗', '溫': '温',
	'獨': '独', '龍': '龙', '倫': '伦', '門': '门', '諾': '诺', '畬': '畲',
	'彞': '彝', '剋': '克',
}

// SuggestEthnicity returns the valid ethnicity nearest to s, for a message
// such as "did you mean 拉祜族?". It returns the exact match when s parses,
// and otherwise looks past traditional and variant characters (維吾爾族,
// 畬族), punctuation, a suffix 族, 民族, 民 or 人 (回民, 满人), abbreviations
// (蒙族, 维族: the start of exactly one name), the romanisation (Hui,
// Uyghur), and small typos measured by edit distance (拉牯族): a name of two
// or three characters may differ in one character, one of four or more in
// two, one of a single character in none. An abbreviation counts as closer
// than a one-character typo (哈萨 is 哈萨克, not 哈尼). It returns false when
// nothing is close enough or when two groups are equally close (哈族: 哈尼 or
// 哈萨克).
func SuggestEthnicity(s string) (Ethnicity, bool) {
	if e, ok := ParseEthnicity(s); ok {
		return e, true
	}
	var rs []rune
	for _, r := range compactWidth(s) {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			continue
		}
		if f, ok := traditionalFold[r]; ok {
			r = f
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return Ethnicity{}, false
	}
	if e, ok := ParseEthnicity(string(rs)); ok {
		return e, true
	}
	if isASCIILetters(rs) {
		return suggestRoman(string(rs))
	}
	core := trimEthnicSuffix(rs)
	if len(core) == 0 {
		return Ethnicity{}, false
	}
	if e, ok := ParseEthnicity(string(core)); ok {
		return e, true
	}

	const none = 1 << 30
	best, bestIdx, tie := none, -1, false
	for i, e := range Ethnicities {
		short := []rune(e.Short)
		if e.Code == "97" {
			short = []rune("其他未识别")
		}
		// Scores: an abbreviation (蒙 for 蒙古, 哈萨 for 哈萨克) 1, a typo
		// 2 per edit, so that 哈萨 is 哈萨克 rather than 哈尼.
		score := none
		if len(core) < len(short) && hasRunePrefix(short, core) {
			score = 1
		}
		if d := editDistance(core, short); d <= maxTypos(len(short)) && d < len(short) {
			// A typo, one at least of the characters being right.
			score = min(score, 2*d)
		}
		switch {
		case score < best:
			best, bestIdx, tie = score, i, false
		case score == best && score != none:
			tie = true
		}
	}
	if bestIdx < 0 || tie {
		return Ethnicity{}, false
	}
	return Ethnicities[bestIdx], true
}

// maxTypos is the edit distance allowed for a short name of n characters.
func maxTypos(n int) int {
	switch {
	case n <= 1:
		return 0
	case n <= 3:
		return 1
	default:
		return 2
	}
}

// trimEthnicSuffix removes a trailing 民族, 族, 民 or 人 (回民, 满人).
func trimEthnicSuffix(rs []rune) []rune {
	n := len(rs)
	switch {
	case n >= 3 && rs[n-2] == '民' && rs[n-1] == '族':
		return rs[:n-2]
	case n >= 2 && (rs[n-1] == '族' || rs[n-1] == '民' || rs[n-1] == '人'):
		return rs[:n-1]
	}
	return rs
}

func hasRunePrefix(s, prefix []rune) bool {
	if len(prefix) > len(s) {
		return false
	}
	for i := range prefix {
		if s[i] != prefix[i] {
			return false
		}
	}
	return true
}

func isASCIILetters(rs []rune) bool {
	for _, r := range rs {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// suggestRoman matches a romanisation, ignoring case, allowing one typo in
// names of five letters or more.
func suggestRoman(s string) (Ethnicity, bool) {
	in := []rune(strings.ToLower(s))
	best, bestIdx, tie := 2, -1, false
	for i, e := range Ethnicities {
		if e.Roman == "" {
			continue
		}
		r := []rune(strings.ToLower(e.Roman))
		d := editDistance(in, r)
		if d > 0 && len(r) < 5 {
			continue
		}
		switch {
		case d < best:
			best, bestIdx, tie = d, i, false
		case d == best:
			tie = true
		}
	}
	if bestIdx < 0 || tie {
		return Ethnicity{}, false
	}
	return Ethnicities[bestIdx], true
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of neighbours.
func editDistance(a, b []rune) int {
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	// Three rows: two back (for transpositions), previous, current.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
