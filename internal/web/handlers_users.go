package web

import (
	"net/http"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/org"
)

type userIndexPage struct {
	Page
	Users  []*auth.User
	Pager  Pager
	Q      string
	Role   string
	Status string
	Sort   string
	Roles  []auth.Role
}

func (s *Server) userIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := &userIndexPage{Page: s.page(r, "users.title"), Q: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), Status: q.Get("status"), Sort: q.Get("sort"), Roles: auth.Roles}
	if p.Sort == "" {
		p.Sort = "username"
	}
	f := auth.UserFilter{Query: p.Q, Role: auth.Role(p.Role), Status: p.Status, Sort: p.Sort}
	_, total, err := s.Auth.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Pager = newPager(r, total, 50)
	f.Limit, f.Offset = p.Pager.PerPage, p.Pager.Offset()
	if p.Users, _, err = s.Auth.List(r.Context(), actorOf(r), f); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "user_index", p)
}

type userFormPage struct {
	Page
	User        *auth.User // nil when creating
	Username    string
	DisplayName string
	Role        auth.Role
	OrgID       int64
	UserVersion int
	Roles       []auth.Role
	Units       []*org.Unit
	Errors      map[string]string
	// NewPassword is shown once after a reset.
	NewPassword string
	Locked      bool
}

func (s *Server) userForm(w http.ResponseWriter, r *http.Request, code int, p *userFormPage) {
	a := actorOf(r)
	units, err := s.Org.Tree(r.Context(), a, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Units, p.Roles = units, a.Role.AssignableRoles()
	if p.User != nil {
		p.Locked = s.Auth.Locked(r.Context(), p.User.Username)
	}
	name := "user_form"
	if p.User != nil {
		name = "user_show"
	}
	s.render(w, r, code, name, p)
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) {
	s.userForm(w, r, http.StatusOK, &userFormPage{Page: s.page(r, "users.new_title"), OrgID: actorOf(r).OrgID})
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	orgID, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	p := &userFormPage{Page: s.page(r, "users.new_title"), Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Role: auth.Role(r.PostFormValue("role")), OrgID: orgID}
	// The account gets a random first password, shown once; its owner must
	// change it at first login.
	pw := auth.RandomPassword()
	u, err := s.Auth.Create(r.Context(), actorOf(r), auth.NewUser{Username: p.Username, DisplayName: p.DisplayName, Role: p.Role, OrgID: orgID, Password: pw, MustChange: true})
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		p.Errors = s.fieldErrors(r, e)
		s.userForm(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showUser(w, r, http.StatusCreated, u.ID, pw, nil)
}

func (s *Server) showUser(w http.ResponseWriter, r *http.Request, code int, id int64, newPassword string, errors map[string]string) {
	u, err := s.Auth.Get(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &userFormPage{Page: s.page(r, "users.show_title", u.Username), User: u, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgID: u.OrgID,
		UserVersion: u.Version, NewPassword: newPassword, Errors: errors}
	s.userForm(w, r, code, p)
}

func (s *Server) userShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showUser(w, r, http.StatusOK, id, "", nil)
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgID, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err = s.Auth.Update(r.Context(), actorOf(r), id, auth.UserUpdate{DisplayName: r.PostFormValue("display_name"), Role: auth.Role(r.PostFormValue("role")), OrgID: orgID, Version: version})
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.showUser(w, r, status(err), id, "", s.fieldErrors(r, e))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "users.saved")
	http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) userSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	id, err := pathID(r)
	if err == nil {
		err = s.Auth.SetDisabled(r.Context(), actorOf(r), id, disabled)
	}
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.flash(w, r, "error", e.Key)
	} else if err != nil {
		s.fail(w, r, err)
		return
	} else if disabled {
		s.flash(w, r, "ok", "users.disabled_done")
	} else {
		s.flash(w, r, "ok", "users.enabled_done")
	}
	http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) userDisable(w http.ResponseWriter, r *http.Request) { s.userSetDisabled(w, r, true) }
func (s *Server) userEnable(w http.ResponseWriter, r *http.Request)  { s.userSetDisabled(w, r, false) }

func (s *Server) userResetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorOf(r)
	if id == a.UserID {
		s.flash(w, r, "error", "err.reset_own_password")
		http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	pw := auth.RandomPassword()
	if err := s.Auth.SetPassword(r.Context(), a, id, "", pw, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	s.showUser(w, r, http.StatusOK, id, pw, nil)
}

// userFromPath loads the account named by {id} within the actor's scope;
// when there is none it answers the request itself and returns false.
func (s *Server) userFromPath(w http.ResponseWriter, r *http.Request) (*auth.User, bool) {
	id, err := pathID(r)
	var u *auth.User
	if err == nil {
		u, err = s.Auth.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return u, true
}

func (s *Server) userUnlock(w http.ResponseWriter, r *http.Request) {
	u, ok := s.userFromPath(w, r)
	if !ok {
		return
	}
	if err := s.Auth.Unlock(r.Context(), actorOf(r), u.Username); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "users.unlocked")
	http.Redirect(w, r, "/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

type auditIndexPage struct {
	Page
	Records []audit.Record
	Pager   Pager
	F       audit.Filter
	Actions []string
}

var auditActions = []string{audit.ActionCreate, audit.ActionUpdate, audit.ActionArchive, audit.ActionImport, audit.ActionExport, audit.ActionLogin,
	audit.ActionLoginFailed, audit.ActionLockout, audit.ActionLogout, audit.ActionDenied, audit.ActionPassword, audit.ActionTokenCreate,
	audit.ActionTokenRevoke, audit.ActionViewSecret}

// auditFilterFrom reads the filters of the audit screen and API (the
// audit package limits them to the reader's scope).
func auditFilterFrom(r *http.Request) audit.Filter {
	q := r.URL.Query()
	return audit.Filter{Username: q.Get("user"), Action: q.Get("action"), Entity: q.Get("entity"), EntityID: q.Get("entity_id"),
		Result: q.Get("result"), From: q.Get("from"), To: q.Get("to")}
}

func (s *Server) auditIndex(w http.ResponseWriter, r *http.Request) {
	f := auditFilterFrom(r)
	p := &auditIndexPage{Page: s.page(r, "audit.title"), F: f, Actions: auditActions}
	var err error
	p.Records, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]audit.Record, int, error) {
		f.Limit, f.Offset = limit, offset
		return audit.List(r.Context(), s.DB, actorOf(r), f)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit_index", p)
}
