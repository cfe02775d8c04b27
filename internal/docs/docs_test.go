package docs_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/docs"
	"shiliu/internal/errs"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
)

// docx builds a minimal Word document whose paragraphs are paras.
func docx(t *testing.T, paras ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("[Content_Types].xml")
	io.WriteString(w, `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	w, _ = z.Create("word/document.xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, p := range paras {
		// each paragraph in two runs, as Word splits them
		half := len([]rune(p)) / 2
		io.WriteString(w, `<w:p><w:r><w:t>`+string([]rune(p)[:half])+`</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">`+string([]rune(p)[half:])+`</w:t></w:r></w:p>`)
	}
	io.WriteString(w, `</w:body></w:document>`)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type fix struct {
	ctx                           context.Context
	d                             *db.DB
	s                             *docs.Service
	tr                            *fixture.Tree
	G                             *org.Unit
	admin, staffA, staffB, staffG *auth.Actor
}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	f := &fix{ctx: context.Background(), d: d, s: docs.New(d), tr: fixture.NewTree(t, d)}
	f.s.Now = func() time.Time { return time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC) }
	st := fixture.NewStaff(t, d, f.tr)
	f.admin, f.staffA, f.staffB = st.Admin, st.StaffA, st.StaffB
	f.G = fixture.Unit(t, d, org.Input{Code: "A-G1", Name: "甲一号楼组", Kind: org.BuildingGroup}, f.tr.A)
	f.staffG = fixture.Actor(t, d, "staffg", auth.CommitteeStaff, f.G)
	return f
}

func titles(list []*docs.Doc) []string {
	var out []string
	for _, d := range list {
		out = append(out, d.Title)
	}
	return out
}

