package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
)

func TestFestivalPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// 2026-03-01 in China: Eid al-Fitr is three weeks ahead.
		e.Clock.mu.Lock()
		e.Clock.t = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
		e.Clock.mu.Unlock()
		e.user("fadmin", auth.StreetAdmin, e.S)
		e.user("fstaff", auth.CommitteeStaff, e.A)
		e.user("fstaffb", auth.CommitteeStaff, e.B)
		lead := e.user("flead", auth.Leader, e.S)
		ma := e.person("马阿訇", 71, e.A, nil)
		h := e.household("F-1", e.A, nil, ma)
		if _, err := d.Exec(context.Background(), `UPDATE persons SET tags = 1 WHERE id = ?`, ma.ID); err != nil {
			t.Fatal(err)
		}

		admin := e.login("fadmin")
		r := admin.get("/festivals?year=2026")
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "开斋节") || !strings.Contains(r.Body, `action="/festivals/official"`) ||
			!strings.Contains(r.Body, "2026-02-18") || !strings.Contains(r.Body, zh("festival.unknown")) {
			t.Fatalf("calendar as admin: %d%s", r.Code, r.Summary())
		}
		staff := e.login("fstaff")
		if r := staff.get("/festivals?year=2026"); r.Code != http.StatusOK || strings.Contains(r.Body, `action="/festivals/official"`) {
			t.Errorf("a committee reads the calendar without the form: %d", r.Code)
		}
		if r := staff.get("/festivals?year=1999"); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("year 1999: %d", r.Code)
		}

		// An official date: shown with its source; a bad one refused with
		// the festival's form open.
		r = admin.postForm("/festivals/official", url.Values{"festival": {"eid_al_fitr"}, "year": {"2026"}, "date": {"2025-03-21"}, "source": {"x"}, "version": {"0"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.Body), zh("festival.err.date_year")) {
			t.Errorf("date outside the year: %d%s", r.Code, r.Summary())
		}
		r = admin.postForm("/festivals/official", url.Values{"festival": {"eid_al_fitr"}, "year": {"2026"}, "date": {"2026-03-21"}, "source": {"中国伊斯兰教协会公告"}, "version": {"0"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("set: %d%s", r.Code, r.Summary())
		}
		r = staff.get("/festivals?year=2026")
		if !strings.Contains(r.Body, "中国伊斯兰教协会公告") || !strings.Contains(r.Body, zh("festival.source.official")) {
			t.Errorf("official date not shown with its source")
		}

		// The upcoming list names the household to committee A, with the
		// link to plan the visit; committee B sees none of A's.
		r = staff.get("/festivals/upcoming")
		link := fmt.Sprintf("/activities/new?kind=holiday_visit&amp;festival=eid_al_fitr&amp;date=2026-03-21&amp;households=%d", h.ID)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, fmt.Sprintf(`href="/households/%d"`, h.ID)) || !strings.Contains(r.Body, link) {
			t.Errorf("upcoming for A: %d\n%s", r.Code, r.Body)
		}
		if r := e.login("fstaffb").get("/festivals/upcoming"); strings.Contains(r.Body, fmt.Sprintf(`/households/%d"`, h.ID)) {
			t.Error("committee B sees A's household")
		}
		if r := e.login("flead").get("/festivals"); r.Code != http.StatusForbidden {
			t.Errorf("leader on the calendar page: %d", r.Code)
		}

		// The API.
		_, tok := e.token(lead, "x")
		if r := e.withToken(tok).get("/api/v1/festivals"); r.Code != http.StatusForbidden {
			t.Errorf("leader's token: %d", r.Code)
		}
		_, tok = e.token(e.userNow(e.user("fapi", auth.CommitteeStaff, e.A).ID), "x")
		var cal []struct {
			ID, Source, Rule string
			Date, End        *string
			Groups           []string
		}
		e.withToken(tok).get("/api/v1/festivals?year=2026").JSON(t, &cal)
		if len(cal) != 14 || cal[2].ID != "eid_al_fitr" || *cal[2].Date != "2026-03-21" || cal[2].Source != "official" || cal[5].Date != nil {
			t.Errorf("API calendar: %+v", cal)
		}
		var up []struct {
			Festival   struct{ ID string }
			On         string
			Unplanned  int `json:"unplanned_households"`
			Households []struct{ ID int64 }
		}
		e.withToken(tok).get("/api/v1/festivals/upcoming").JSON(t, &up)
		found := false
		for _, u := range up {
			if u.Festival.ID == "eid_al_fitr" {
				found = u.Unplanned == 1 && len(u.Households) == 1 && u.Households[0].ID == h.ID
			}
		}
		if !found {
			t.Errorf("API upcoming: %+v", up)
		}

		// Back to the computed date.
		if r := admin.postForm("/festivals/official/delete", url.Values{"festival": {"eid_al_fitr"}, "year": {"2026"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("unset: %d%s", r.Code, r.Summary())
		}
		if r := staff.get("/festivals?year=2026"); strings.Contains(r.Body, "中国伊斯兰教协会公告") {
			t.Error("the official date is still shown")
		}
	})
}
