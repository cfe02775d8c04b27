package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/ref"
)

// TestVenueBookingPagesAndAPI: a committee books the subdistrict's hall on
// its week page and through the API; a double booking is refused naming
// the booking that has the slot; the week shows it; cancelling frees it.
func TestVenueBookingPagesAndAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		hall, _ := e.venueAt(e.S, "民族之家多功能厅") // open 08–20, booked tomorrow 09–10 by S
		e.user("vs_a", auth.CommitteeStaff, e.A)
		e.user("vs_b", auth.CommitteeStaff, e.B)
		ca, cb := e.login("vs_a"), e.login("vs_b")
		id := strconv.FormatInt(hall, 10)
		r := ca.get("/venues/" + id + "/book")
		if r.Code != http.StatusOK {
			t.Fatalf("booking form: %d", r.Code)
		}
		// overlapping S's booking: refused, the page names it
		tomorrow := e.Clock.Now().In(ref.China).AddDate(0, 0, 1).Format("2006-01-02")
		r = ca.postForm("/venues/"+id+"/bookings", url.Values{"date": {tomorrow}, "start_time": {"09:30"}, "end_time": {"11:00"},
			"group_name": {"甲居委合唱队"}, "purpose": {"排练"}, "people": {"12"}})
		if r.Code != http.StatusConflict || !strings.Contains(r.Text(), "民族之家多功能厅的团体") || !strings.Contains(r.Text(), tomorrow+" 09:00–10:00") {
			t.Fatalf("double booking: %d %s", r.Code, r.Summary())
		}
		// over capacity names the field
		r = ca.postForm("/venues/"+id+"/bookings", url.Values{"date": {tomorrow}, "start_time": {"10:00"}, "end_time": {"11:00"},
			"group_name": {"甲居委合唱队"}, "purpose": {"排练"}, "people": {"31"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Text(), "最多容纳 30 人") {
			t.Fatalf("over capacity: %d", r.Code)
		}
		// touching its end: booked, and the week shows it
		r = ca.postForm("/venues/"+id+"/bookings", url.Values{"date": {tomorrow}, "start_time": {"10:00"}, "end_time": {"11:00"},
			"group_name": {"甲居委合唱队"}, "purpose": {"排练"}, "people": {"12"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("booking: %d %s", r.Code, r.Summary())
		}
		week := cb.get(r.Location())
		if week.Code != http.StatusOK || !strings.Contains(week.Text(), "甲居委合唱队：排练") {
			t.Fatalf("the week: %d", week.Code)
		}
		// the API: the same slot as B is a 409 naming A's booking
		body := `{"date":"` + tomorrow + `","start_time":"10:30","end_time":"11:30","group_name":"乙居委舞蹈队","purpose":"排练","people":8}`
		r = cb.do(http.MethodPost, "/api/v1/venues/"+id+"/bookings", "application/json", strings.NewReader(body), nil)
		var er struct {
			Error struct{ Code, Message string }
		}
		if r.JSON(t, &er); r.Code != http.StatusConflict || er.Error.Code != "booking_conflict" || !strings.Contains(er.Error.Message, "甲居委会") {
			t.Fatalf("API double booking: %d %+v", r.Code, er)
		}
		var list struct {
			Items []struct {
				ID     int64
				What   string
				Status string
			}
		}
		r = cb.get("/api/v1/venues/bookings?from=" + tomorrow + "&to=" + tomorrow)
		if r.JSON(t, &list); r.Code != http.StatusOK || len(list.Items) != 2 || list.Items[1].What != "甲居委合唱队：排练" {
			t.Fatalf("API bookings: %d %+v", r.Code, list)
		}
		// B may not cancel A's booking; A may, and then B books the hour
		aBooking := strconv.FormatInt(list.Items[1].ID, 10)
		if r := cb.postForm("/venues/bookings/"+aBooking+"/cancel", url.Values{}); r.Code != http.StatusNotFound {
			t.Errorf("B cancels A's booking: %d", r.Code)
		}
		if r := ca.postForm("/venues/bookings/"+aBooking+"/cancel", url.Values{"reason": {"改期"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("A cancels: %d", r.Code)
		}
		r = cb.do(http.MethodPost, "/api/v1/venues/"+id+"/bookings", "application/json", strings.NewReader(body), nil)
		if r.Code != http.StatusCreated {
			t.Fatalf("after the cancellation: %d %s", r.Code, r.Body)
		}
	})
}

// TestPartnerPagesAndScan: the agreement's scan is served to the partner's
// own unit only; the flags show on the list.
func TestPartnerPagesAndScan(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.user("ps_a", auth.CommitteeStaff, e.A)
		e.user("ps_b", auth.CommitteeStaff, e.B)
		e.user("ps_s", auth.StreetAdmin, e.S)
		ca, cb, cs := e.login("ps_a"), e.login("ps_b"), e.login("ps_s")
		r := ca.postForm("/partners", url.Values{"name": {"甲居委清真餐厅"}, "type": {"restaurant"}, "org_id": {strconv.FormatInt(e.A.ID, 10)}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.Code, r.Summary())
		}
		page := r.Location()
		// an agreement with its scan, ending in ten days
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("title", "助老送餐协议")
		w.WriteField("starts_on", "2026-01-01")
		w.WriteField("ends_on", e.Clock.Now().In(ref.China).AddDate(0, 0, 10).Format("2006-01-02"))
		f, _ := w.CreateFormFile("file", "协议.pdf")
		f.Write([]byte("%PDF-1.4\n甲居委\n%%EOF\n"))
		w.Close()
		if r := ca.do(http.MethodPost, page+"/agreements", w.FormDataContentType(), &b, nil); r.Code != http.StatusSeeOther {
			t.Fatalf("agreement: %d %s", r.Code, r.Summary())
		}
		r = ca.get(page)
		if r.Code != http.StatusOK || !strings.Contains(r.Text(), "还有 10 天到期") || !strings.Contains(r.Text(), "/file") {
			t.Fatalf("partner page: %d", r.Code)
		}
		i := strings.Index(r.Body, "/partners/agreements/")
		file := r.Body[i : i+strings.Index(r.Body[i:], `"`)]
		if r := ca.get(file); r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("A opens its scan: %d %s", r.Code, r.Header.Get("Content-Type"))
		}
		if r := cs.get(file); r.Code != http.StatusOK {
			t.Errorf("the subdistrict opens it: %d", r.Code)
		}
		if r := cb.get(file); r.Code != http.StatusNotFound || strings.Contains(r.Body, "甲居委") {
			t.Errorf("B opens A's scan: %d", r.Code)
		}
		if r := cb.get(page); r.Code != http.StatusNotFound {
			t.Errorf("B opens A's partner: %d", r.Code)
		}
		if r := ca.get("/partners?ending=1"); !strings.Contains(r.Text(), "1 份30天内到期") {
			t.Errorf("the list does not flag the agreement ending")
		}
		// renewed on the page for a year: no longer flagged; a reversed term
		// is shown back in its form with the message
		agreement := strings.TrimSuffix(file, "/file")
		renew := url.Values{"title": {"助老送餐协议"}, "starts_on": {"2026-01-01"}, "ends_on": {"2025-12-01"}, "version": {"1"}}
		if r := ca.postForm(agreement+"/update", renew); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Text(), "结束日期") {
			t.Errorf("a reversed term: %d %s", r.Code, r.Summary())
		}
		renew.Set("ends_on", e.Clock.Now().In(ref.China).AddDate(1, 0, 10).Format("2006-01-02"))
		if r := cb.postForm(agreement+"/update", renew); r.Code != http.StatusNotFound {
			t.Errorf("B renews A's agreement: %d", r.Code)
		}
		if r := ca.postForm(agreement+"/update", renew); r.Code != http.StatusSeeOther {
			t.Fatalf("renewal: %d %s", r.Code, r.Summary())
		}
		if r := ca.get("/partners?ending=1"); strings.Contains(r.Text(), "甲居委清真餐厅") {
			t.Errorf("the renewed agreement is still flagged as ending")
		}
		if r := ca.get(file); r.Code != http.StatusOK {
			t.Errorf("the scan after the renewal: %d", r.Code)
		}
	})
}

