package e2e

import (
	"context"
	"fmt"
	"regexp"
	"shiliu/internal/auth"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"shiliu/internal/cases"
	"shiliu/internal/org"
)

// caseCode is how a case number looks: the year and a sequence.
var caseCode = regexp.MustCompile(`\b\d{4}-\d{6}\b`)

// casePath is the path of a case's page.
var casePath = regexp.MustCompile(`^/cases/(\d+)$`)

// estateAddress is a street address that names a committee's estate as a
// caller says it: a building group's name without 楼组 (梅园里6弄), or the
// committee's name without 居委会 (梅园里), with a house number.
func estateAddress(h *harness, t *testing.T, c *org.Unit, n int) string {
	t.Helper()
	place := strings.TrimSuffix(c.Name, "居委会")
	if bgs := h.buildingGroups(t, c); len(bgs) > 0 {
		place = strings.TrimSuffix(bgs[len(bgs)-1].Name, "楼组")
	}
	return fmt.Sprintf("%s%d号%d室", place, 10+n%80, 301+n%5)
}

// openedCase reads the case a page shows: its id from the path and its
// record from the service (nil actor: the whole registry).
func openedCase(b *tab) *cases.Case {
	b.t.Helper()
	m := casePath.FindStringSubmatch(b.path())
	if m == nil {
		b.fatalf("not on a case page: %s (h1 %q, errors %q)", b.path(), b.text("h1"), b.visibleTexts(".flash.error, .field-error"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	c, err := b.h.app.Cases.Get(context.Background(), auth.System("test"), id)
	if err != nil {
		b.fatalf("case %d: %v", id, err)
	}
	return c
}

// The night-shift hotline operator takes a call on a phone: from the
// dashboard to the case page with the case number and the committee the
// address names, which the operator did not have to know. The clicks,
// fields and time it takes are logged for the closing note.
func TestNightShiftHotlineIntakeOnPhone(t *testing.T) {
	h := setup(t)
	committee := h.committees(t)[0]
	n := seq()
	callerName := "王先生"
	phone := fmt.Sprintf("139%08d", 52000000+n)
	address := estateAddress(h, t, committee, n)
	summary := fmt.Sprintf("夜间来电（%d）：楼上卫生间漏水到家里，家中只有一位独居老人，请居委会明天上门看看。", n)

	b := h.newTab(t, "staff")
	b.phone()
	b.loginAs("staff")
	b.noHorizontalScroll()

	var taps, fields, chars int
	fill := func(sel, v string) {
		t.Helper()
		b.fill(sel, v)
		fields++
		chars += utf8.RuneCountInString(v)
	}
	const form = `form[action="/cases"]`

	start := time.Now()
	// 受理诉求 on the dashboard.
	tile := `.stats a.stat.action[href="/cases/new"]`
	b.wantContains(tile, zh("cases.new"))
	if st := b.tapVisible(tile); st != 200 {
		t.Fatalf("intake form: status %d", st)
	}
	taps++
	b.wantPath("/cases/new")
	b.noHorizontalScroll()
	// A call on the hotline about something to look into: the defaults,
	// nothing to choose.
	if ch, kind := b.value(form+" select[name=channel]"), b.value(form+" select[name=kind]"); ch != string(cases.Hotline) || kind != string(cases.Consultation) {
		t.Errorf("intake form defaults: channel %q, kind %q; want %q, %q", ch, kind, cases.Hotline, cases.Consultation)
	}
	fill(form+" input[name=caller_name]", callerName)
	fill(form+" input[name=caller_phone]", phone)
	fill(form+" input[name=address]", address)
	fill(form+" textarea[name=summary]", summary)
	st := b.tap(form + " button.primary[type=submit]")
	taps++
	elapsed := time.Since(start)
	if st != 200 {
		t.Fatalf("take the case: status %d; page shows %q", st, b.text("main"))
	}

	c := openedCase(b)
	code := caseCode.FindString(b.text("h1"))
	if code == "" || code != c.Code {
		t.Fatalf("the case page's heading %q should show the case number %s", b.text("h1"), c.Code)
	}
	b.wantText(".flash.ok", zh("cases.taken", code, committee.Name))
	if got := b.prop("dl.props", zh("persons.org")); !strings.Contains(got, committee.Name) || !strings.Contains(got, zh("routing.address")) {
		t.Errorf("the case page names the committee %q, want %s %s", got, committee.Name, zh("routing.address"))
	}
	if c.OrgID != committee.ID || c.RoutedBy != cases.RoutedAddress || c.Channel != cases.Hotline || c.Kind != cases.Consultation {
		t.Errorf("case %s: unit %d (%s) routed by %s, channel %s, kind %s; want unit %d (%s) routed by address, hotline, consultation",
			c.Code, c.OrgID, c.OrgName, c.RoutedBy, c.Channel, c.Kind, committee.ID, committee.Name)
	}
	b.wantText(`.page-head .badge.status-intake`, zh("case_status.intake"))
	if got := b.prop("dl.props", zh("cases.caller")); got != callerName {
		t.Errorf("caller shown as %q, want %q", got, callerName)
	}
	if got, want := b.prop("dl.props", zh("cases.callback")), phone[:3]+"****"+phone[7:]; got != want {
		t.Errorf("callback number shown as %q, want it masked %q", got, want)
	}
	if strings.Contains(b.html(), phone) {
		t.Errorf("the case page's source holds the full callback number %s", phone)
	}
	if got := b.prop("dl.props", zh("cases.address")); got != address {
		t.Errorf("address shown as %q, want %q", got, address)
	}
	b.noHorizontalScroll()

	t.Logf("intake: %d clicks, %d fields, %.1f s (%d characters typed; tapping 受理诉求 on the dashboard to the case page %s, routed to %s by the address %q)",
		taps, fields, elapsed.Seconds(), chars, code, committee.Name, address)
}

// A street officer takes an emergency; the subdistrict leader, logged in
// on another machine since before, reloads and sees it in the bell and the
// notification centre, and opens the case: the incident's details, but no
// caller's name, and nothing to do.
func TestEmergencyReachesLeaderAtOnce(t *testing.T) {
	h := setup(t)
	committee := h.committees(t)[0]
	n := seq()
	callerName := "欧阳报告人"
	address := estateAddress(h, t, committee, n)
	occurred := time.Now().In(cst).Add(-25 * time.Minute).Truncate(time.Minute)
	place := fmt.Sprintf("%s 5号楼一单元门口", strings.TrimSuffix(committee.Name, "居委会"))
	involved := fmt.Sprintf("5号楼住户约%d人，其中维吾尔族老人2名", 20+n%10)
	firstReport := fmt.Sprintf("19:40接报（%d）：楼道内有燃气味，已通知燃气公司和派出所，居民已疏散到居委会活动室，无人受伤。", n)
	summary := "小区楼道燃气泄漏，居民已疏散"

	// The leader has been logged in since before the call.
	l := h.newTab(t, "leader")
	l.loginAs("leader")
	unread := func() int {
		t.Helper()
		s := l.text(".topbar a.bell .nav-badge")
		if s == "" {
			return 0
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("bell badge %q is not a number", s)
		}
		return v
	}
	before := unread()

	s := h.newTab(t, "staff")
	s.loginAs("staff")
	s.clickVisible(`.stats a.stat.action[href="/cases/new"]`)
	s.wantPath("/cases/new")
	const form = `form[action="/cases"]`
	s.do("choose 突发事件", setSelect(form+" select[name=kind]", string(cases.Emergency)))
	// Choosing the kind opens the emergency's required fields by itself.
	s.do("the emergency fields open",
		chromedp.Poll[chromedp.Void](`document.querySelector("details.emergency").open`, chromedp.WithPollingTimeout(5*time.Second)))
	s.fill(form+" input[name=caller_name]", callerName)
	s.fill(form+" input[name=address]", address)
	s.fill(form+" textarea[name=summary]", summary)
	// The date and time come from the browser's picker.
	s.do("time of the incident", chromedp.SetValue(chromedp.CSS(form+" input[name=occurred_at]"), occurred.Format("2006-01-02T15:04")))
	s.fill(form+" input[name=place]", place)
	s.fill(form+" input[name=people_involved]", involved)
	s.fill(form+" textarea[name=first_report]", firstReport)
	if st := s.click(form + " button.primary[type=submit]"); st != 200 {
		t.Fatalf("take the emergency: status %d; page shows %q", st, s.text("main"))
	}
	c := openedCase(s)
	if c.Kind != cases.Emergency || c.Urgency != cases.Urgent || c.OrgID != committee.ID {
		t.Errorf("case %s: kind %s, urgency %s, unit %s; want an urgent emergency of %s", c.Code, c.Kind, c.Urgency, c.OrgName, committee.Name)
	}
	s.wantContains("h1", c.Code)
	s.wantContains("h1", zh("case_kind.emergency"))

	// At once: the leader reloads the page, no waiting.
	if st := l.reload(); st != 200 {
		t.Fatalf("leader's reload: status %d", st)
	}
	if after := unread(); after < before+1 || after < 1 {
		t.Errorf("bell badge shows %d unread after the emergency, %d before; want at least one more", after, before)
	}
	if st := l.click(".topbar a.bell"); st != 200 {
		t.Fatalf("notifications: status %d", st)
	}
	l.wantPath("/notifications")
	l.wantText("h1", zh("notify.title"))
	id := strconv.FormatInt(c.ID, 10)
	item := fmt.Sprintf(`ul.notices li:has(a[href="/cases/%s"])`, id)
	got := l.text(item)
	if got == "" {
		t.Fatalf("the notification centre lists nothing for case %s; it shows:\n%s", c.Code, strings.Join(l.texts("ul.notices li"), "\n"))
	}
	for _, want := range []string{zh("notify.emergency"), c.Code, summary, firstReport} {
		if !strings.Contains(got, want) {
			t.Errorf("the notification %q lacks %q", got, want)
		}
	}
	if !eval[bool](l, fmt.Sprintf(`document.querySelector(%q).classList.contains("unread")`, item)) {
		t.Errorf("the notification of %s is not marked unread", c.Code)
	}

	if st := l.click(fmt.Sprintf(`%s a[href="/cases/%s"]`, item, id)); st != 200 {
		t.Fatalf("leader opens case %s: status %d; page shows %q", c.Code, st, l.text("main"))
	}
	l.wantPath("/cases/" + id)
	l.wantContains("h1", c.Code)
	l.wantContains("h1", zh("case_kind.emergency"))
	const card = ".emergency-card dl.props"
	for label, want := range map[string]string{
		"cases.occurred_at":     occurred.Format("2006-01-02 15:04"),
		"cases.place":           place,
		"cases.people_involved": involved,
		"cases.first_report":    firstReport,
	} {
		if got := l.prop(card, zh(label)); got != want {
			t.Errorf("leader sees %s %q, want %q", zh(label), got, want)
		}
	}
	// Leaders see figures, not names: the service blanks the caller.
	if got := l.prop("dl.props", zh("cases.caller")); got != "—" {
		t.Errorf("leader sees the caller as %q, want —", got)
	}
	if strings.Contains(l.html(), callerName) {
		t.Errorf("the leader's case page holds the caller's name %s", callerName)
	}
	// …and nothing to do on it.
	if l.text("#actions") != "" {
		t.Errorf("the leader is offered workflow steps: %q", l.text("#actions"))
	}
	if l.text(`form[action="/cases/`+id+`/attachments"]`) != "" {
		t.Error("the leader is offered to attach files")
	}
}

// A street admin pairs a partner organisation with a resident in hardship
// from the resident's page, then logs a visit with a photo: the visit is
// listed, and the pairing shows when it was last visited and when the next
// visit is due.
func TestPairingVisit(t *testing.T) {
	h := setup(t)
	committee := h.committees(t)[0]
	n := seq()
	target, _ := h.newPerson(t, "马秀兰", "03", committee)
	partner := fmt.Sprintf("石榴籽清真餐饮有限公司%d", n)
	agreement := "每月上门走访一次，节日送米面油，帮助联系就医。"
	help := fmt.Sprintf("送米面油各一份，了解看病报销情况（%d）", n)
	photo := pngFile(t, "visit.png")
	pid := strconv.FormatInt(target.ID, 10)

	b := h.newTab(t, "admin")
	b.loginAs("admin")
	b.open("/persons/" + pid)
	b.wantContains("h1", target.Name)
	newLink := `a[href="/pairings/new?person=` + pid + `"]`
	b.wantContains(newLink, zh("pairings.new"))
	if st := b.click(newLink); st != 200 {
		t.Fatalf("new pairing form: status %d", st)
	}
	b.wantPath("/pairings/new")
	b.wantText("h1", zh("pairings.new_title"))
	const form = `form[action="/pairings"]`
	if got := b.value(form + " input[name=target_person_id]"); got != pid {
		t.Errorf("the form's target is %q, want the person %s", got, pid)
	}
	b.wantContains(form+" fieldset", target.Name)
	b.do("helper kind 共建单位", setSelect(form+" select[name=helper_kind]", "partner"))
	b.fill(form+" input[name=helper_name]", partner)
	b.fill(form+" input[name=cadence_days]", "30")
	b.fill(form+" textarea[name=agreement]", agreement)
	if st := b.click(form + " button.primary[type=submit]"); st != 200 {
		t.Fatalf("save pairing: status %d; page shows %q", st, b.text("main"))
	}
	m := regexp.MustCompile(`^/pairings/(\d+)$`).FindStringSubmatch(b.path())
	if m == nil {
		t.Fatalf("after saving, the page is %s; errors %q", b.path(), b.visibleTexts(".flash.error, .field-error"))
	}
	prID := m[1]
	b.wantText(".flash.ok", zh("pairings.created"))
	b.wantContains("h1", target.Name)
	b.wantContains(".page-head p.muted", partner)
	b.wantContains(".page-head p.muted", zh("helper.partner"))
	if got, want := b.prop("dl.props", zh("pairings.cadence")), zh("pairings.every_n_days", 30); got != want {
		t.Errorf("cadence shown as %q, want %q", got, want)
	}
	if got := b.prop("dl.props", zh("pairings.agreement")); got != agreement {
		t.Errorf("agreement shown as %q, want %q", got, agreement)
	}
	b.wantText("#visit h2", zh("pairings.log_visit"))

	// The visit, with a photo taken on the spot.
	today := h.app.Pairing.Today()
	const visit = `#visit form[action="/pairings/%s/visits"]`
	vf := fmt.Sprintf(visit, prID)
	if got := b.value(vf + " input[name=date]"); got != today {
		t.Errorf("the visit date defaults to %q, want today %s", got, today)
	}
	b.fill(vf+" input[name=value]", "200")
	b.fill(vf+" input[name=help]", help)
	b.fill(vf+" textarea[name=note]", "老人腿脚不便，下次带上轮椅借用表。")
	b.do("attach photo", chromedp.SetUploadFiles(chromedp.CSS(vf+" input[name=photo]"), []string{photo}))
	if st := b.click(vf + " button.primary[type=submit]"); st != 200 {
		t.Fatalf("log visit: status %d; page shows %q", st, b.text("main"))
	}
	b.wantPath("/pairings/" + prID)
	b.wantText(".flash.ok", zh("pairings.visit_logged"))
	visits := b.texts("ol.timeline li")
	if len(visits) != 1 {
		t.Fatalf("the visit list shows %d visits, want 1: %q", len(visits), visits)
	}
	for _, want := range []string{today, help, "¥200.00", zh("pairings.photo")} {
		if !strings.Contains(visits[0], want) {
			t.Errorf("the visit %q lacks %q", visits[0], want)
		}
	}
	due, _ := time.Parse("2006-01-02", today)
	if got, want := b.prop("dl.props", zh("pairings.next_due")), due.AddDate(0, 0, 30).Format("2006-01-02"); got != want {
		t.Errorf("next visit due %q, want %q (30 days after today's visit)", got, want)
	}
	if got := b.prop("dl.props", zh("pairings.visits_n")); !strings.HasPrefix(got, "1 ") || !strings.Contains(got, "¥200.00") {
		t.Errorf("visits shown as %q, want 1 visit worth ¥200.00", got)
	}
	photoHref := eval[string](b, `document.querySelector("ol.timeline li a[href^='/visits/']").getAttribute("href")`)

	// The resident's page and the pairing list show the last visit.
	b.open("/persons/" + pid)
	item := b.text(`li:has(> a[href="/pairings/` + prID + `"])`)
	if want := zh("pairings.last_visit") + " " + today; !strings.Contains(item, want) || !strings.Contains(item, partner) {
		t.Errorf("the person's pairing %q should name %s and %q", item, partner, want)
	}
	b.open(query("/pairings", "org", strconv.FormatInt(committee.ID, 10)))
	row := b.text(`table.table tr:has(a[href="/pairings/` + prID + `"])`)
	switch {
	case row == "" && b.text(`nav.pager a[rel=next]`) != "":
		t.Logf("the committee's pairings fill more than a page; pairing %s is not on the first", prID)
	case !strings.Contains(row, today) || !strings.Contains(row, partner):
		t.Errorf("the pairing list's row %q lacks the last visit %s or the partner", row, today)
	}

	// The photo is the PNG uploaded.
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(h.base+photoHref))
	if err != nil {
		t.Fatalf("open photo: %v", err)
	}
	if resp.Status != 200 || resp.MimeType != "image/png" {
		t.Errorf("photo %s: status %d, type %s; want 200 image/png", photoHref, resp.Status, resp.MimeType)
	}
}
