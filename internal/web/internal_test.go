package web

// Tests of the web package's own tables: the OpenAPI descriptions and the
// message keys used by templates and code.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/figures"
	"shiliu/internal/i18n"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

func testServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAPIDocsCoverAPIRoutes: every API route has a description in apiDocs
// (and nothing else does), with schemas that exist.
func TestAPIDocsCoverAPIRoutes(t *testing.T) {
	s := testServer(t)
	schemas := openAPISchemas()
	api := map[string]bool{}
	for _, rt := range s.Routes() {
		if !rt.API {
			continue
		}
		api[rt.Pattern] = true
		doc, ok := apiDocs[rt.Pattern]
		if !ok {
			t.Errorf("%s has no entry in apiDocs (openapi.go)", rt.Pattern)
			continue
		}
		if doc.Summary == "" {
			t.Errorf("%s: empty summary", rt.Pattern)
		}
		method, _, _ := strings.Cut(rt.Pattern, " ")
		if (method == "POST" || method == "PUT" || method == "PATCH") && doc.Body == "" {
			t.Errorf("%s takes a body but documents no schema for it", rt.Pattern)
		}
		for _, name := range []string{doc.Body, doc.Response} {
			if _, ok := schemas[name]; name != "" && name != "multipart" && !ok {
				t.Errorf("%s: schema %q is not in openAPISchemas", rt.Pattern, name)
			}
		}
	}
	for p := range apiDocs {
		if !api[p] {
			t.Errorf("apiDocs describes %s, which is not an API route", p)
		}
	}
}

var fmtVerbRE = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestCatalogsMatch: both catalogs have the same keys, no empty message,
// and the same placeholders in each message.
func TestCatalogsMatch(t *testing.T) {
	cat := i18n.MustLoad()
	zh, en := cat.Keys("zh"), cat.Keys("en")
	for _, k := range zh {
		if _, ok := slices.BinarySearch(en, k); !ok {
			t.Errorf("%s is in zh.json but not in en.json", k)
		}
	}
	for _, k := range en {
		if _, ok := slices.BinarySearch(zh, k); !ok {
			t.Errorf("%s is in en.json but not in zh.json", k)
		}
	}
	for _, k := range zh {
		z, e := cat.T("zh", k), cat.T("en", k)
		if strings.TrimSpace(z) == "" || strings.TrimSpace(e) == "" {
			t.Errorf("%s: empty message", k)
		}
		if vz, ve := fmtVerbRE.FindAllString(z, -1), fmtVerbRE.FindAllString(e, -1); !slices.Equal(vz, ve) {
			t.Errorf("%s: placeholders differ: zh %v, en %v", k, vz, ve)
		}
	}
}

var (
	// .T "key", $.T "key", .P.T "key"
	tmplKeyRE = regexp.MustCompile(`\bT\s+"([^"]+)"`)
	// keys handed to partials: (dict … "Label" "org.code" …)
	tmplLabelRE = regexp.MustCompile(`"Label"\s+"([^"]+)"`)
	// keys built at run time: (printf "role.%s" .Role)
	tmplPrintfRE = regexp.MustCompile(`printf\s+"([a-z_]+)\.%s"`)
)

// dynamicKeys are the values that complete a key built with printf in a
// template, by prefix.
func dynamicKeys() map[string][]string {
	var roles, kinds []string
	for _, r := range auth.Roles {
		roles = append(roles, string(r))
	}
	for _, k := range org.Kinds {
		kinds = append(kinds, string(k))
	}
	return map[string][]string{
		"role":         roles,
		"kind":         kinds,
		"action":       auditActions,
		"result":       {audit.ResultOK, audit.ResultDenied, audit.ResultFailed},
		"status":       {"active", "moved_out", "deceased", "merged"},
		"tag":          tagKeys(),
		"event":        {"created", "imported", "moved", "moved_out", "deceased", "returned", "household", "merged", "archived", "restored"},
		"quality":      {"duplicates", "no_household", "committee_gone", "over_stay", "permit_expired", "permit_expiring"},
		"mode":         {"visit", "phone", "meeting", "other"},
		"reject":       {"name_missing", "id_missing", "id_precision_lost", "id_invalid", "ethnicity_unknown", "committee_unknown", "duplicate_in_file", "too_long", "out_of_scope"},
		"case_kind":    {"consultation", "rights", "hardship", "dispute", "suggestion", "one_stop", "emergency", "feedback"},
		"case_channel": {"hotline", "window", "visit", "walk_in", "online"},
		"case_status":  {"intake", "assigned", "in_progress", "closed", "followed_up"},
		"case_result":  {"resolved", "partly", "unresolved", "referred"},
		"case_action":  {"intake", "assign", "accept", "note", "return", "reassign", "close", "follow_up", "reopen", "report", "escalate", "attach"},
		"case_note":    {"assign", "note", "return", "reassign", "close", "follow_up", "reopen", "report"},
		"routing":      {"chosen", "person", "address", "actor"},
		"notify":       {"emergency", "report", "escalated", "assigned", "returned"},
		"helper":       {"volunteer", "liaison", "partner", "official"},
		"festival": {"spring_festival", "mid_autumn", "eid_al_fitr", "eid_al_adha", "losar", "naadam", "water_splashing", "sanyuesan", "torch",
			"panwang", "munaozongge", "nowruz", "kuoshi", "sebin"},
		"persons": {"arrival_date", "expected_leave_date", "permit_expiry", "q_id", "q_last4", "q_phone", "q_pinyin", "q_name"},
	}
}

