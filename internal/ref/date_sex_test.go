package ref

import (
	"math"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct{ in, want string }{ // want "" means invalid
		{"1985-03-12", "1985-03-12"},
		{"1985-3-12", "1985-03-12"},
		{"1985/3/12", "1985-03-12"},
		{"1985/03/12", "1985-03-12"},
		{"1985.03.12", "1985-03-12"},
		{"1985.3.2", "1985-03-02"},
		{"19850312", "1985-03-12"},
		{"1985年3月12日", "1985-03-12"},
		{"1985年03月12日", "1985-03-12"},
		{"1985年3月12", "1985-03-12"},
		{" 1985-03-12 ", "1985-03-12"},
		{"\u30001985年3月12日\u3000", "1985-03-12"},
		{"１９８５－０３－１２", "1985-03-12"},
		{"１９８５年３月１２日", "1985-03-12"},
		{"１９８５０３１２", "1985-03-12"},
		{"1985-03-12 00:00:00", "1985-03-12"},
		{"1985-03-12T08:30:00", "1985-03-12"},
		{"1985/3/12 0:00", "1985-03-12"},
		{"2000-02-29", "2000-02-29"}, // leap
		{"1996/2/29", "1996-02-29"},  // leap
		{"20240229", "2024-02-29"},   // leap
		{"1900-02-28", "1900-02-28"},
		// Invalid.
		{"1985-02-30", ""},
		{"1900-02-29", ""}, // 1900 was no leap year
		{"2023-02-29", ""},
		{"19950229", ""},
		{"1985年2月30日", ""},
		{"1985-04-31", ""},
		{"1985-13-01", ""},
		{"1985-00-10", ""},
		{"1985-01-00", ""},
		{"1985-03", ""},
		{"1985年3月", ""},
		{"198503", ""},
		{"85-03-12", ""},
		{"03/12/1985", ""},
		{"1985-03/12", ""},
		{"1985-03-12-01", ""},
		{"1985-003-12", ""},
		{"1985--12", ""},
		{"1985-03-12 noon", ""},
		{"31118", ""}, // an Excel serial: see FromExcelSerial
		{"abc", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("ParseDate(%q) = %v, want invalid", tt.in, got)
			}
			continue
		}
		if !ok || got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
}

func TestFromExcelSerial(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1900-01-01 00:00:00"},
		{2, "1900-01-02 00:00:00"},
		{59, "1900-02-28 00:00:00"},
		{60, "1900-02-28 00:00:00"}, // Excel's phantom 1900-02-29
		{61, "1900-03-01 00:00:00"},
		{31118, "1985-03-12 00:00:00"},
		{36585, "2000-02-29 00:00:00"},
		{43831, "2020-01-01 00:00:00"},
		{45351, "2024-02-29 00:00:00"},
		{31118.5, "1985-03-12 12:00:00"},
		{31118.75, "1985-03-12 18:00:00"},
		{43831.999999999, "2020-01-02 00:00:00"}, // rounds to the next day
		{2958465, "9999-12-31 00:00:00"},
	}
	for _, tt := range tests {
		got := FromExcelSerial(tt.in)
		if got.Format(time.DateTime) != tt.want || got.Location() != time.UTC {
			t.Errorf("FromExcelSerial(%v) = %v, want %s UTC", tt.in, got, tt.want)
		}
	}
	for _, bad := range []float64{-1, 2958466, math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := FromExcelSerial(bad); !got.IsZero() {
			t.Errorf("FromExcelSerial(%v) = %v, want zero time", bad, got)
		}
	}
	// ParseDate and FromExcelSerial agree on a whole range of days.
	for serial := 61.0; serial < 60000; serial += 97 {
		d := FromExcelSerial(serial)
		p, ok := ParseDate(d.Format("2006年1月2日"))
		if !ok || !p.Equal(d) {
			t.Fatalf("serial %v: %v vs ParseDate %v", serial, d, p)
		}
	}
}

func TestParseSex(t *testing.T) {
	tests := []struct {
		in   string
		want int // 0 means invalid
	}{
		{"男", 1}, {"男性", 1}, {"M", 1}, {"m", 1}, {"Male", 1}, {"1", 1},
		{" 男 ", 1}, {"\u3000男\u3000", 1}, {"１", 1}, {"Ｍ", 1},
		{"女", 2}, {"女性", 2}, {"F", 2}, {"f", 2}, {"FEMALE", 2}, {"2", 2},
		{"２", 2}, {"Ｆ", 2}, {"女 性", 2},
		{"0", 0}, {"9", 0}, {"未知", 0}, {"", 0}, {"男女", 0}, {"3", 0}, {"man", 0},
	}
	for _, tt := range tests {
		got, ok := ParseSex(tt.in)
		if ok != (tt.want != 0) || got != tt.want {
			t.Errorf("ParseSex(%q) = %d, %v; want %d", tt.in, got, ok, tt.want)
		}
	}
}
