package ref

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	gopinyin "github.com/mozillazg/go-pinyin"
)

// pinyinArgs are go-pinyin's options, made once: plain letters without
// tones, the first (most common) reading of each character.
var pinyinArgs = gopinyin.Args{
	Style:    gopinyin.Normal,
	Fallback: func(rune, gopinyin.Args) []string { return nil },
}

// surnames2 and surnames1 give the reading of surnames that go-pinyin reads
// otherwise by default (单 is dan by default, shan as a surname). They apply
// only to the first characters of a name.
var (
	surnames2 = map[string][]string{
		"尉迟": {"yu", "chi"}, "万俟": {"mo", "qi"}, "长孙": {"zhang", "sun"},
		"单于": {"chan", "yu"}, "澹台": {"tan", "tai"},
	}
	surnames1 = map[rune]string{
		'单': "shan", '曾': "zeng", '乐': "yue", '仇': "qiu", '区': "ou",
		'查': "zha", '朴': "piao", '盖': "ge", '解': "xie", '覃': "qin",
		'华': "hua", '任': "ren", '纪': "ji", '种': "chong", '缪': "miao",
		'翟': "zhai", '燕': "yan", '秘': "bi", '员': "yun", '句': "gou",
		'冼': "xian", '莘': "shen", '繁': "po", '褚': "chu", '祭': "zha",
		'谌': "chen", '阚': "kan", '费': "fei", '贾': "jia", '黑': "he",
		'重': "chong", '宿': "su", '过': "guo", '蔺': "lin", '召': "shao",
		'隗': "wei", '薄': "bo", '都': "du", '折': "she", '洗': "xian",
	}
)

// The cache of readings: a slot per character of the CJK blocks most names
// use (Extension A and the Unified Ideographs, U+3400–U+9FFF), filled on
// first use, and a locked map for the rare characters beyond.
const (
	cacheLo = 0x3400
	cacheHi = 0x9FFF
)

var (
	pinyinCache     [cacheHi - cacheLo + 1]atomic.Pointer[string]
	pinyinRareMu    sync.RWMutex
	pinyinRareCache = map[rune]string{}
)

// reading returns the toneless pinyin of one character, "" when it has none.
func reading(r rune) string {
	if r >= cacheLo && r <= cacheHi {
		slot := &pinyinCache[r-cacheLo]
		if p := slot.Load(); p != nil {
			return *p
		}
		s := lookupPinyin(r)
		slot.Store(&s)
		return s
	}
	pinyinRareMu.RLock()
	s, ok := pinyinRareCache[r]
	pinyinRareMu.RUnlock()
	if ok {
		return s
	}
	s = lookupPinyin(r)
	pinyinRareMu.Lock()
	pinyinRareCache[r] = s
	pinyinRareMu.Unlock()
	return s
}

func lookupPinyin(r rune) string {
	if p := gopinyin.SinglePinyin(r, pinyinArgs); len(p) > 0 {
		return p[0]
	}
	return ""
}

// Pinyin returns the pinyin of a name for search, lower-case, without tones
// or spaces, and its initials: 张晓明 gives "zhangxiaoming" and "zxm". The
// letter ü is written v (吕 is lv), as input methods do. Surnames whose
// reading differs from the character's usual one are read as surnames at
// the start of the name (单 shan, 曾 zeng, 尉迟 yuchi, about 45 in all).
// Dots, spaces and punctuation are dropped (阿依古丽·买买提 gives
// "ayigulimaimaiti" and "ayglmmt"); runs of Latin letters and digits,
// full-width ones included, are kept lower-cased and give their first
// letter to the initials (Anna 李 gives "annali" and "al"). Characters
// without a reading are dropped. Each character's reading is looked up in
// go-pinyin once per process and cached.
func Pinyin(name string) (full, initials string) {
	buf := make([]byte, 0, 4*len(name)/3+8)
	ini := make([]byte, 0, len(name)/3+4)

	rest := strings.TrimLeftFunc(name, unicode.IsSpace)
	if sur, n := surnameReading(rest); n > 0 {
		for _, p := range sur {
			buf = append(buf, p...)
			ini = append(ini, p[0])
		}
		rest = rest[n:]
	}
	inWord := false
	for _, r := range rest {
		if r >= 0xFF01 && r <= 0xFF5E {
			r = foldWidth(r)
		}
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		default:
			inWord = false
			if r < 0x80 {
				continue
			}
			if p := reading(r); p != "" {
				buf = append(buf, p...)
				ini = append(ini, p[0])
			}
			continue
		}
		if !inWord {
			ini = append(ini, byte(r))
			inWord = true
		}
		buf = append(buf, byte(r))
	}
	return string(buf), string(ini)
}

// surnameReading returns the readings of a surname of surnames2 or
// surnames1 that name starts with, and its length in bytes; n is 0 when
// the name starts with no such surname.
func surnameReading(name string) (readings []string, n int) {
	r, size := utf8.DecodeRuneInString(name)
	if r < 0x80 {
		return nil, 0
	}
	if _, size2 := utf8.DecodeRuneInString(name[size:]); size2 > 0 {
		if p, ok := surnames2[name[:size+size2]]; ok {
			return p, size + size2
		}
	}
	if p, ok := surnames1[r]; ok {
		return []string{p}, size
	}
	return nil, 0
}
