package ref

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeID builds a fictional 18-character ID number from a region, a birth
// date YYYYMMDD and a three-digit sequence, with its check character.
func fakeID(region, birth, seq string) string {
	first17 := region + birth + seq
	return first17 + string(CheckDigit(first17))
}

// withCheck returns id with its last character replaced by c.
func withCheck(id string, c byte) string { return id[:17] + string(c) }

// wrongCheck returns id with a wrong check character.
func wrongCheck(id string) string {
	c := byte('0')
	if id[17] == '0' {
		c = '1'
	}
	return withCheck(id, c)
}

func TestCheckDigitHandComputed(t *testing.T) {
	// 1101051985031299 7: Σ digit×weight = 284, 284 mod 11 = 9, and
	// "10X98765432"[9] = '3' (worked out by hand).
	if got := CheckDigit("11010519850312997"); got != '3' {
		t.Errorf("CheckDigit = %q, want '3'", got)
	}
	// Σ = 167, 167 mod 11 = 2 → 'X'.
	if got := CheckDigit("11010519491231002"); got != 'X' {
		t.Errorf("CheckDigit = %q, want 'X'", got)
	}
	// Σ = 0 → '1'.
	if got := CheckDigit("00000000000000000"); got != '1' {
		t.Errorf("CheckDigit(zeros) = %q, want '1'", got)
	}
	for _, bad := range []string{"", "1101051985031299", "110105198503129970", "1101051985031299X", "１1010519850312997"} {
		if got := CheckDigit(bad); got != 0 {
			t.Errorf("CheckDigit(%q) = %q, want 0", bad, got)
		}
	}
}

func TestCheckDigitCoversAllResults(t *testing.T) {
	// Vary the sequence until every check character has appeared: each is
	// then reachable and ValidateID accepts it.
	seen := map[byte]bool{}
	for seq := 0; seq < 1000 && len(seen) < 11; seq++ {
		id := fakeID("320102", "19880715", fmt.Sprintf("%03d", seq))
		seen[id[17]] = true
		if _, err := ValidateID(id); err != nil {
			t.Fatalf("ValidateID(%s): %v", id, err)
		}
	}
	if len(seen) != 11 {
		t.Errorf("check characters seen: %d, want 11", len(seen))
	}
}

