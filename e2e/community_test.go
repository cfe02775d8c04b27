package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/festival"
	"shiliu/internal/org"
)

// A committee secretary on a phone plans a weekly embroidery class of 12
// sessions that began two weeks ago, puts two residents on its roster,
// moves one session by itself, and takes the roll call of the first with
// one tap.
func TestWeeklyClassOnPhone(t *testing.T) {
	h := setup(t)
	ctx := context.Background()
	sec := h.user(t, "committee")
	var unit *org.Unit
	for _, c := range h.committees(t) {
		if c.ID == sec.OrgID {
			unit = c
		}
	}
	if unit == nil {
		t.Fatalf("the committee account's unit is not among the admin's committees")
	}
	n := seq()
	title := fmt.Sprintf("民族刺绣兴趣班%d", n)
	first, _ := h.newPerson(t, "阿依古丽·买买提", "05", unit)
	second, _ := h.newPerson(t, "马秀英", "03", unit)
	today, _ := time.Parse("2006-01-02", h.app.Activity.Today())
	start := today.AddDate(0, 0, -14)
	isoDay := (int(start.Weekday())+6)%7 + 1
	var kindID int64
	kinds, err := h.app.Activity.Kinds(ctx, auth.System("e2e"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		if k.Code == activity.KindInterestClass {
			kindID = k.ID
		}
	}

	b := h.newTab(t, "committee")
	b.phone()
	b.loginAs("committee")
	if st := b.open("/activities/new"); st != 200 {
		t.Fatalf("new activity form: status %d", st)
	}
	b.noHorizontalScroll()
	const form = `form[action="/activities"]`
	b.do("kind", setSelect(form+" select[name=kind]", strconv.FormatInt(kindID, 10)))
	b.fill(form+" input[name=title]", title)
	b.do("date", chromedp.SetValue(chromedp.CSS(form+" input[name=date]"), start.Format("2006-01-02")))
	b.do("times", chromedp.SetValue(chromedp.CSS(form+" input[name=start_time]"), "19:00"), chromedp.SetValue(chromedp.CSS(form+" input[name=end_time]"), "20:30"))
	b.fill(form+" input[name=place]", "民族之家活动室")
	b.do("weekly", setSelect(form+" select[name=repeat]", "weekly"))
	b.do("weekday", chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s input[name=weekday][value="%d"]`, form, isoDay))))
	b.do("12 sessions", chromedp.Click(chromedp.CSS(form+` input[name=ends][value=count]`)), chromedp.SetValue(chromedp.CSS(form+" input[name=count]"), "12"))
	if st := b.tap(form + " button.primary[type=submit]"); st != 200 {
		t.Fatalf("save: status %d; page shows %q", st, b.text("main"))
	}
	m := regexp.MustCompile(`^/activities/(\d+)$`).FindStringSubmatch(b.path())
	if m == nil {
		t.Fatalf("after saving, the page is %s; errors %q", b.path(), b.visibleTexts(".flash.error, .field-error"))
	}
	b.wantText(".flash.ok", zh("activities.series_created", 12))
	b.wantContains("h1", title)
	b.noHorizontalScroll()
	firstID, _ := strconv.ParseInt(m[1], 10, 64)
	x, err := h.app.Activity.Get(ctx, auth.System("e2e"), firstID)
	if err != nil || x.Series == nil || x.Series.Occurrences != 12 || x.Date() != start.Format("2006-01-02") {
		t.Fatalf("the series: %+v, %v", x, err)
	}
	list, _, err := h.app.Activity.List(ctx, auth.System("e2e"), activity.Filter{SeriesID: x.SeriesID, Limit: 20})
	if err != nil || len(list) != 12 || list[11].Date() != start.AddDate(0, 0, 77).Format("2006-01-02") {
		t.Fatalf("occurrences: %d, %v", len(list), err)
	}

	// Two residents on the roster, found by pinyin initials and by name.
	for _, w := range []struct {
		q  string
		id int64
	}{{"mxy", second.ID}, {first.Name, first.ID}} {
		b.fill(`form.lookup input[name=lookup]`, w.q)
		if st := b.tap(`form.lookup button[type=submit]`); st != 200 {
			t.Fatalf("lookup %s: status %d", w.q, st)
		}
		if st := b.tap(fmt.Sprintf(`ul.found form[action$="/roster"]:has(input[name=person_id][value="%d"]) button`, w.id)); st != 200 {
			t.Fatalf("add to roster: status %d; page shows %q", st, b.text("main"))
		}
		b.wantText(".flash.ok", zh("activities.roster_saved"))
	}
	if got := len(b.texts("ul.attendees li")); got != 2 {
		t.Fatalf("the roster shows %d persons, want 2: %q", got, b.texts("ul.attendees li"))
	}

	// The second session moves to 18:30 in the small room, by itself.
	secondSession := list[1]
	if st := b.open(fmt.Sprintf("/activities/%d", secondSession.ID)); st != 200 {
		t.Fatalf("second session: status %d", st)
	}
	if st := b.tapVisible(fmt.Sprintf(`a[href="/activities/%d/edit"]`, secondSession.ID)); st != 200 {
		t.Fatalf("edit this one: status %d", st)
	}
	ef := fmt.Sprintf(`form[action="/activities/%d"]`, secondSession.ID)
	b.do("time", chromedp.SetValue(chromedp.CSS(ef+" input[name=start_time]"), "18:30"), chromedp.SetValue(chromedp.CSS(ef+" input[name=end_time]"), "20:00"))
	b.fill(ef+" input[name=place]", "民族之家小会议室")
	if st := b.tap(ef + " button.primary[type=submit]"); st != 200 {
		t.Fatalf("save the session: status %d; page shows %q", st, b.text("main"))
	}
	b.wantText(".flash.ok", zh("activities.saved"))
	b.wantContains(".page-head p.muted", "18:30–20:00")
	third, _ := h.app.Activity.Get(ctx, auth.System("e2e"), list[2].ID)
	moved, _ := h.app.Activity.Get(ctx, auth.System("e2e"), secondSession.ID)
	if third.StartTime() != "19:00" || third.Place != "民族之家活动室" || !moved.Detached || moved.Place != "民族之家小会议室" {
		t.Errorf("after editing one: the second %+v, the third %+v", moved, third)
	}

	// The roll call of the first session: one tap, no page load; a reload
	// shows it kept, and the figures count one person present.
	if st := b.open(fmt.Sprintf("/activities/%d/rollcall", firstID)); st != 200 {
		t.Fatalf("roll call: status %d", st)
	}
	b.noHorizontalScroll()
	btn := fmt.Sprintf(`li#p%d button.tap`, first.ID)
	b.do("tap present", chromedp.Tap(chromedp.CSS(btn)),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).classList.contains("on")`, btn), chromedp.WithPollingTimeout(5*time.Second)))
	if got := b.text("[data-present-count]"); got != "1" {
		t.Errorf("present count shows %q, want 1", got)
	}
	b.reload()
	if on := eval[bool](b, fmt.Sprintf(`document.querySelector(%q).classList.contains("on")`, btn)); !on {
		t.Errorf("after a reload, %s is not marked present", first.Name)
	}
	got, _ := h.app.Activity.Get(ctx, auth.System("e2e"), firstID)
	if got.Stats.Present != 1 || got.Stats.Minority != 1 || got.Status != activity.Done {
		t.Errorf("figures after the roll call: %+v, status %s", got.Stats, got.Status)
	}
}

// From the upcoming festivals, the subdistrict admin on a phone creates the
// holiday visit for the hardship households of the festival's groups that
// have none planned; the list then shows them planned.
func TestHolidayVisitFromUpcomingFestivals(t *testing.T) {
	h := setup(t)
	ctx := context.Background()
	today, _ := time.Parse("2006-01-02", h.app.Activity.Today())
	on := today.AddDate(0, 0, 10)
	// Naadam has no rule: the office sets its date each year.
	if err := h.app.Festival.Set(ctx, auth.System("e2e"), festival.OfficialInput{Festival: "naadam", Year: on.Year(), Date: on.Format("2006-01-02"),
		Source: "街道通知", AnyVersion: true}); err != nil {
		t.Fatal(err)
	}
	b := h.newTab(t, "admin")
	b.phone()
	b.loginAs("admin")
	if st := b.open("/festivals/upcoming"); st != 200 {
		t.Fatalf("upcoming festivals: status %d", st)
	}
	b.noHorizontalScroll()
	name := zh("festival.name.naadam")
	href := eval[string](b, fmt.Sprintf(`(() => {
		const li = [...document.querySelectorAll(".festivals-upcoming li")].find(li => li.querySelector("strong") && li.querySelector("strong").textContent === %q);
		const a = li && li.querySelector("a.btn");
		if (a) { a.setAttribute("data-e2e-click", ""); return a.getAttribute("href"); }
		return "";
	})()`, name))
	if href == "" {
		t.Fatalf("no %s link on the upcoming list: %q", zh("festival.create_visit"), b.texts(".festivals-upcoming li"))
	}
	if st := b.tap("[data-e2e-click]"); st != 200 {
		t.Fatalf("open the visit form: status %d", st)
	}
	b.wantPath("/activities/new")
	const form = `form[action="/activities"]`
	homes := len(b.texts(form + ` input[name=household_ids]:checked`))
	if homes == 0 {
		t.Fatalf("the form lists no households to visit")
	}
	if got := b.value(form + " input[name=date]"); got != on.Format("2006-01-02") {
		t.Errorf("the visit's date is %q, want the festival's %s", got, on.Format("2006-01-02"))
	}
	if got := b.value(form + " input[name=title]"); got == "" {
		t.Errorf("no title suggested")
	}
	b.noHorizontalScroll()
	if st := b.tap(form + " button.primary[type=submit]"); st != 200 {
		t.Fatalf("save: status %d; page shows %q", st, b.text("main"))
	}
	if !regexp.MustCompile(`^/activities/\d+$`).MatchString(b.path()) {
		t.Fatalf("after saving, the page is %s; errors %q", b.path(), b.visibleTexts(".flash.error, .field-error"))
	}
	b.wantText(".flash.ok", zh("activities.created"))
	if got := len(b.texts(`a[href^="/households/"]`)); got != homes {
		t.Errorf("the visit lists %d households, want %d", got, homes)
	}
	b.open("/festivals/upcoming")
	left := eval[bool](b, fmt.Sprintf(`(() => {
		const li = [...document.querySelectorAll(".festivals-upcoming li")].find(li => li.querySelector("strong") && li.querySelector("strong").textContent === %q);
		return !!(li && li.querySelector("a.btn"));
	})()`, name))
	if left {
		t.Errorf("after the visit was planned, %s still offers to create one", name)
	}
}
