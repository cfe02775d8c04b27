package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/budget"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/docs"
	"shiliu/internal/honour"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

// honourAt nominates an honour of unit u: a household's when h is given,
// else the unit's own (a building group's, or a collective's).
func (e *env) honourAt(u *org.Unit, h *people.Household) int64 {
	e.t.Helper()
	in := honour.Input{Year: 2026, Deeds: "事迹"}
	switch {
	case h != nil:
		in.KindCode, in.HouseholdID = honour.KindCivilisedFamily, h.ID
	case u.Kind == org.BuildingGroup:
		in.KindCode, in.UnitID = honour.KindFeaturedGroup, u.ID
	default:
		in.KindCode, in.UnitID = honour.KindAdvancedCollective, u.ID
	}
	x, err := e.Srv.Honour.Nominate(context.Background(), e.root, in)
	if err != nil {
		e.t.Fatalf("honour: %v", err)
	}
	return x.ID
}

// spendingAt records a spending entry of unit u with a receipt and
// returns the entry's and the receipt's ids.
func (e *env) spendingAt(u *org.Unit) (int64, int64) {
	e.t.Helper()
	var png bytes.Buffer
	if err := pngEncode(&png, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		e.t.Fatal(err)
	}
	x, err := e.Srv.Budget.Spend(context.Background(), e.root, budget.SpendInput{OrgID: u.ID, Purpose: budget.Other, Amount: "12.5", OverReason: "测试",
		Receipts: []budget.Receipt{{Name: "发票.png", R: &png}}})
	if err != nil {
		e.t.Fatalf("spending: %v", err)
	}
	return x.ID, x.Receipts[0].ID
}

// docAt files a document of unit u and returns its id and its version's.
func (e *env) docAt(u *org.Unit, title string) (int64, int64) {
	e.t.Helper()
	d, err := e.Srv.Docs.Create(context.Background(), e.root, docs.Input{OrgID: u.ID, Category: docs.Rule, Topic: docs.Befriending, Title: title},
		docs.Upload{Name: "rule.txt", R: strings.NewReader("第一条 " + title)})
	if err != nil {
		e.t.Fatalf("doc: %v", err)
	}
	return d.ID, d.Current.ID
}

// honourMatrix adds the objects of honours, spending and documents to the
// access matrix.
func (m *matrix) honourObjects(hOwn, hSibling *people.Household) {
	e := m.env
	own, child, sib, par := e.honourAt(e.A, hOwn), e.honourAt(e.G, nil), e.honourAt(e.B, hSibling), e.honourAt(e.S, nil)
	m.objects["honour"] = map[string]target{"own": {own, ""}, "child": {child, ""}, "sibling": {sib, ""}, "parent": {par, ""}}
	spending, receipt := map[string]target{}, map[string]target{}
	doc, version := map[string]target{}, map[string]target{}
	for place, u := range map[string]*org.Unit{"own": e.A, "child": e.G, "sibling": e.B, "parent": e.S} {
		x, r := e.spendingAt(u)
		spending[place], receipt[place] = target{x, ""}, target{r, ""}
		title := "制度" + place
		if place == "sibling" {
			title = "乙居委交友联谊制度"
		}
		d, v := e.docAt(u, title)
		secret := ""
		if place == "sibling" {
			secret = title
		}
		doc[place], version[place] = target{d, secret}, target{v, ""}
	}
	m.objects["spending"], m.objects["receipt"], m.objects["doc"], m.objects["docversion"] = spending, receipt, doc, version
}

