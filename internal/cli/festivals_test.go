package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"shiliu/internal/dbtest"
)

func TestFestivals(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			common := []string{"--data", t.TempDir()}
			if engine == "postgres" {
				common = append(common, "--db", dbtest.PostgresDSN(t))
			}
			sh := func(args ...string) (string, error) {
				t.Helper()
				out, _, err := run(t, "", append(args, common...)...)
				return out, err
			}
			type fest struct {
				ID, Name, Rule, Source, Note string
				Date, End                    *string
				Groups                       []string
				AllGroups                    bool `json:"all_groups"`
			}
			year := func(y string) map[string]fest {
				t.Helper()
				out, err := sh("festivals", "--year", y, "--json")
				if err != nil {
					t.Fatal(err)
				}
				var list []fest
				if err := json.Unmarshal([]byte(out), &list); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
				if len(list) != 14 {
					t.Fatalf("%d festivals", len(list))
				}
				m := map[string]fest{}
				for _, f := range list {
					m[f.ID] = f
				}
				return m
			}
			m := year("2025")
			if f := m["eid_al_fitr"]; f.Name != "开斋节" || f.Rule != "hijri" || f.Source != "computed" || f.Date == nil || f.End != nil ||
				!strings.Contains(strings.Join(f.Groups, ","), "回族") || len(f.Groups) != 10 || f.Note == "" {
				t.Errorf("eid al-fitr 2025: %+v", f)
			}
			if f := m["losar"]; f.Date == nil || *f.Date != "2025-02-28" || f.Rule != "tibetan" {
				t.Errorf("losar 2025: %+v", f)
			}
			if f := m["water_splashing"]; f.End == nil || *f.End != "2025-04-15" {
				t.Errorf("water splashing: %+v", f)
			}
			if f := m["spring_festival"]; !f.AllGroups || len(f.Groups) != 0 || *f.Date != "2025-01-29" {
				t.Errorf("spring festival: %+v", f)
			}
			if f := m["naadam"]; f.Date != nil || f.Rule != "office" {
				t.Errorf("naadam without an official date: %+v", f)
			}
			// The raw JSON says null, not an empty string.
			out, _ := sh("festivals", "--year", "2025", "--json")
			if !strings.Contains(out, `"id": "naadam",`) || !strings.Contains(out, `"date": null`) {
				t.Errorf("naadam's date should be null:\n%s", out)
			}

			// An official date, shown with its source, then unset.
			if _, err := sh("festivals", "set", "eid_al_fitr", "2025-03-31", "--year", "2025", "--source", "中国伊斯兰教协会公告"); err != nil {
				t.Fatal(err)
			}
			if _, err := sh("festivals", "set", "naadam", "2025-07-11", "--end", "2025-07-13", "--source", "街道通知"); err != nil {
				t.Fatal(err)
			}
			m = year("2025")
			if f := m["eid_al_fitr"]; *f.Date != "2025-03-31" || f.Source != "official" || !strings.Contains(f.Note, "中国伊斯兰教协会公告") {
				t.Errorf("official eid: %+v", f)
			}
			if f := m["naadam"]; f.Date == nil || *f.Date != "2025-07-11" || *f.End != "2025-07-13" {
				t.Errorf("official naadam: %+v", f)
			}
			table, err := sh("festivals", "--year", "2025")
			if err != nil || !strings.Contains(table, "2025-03-31") || !strings.Contains(table, "official") || !strings.Contains(table, "那达慕") {
				t.Errorf("table: %v\n%s", err, table)
			}
			if _, err := sh("festivals", "unset", "eid_al_fitr", "--year", "2025"); err != nil {
				t.Fatal(err)
			}
			if f := year("2025")["eid_al_fitr"]; f.Source != "computed" {
				t.Errorf("after unset: %+v", f)
			}

			// Clear refusals.
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"festivals", "set", "eid", "2025-03-31", "--year", "2025", "--source", "x"}, "unknown festival"},
				{[]string{"festivals", "set", "naadam", "2025-13-01", "--year", "2025", "--source", "x"}, "bad date"},
				{[]string{"festivals", "set", "naadam", "2025-07-11", "--year", "2025"}, "source"},
				{[]string{"festivals", "set", "naadam", "2026-07-11", "--year", "2025", "--source", "x"}, "所选年份"},
				{[]string{"festivals", "--year", "1999"}, "outside 2000–2100"},
				{[]string{"festivals", "--year", "2101", "--json"}, "outside 2000–2100"},
				{[]string{"festivals", "unset", "naadam", "--year", "2024"}, "没有官方日期"},
			} {
				if _, err := sh(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%v: %v, want %q", c.args, err, c.want)
				}
			}
			for _, y := range []string{"2000", "2100"} {
				year(y)
			}
		})
	}
}
