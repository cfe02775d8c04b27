package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/errs"
	"shiliu/internal/org"
	"shiliu/internal/pairing"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// Allowed lists the workflow actions the page's actor may take on c.
func (p *Page) Allowed(c *cases.Case) []cases.Action { return c.Allowed(p.Actor) }

type caseIndexPage struct {
	Page
	places
	Cases   []*cases.Case
	Pager   Pager
	F       cases.Filter
	Overdue int
	Open    int
	Mine    int
}

func caseFilterFrom(r *http.Request) cases.Filter {
	q := r.URL.Query()
	f := cases.Filter{Kind: cases.Kind(q.Get("kind")), Channel: cases.Channel(q.Get("channel")), Status: cases.Status(q.Get("status")), From: q.Get("from"),
		To: q.Get("to"), Overdue: q.Get("overdue") == "1", Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	f.OrgID, _ = strconv.ParseInt(q.Get("org"), 10, 64)
	if q.Get("mine") == "1" {
		f.AssigneeUserID = actorOf(r).UserID
	}
	return f
}

func (s *Server) caseIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	f := caseFilterFrom(r)
	p := &caseIndexPage{Page: s.page(r, "cases.title"), F: f}
	var err error
	if p.places, err = s.places(r); err == nil {
		p.Overdue, err = s.Cases.OverdueCount(r.Context(), a)
	}
	if err == nil {
		_, p.Open, err = s.Cases.List(r.Context(), a, cases.Filter{Status: "open", Limit: 1})
	}
	if err == nil {
		_, p.Mine, err = s.Cases.List(r.Context(), a, cases.Filter{Status: "open", AssigneeUserID: a.UserID, Limit: 1})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Cases, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*cases.Case, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.Cases.List(r.Context(), a, f)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "case_index", p)
}

type caseIntakePage struct {
	Page
	places
	In       cases.IntakeInput
	Person   *people.Person
	Found    []*people.Person
	Lookup   string
	OnDuty   []*pairing.Slot
	Errors   map[string]string
	Deadline map[cases.Kind][2]string
}

func intakeFrom(r *http.Request) cases.IntakeInput {
	f := r.PostFormValue
	in := cases.IntakeInput{Channel: cases.Channel(f("channel")), Kind: cases.Kind(f("kind")), Urgency: cases.Urgency(f("urgency")),
		CallerName: f("caller_name"), CallerPhone: f("caller_phone"), Address: f("address"), Summary: f("summary"),
		OccurredAt: f("occurred_at"), Place: f("place"), PeopleInvolved: f("people_involved"), FirstReport: f("first_report")}
	in.PersonID, _ = strconv.ParseInt(f("person_id"), 10, 64)
	in.OrgID, _ = strconv.ParseInt(f("org_id"), 10, 64)
	return in
}