func tagKeys() []string {
	var out []string
	for _, t := range people.AllTags {
		out = append(out, t.Key)
	}
	return out
}

// TestTemplateKeysExist: every message key a template uses, literally or
// built from a known list, is in both catalogs.
func TestTemplateKeysExist(t *testing.T) {
	cat := i18n.MustLoad()
	has := func(k string) bool {
		_, zok := slices.BinarySearch(cat.Keys("zh"), k)
		_, eok := slices.BinarySearch(cat.Keys("en"), k)
		return zok && eok
	}
	dyn := dynamicKeys()
	files := 0
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		src := string(b)
		for _, re := range []*regexp.Regexp{tmplKeyRE, tmplLabelRE} {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				if !has(m[1]) {
					t.Errorf("%s uses %q, missing from a catalog", p, m[1])
				}
			}
		}
		for _, m := range tmplPrintfRE.FindAllStringSubmatch(src, -1) {
			vals, ok := dyn[m[1]]
			if !ok {
				t.Errorf("%s builds keys %q.*: add the prefix to dynamicKeys", p, m[1])
			}
			for _, v := range vals {
				if !has(m[1] + "." + v) {
					t.Errorf("%s needs %s.%s, missing from a catalog", p, m[1], v)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Fatalf("only %d template files", files)
	}
	for _, n := range navItems {
		if !has(n.key) {
			t.Errorf("navigation key %q missing from a catalog", n.key)
		}
	}
}

// TestCodeKeysExist: message keys written in Go code (errors, flashes,
// titles, import problems) are in both catalogs. A key is a string literal
// of dotted lower-case words whose first word is a catalog namespace;
// permission names, which look alike, are left out.
func TestCodeKeysExist(t *testing.T) {
	cat := i18n.MustLoad()
	keys := cat.Keys("zh")
	namespaces := map[string]bool{}
	for _, k := range keys {
		ns, _, _ := strings.Cut(k, ".")
		namespaces[ns] = true
	}
	perms := map[string]bool{}
	for _, r := range auth.Roles {
		for _, p := range r.Permissions() {
			perms[string(p)] = true
		}
	}
	keyRE := regexp.MustCompile(`^[a-z_]+(\.[a-z0-9_]+)+$`)
	root := ".." // internal/
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			// A literal ending in "_" is a prefix the code completes
			// ("pairings.status_" + status), not a key.
			if err != nil || !keyRE.MatchString(s) || perms[s] || strings.HasSuffix(s, "_") {
				return true
			}
			if ns, _, _ := strings.Cut(s, "."); !namespaces[ns] {
				return true
			}
			checked++
			if _, ok := slices.BinarySearch(keys, s); !ok || !slices.Contains(cat.Keys("en"), s) {
				t.Errorf("%s: key %q missing from a catalog", fset.Position(lit.Pos()), s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("only %d keys found in the code: the scan is broken", checked)
	}
	t.Logf("%d key literals checked", checked)
}

// TestStylesheetBalanced: every block of app.css is closed. A lost brace
// once put every rule after it inside a phone-only media query, and
// desktop pages silently lost their styles.
func TestStylesheetBalanced(t *testing.T) {
	b, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	depth, line := 0, 1
	inComment := false
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\n':
			line++
		case inComment:
			if b[i] == '*' && i+1 < len(b) && b[i+1] == '/' {
				inComment, i = false, i+1
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			inComment, i = true, i+1
		case b[i] == '{':
			depth++
		case b[i] == '}':
			depth--
			if depth < 0 {
				t.Fatalf("line %d: a } without its {", line)
			}
		case b[i] == '@' && depth > 0 && strings.HasPrefix(string(b[i:]), "@media"):
			t.Errorf("line %d: @media inside a block (a block above is not closed)", line)
		}
	}
	if depth != 0 {
		t.Errorf("%d blocks not closed", depth)
	}
}

// A tile's change from the year before reads like the numbers beside it:
// grouped, yuan with fen, percentages in points, nothing when a side is
// missing.
func TestStatTileDelta(t *testing.T) {
	v := func(n float64) figures.Value { return figures.Value{Available: true, Number: n} }
	for _, c := range []struct {
		tile statTile
		want string
	}{
		{statTile{Now: v(2500), Before: v(1000)}, "+1,500"},
		{statTile{Now: v(100), Before: v(1334)}, "-1,234"},
		{statTile{Now: v(7), Before: v(7)}, "±0"},
		{statTile{Now: v(12345.5), Before: v(11000), Money: true}, "+¥1,345.50"},
		{statTile{Now: v(10), Before: v(1250.25), Money: true}, "-¥1,240.25"},
		{statTile{Now: v(3.5), Before: v(4.75), Percent: true}, "-1.2"},
		{statTile{Now: v(3), Before: figures.Value{}}, ""},
	} {
		if got := c.tile.Delta(); got != c.want {
			t.Errorf("%v → %v: %q, want %q", c.tile.Before.Number, c.tile.Now.Number, got, c.want)
		}
	}
}
