package ref

import (
	"fmt"
	"strings"
	"testing"
)

func TestEthnicitiesTable(t *testing.T) {
	if len(Ethnicities) != 58 {
		t.Fatalf("len(Ethnicities) = %d, want 56 groups + 97 + 98", len(Ethnicities))
	}
	seen := map[string]bool{}
	romans := map[string]bool{}
	for i, e := range Ethnicities {
		want := fmt.Sprintf("%02d", i+1)
		if i == 56 {
			want = "97"
		} else if i == 57 {
			want = "98"
		}
		if e.Code != want {
			t.Errorf("Ethnicities[%d].Code = %q, want %q (code order)", i, e.Code, want)
		}
		for _, k := range []string{e.Name, e.Short} {
			if k != e.Short && seen[k] {
				t.Errorf("%s: name %q repeated", e.Code, k)
			}
			seen[k] = true
		}
		if i < 56 {
			if e.Name != e.Short+"族" {
				t.Errorf("%s: Name %q is not Short %q + 族", e.Code, e.Name, e.Short)
			}
			if e.Roman == "" || romans[e.Roman] {
				t.Errorf("%s: Roman %q empty or repeated", e.Code, e.Roman)
			}
			romans[e.Roman] = true
			if _, ok := CensusPop10k[e.Code]; !ok {
				t.Errorf("%s: no census population", e.Code)
			}
		} else if e.Name != e.Short {
			t.Errorf("%s: Short %q should equal Name %q", e.Code, e.Short, e.Name)
		}
	}
	if len(CensusPop10k) != 56 {
		t.Errorf("len(CensusPop10k) = %d, want 56", len(CensusPop10k))
	}
	// A few figures from DOMAIN.md.
	for code, want := range map[string]float64{"01": 128631, "08": 1957, "03": 1138, "23": 0.3, "50": 0.35, "40": 4.5} {
		if got := CensusPop10k[code]; got != want {
			t.Errorf("CensusPop10k[%s] = %v, want %v", code, got, want)
		}
	}
}