func (s *Server) caseIntakeForm(w http.ResponseWriter, r *http.Request, code int, p *caseIntakePage) {
	a := actorOf(r)
	var err error
	if p.places, err = s.places(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.OnDuty, err = s.Pairing.OnDuty(r.Context(), a, pairing.Hotline, time.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.In.PersonID != 0 {
		p.Person, _ = s.People.Get(r.Context(), a, p.In.PersonID)
	}
	s.render(w, r, code, "case_intake", p)
}

// caseNew is the intake form. ?lookup= searches the registry for the
// caller (name, pinyin, ID number, phone), ?person= picks one.
func (s *Server) caseNew(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	in := cases.IntakeInput{Channel: cases.Channel(q.Get("channel")), Kind: cases.Kind(q.Get("kind")), Urgency: cases.Normal}
	if in.Channel == "" {
		in.Channel = cases.Hotline
		if a.Role == auth.Liaison {
			in.Channel = cases.Visit
		}
	}
	if in.Kind == "" {
		in.Kind = cases.Consultation
	}
	in.PersonID, _ = strconv.ParseInt(q.Get("person"), 10, 64)
	p := &caseIntakePage{Page: s.page(r, "cases.new_title"), In: in, Lookup: strings.TrimSpace(q.Get("lookup"))}
	if p.Lookup != "" && a.Can(auth.PersonView) {
		found, err := s.People.SearchPage(r.Context(), a, people.Filter{Q: p.Lookup, Limit: 10})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Found = found
	}
	s.caseIntakeForm(w, r, http.StatusOK, p)
}

func (s *Server) caseCreate(w http.ResponseWriter, r *http.Request) {
	in := intakeFrom(r)
	c, err := s.Cases.Intake(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.caseIntakeForm(w, r, http.StatusUnprocessableEntity, &caseIntakePage{Page: s.page(r, "cases.new_title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "cases.taken", c.Code, c.OrgName)
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

type caseShowPage struct {
	Page
	Case        *cases.Case
	Events      []cases.Event
	Attachments []*cases.Attachment
	Errors      map[string]string
	Phone       string
	Units       []*org.Unit
	Users       []*auth.User
}

func (s *Server) caseShowWith(w http.ResponseWriter, r *http.Request, code int, phone string, errors map[string]string) {
	a := actorOf(r)
	id, err := pathID(r)
	var c *cases.Case
	if err == nil {
		c, err = s.Cases.Get(r.Context(), a, id)
	}
	p := &caseShowPage{Case: c, Phone: phone, Errors: errors}
	if err == nil {
		p.Page = s.page(r, "cases.show_title", c.Code)
		p.Events, err = s.Cases.Events(r.Context(), a, id)
	}
	if err == nil {
		p.Attachments, err = s.Cases.Attachments(r.Context(), a, id)
	}
	if err == nil && a.Can(auth.CaseAssign) {
		var tree []*org.Unit
		if tree, err = s.Org.Tree(r.Context(), a, false); err == nil {
			for _, u := range tree {
				if u.Kind == org.Committee || u.Kind == org.Subdistrict || u.Kind == org.District {
					p.Units = append(p.Units, u)
				}
			}
		}
		if err == nil && a.Can(auth.UserView) {
			p.Users, _, err = s.Auth.List(r.Context(), a, auth.UserFilter{Status: "active", Limit: 500})
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "case_show", p)
}

func (s *Server) caseShow(w http.ResponseWriter, r *http.Request) {
	s.caseShowWith(w, r, http.StatusOK, "", nil)
}

func (s *Server) caseTransition(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostFormValue
	in := cases.TransitionInput{Action: cases.Action(f("action")), Note: f("note"), Partner: f("partner"), Due: f("due"), Resolution: f("resolution"),
		Result: cases.Result(f("result")), ClosingReport: f("closing_report")}
	in.Version, _ = strconv.Atoi(f("version"))
	in.OrgID, _ = strconv.ParseInt(f("org_id"), 10, 64)
	in.UserID, _ = strconv.ParseInt(f("user_id"), 10, 64)
	in.Satisfaction, _ = strconv.Atoi(f("satisfaction"))
	_, err = s.Cases.Transition(r.Context(), actorOf(r), id, in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.caseShowWith(w, r, status(err), "", map[string]string{"action": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "cases.step_done", s.cat.T(info(r).Lang, "case_action."+string(in.Action)))
	// After returning a case to another unit the actor may no longer see
	// it: then back to the list.
	if _, err := s.Cases.Get(r.Context(), actorOf(r), id); err != nil {
		http.Redirect(w, r, "/cases", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) caseAttach(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.caseShowWith(w, r, http.StatusUnprocessableEntity, "", map[string]string{"attach": s.cat.T(info(r).Lang, "import.no_file")})
		return
	}
	defer file.Close()
	_, err = s.Cases.Attach(r.Context(), actorOf(r), id, hdr.Filename, file)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.caseShowWith(w, r, http.StatusUnprocessableEntity, "", map[string]string{"attach": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "cases.attached")
	http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) attachmentGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	at, f, err := s.Cases.AttachmentFile(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", at.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename=\"attachment-"+strconv.FormatInt(at.ID, 10)+extFor(at.ContentType)+"\"")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", now(), f)
}

func extFor(contentType string) string {
	switch contentType {
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	}
	return ".jpg"
}

func (s *Server) caseRevealPhone(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	phone, err := s.Cases.RevealPhone(r.Context(), actorOf(r), id, r.PostFormValue("reason"))
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.caseShowWith(w, r, http.StatusUnprocessableEntity, "", map[string]string{"reveal": s.cat.T(info(r).Lang, "err.reason_required")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.caseShowWith(w, r, http.StatusOK, phone, nil)
}

func (s *Server) caseExport(w http.ResponseWriter, r *http.Request) {
	f := caseFilterFrom(r)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"cases-"+now().In(ref.China).Format("20060102")+".xlsx\"")
	if _, err := s.Cases.Export(r.Context(), actorOf(r), f, w); err != nil {
		s.Log.Error("export cases", "err", err, "request_id", info(r).ID)
	}
}

type myWorkPage struct {
	Page
	Work    *cases.Work
	DueSoon []*cases.Case
	Visits  []*pairing.Pairing
}

func (s *Server) myWork(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	p := &myWorkPage{Page: s.page(r, "my.title")}
	var err error
	if a.Can(auth.CaseView) {
		if p.Work, err = s.Cases.MyWork(r.Context(), a); err == nil {
			// Open cases in scope whose deadline falls within two days.
			p.DueSoon, err = s.Cases.DueSoon(r.Context(), a, 48*time.Hour)
		}
	}
	if err == nil && a.Can(auth.PairingView) {
		p.Visits, err = s.Pairing.MyVisitsDue(r.Context(), a)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "my_work", p)
}

type notificationsPage struct {
	Page
	Items []cases.Notification
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	items, err := s.Cases.Notifications(r.Context(), actorOf(r), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", &notificationsPage{Page: s.page(r, "notify.title"), Items: items})
}

func (s *Server) notificationsRead(w http.ResponseWriter, r *http.Request) {
	var ids []int64
	if id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64); err == nil {
		ids = append(ids, id)
	}
	if _, err := s.Cases.MarkRead(r.Context(), actorOf(r), ids...); err != nil {
		s.fail(w, r, err)
		return
	}
	if next := r.PostFormValue("next"); next != "" {
		http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
