package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"shiliu/internal/dbtest"
	"shiliu/internal/ref"
)

func idNumber(first17 string) string { return first17 + string(ref.CheckDigit(first17)) }

func writeCSV(t *testing.T, path string, rows ...[]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestImportExportPersons(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			common := []string{"--data", dir}
			if engine == "postgres" {
				common = append(common, "--db", dbtest.PostgresDSN(t))
			}
			cmd := func(args ...string) []string { return append(args, common...) }
			must := func(args ...string) (string, string) {
				t.Helper()
				out, errOut, err := run(t, "", cmd(args...)...)
				if err != nil {
					t.Fatalf("shiliu %s: %v\n%s", strings.Join(args, " "), err, errOut)
				}
				return out, errOut
			}
			must("org", "add", "S1", "和平街道", "街道")
			must("org", "add", "C1", "福安里居委会", "居委", "--parent", "S1")
			must("org", "add", "C2", "新华居委会", "居委", "--parent", "S1")

			ma, ayi := idNumber("11010519850312123"), idNumber("65010219900101246")
			files := t.TempDir()
			roster := filepath.Join(files, "名册.csv")
			writeCSV(t, roster,
				[]string{"姓名", "民族", "公民身份号码", "所属居委", "联系电话", "现居住地址"},
				[]string{"马国明", "回族", ma, "福安里", "13812345678", "=SUM(A1)"},
				[]string{"阿依古丽", "维吾尔族", ayi, "C2", "12345", ""},
				[]string{"张三", "拉牯族", idNumber("31010419721130011"), "C1", "", ""},
			)
			errFile := filepath.Join(files, "名册.errors.xlsx")

			// A dry run: the outcome, nothing written (a real run then
			// imports the two rows).
			out, _ := must("import", "persons", roster, "--dry-run", "--json")
			var got map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil || strings.Count(out, "\n") != 1 {
				t.Fatalf("--json prints one JSON object: %q (%v)", out, err)
			}
			var keys []string
			for k := range got {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if strings.Join(keys, " ") != "imported rejected rejected_by_reason rows unchanged updated warnings" {
				t.Fatalf("keys %v", keys)
			}
			if got["rows"] != 3.0 || got["imported"] != 2.0 || got["rejected"] != 1.0 || got["warnings"] != 1.0 ||
				got["rejected_by_reason"].(map[string]any)["ethnicity_unknown"] != 1.0 {
				t.Fatalf("dry run: %s", out)
			}

			// For real: exit 0 although a row is rejected; the rejected row
			// goes to NAME.errors.xlsx next to the file.
			os.Remove(errFile)
			out, errOut := must("import", "persons", roster, "--json")
			if out != `{"rows":3,"imported":2,"updated":0,"unchanged":0,"rejected":1,"warnings":1,"rejected_by_reason":{"ethnicity_unknown":1}}`+"\n" {
				t.Fatalf("import --json: %q", out)
			}
			if !strings.Contains(errOut, errFile) {
				t.Fatalf("stderr %q", errOut)
			}
			x, err := excelize.OpenFile(errFile)
			if err != nil {
				t.Fatalf("errors workbook: %v", err)
			}
			rows, _ := x.GetRows(x.GetSheetList()[0])
			x.Close()
			if len(rows) != 2 || rows[0][0] != "错误原因" || !strings.Contains(rows[1][0], "拉祜族") || rows[1][1] != "张三" {
				t.Fatalf("errors workbook rows %q", rows)
			}

			// Again: nothing changes; the human summary names the counts.
			out, _ = must("import", "persons", roster)
			if !strings.Contains(out, "3 rows, 0 imported, 0 updated, 2 unchanged, 1 rejected, 1 warnings") ||
				!strings.Contains(out, "ethnicity_unknown 1") || !strings.Contains(out, "rejected rows written to "+errFile) ||
				!strings.Contains(out, "联系电话不是有效的手机或固定电话号码") {
				t.Fatalf("human output:\n%s", out)
			}
			// --errors elsewhere; no errors file when nothing is rejected.
			other := filepath.Join(t.TempDir(), "errs.xlsx")
			must("import", "persons", roster, "--errors", other, "--json")
			if _, err := os.Stat(other); err != nil {
				t.Fatalf("--errors: %v", err)
			}
			clean := filepath.Join(files, "clean.csv")
			writeCSV(t, clean, []string{"姓名", "民族", "公民身份号码", "所属居委"}, []string{"马国明", "回", ma, "C1"})
			out, _ = must("import", "persons", clean, "--json")
			if !strings.Contains(out, `"unchanged":1`) || !strings.Contains(out, `"rejected_by_reason":{}`) {
				t.Fatalf("clean import: %s", out)
			}
			if _, err := os.Stat(filepath.Join(files, "clean.errors.xlsx")); !os.IsNotExist(err) {
				t.Fatalf("an errors workbook without rejected rows: %v", err)
			}

			// Non-zero only when the import cannot run.
			noHeader := filepath.Join(files, "nohdr.csv")
			writeCSV(t, noHeader, []string{"编码", "名称"}, []string{"1", "x"})
			xls := filepath.Join(files, "old.xls")
			os.WriteFile(xls, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, 0o644)
			for _, c := range []struct{ file, want string }{
				{filepath.Join(files, "missing.csv"), "no such file"},
				{noHeader, "找不到表头"},
				{xls, ".xlsx"},
			} {
				out, _, err := run(t, "", cmd("import", "persons", c.file, "--json")...)
				if err == nil || !strings.Contains(err.Error(), c.want) || out != "" {
					t.Errorf("import %s: err %v, out %q", c.file, err, out)
				}
			}

			// Export: masked by default, full with --full, one committee
			// with --committee; formulas prefixed.
			exp := filepath.Join(files, "out.xlsx")
			out, _ = must("export", "persons", exp)
			if !strings.Contains(out, "exported 2 persons") || !strings.Contains(out, "masked") {
				t.Fatalf("export: %q", out)
			}
			cells := func() [][]string {
				x, err := excelize.OpenFile(exp)
				if err != nil {
					t.Fatal(err)
				}
				defer x.Close()
				rows, _ := x.GetRows("人员名册")
				return rows
			}
			rows = cells()
			if len(rows) != 3 || rows[0][1] != "姓名" || rows[1][4] != "110105********"+ma[14:] || rows[1][10] != "'=SUM(A1)" {
				t.Fatalf("masked export %q", rows)
			}
			out, _ = must("export", "persons", exp, "--full", "--committee", "C1")
			if !strings.Contains(out, "exported 1 persons") {
				t.Fatalf("export --full: %q", out)
			}
			if rows = cells(); len(rows) != 2 || rows[1][4] != ma || rows[1][6] != "13812345678" {
				t.Fatalf("full export %q", rows)
			}
			// The full export imports back unchanged.
			out, _ = must("import", "persons", exp, "--json")
			if !strings.Contains(out, `"unchanged":1`) || !strings.Contains(out, `"rows":1,`) {
				t.Fatalf("round trip: %s", out)
			}
			if _, _, err := run(t, "", cmd("export", "persons", exp, "--committee", "NOPE")...); err == nil {
				t.Fatal("unknown committee accepted")
			}
			if _, _, err := run(t, "", cmd("export", "persons", filepath.Join(files, "out.csv"))...); err == nil {
				t.Fatal("export to .csv accepted")
			}
		})
	}
}
