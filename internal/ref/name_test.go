package ref

import (
	"fmt"
	"sync"
	"testing"
)

func TestNormaliseName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张晓明", "张晓明"},
		{"  张晓明  ", "张晓明"},
		{"\u3000张晓明\u3000", "张晓明"},
		{"张　三", "张三"},
		{"张  三", "张三"},
		{"阿依古丽·买买提", "阿依古丽·买买提"},
		{"阿依古丽•买买提", "阿依古丽·买买提"},   // U+2022 bullet
		{"阿依古丽・买买提", "阿依古丽·买买提"},   // U+30FB katakana middle dot
		{"阿依古丽･买买提", "阿依古丽·买买提"},   // U+FF65 half-width katakana middle dot
		{"阿依古丽．买买提", "阿依古丽·买买提"},   // U+FF0E full-width full stop
		{"阿依古丽‧买买提", "阿依古丽·买买提"},   // U+2027 hyphenation point
		{"阿依古丽∙买买提", "阿依古丽·买买提"},   // U+2219 bullet operator
		{"阿依古丽⋅买买提", "阿依古丽·买买提"},   // U+22C5 dot operator
		{"阿依古丽.买买提", "阿依古丽·买买提"},   // ASCII full stop between Han
		{"阿依古丽。买买提", "阿依古丽·买买提"},   // ideographic full stop between Han
		{"阿依古丽 · 买买提", "阿依古丽·买买提"}, // padding around the dot
		{"阿依古丽··买买提", "阿依古丽·买买提"},  // doubled
		{"阿依古丽·.买买提", "阿依古丽·.买买提"}, // a stop not between Han stays
		{"阿依古丽 买买提", "阿依古丽买买提"},    // space between Han is padding
		{"艾力·买买提·吐尔逊", "艾力·买买提·吐尔逊"},
		{"John  Smith", "John Smith"},
		{" John\t\nSmith ", "John Smith"},
		{"Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith"},
		{"J. Smith", "J. Smith"},
		{"Anna 李", "Anna李"},
		{"\u200b李四\ufeff", "李四"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := NormaliseName(tt.in); got != tt.want {
			t.Errorf("NormaliseName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPinyin(t *testing.T) {
	tests := []struct{ in, full, initials string }{
		{"张晓明", "zhangxiaoming", "zxm"},
		{"张三丰", "zhangsanfeng", "zsf"},
		{"阿依古丽·买买提", "ayigulimaimaiti", "ayglmmt"},
		{"阿依古丽•买买提", "ayigulimaimaiti", "ayglmmt"},
		{"吕小红", "lvxiaohong", "lxh"},
		{" 张晓明 ", "zhangxiaoming", "zxm"},
		{"Anna 李", "annali", "al"},
		{"ＡＮＮＡ李", "annali", "al"},
		{"John Smith", "johnsmith", "js"},
		{"李2", "li2", "l2"},
		{"", "", ""},
		{"·", "", ""},
		// Surnames read as surnames at the start of a name only.
		{"单雄信", "shanxiongxin", "sxx"},
		{"简单", "jiandan", "jd"},
		{"曾国藩", "zengguofan", "zgf"},
		{"乐嘉", "yuejia", "yj"},
		{"仇英", "qiuying", "qy"},
		{"区丽", "ouli", "ol"},
		{"查良镛", "zhaliangyong", "zly"},
		{"朴正", "piaozheng", "pz"},
		{"盖聂", "genie", "gn"},
		{"解缙", "xiejin", "xj"},
		{"覃杰", "qinjie", "qj"},
		{"尉迟恭", "yuchigong", "ycg"},
		{"万俟卨", "moqixie", "mqx"},
		{"长孙无忌", "zhangsunwuji", "zswj"},
		{"单于夜", "chanyuye", "cyy"},
		{"华佗", "huatuo", "ht"},
		{"任我行", "renwoxing", "rwx"},
		{"纪昀", "jiyun", "jy"},
		{"种师道", "chongshidao", "csd"},
		{"缪斯", "miaosi", "ms"},
		{"翟雪", "zhaixue", "zx"},
		{"燕青", "yanqing", "yq"},
		{"秘书", "bishu", "bs"},
		{"员外", "yunwai", "yw"},
		{"句芒", "goumang", "gm"},
		{"冼星海", "xianxinghai", "xxh"},
		{"莘莘", "shenshen", "ss"},
		{"繁漪", "poyi", "py"},
		{"褚遂良", "chusuiliang", "csl"},
		{"祭仲", "zhazhong", "zz"},
		{"谌容", "chenrong", "cr"},
		{"阚泽", "kanze", "kz"},
		{"费祎", "feiyi", "fy"},
		{"贾岛", "jiadao", "jd"},
		{"黑伯", "hebo", "hb"},
		{"重耳", "chonger", "ce"},
		{"宿舍", "sushe", "ss"},
		{"过客", "guoke", "gk"},
		{"蔺相如", "linxiangru", "lxr"},
		{"召公", "shaogong", "sg"},
		{"隗嚣", "weixiao", "wx"},
		{"澹台灭明", "tantaimieming", "ttmm"},
	}
	for _, tt := range tests {
		full, ini := Pinyin(tt.in)
		if full != tt.full || ini != tt.initials {
			t.Errorf("Pinyin(%q) = %q, %q; want %q, %q", tt.in, full, ini, tt.full, tt.initials)
		}
	}
}

func TestPinyinSurnameTable(t *testing.T) {
	// Every surname in the tables is used at the start of a name.
	for r, p := range surnames1 {
		if full, ini := Pinyin(string(r) + "一"); full != p+"yi" || ini != p[:1]+"y" {
			t.Errorf("Pinyin(%c一) = %q, %q; want %q", r, full, ini, p+"yi")
		}
	}
	for s, p := range surnames2 {
		if full, _ := Pinyin(s + "一"); full != p[0]+p[1]+"yi" {
			t.Errorf("Pinyin(%s一) = %q, want %q", s, full, p[0]+p[1]+"yi")
		}
	}
}

func TestPinyinRareCharacters(t *testing.T) {
	// Outside U+3400–U+9FFF: the locked cache. 𠀾 has no reading in
	// go-pinyin's table; 〇 (U+3007) has one.
	if full, ini := Pinyin("王〇𠀾"); full != "wangling" || ini != "wl" {
		t.Errorf("Pinyin(王〇𠀾) = %q, %q", full, ini)
	}
	if full, _ := Pinyin("王〇𠀾"); full != "wangling" {
		t.Errorf("second call: %q", full)
	}
}

func TestPinyinConcurrent(t *testing.T) {
	names := []string{"张晓明", "阿依古丽·买买提", "单雄信", "欧阳修", "吕小红", "王〇𠀾"}
	want := make([]string, len(names))
	for i, n := range names {
		f, ini := Pinyin(n)
		want[i] = f + "/" + ini
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				k := (i + g) % len(names)
				if f, ini := Pinyin(names[k]); f+"/"+ini != want[k] {
					t.Errorf("Pinyin(%s) = %s/%s, want %s", names[k], f, ini, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

// benchNames are names of the shapes a roster holds: two and three
// characters, compound surnames, transliterated names with dots.
var benchNames = func() []string {
	sur := []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄", "马", "单", "曾", "欧阳", "司马", "朴", "金", "白", "哈", "艾"}
	given := []string{"晓明", "伟", "芳", "秀英", "建国", "丽", "志强", "海燕", "明", "磊", "红梅", "子涵"}
	var out []string
	for i, s := range sur {
		for j, g := range given {
			out = append(out, s+g)
			if (i+j)%7 == 0 {
				out = append(out, fmt.Sprintf("阿依古丽·%s%s", s, g))
			}
		}
	}
	out = append(out, "阿依古丽·买买提", "艾力·买买提·吐尔逊", "努尔兰·哈斯木", "次仁多吉", "扎西卓玛")
	return out
}()

func BenchmarkPinyin(b *testing.B) {
	for _, n := range benchNames {
		Pinyin(n) // warm the cache as an import does after its first rows
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Pinyin(benchNames[i%len(benchNames)])
	}
}

// BenchmarkPinyinUncached calls go-pinyin for every character, as Pinyin
// would without its cache, for comparison.
func BenchmarkPinyinUncached(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for _, r := range benchNames[i%len(benchNames)] {
			lookupPinyin(r)
		}
	}
}

func TestPinyinReadingsAreLowerASCII(t *testing.T) {
	// Every reading go-pinyin gives in the cached blocks is plain a–z, so
	// Pinyin's output is too (no tone marks, no ü or ê).
	for r := rune(cacheLo); r <= cacheHi; r++ {
		p := reading(r)
		for i := 0; i < len(p); i++ {
			if p[i] < 'a' || p[i] > 'z' {
				t.Fatalf("reading(%c %U) = %q", r, r, p)
			}
		}
	}
}