func TestNormaliseID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519850312997 3", "110105198503129973"},
		{" 110105 19850312 9973 ", "110105198503129973"},
		{"\u3000110105198503129973\u3000", "110105198503129973"},
		{"１１０１０５１９８５０３１２９９７３", "110105198503129973"},
		{"11010519491231002x", "11010519491231002X"},
		{"11010519491231002ｘ", "11010519491231002X"},
		{"11010519491231002Ｘ", "11010519491231002X"},
		{"'110105198503129973", "110105198503129973"},
		{"\t110105198503129973\r\n", "110105198503129973"},
		{"\ufeff110105198503129973", "110105198503129973"},
		{"", ""},
		{"abc", "abc"}, // not validated here
	}
	for _, tt := range tests {
		if got := NormaliseID(tt.in); got != tt.want {
			t.Errorf("NormaliseID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidateID(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, China)
	male := fakeID("110105", "19850312", "997")   // 17th digit 7: male
	female := fakeID("310104", "19900101", "982") // 8: female
	leap := fakeID("650102", "20000229", "991")   // 2000 is a leap year
	leap96 := fakeID("530102", "19960229", "996") // 1996 too
	old := fakeID("110101", "19000101", "993")    // the earliest accepted
	today := fakeID("110101", "20260520", "993")  // born "today" in China
	withX := ""                                   // a valid number ending in X
	for seq := 100; seq < 1000; seq++ {
		if id := fakeID("420111", "19770615", fmt.Sprintf("%03d", seq)); id[17] == 'X' {
			withX = id
			break
		}
	}
	if withX == "" {
		t.Fatal("no X check character found")
	}

	tests := []struct {
		name   string
		in     string
		err    error
		region string
		birth  string
		male   bool
	}{
		{"male", male, nil, "110105", "1985-03-12", true},
		{"female", female, nil, "310104", "1990-01-01", false},
		{"leap day 2000", leap, nil, "650102", "2000-02-29", true},
		{"leap day 1996", leap96, nil, "530102", "1996-02-29", false},
		{"year 1900", old, nil, "110101", "1900-01-01", true},
		{"born today", today, nil, "110101", "2026-05-20", true},
		{"check X", withX, nil, "420111", "1977-06-15", true}, // sequence 105: odd

		{"wrong check digit", wrongCheck(male), ErrIDChecksum, "", "", false},
		{"X instead of digit", withCheck(male, 'X'), ErrIDChecksum, "", "", false},
		{"lower-case x (not normalised)", strings.ToLower(withX), ErrIDChars, "", "", false},
		{"Feb 29 of 1900 (not leap)", fakeID("110105", "19000229", "991"), ErrIDBirthDate, "", "", false},
		{"Feb 29 of 1995 (not leap)", fakeID("110105", "19950229", "991"), ErrIDBirthDate, "", "", false},
		{"Feb 30", fakeID("110105", "19850230", "991"), ErrIDBirthDate, "", "", false},
		{"month 13", fakeID("110105", "19851301", "991"), ErrIDBirthDate, "", "", false},
		{"month 00", fakeID("110105", "19850001", "991"), ErrIDBirthDate, "", "", false},
		{"day 00", fakeID("110105", "19850100", "991"), ErrIDBirthDate, "", "", false},
		{"April 31", fakeID("110105", "19850431", "991"), ErrIDBirthDate, "", "", false},
		{"before 1900", fakeID("110105", "18991231", "991"), ErrIDBirthDate, "", "", false},
		{"tomorrow", fakeID("110105", "20260521", "991"), ErrIDBirthDate, "", "", false},
		{"next century", fakeID("110105", "21000101", "991"), ErrIDBirthDate, "", "", false},
		{"17 chars", male[:17], ErrIDLength, "", "", false},
		{"19 chars", male + "1", ErrIDLength, "", "", false},
		{"empty", "", ErrIDLength, "", "", false},
		{"spaces (not normalised)", " " + male[:17], ErrIDChars, "", "", false},
		{"letter in region", "A" + male[1:], ErrIDChars, "", "", false},
		{"letter at end", male[:17] + "Y", ErrIDChars, "", "", false},
		{"X in the middle", male[:10] + "X" + male[11:], ErrIDChars, "", "", false},
		{"full-width (not normalised)", "１１０１０５１９８５０３１２９９７３", ErrIDChars, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := validateID(tt.in, now)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("validateID(%q) error = %v, want %v", tt.in, err, tt.err)
				}
				if id != (ID{}) {
					t.Errorf("validateID(%q) returned %+v with an error", tt.in, id)
				}
				return
			}
			if err != nil {
				t.Fatalf("validateID(%q): %v", tt.in, err)
			}
			if id.Number != tt.in || id.Region != tt.region || id.Birth.Format(time.DateOnly) != tt.birth || id.Male != tt.male || id.Upgraded {
				t.Errorf("validateID(%q) = %+v; want region %s birth %s male %v", tt.in, id, tt.region, tt.birth, tt.male)
			}
			if id.Birth.Location() != time.UTC || id.Birth.Hour() != 0 {
				t.Errorf("Birth %v is not midnight UTC", id.Birth)
			}
			if want := map[bool]int{true: 1, false: 2}[tt.male]; id.Sex() != want {
				t.Errorf("Sex() = %d, want %d", id.Sex(), want)
			}
		})
	}
}

func TestValidateIDToday(t *testing.T) {
	// "Today" is the date in China: at 23:30 UTC on May 20 it is already
	// May 21 in Beijing.
	now := time.Date(2026, 5, 20, 23, 30, 0, 0, time.UTC)
	if _, err := validateID(fakeID("110105", "20260521", "991"), now); err != nil {
		t.Errorf("born on China's today: %v", err)
	}
	if _, err := validateID(fakeID("110105", "20260522", "991"), now); !errors.Is(err, ErrIDBirthDate) {
		t.Errorf("born on China's tomorrow: %v, want ErrIDBirthDate", err)
	}
	// The exported function uses the clock.
	if _, err := ValidateID(fakeID("110105", time.Now().AddDate(0, 0, 2).Format("20060102"), "991")); !errors.Is(err, ErrIDBirthDate) {
		t.Errorf("ValidateID of a future birth: %v, want ErrIDBirthDate", err)
	}
}