// TestActivityCost: an activity's page offers to record its cost; the
// spending form opens with the activity chosen, and the page then shows
// the entry and links it.
func TestActivityCost(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		x, _ := e.activityAt(e.A, "古尔邦节联欢")
		e.user("cost_a", auth.CommitteeStaff, e.A)
		c := e.login("cost_a")
		id := strconv.FormatInt(x.ID, 10)
		page := c.get("/activities/" + id)
		link := "/budget/spending/new?activity=" + id + "&amp;purpose=activity&amp;org=" + strconv.FormatInt(e.A.ID, 10)
		if page.Code != http.StatusOK || !strings.Contains(page.Body, link) {
			t.Fatalf("the activity page offers no cost: %d", page.Code)
		}
		form := c.get(strings.ReplaceAll(link, "&amp;", "&"))
		if form.Code != http.StatusOK || !strings.Contains(form.Body, `<option value="`+id+`" selected>`) {
			t.Fatalf("the spending form does not choose the activity: %d", form.Code)
		}
		r := c.postForm("/budget/spending", url.Values{"org_id": {strconv.FormatInt(e.A.ID, 10)}, "date": {x.Date()}, "purpose": {"activity"},
			"amount": {"1,280.50"}, "payee": {"清真餐厅"}, "activity_id": {id}, "over_reason": {"年度预算尚未下达"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("spending: %d %s", r.Code, r.Summary())
		}
		page = c.get("/activities/" + id)
		if !strings.Contains(page.Text(), "¥1,280.50") || !strings.Contains(page.Text(), "清真餐厅") {
			t.Errorf("the activity page does not show its cost: %s", page.Summary())
		}
	})
}
