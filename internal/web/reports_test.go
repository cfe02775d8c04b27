package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/dbtest"

	"shiliu/internal/db"
	"shiliu/internal/org"
)

// reportAt begins the data set of unit u for 2025 directly in storage (a
// building group has none through the service: the matrix's child place
// still needs one to try).
func (e *env) reportAt(u *org.Unit) int64 {
	e.t.Helper()
	now := "2026-01-05T08:00:00Z"
	var id int64
	err := e.DB.WithTx(context.Background(), func(tx *db.Tx) (err error) {
		id, err = tx.InsertID(context.Background(), `INSERT INTO report_sets (org_id, year, status, created_at, updated_at) VALUES (?, 2025, 'draft', ?, ?)`,
			u.ID, now, now)
		return err
	})
	if err != nil {
		e.t.Fatalf("report set: %v", err)
	}
	return id
}

// reportObjects adds the annual data sets to the access matrix.
func (m *matrix) reportObjects() {
	e := m.env
	sets := map[string]target{}
	for place, u := range map[string]*org.Unit{"own": e.A, "child": e.G, "sibling": e.B, "parent": e.S} {
		sets[place] = target{e.reportAt(u), ""}
	}
	m.objects["report"] = sets
}

// reportBodies are refused by validation or a stale version once through
// the scope check, so nothing changes between requests.
var reportBodies = map[string]bodyFunc{
	"POST /reports": func(c bodyCtx) (string, io.Reader) {
		return form(url.Values{"org_id": {strconv.FormatInt(c.m.A.ID, 10)}, "year": {"1999"}})
	},
	"POST /reports/{id}":         func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}, "work": {"x"}}) },
	"POST /reports/{id}/submit":  func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}}) },
	"POST /reports/{id}/approve": func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}}) },
	"POST /reports/{id}/unlock":  func(bodyCtx) (string, io.Reader) { return form(url.Values{"version": {"0"}, "reason": {"x"}}) },
	"POST /reports/{id}/consent": func(bodyCtx) (string, io.Reader) {
		return form(url.Values{"version": {"0"}, "back": {"unlocks"}})
	},
	"POST /api/v1/reports": func(c bodyCtx) (string, io.Reader) {
		return jsonBody(fmt.Sprintf(`{"unit_id":%d,"year":1999}`, c.m.A.ID))
	},
	"PUT /api/v1/reports/{id}":          func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0,"work":"x"}`) },
	"POST /api/v1/reports/{id}/submit":  func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0}`) },
	"POST /api/v1/reports/{id}/approve": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0}`) },
	"POST /api/v1/reports/{id}/unlock":  func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0,"reason":"x"}`) },
	"POST /api/v1/reports/{id}/consent": func(bodyCtx) (string, io.Reader) { return jsonBody(`{"version":0}`) },
}

func init() {
	for k, v := range reportBodies {
		matrixBodies[k] = v
	}
	objectKinds["report"] = true
}

// reportVersion reads the version a page's step forms send.
func reportVersion(t *testing.T, r *resp) string {
	t.Helper()
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no version on the page: %s", r.Summary())
	}
	return m[1]
}

// figureCell is the text of a figure's value on a data set's page.
func figureCell(r *resp, id string) string {
	m := regexp.MustCompile(`(?s)<tr id="fig-` + id + `">.*?<td class="num"[^>]*>(.*?)</td>`).FindStringSubmatch(r.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))
}

