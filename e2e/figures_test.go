package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A subdistrict's officer opens the statistics: a headline number opens
// the list of the records it counts, as many as it says; a bar of a chart,
// clicked where it is drawn, opens the records of that bar, as many as the
// bar is tall. On a phone the statistics, the figures and the annual data
// sets fit the screen.
func TestFiguresOpenTheirRecords(t *testing.T) {
	h := setup(t)
	b := h.newTab(t, "admin")
	b.loginAs("admin")
	if st := b.open("/stats"); st != 200 {
		t.Fatalf("/stats: status %d", st)
	}

	// a headline number
	href := eval[string](b, `(() => { const a = document.querySelector(".stat-tile .stat-num a"); return a ? a.getAttribute("href") : ""; })()`)
	if href == "" {
		t.Fatalf("no headline number opens its records on /stats")
	}
	n, err := strconv.Atoi(strings.ReplaceAll(b.text(".stat-tile .stat-num a"), ",", ""))
	if err != nil {
		t.Fatalf("the first headline number: %v", err)
	}
	if st := b.click(".stat-tile .stat-num a"); st != 200 {
		t.Fatalf("opening %s: status %d", href, st)
	}
	b.wantPath(strings.SplitN(href, "?", 2)[0])
	b.wantText(".card strong", zh("figures.total", n))
	if rows := len(b.texts("table tbody tr")); rows != min(n, 100) {
		t.Errorf("the list of %d records shows %d rows", n, rows)
	}

	// a bar of a chart
	if st := b.open("/stats"); st != 200 {
		t.Fatalf("/stats: status %d", st)
	}
	b.do("wait for the charts", chromedp.Poll[chromedp.Void](`document.querySelector("[data-chart] svg") !== null`, chromedp.WithPollingTimeout(10*time.Second)))
	// The first bar worth clicking: its chart, index, height and link, and
	// the point in the page where it is drawn (the middle of the bar).
	var bar struct {
		Link  string
		Value float64
		X, Y  float64
	}
	raw := eval[string](b, `(() => {
		for (const el of document.querySelectorAll("[data-chart]")) {
			const d = JSON.parse(el.getAttribute("data-chart"));
			const s = d.series[0];
			const i = s.data.findIndex((v, i) => v > 0 && s.links && s.links[i]);
			if (i < 0) continue;
			el.scrollIntoView({block: "center"});
			const c = echarts.getInstanceByDom(el);
			const v = s.data[i];
			const p = c.convertToPixel({seriesIndex: 0}, d.horizontal ? [v / 2, i] : [i, v / 2]);
			const r = el.getBoundingClientRect();
			return JSON.stringify({Link: s.links[i], Value: v, X: r.left + p[0], Y: r.top + p[1]});
		}
		return "";
	})()`)
	if raw == "" {
		t.Fatalf("no chart on /stats has a bar that opens records")
	}
	if err := json.Unmarshal([]byte(raw), &bar); err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(b.ctx, chromedp.MouseClickXY(bar.X, bar.Y))
	if err != nil || resp == nil {
		t.Fatalf("clicking the bar at (%.0f, %.0f) opened no page: %v", bar.X, bar.Y, err)
	}
	got := eval[string](b, "location.pathname + location.search")
	if want, _ := url.Parse(bar.Link); got != want.Path+"?"+want.RawQuery {
		t.Errorf("the bar opened %s, want %s", got, bar.Link)
	}
	b.wantText(".card strong", zh("figures.total", int(bar.Value)))

	// on a phone
	p := h.newTab(t, "admin-phone")
	p.phone()
	p.loginAs("admin")
	for _, path := range []string{"/stats", "/figures", "/reports", fmt.Sprintf("/reports/compare?year=%d", time.Now().Year()-1)} {
		if st := p.open(path); st != 200 {
			t.Errorf("%s on a phone: status %d", path, st)
			continue
		}
		p.noHorizontalScroll()
	}
}