func TestDocsVersionsAndSearch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ctx := f.ctx
		rule, err := f.s.Create(ctx, f.staffA, docs.Input{Category: docs.Rule, Topic: docs.Emergency, Title: "突发事件应急处置制度"},
			docs.Upload{Name: "应急.docx", R: bytes.NewReader(docx(t, "第一条 发现群体性事件苗头，立即报告街道。", "第二条 联络员二十四小时保持通讯畅通。"))})
		if err != nil {
			t.Fatal(err)
		}
		if rule.CurrentSeq != 1 || rule.Current == nil || rule.Current.MIME != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
			t.Fatalf("created: %+v", rule)
		}
		if !strings.Contains(rule.Body, "立即报告街道") || !strings.Contains(rule.Body, "\t") {
			t.Errorf("docx text: %q", rule.Body)
		}
		// a PDF with pasted text, and a GB18030 plain-text minute
		pdf := "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
		if _, err := f.s.Create(ctx, f.staffA, docs.Input{Category: docs.Policy, Title: "关于加强民族团结进步创建的意见"},
			docs.Upload{Name: "意见.pdf", R: strings.NewReader(pdf), Text: "扫描件：开展民族团结进步示范社区创建"}); err != nil {
			t.Fatal(err)
		}
		gbk := []byte{0xbb, 0xe1, 0xd2, 0xe9, 0xbc, 0xcd, 0xd2, 0xaa} // 会议纪要 in GB18030
		m, err := f.s.Create(ctx, f.staffA, docs.Input{Category: docs.Minutes, Title: "三月联络员会议"}, docs.Upload{Name: "minutes.txt", R: bytes.NewReader(gbk)})
		if err != nil || m.Body != "会议纪要" {
			t.Fatalf("gb18030 text: %q %v", m.Body, err)
		}

		// A second version: the first stays downloadable, search follows
		// the current text.
		if _, err := f.s.AddVersion(ctx, f.staffA, rule.ID, rule.Version-1, docs.Upload{Name: "v2.txt", R: strings.NewReader("x")}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("stale version: %v", err)
		}
		v2, err := f.s.AddVersion(ctx, f.staffA, rule.ID, rule.Version, docs.Upload{Name: "应急v2.txt", R: strings.NewReader("第一条 发现苗头，十分钟内报告街道值班室。"), Note: "缩短报告时限"})
		if err != nil {
			t.Fatal(err)
		}
		if v2.CurrentSeq != 2 || len(v2.Versions) != 2 || v2.Versions[0].Note != "缩短报告时限" || v2.Versions[1].Seq != 1 {
			t.Fatalf("versions: %+v", v2.Versions)
		}
		r, name, err := f.s.OpenVersion(ctx, f.staffA, v2.Versions[1].ID)
		if err != nil || name != "应急.docx" {
			t.Fatalf("open v1: %v %q", err, name)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if !bytes.HasPrefix(b, []byte("PK")) {
			t.Error("v1 is not the docx uploaded")
		}
		for _, c := range []struct {
			q    string
			want []string
		}{
			{"值班室", []string{"突发事件应急处置制度"}},
			{"二十四小时", nil}, // only in version 1
			{"示范社区", []string{"关于加强民族团结进步创建的意见"}},
			{"应急", []string{"突发事件应急处置制度"}},
			{"纪要", []string{"三月联络员会议"}},
			{"PDF", nil},
			{"%", nil},
		} {
			list, _, err := f.s.List(ctx, f.staffA, docs.Filter{Q: c.q})
			if err != nil {
				t.Fatal(err)
			}
			if got := titles(list); strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("search %q: %v, want %v", c.q, got, c.want)
			}
		}
		list, _, _ := f.s.List(ctx, f.staffA, docs.Filter{Q: "值班室"})
		if len(list) == 1 && !strings.Contains(list[0].Snippet, "值班室") {
			t.Errorf("snippet: %q", list[0].Snippet)
		}
		// Not a document: refused, nothing kept.
		_, err = f.s.Create(ctx, f.staffA, docs.Input{Category: docs.Other, Title: "表格"}, docs.Upload{Name: "x.xlsx", R: bytes.NewReader(docx(t, "x"))})
		if e, ok := errs.As(err); !ok || e.Fields["file"] == "" {
			t.Errorf("xlsx upload: %v", err)
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM docs`); n != 3 {
			t.Errorf("%d docs, want 3", n)
		}
	})
}

func TestDocsVisibility(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ctx := f.ctx
		up := func(text string) docs.Upload { return docs.Upload{Name: "r.txt", R: strings.NewReader(text)} }
		sub, err := f.s.Create(ctx, f.admin, docs.Input{Category: docs.Rule, Topic: docs.Befriending, Title: "街道交友联谊制度"}, up("街道"))
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.s.Create(ctx, f.staffA, docs.Input{Category: docs.Minutes, Title: "甲居委会议纪要"}, up("甲"))
		if err != nil {
			t.Fatal(err)
		}
		g, err := f.s.Create(ctx, f.staffG, docs.Input{Category: docs.Other, Title: "楼组公约"}, up("楼组"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Create(ctx, f.staffB, docs.Input{Category: docs.Minutes, Title: "乙居委会议纪要"}, up("乙")); err != nil {
			t.Fatal(err)
		}
		// A committee may not file a document under its subdistrict.
		_, err = f.s.Create(ctx, f.staffA, docs.Input{OrgID: f.tr.Sub.ID, Category: docs.Other, Title: "x"}, up("x"))
		if e, ok := errs.As(err); !ok || e.Fields["org_id"] != "err.org_unknown" {
			t.Errorf("filed above: %v", err)
		}
		for _, c := range []struct {
			who  *auth.Actor
			want string
		}{
			{f.admin, "甲居委会议纪要|乙居委会议纪要|楼组公约|街道交友联谊制度"},
			{f.staffA, "甲居委会议纪要|楼组公约|街道交友联谊制度"}, // its subtree and the unit above
			{f.staffG, "甲居委会议纪要|楼组公约|街道交友联谊制度"}, // above: A and S
			{f.staffB, "乙居委会议纪要|街道交友联谊制度"},
		} {
			list, _, err := f.s.List(ctx, c.who, docs.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			got := titles(list)
			// order by category puts the rule first; compare as sets
			if strings.Join(sorted(got), "|") != strings.Join(sorted(strings.Split(c.want, "|")), "|") {
				t.Errorf("%s sees %v, want %s", c.who.Username, got, c.want)
			}
		}
		// Up the tree: read, not changed.
		if _, err := f.s.Get(ctx, f.staffA, sub.ID); err != nil {
			t.Errorf("A reads the subdistrict's rule: %v", err)
		}
		if _, err := f.s.AddVersion(ctx, f.staffA, sub.ID, sub.Version, up("改")); errs.KindOf(err) != errs.NotFound {
			t.Errorf("A changes the subdistrict's rule: %v", err)
		}
		if _, err := f.s.Update(ctx, f.staffA, sub.ID, sub.Version, docs.Input{Category: docs.Rule, Topic: docs.Befriending, Title: "改名"}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("A renames the subdistrict's rule: %v", err)
		}
		// Sideways: nothing; downloads neither.
		if _, err := f.s.Get(ctx, f.staffB, a.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("B reads A's minutes: %v", err)
		}
		if _, _, err := f.s.OpenVersion(ctx, f.staffB, a.Current.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("B downloads A's minutes: %v", err)
		}
		if _, _, err := f.s.OpenVersion(ctx, f.staffG, sub.Current.ID); err != nil {
			t.Errorf("G downloads the subdistrict's rule: %v", err)
		}
		// Down the tree: the committee changes its building group's.
		if _, err := f.s.AddVersion(ctx, f.staffA, g.ID, g.Version, up("新公约")); err != nil {
			t.Errorf("A versions G's document: %v", err)
		}
		if _, err := f.s.Get(ctx, f.staffA, g.ID); err != nil {
			t.Error(err)
		}
	})
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