func TestEthnicityByCode(t *testing.T) {
	tests := []struct {
		code, name string
		ok         bool
	}{
		{"01", "汉族", true},
		{"03", "回族", true},
		{"24", "拉祜族", true},
		{"56", "基诺族", true},
		{"97", "其他未识别民族", true},
		{"98", "外国血统中国籍人士", true},
		{"00", "", false},
		{"57", "", false},
		{"99", "", false},
		{"3", "", false}, // EthnicityByCode wants the stored two-digit form
		{"回族", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		e, ok := EthnicityByCode(tt.code)
		if ok != tt.ok || e.Name != tt.name {
			t.Errorf("EthnicityByCode(%q) = %q, %v; want %q, %v", tt.code, e.Name, ok, tt.name, tt.ok)
		}
	}
}

func TestIsMinority(t *testing.T) {
	tests := map[string]bool{
		"01": false, "02": true, "03": true, "56": true, "97": true, "98": true,
		"00": false, "57": false, "": false, "1": false,
	}
	for code, want := range tests {
		if got := IsMinority(code); got != want {
			t.Errorf("IsMinority(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestParseEthnicity(t *testing.T) {
	tests := []struct {
		in, code string // code "" means refused
	}{
		{"回族", "03"},
		{"回", "03"},
		{"03", "03"},
		{"3", "03"},
		{"9", "09"},
		{"０３", "03"},
		{"３", "03"},
		{" 回族 ", "03"},
		{"\u3000维吾尔族\u3000", "05"},
		{"回 族", "03"},
		{"\u200b回族", "03"},
		{"拉祜族", "24"},
		{"拉祜", "24"},
		{"柯尔克孜族", "29"},
		{"土族", "30"},
		{"土家族", "15"},
		{"土家", "15"},
		{"汉", "01"},
		{"56", "56"},
		{"97", "97"},
		{"其他未识别民族", "97"},
		{"98", "98"},
		{"外国血统中国籍人士", "98"},
		// Refused: typos, variants, abbreviations, romanisations, bad codes.
		{"拉牯族", ""},
		{"維吾爾族", ""},
		{"蒙族", ""},
		{"Hui", ""},
		{"0", ""},
		{"00", ""},
		{"003", ""},
		{"57", ""},
		{"99", ""},
		{"", ""},
		{"   ", ""},
		{"族", ""},
	}
	for _, tt := range tests {
		e, ok := ParseEthnicity(tt.in)
		if tt.code == "" {
			if ok {
				t.Errorf("ParseEthnicity(%q) = %s %s, want refused", tt.in, e.Code, e.Name)
			}
			continue
		}
		if !ok || e.Code != tt.code {
			t.Errorf("ParseEthnicity(%q) = %q, %v; want %s", tt.in, e.Code, ok, tt.code)
		}
	}
	// Every full name, short name and code parses back to itself.
	for _, e := range Ethnicities {
		for _, in := range []string{e.Code, e.Name, e.Short} {
			if got, ok := ParseEthnicity(in); !ok || got != e {
				t.Errorf("ParseEthnicity(%q) = %v, %v; want %v", in, got, ok, e)
			}
		}
	}
}

func TestSuggestEthnicity(t *testing.T) {
	tests := []struct {
		in, code string // code "" means no suggestion
	}{
		{"拉牯族", "24"}, // the reference report's own typo
		{"拉牯", "24"},
		{"維吾尔族", "05"},
		{"維吾爾族", "05"},
		{"维吾儿族", "05"},
		{"吾维尔族", "05"}, // transposition
		{"维族", "05"},
		{"蒙族", "02"},
		{"朝族", "10"},
		{"朝族?", "10"},
		{"朝鮮族", "10"},
		{"回民", "03"},
		{"藏民", "04"},
		{"满人", "11"},
		{"滿族", "11"},
		{"壯族", "08"},
		{"畬族", "22"}, // variant character of 畲
		{"柯尔克族", "29"},
		{"柯尔克兹族", "29"},
		{"鄂温克族族", "45"},
		{"哈萨克", "17"},
		{"哈萨族", "17"},
		{"俄罗斯族", "44"},
		{"俄族", "44"},
		{"未识别民族", "97"},
		{"外国血统", "98"},
		{"Hui", "03"},
		{"uyghur", "05"},
		{"KAZAK", "17"},
		{" 回族 ", "03"}, // exact matches are their own suggestion
		{"3", "03"},
		// Not close enough, or ambiguous.
		{"哈族", ""}, // 哈尼 or 哈萨克
		{"布族", ""}, // 布依 or 布朗
		{"鄂族", ""}, // 鄂温克 or 鄂伦春
		{"塔族", ""}, // 塔吉克 or 塔塔尔
		{"穿青人", ""},
		{"少数民族", ""},
		{"汗族", ""}, // one-character names allow no typo
		{"中国", ""},
		{"abc", ""},
		{"Hu", ""},
		{"", ""},
		{"？", ""},
		{"族", ""},
	}
	for _, tt := range tests {
		e, ok := SuggestEthnicity(tt.in)
		if tt.code == "" {
			if ok {
				t.Errorf("SuggestEthnicity(%q) = %s %s, want none", tt.in, e.Code, e.Name)
			}
			continue
		}
		if !ok || e.Code != tt.code {
			t.Errorf("SuggestEthnicity(%q) = %q %q, %v; want %s", tt.in, e.Code, e.Name, ok, tt.code)
		}
	}
}

func TestSuggestEthnicityOneTypoEverywhere(t *testing.T) {
	// Replacing one character of a name of two or more characters by one
	// that occurs in no name must still find it.
	for _, e := range Ethnicities[:56] {
		rs := []rune(e.Short)
		if len(rs) < 2 {
			continue
		}
		for i := range rs {
			typo := append([]rune(nil), rs...)
			typo[i] = '〇'
			in := string(typo) + "族"
			got, ok := SuggestEthnicity(in)
			if !ok {
				// Acceptable only if another name is equally close.
				if !strings.ContainsRune(e.Short, '〇') && !ambiguousTypo(typo) {
					t.Errorf("SuggestEthnicity(%q): no suggestion, want %s", in, e.Name)
				}
				continue
			}
			if got.Code != e.Code {
				t.Errorf("SuggestEthnicity(%q) = %s, want %s", in, got.Name, e.Name)
			}
		}
	}
}

// ambiguousTypo reports whether a typo is one edit from two short names.
func ambiguousTypo(typo []rune) bool {
	n := 0
	for _, e := range Ethnicities[:56] {
		s := []rune(e.Short)
		if editDistance(typo, s) <= maxTypos(len(s)) || len(typo) < len(s) && hasRunePrefix(s, typo) {
			n++
		}
	}
	return n > 1
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		d    int
	}{
		{"", "", 0},
		{"", "ab", 2},
		{"拉牯", "拉祜", 1},
		{"吾维尔", "维吾尔", 1},
		{"柯尔克孜", "柯尔克", 1},
		{"kitten", "sitting", 3},
		{"abc", "abc", 0},
	}
	for _, tt := range tests {
		if got := editDistance([]rune(tt.a), []rune(tt.b)); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}