// honourBodies are the access matrix's requests for these routes: each
// is refused by validation (422) or a stale version (409) once through
// the scope check, so nothing changes between requests.
var honourBodies = map[string]bodyFunc{
	"POST /honours":             func(bodyCtx) (string, io.Reader) { return form(url.Values{"kind_id": {"1"}, "deeds": {""}}) },
	"POST /honours/kinds":       func(bodyCtx) (string, io.Reader) { return form(url.Values{"name": {""}}) },
	"POST /honours/{id}/review": func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}}) },
	"POST /honours/{id}/grant":  func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}}) },
	"POST /honours/{id}/refuse": func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}, "reason": {""}}) },
	"POST /budget": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"org_id": {strconv.FormatInt(c.m.A.ID, 10)}, "year": {"2026"}, "amount_publicity": {"x"}})
	},
	"POST /budget/spending":           func(bodyCtx) (string, io.Reader) { return form(url.Values{"purpose": {"other"}, "amount": {"x"}}) },
	"POST /budget/spending/{id}/void": func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}, "reason": {""}}) },
	"POST /budget/spending/{id}/receipts": func(c bodyCtx) (string, io.Reader) {
		return multipartFile("receipt", "note.txt", fmt.Sprintf("not a receipt %d", c.seq))
	},
	"POST /docs": func(c bodyCtx) (string, io.Reader) { return multipartFile("file", "rule.txt", "no title") },
	"POST /docs/{id}": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"version": {"0"}, "category": {"rule"}, "title": {strings.Repeat("长", 121)}})
	},
	"POST /docs/{id}/versions":         func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}}) },
	"POST /api/v1/honours":             func(bodyCtx) (string, io.Reader) { return jsonBody(`{"kind":"civilised_family","deeds":""}`) },
	"POST /api/v1/honours/{id}/review": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0}`) },
	"POST /api/v1/honours/{id}/grant":  func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0}`) },
	"POST /api/v1/honours/{id}/refuse": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0,"reason":""}`) },
	"PUT /api/v1/budget": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"unit_id":%d,"year":2026,"amounts":{"publicity":"x"}}`, c.m.A.ID))
	},
	"POST /api/v1/budget/spending":           func(bodyCtx) (string, io.Reader) { return jsonBody(`{"purpose":"other","amount":"x"}`) },
	"POST /api/v1/budget/spending/{id}/void": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0,"reason":""}`) },
}

// multipartFile is a multipart body with one file.
func multipartFile(field, name, content string) (string, io.Reader) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, _ := w.CreateFormFile(field, name)
	io.WriteString(f, content)
	w.Close()
	return w.FormDataContentType(), &b
}

func init() {
	for k, v := range honourBodies {
		matrixBodies[k] = v
	}
	for _, k := range []string{"honour", "spending", "receipt", "doc", "docversion"} {
		objectKinds[k] = true
	}
}

// TestHonourPages walks the honours workflow through the pages: a
// committee nominates from the household's page, the subdistrict reviews
// and grants, the certificate prints, the household's page shows it.
func TestHonourPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		p := e.person("马文明", 31, e.A, nil)
		h := e.household("A-031", e.A, nil, p)
		e.user("hstaff", auth.CommitteeStaff, e.A)
		e.user("hrev", auth.StreetStaff, e.S)
		e.user("hadmin", auth.StreetAdmin, e.S)
		staff, rev, admin := e.login("hstaff"), e.login("hrev"), e.login("hadmin")
		if r := staff.get("/honours/new?household=" + strconv.FormatInt(h.ID, 10)); r.Code != http.StatusOK || !strings.Contains(r.Text(), "马文明") {
			t.Fatalf("nomination form: %d", r.Code)
		}
		var kindID int64
		if err := d.QueryRow(context.Background(), `SELECT id FROM honour_kinds WHERE code = 'civilised_family'`).Scan(&kindID); err != nil {
			t.Fatal(err)
		}
		r := staff.postForm("/honours", url.Values{"kind_id": {strconv.FormatInt(kindID, 10)}, "year": {"2026"}, "household_id": {strconv.FormatInt(h.ID, 10)}, "deeds": {"邻里和睦"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("nominate: %d %s", r.Code, r.Summary())
		}
		loc := r.Location()
		// the grant before the review is refused, with the message
		r = admin.postForm(loc+"/grant", url.Values{"version": {"1"}})
		if page := admin.get(r.Location()); !strings.Contains(page.Text(), zh("err.honour_not_reviewed")) {
			t.Errorf("grant before review: the page does not say why")
		}
		if r = rev.postForm(loc+"/review", url.Values{"version": {"1"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("review: %d", r.Code)
		}
		if r = admin.postForm(loc+"/grant", url.Values{"version": {"2"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("grant: %d", r.Code)
		}
		cert := staff.get(loc + "/certificate")
		for _, want := range []string{"民族团结文明家庭", zh("honours.family_of", "马文明"), "甲居委会", "石榴街道", "2026"} {
			if !strings.Contains(cert.Text(), want) {
				t.Errorf("certificate lacks %q", want)
			}
		}
		if page := staff.get("/households/" + strconv.FormatInt(h.ID, 10)); !strings.Contains(page.Text(), "2026 · 民族团结文明家庭") || !strings.Contains(page.Text(), zh("honours.status_granted")) {
			t.Errorf("the household's page does not show its honour")
		}
		// the sibling committee sees nothing of it
		e.user("hsib", auth.CommitteeStaff, e.B)
		if r := e.login("hsib").get(loc); r.Code != http.StatusNotFound {
			t.Errorf("sibling opens the honour: %d", r.Code)
		}
	})
}