// TestReportPages walks a year's data sets through the pages: a committee
// begins, writes and submits its set; the subdistrict cannot approve its
// own before its committees', approves the committee's; the approved
// figures stay when the records change (the live summary follows); the
// district's side by side marks the committee not approved; an unlock
// needs a security admin other than the one who asked, and is audited; a
// leader sees the committee's small counts as "<5".
func TestReportPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for i := 1; i <= 3; i++ {
			e.person("回族居民"+strconv.Itoa(i), 700+i, e.A, nil)
		}
		e.user("rp_c", auth.CommitteeStaff, e.A)
		e.user("rp_s", auth.StreetAdmin, e.S)
		e.user("rp_sec", auth.SecAdmin, e.S)
		e.user("rp_l", auth.Leader, e.S)
		year := strconv.Itoa(time.Now().Year())
		follow := func(c *client, r *resp) *resp {
			t.Helper()
			if r.Code != http.StatusSeeOther {
				t.Fatalf("want a redirect: %s", r.Summary())
			}
			return c.get(r.Location())
		}

		c := e.login("rp_c")
		idx := c.get("/reports?year=" + year)
		if idx.Code != http.StatusOK || !strings.Contains(idx.Text(), "甲居委会") || !strings.Contains(idx.Text(), "未开始") {
			t.Fatalf("the committee's list: %s", idx.Summary())
		}
		set := follow(c, c.postForm("/reports", url.Values{"org_id": {strconv.FormatInt(e.A.ID, 10)}, "year": {year}}))
		m := regexp.MustCompile(`action="(/reports/\d+)"`).FindStringSubmatch(set.Body)
		if m == nil {
			t.Fatalf("the set's page has no narrative form: %s", set.Summary())
		}
		setPath := m[1]
		if got := figureCell(set, "minority_registered"); got != "3" {
			t.Errorf("live registered minority on the set: %q, want 3", got)
		}
		if !strings.Contains(set.Body, `href="/figures/minority_registered?org=`+strconv.FormatInt(e.A.ID, 10)) {
			t.Errorf("the live figure does not open its records")
		}
		saved := follow(c, c.postForm(setPath, url.Values{"version": {reportVersion(t, set)}, "work": {"开展民族团结进社区活动"}, "problems": {"场地不足"}, "plans": {"增加活动"}}))
		if !strings.Contains(saved.Text(), "开展民族团结进社区活动") {
			t.Fatalf("the narrative was not saved: %s", saved.Summary())
		}
		sub := follow(c, c.postForm(setPath+"/submit", url.Values{"version": {reportVersion(t, saved)}}))
		if !strings.Contains(sub.Text(), "已报送") {
			t.Fatalf("not submitted: %s", sub.Summary())
		}

		// the subdistrict's own set waits for its committees
		s := e.login("rp_s")
		own := follow(s, s.postForm("/reports", url.Values{"org_id": {strconv.FormatInt(e.S.ID, 10)}, "year": {year}}))
		ownPath := regexp.MustCompile(`action="(/reports/\d+)"`).FindStringSubmatch(own.Body)[1]
		empty := follow(s, s.postForm(ownPath+"/submit", url.Values{"version": {reportVersion(t, own)}}))
		if !strings.Contains(empty.Text(), "主要工作：必填") || !strings.Contains(empty.Text(), "填报中") {
			t.Errorf("submitting without the narrative: %s", empty.Summary())
		}
		own = follow(s, s.postForm(ownPath, url.Values{"version": {reportVersion(t, empty)}, "work": {"指导社区"}, "problems": {"无"}, "plans": {"继续"}}))
		own = follow(s, s.postForm(ownPath+"/submit", url.Values{"version": {reportVersion(t, own)}}))
		refused := follow(s, s.postForm(ownPath+"/approve", url.Values{"version": {reportVersion(t, own)}}))
		if !strings.Contains(refused.Text(), "尚未审定") || !strings.Contains(refused.Text(), "甲居委会") || !strings.Contains(refused.Text(), "乙居委会") {
			t.Errorf("approving the subdistrict before its committees: %s", refused.Summary())
		}
		cs := s.get(setPath)
		approved := follow(s, s.postForm(setPath+"/approve", url.Values{"version": {reportVersion(t, cs)}}))
		if !strings.Contains(approved.Text(), "已审定") || !strings.Contains(approved.Text(), "第 1 版") {
			t.Fatalf("approving the committee: %s", approved.Summary())
		}

		// a fourth resident after approval: the approved figures stay, the live summary follows
		e.person("回族居民4", 704, e.A, nil)
		after := s.get(setPath)
		if got := figureCell(after, "minority_registered"); got != "3" {
			t.Errorf("the approved figure changed with the records: %q", got)
		}
		_, tok := e.token(e.userNow(e.user("rp_api", auth.StreetAdmin, e.S).ID), "t")
		api := e.withToken(tok)
		var sum map[string]any
		api.get("/api/v1/reports/summary?year="+year+"&org="+e.A.Code).JSON(t, &sum)
		if sum["minority_registered"] != 3.0 || sum["approved"] != 1.0 {
			t.Errorf("the approved summary: registered %v, approved %v", sum["minority_registered"], sum["approved"])
		}
		var live map[string]any
		api.get("/api/v1/reports/summary?year="+year+"&org="+e.A.Code+"&live=1").JSON(t, &live)
		if live["minority_registered"] != 4.0 || live["approved"] != nil {
			t.Errorf("the live summary: registered %v, approved %v", live["minority_registered"], live["approved"])
		}
		if r := api.get("/api/v1/reports/summary?year=" + year + "&org=no-such-code"); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "没有这个编码的单位") {
			t.Errorf("an unknown code: %s", r.Summary())
		}

		// side by side: 甲 approved with its figure, 乙 marked
		cmp := s.get("/reports/compare?org=" + strconv.FormatInt(e.S.ID, 10) + "&year=" + year)
		if cmp.Code != http.StatusOK || !strings.Contains(cmp.Text(), "第 1 版") || !strings.Contains(cmp.Text(), "未审定") || !strings.Contains(cmp.Text(), "1 个单位（共 2 个）尚未审定") {
			t.Errorf("the side by side: %s", cmp.Summary())
		}

		// a leader: the committee's 3 is "<5"
		if lp := e.login("rp_l").get(setPath); lp.Code != http.StatusOK || figureCell(lp, "minority_registered") != "<5" {
			t.Errorf("the leader's view of the committee's set: %d %q", lp.Code, figureCell(lp, "minority_registered"))
		}

		// unlock: asked with a reason, consented by the security admin
		asked := follow(s, s.postForm(setPath+"/unlock", url.Values{"version": {reportVersion(t, after)}, "reason": {"补录一名居民"}}))
		if !strings.Contains(asked.Text(), "待安全管理员同意") {
			t.Fatalf("asking to unlock: %s", asked.Summary())
		}
		sec := e.login("rp_sec")
		ul := sec.get("/reports/unlocks")
		if !strings.Contains(ul.Text(), "补录一名居民") || strings.Contains(ul.Text(), "回族") {
			t.Fatalf("the security admin's list: %s", ul.Summary())
		}
		done := follow(sec, sec.postForm(regexp.MustCompile(`action="(/reports/\d+/consent)"`).FindStringSubmatch(ul.Body)[1],
			url.Values{"version": {reportVersion(t, ul)}, "back": {"unlocks"}}))
		if !strings.Contains(done.Text(), "已同意解锁") {
			t.Errorf("consenting: %s", done.Summary())
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'report' AND detail LIKE '%补录一名居民%'`); n < 1 {
			t.Errorf("the unlock is not audited (%d records)", n)
		}
		draft := s.get(setPath)
		if !strings.Contains(draft.Text(), "填报中") || figureCell(draft, "minority_registered") != "4" {
			t.Errorf("after the unlock the set is a draft with live figures: %s %q", draft.Summary(), figureCell(draft, "minority_registered"))
		}
	})
}
