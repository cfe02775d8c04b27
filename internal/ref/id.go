package ref

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of ValidateID and Upgrade15; they may be wrapped with detail, so
// compare them with errors.Is.
var (
	// ErrIDLength: the number is neither 18 nor 15 characters long.
	ErrIDLength = errors.New("ID number must have 18 characters (or 15 digits for a first-generation number)")
	// ErrIDChars: a character other than a digit, or other than a final X.
	ErrIDChars = errors.New("ID number must be digits, the last one possibly X")
	// ErrIDChecksum: the last character does not match the check digit.
	ErrIDChecksum = errors.New("ID number check digit does not match")
	// ErrIDBirthDate: the birth date is not a real date, before 1900 or in
	// the future.
	ErrIDBirthDate = errors.New("ID number birth date is not valid")
)

// ID is a valid citizen ID number (GB 11643-1999) and what it encodes.
type ID struct {
	// Number is the 18-character number, its last character a digit or X.
	Number string
	// Region is the six-digit administrative division code (GB/T 2260) of
	// the place of registration when the number was issued.
	Region string
	// Birth is the birth date, at midnight UTC.
	Birth time.Time
	// Male is true for men (odd 17th digit), false for women.
	Male bool
	// Upgraded is true when Number was computed from a 15-digit
	// first-generation number given to ValidateID.
	Upgraded bool
}

// Sex returns the GB/T 2261.1 code of the sex the number encodes: 1 for
// male, 2 for female.
func (id ID) Sex() int {
	if id.Male {
		return 1
	}
	return 2
}

// NormaliseID cleans up an ID number as typed or pasted: it removes white
// space anywhere (including the full-width space U+3000 and zero-width
// characters) and a leading apostrophe (Excel's "this is text" mark), turns
// full-width digits and Ｘ/ｘ into ASCII, and a lower-case x into X. It does
// not validate: see ValidateID.
func NormaliseID(s string) string {
	s = compactWidth(s)
	s = strings.TrimLeft(s, "'’‘")
	if strings.IndexByte(s, 'x') >= 0 {
		s = strings.ReplaceAll(s, "x", "X")
	}
	return s
}

// ParseID is ValidateID(NormaliseID(s)).
func ParseID(s string) (ID, error) {
	return ValidateID(NormaliseID(s))
}

// idWeights are the GB 11643 weights of the first 17 digits (2^(18-i) mod 11).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// CheckDigit returns the GB 11643 check character ('0'–'9' or 'X') for the
// first 17 digits of an ID number (ISO 7064 MOD 11-2). It returns 0 when
// first17 is not 17 ASCII digits.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// ValidateID checks an already normalised ID number (see NormaliseID and
// ParseID) and returns what it encodes.
//
// An 18-character number must be 17 digits and a check character ('0'–'9'
// or 'X') that matches CheckDigit, and hold a real birth date from 1900 up
// to today (in China). A 15-digit first-generation number is accepted too:
// it is upgraded as by Upgrade15, and the result has Upgraded set and the
// 18-character Number. The error is, possibly wrapped, one of ErrIDLength,
// ErrIDChars, ErrIDChecksum and ErrIDBirthDate.
func ValidateID(s string) (ID, error) {
	return validateID(s, time.Now())
}

func validateID(s string, now time.Time) (ID, error) {
	switch len(s) {
	case 18:
		for i := 0; i < 17; i++ {
			if s[i] < '0' || s[i] > '9' {
				return ID{}, ErrIDChars
			}
		}
		if want := CheckDigit(s[:17]); s[17] != want {
			if s[17] != 'X' && (s[17] < '0' || s[17] > '9') {
				return ID{}, ErrIDChars
			}
			return ID{}, fmt.Errorf("%w: last character is %c, expected %c", ErrIDChecksum, s[17], want)
		}
		birth, ok := idBirth(s[6:14], now)
		if !ok {
			return ID{}, fmt.Errorf("%w: %s", ErrIDBirthDate, s[6:14])
		}
		return ID{
			Number: s,
			Region: s[:6],
			Birth:  birth,
			Male:   (s[16]-'0')%2 == 1,
		}, nil
	case 15:
		n, err := upgrade15(s)
		if err != nil {
			return ID{}, err
		}
		id, err := validateID(n, now)
		if err != nil {
			return ID{}, err
		}
		id.Upgraded = true
		return id, nil
	}
	if !isASCII(s) {
		// Eighteen full-width digits are more than 18 bytes: tell the
		// caller about the characters, not the length.
		if n := len([]rune(s)); n == 18 || n == 15 {
			return ID{}, ErrIDChars
		}
	}
	return ID{}, fmt.Errorf("%w: got %d", ErrIDLength, len([]rune(s)))
}

// Upgrade15 converts a 15-digit first-generation ID number to the
// 18-character form: "19" is inserted after the six-digit region code (the
// birth year was written with two digits) and the check character is
// appended. The input must be normalised (see NormaliseID); the result is
// checked as by ValidateID, so the error is one of ErrIDLength, ErrIDChars
// and ErrIDBirthDate.
func Upgrade15(s string) (string, error) {
	n, err := upgrade15(s)
	if err != nil {
		return "", err
	}
	if _, err := validateID(n, time.Now()); err != nil {
		return "", err
	}
	return n, nil
}

func upgrade15(s string) (string, error) {
	if len(s) != 15 {
		if !isASCII(s) && len([]rune(s)) == 15 {
			return "", ErrIDChars
		}
		return "", fmt.Errorf("%w: a first-generation number has 15 digits, got %d", ErrIDLength, len([]rune(s)))
	}
	for i := 0; i < 15; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrIDChars
		}
	}
	first17 := s[:6] + "19" + s[6:]
	return first17 + string(CheckDigit(first17)), nil
}

// idBirth parses the YYYYMMDD of an ID number: a real date, from 1900-01-01
// to today in China.
func idBirth(ymd string, now time.Time) (time.Time, bool) {
	y, m, d := atoi(ymd[:4]), atoi(ymd[4:6]), atoi(ymd[6:8])
	t, ok := makeDate(y, m, d)
	if !ok || y < 1900 {
		return time.Time{}, false
	}
	ty, tm, td := now.In(China).Date()
	if t.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, false
	}
	return t, true
}

// makeDate returns the date y-m-d at midnight UTC when it exists.
func makeDate(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, false
	}
	return t, true
}

// atoi converts a string of ASCII digits, already checked, to an int.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// provinces are the province-level divisions of GB/T 2260, by the first two
// digits of a region code.
var provinces = map[string]string{
	"11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
	"21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
	"31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
	"41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
	"50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
	"61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
	"71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
	// Residence permits of Taiwan residents (港澳台居民居住证, 2018) use
	// the region 830000 in the same number format.
	"83": "台湾省",
}

// ProvinceName returns the province-level division (GB/T 2260) named by the
// first two digits of a region code or of an ID number: "110105" gives
// 北京市. It returns false when the prefix names none.
func ProvinceName(region string) (string, bool) {
	if len(region) < 2 {
		return "", false
	}
	name, ok := provinces[region[:2]]
	return name, ok
}
