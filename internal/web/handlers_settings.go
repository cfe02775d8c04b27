package web

import (
	"net/http"
	"strconv"
	"time"

	"shiliu/internal/cases"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
	"shiliu/internal/workday"
)

type caseSettingsPage struct {
	Page
	Rules    []cases.KindRule
	Year     int
	Holidays []workday.Entry
	Official []workday.Entry
	Errors   map[string]string
}

func (s *Server) caseSettingsWith(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	if year == 0 {
		year, _ = strconv.Atoi(r.PostFormValue("year"))
	}
	if year < workday.MinYear || year > workday.MaxYear {
		year = time.Now().In(ref.China).Year()
	}
	p := &caseSettingsPage{Page: s.page(r, "settings.cases_title"), Year: year, Errors: errors}
	var err error
	if p.Rules, err = s.Cases.Rules(r.Context()); err == nil {
		p.Holidays, err = workday.List(r.Context(), s.DB, year)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "case_settings", p)
}

func (s *Server) caseSettings(w http.ResponseWriter, r *http.Request) {
	s.caseSettingsWith(w, r, http.StatusOK, nil)
}

func (s *Server) caseRuleSave(w http.ResponseWriter, r *http.Request) {
	rule := cases.KindRule{Kind: cases.Kind(r.PostFormValue("kind"))}
	var e1, e2 error
	rule.RespondDays, e1 = strconv.Atoi(r.PostFormValue("respond_days"))
	rule.ResolveDays, e2 = strconv.Atoi(r.PostFormValue("resolve_days"))
	err := s.Cases.SetRule(r.Context(), actorOf(r), rule)
	if e1 != nil || e2 != nil {
		err = errs.InvalidFields(map[string]string{"days": "err.days_invalid"})
	}
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.caseSettingsWith(w, r, http.StatusUnprocessableEntity, map[string]string{"rules": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "settings.saved")
	http.Redirect(w, r, "/settings/cases", http.StatusSeeOther)
}

func (s *Server) holidaySave(w http.ResponseWriter, r *http.Request) {
	e := workday.Entry{Date: r.PostFormValue("date"), Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name")}
	err := s.Calendar.Set(r.Context(), actorOf(r), e)
	if ee, ok := errs.As(err); ok && ee.Kind == errs.Invalid {
		s.caseSettingsWith(w, r, http.StatusUnprocessableEntity, map[string]string{"holidays": s.fieldErrorText(r, ee)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "settings.saved")
	http.Redirect(w, r, "/settings/cases?year="+safeYear(e.Date)+"#holidays", http.StatusSeeOther)
}

func safeYear(date string) string {
	if len(date) >= 4 {
		if _, err := strconv.Atoi(date[:4]); err == nil {
			return date[:4]
		}
	}
	return strconv.Itoa(time.Now().In(ref.China).Year())
}

func (s *Server) holidayDelete(w http.ResponseWriter, r *http.Request) {
	date := r.PostFormValue("date")
	err := s.Calendar.Delete(r.Context(), actorOf(r), date)
	if errs.KindOf(err) == errs.NotFound || errs.KindOf(err) == errs.Invalid {
		s.caseSettingsWith(w, r, http.StatusUnprocessableEntity, map[string]string{"holidays": s.cat.T(info(r).Lang, "err.date_invalid")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "settings.saved")
	http.Redirect(w, r, "/settings/cases?year="+safeYear(date)+"#holidays", http.StatusSeeOther)
}

func (s *Server) holidayImport(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.PostFormValue("year"))
	n, err := s.Calendar.ImportYear(r.Context(), actorOf(r), year)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.caseSettingsWith(w, r, http.StatusUnprocessableEntity, map[string]string{"holidays": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "settings.holidays_imported", n, year)
	http.Redirect(w, r, "/settings/cases?year="+strconv.Itoa(year)+"#holidays", http.StatusSeeOther)
}