func TestUpgrade15(t *testing.T) {
	// Worked by hand: 110105 85 0312 997 → 110105 1985 0312 997, whose check
	// character is 3 (see TestCheckDigitHandComputed).
	got, err := Upgrade15("110105850312997")
	if err != nil || got != "110105198503129973" {
		t.Fatalf("Upgrade15 = %q, %v; want 110105198503129973", got, err)
	}
	tests := []struct {
		in  string
		err error
	}{
		{"11010585031299", ErrIDLength},
		{"1101058503129971", ErrIDLength},
		{"", ErrIDLength},
		{"110105198503129973", ErrIDLength},
		{"11010585031299X", ErrIDChars},
		{"１１０１０５８５０３１２９９７", ErrIDChars},
		{"110105850230997", ErrIDBirthDate}, // 1985-02-30
		{"110105000229997", ErrIDBirthDate}, // 1900-02-29: 1900 was no leap year
	}
	for _, tt := range tests {
		if got, err := Upgrade15(tt.in); !errors.Is(err, tt.err) || got != "" {
			t.Errorf("Upgrade15(%q) = %q, %v; want %v", tt.in, got, err, tt.err)
		}
	}
	// Leap day of a leap year converts.
	if got, err := Upgrade15("530102960229996"); err != nil || got != fakeID("530102", "19960229", "996") {
		t.Errorf("Upgrade15(leap day) = %q, %v", got, err)
	}
}

func TestValidateID15(t *testing.T) {
	id, err := ValidateID("110105850312997")
	if err != nil {
		t.Fatal(err)
	}
	want := ID{Number: "110105198503129973", Region: "110105", Birth: time.Date(1985, 3, 12, 0, 0, 0, 0, time.UTC), Male: true, Upgraded: true}
	if id != want {
		t.Errorf("ValidateID(15 digits) = %+v, want %+v", id, want)
	}
	// Sex comes from the 15th digit of a first-generation number.
	if id, err := ValidateID("110105850312998"); err != nil || id.Male {
		t.Errorf("ValidateID(…998) = %+v, %v; want female", id, err)
	}
	if _, err := ValidateID("110105851312997"); !errors.Is(err, ErrIDBirthDate) {
		t.Errorf("ValidateID(15 digits, month 13) error = %v", err)
	}
}

func TestParseID(t *testing.T) {
	id, err := ParseID(" １１０１０５ ８５０３１２ ９９７ ")
	if err != nil || id.Number != "110105198503129973" || !id.Upgraded {
		t.Errorf("ParseID(full-width 15 digits) = %+v, %v", id, err)
	}
	x := ""
	for seq := 100; seq < 1000 && x == ""; seq++ {
		if n := fakeID("370202", "19810704", fmt.Sprintf("%03d", seq)); n[17] == 'X' {
			x = n
		}
	}
	in := strings.ToLower(x[:6] + " " + x[6:14] + " " + x[14:])
	if id, err := ParseID(in); err != nil || id.Number != x {
		t.Errorf("ParseID(%q) = %+v, %v; want %s", in, id, err, x)
	}
	if _, err := ParseID("1101051985031299７4"); !errors.Is(err, ErrIDChecksum) {
		t.Errorf("ParseID(wrong check) error = %v, want ErrIDChecksum", err)
	}
}

func TestErrorsDistinct(t *testing.T) {
	errs := []error{ErrIDLength, ErrIDChars, ErrIDChecksum, ErrIDBirthDate}
	for i, a := range errs {
		for j, b := range errs {
			if (i == j) != errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, errors.Is(a, b))
			}
		}
	}
}

func TestProvinceName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"110105", "北京市", true},
		{"110105198503129973", "北京市", true},
		{"31", "上海市", true},
		{"150102", "内蒙古自治区", true},
		{"450103", "广西壮族自治区", true},
		{"500101", "重庆市", true},
		{"540102", "西藏自治区", true},
		{"640104", "宁夏回族自治区", true},
		{"650102", "新疆维吾尔自治区", true},
		{"710000", "台湾省", true},
		{"810000", "香港特别行政区", true},
		{"820000", "澳门特别行政区", true},
		{"830000", "台湾省", true},
		{"160000", "", false},
		{"000000", "", false},
		{"990000", "", false},
		{"1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ProvinceName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ProvinceName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if len(provinces) != 35 {
		t.Errorf("%d provinces, want 34 + 83", len(provinces))
	}
}
