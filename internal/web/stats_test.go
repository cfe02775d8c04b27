package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
)

// TestStatsOpenRecords: the subdistrict's dashboard shows the Hui
// residents of its committees, the number opens a list of exactly that
// many (audited), a bar's link opens one committee's; a leader sees the
// number without a link, and is refused the list.
func TestStatsOpenRecords(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for i := 1; i <= 3; i++ {
			e.person("回族居民"+strconv.Itoa(i), 900+i, e.A, nil)
		}
		e.person("回族居民4", 904, e.B, nil)
		e.user("st_s", auth.StreetAdmin, e.S)
		e.user("st_l", auth.Leader, e.S)
		c := e.login("st_s")
		page := c.get("/stats")
		if page.Code != http.StatusOK {
			t.Fatalf("stats: %d %s", page.Code, page.Summary())
		}
		m := regexp.MustCompile(`<a href="(/figures/minority_registered\?[^"]+)">(\d+)</a>`).FindStringSubmatch(page.Body)
		if m == nil || m[2] != "4" {
			t.Fatalf("the headline figure is not 4 with its link: %v", m)
		}
		list := c.get(html.UnescapeString(m[1]))
		if list.Code != http.StatusOK || !strings.Contains(list.Text(), "共 4 条") || !strings.Contains(list.Text(), "回族居民4") {
			t.Fatalf("the list behind the figure: %d %s", list.Code, list.Summary())
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'figure_records' AND entity_id = 'minority_registered'`); n != 1 {
			t.Errorf("%d audit records of the opening", n)
		}
		// the distribution's bar for committee A opens A's three
		bars := regexp.MustCompile(`href="(/figures/minority_registered\?[^"]*org=` + strconv.FormatInt(e.A.ID, 10) + `[^"]*)"`).FindStringSubmatch(page.Body)
		if bars == nil {
			t.Fatalf("no bar link for committee A")
		}
		link := html.UnescapeString(bars[1])
		if r := c.get(link); !strings.Contains(r.Text(), "共 3 条") || strings.Contains(r.Text(), "回族居民4") {
			t.Errorf("committee A's bar: %s", r.Summary())
		}
		// the leader: the figure, no names
		l := e.login("st_l")
		lp := l.get("/stats")
		if lp.Code != http.StatusOK || strings.Contains(lp.Body, `href="/figures/minority_registered`) {
			t.Errorf("the leader's dashboard: %d, links to names: %v", lp.Code, strings.Contains(lp.Body, `href="/figures/minority_registered`))
		}
		if r := l.get(html.UnescapeString(m[1])); r.Code != http.StatusOK || strings.Contains(r.Text(), "回族居民") || !strings.Contains(r.Text(), "不查看其中的个人名单") {
			t.Errorf("the leader opens the names: %d %s", r.Code, r.Summary())
		}
	})
}

// TestStatsSuppressesForLeaders: a leader looking at a committee with
// three Hui residents sees "<5", not 3, and no chart that would show it.
func TestStatsSuppressesForLeaders(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for i := 1; i <= 3; i++ {
			e.person("回族居民"+strconv.Itoa(i), 900+i, e.A, nil)
		}
		e.user("sl_l", auth.Leader, e.S)
		e.user("sl_s", auth.StreetAdmin, e.S)
		url := "/stats?org=" + strconv.FormatInt(e.A.ID, 10)
		lp := e.login("sl_l").get(url)
		if lp.Code != http.StatusOK || !strings.Contains(lp.Body, "&lt;5") || strings.Contains(lp.Body, `id="chart-ethnic_breakdown"`) {
			t.Errorf("the leader's view of committee A: %d, <5 shown %v, ethnic chart drawn %v", lp.Code, strings.Contains(lp.Body, "&lt;5"),
				strings.Contains(lp.Body, `id="chart-ethnic_breakdown"`))
		}
		sp := e.login("sl_s").get(url)
		if !strings.Contains(sp.Body, `id="chart-ethnic_breakdown"`) || strings.Contains(sp.Body, "&lt;5") {
			t.Errorf("the subdistrict's staff see the committee's figures as they are")
		}
	})
}
