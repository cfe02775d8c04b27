package web

import (
	"net/http"
	"strconv"
	"strings"

	"shiliu/internal/docs"
	"shiliu/internal/errs"
	"shiliu/internal/org"
)

type docIndexPage struct {
	Page
	Docs       []*docs.Doc
	Pager      Pager
	Q          string
	Category   string
	Topic      string
	Categories []docs.Category
	Topics     []docs.Topic
}

func (s *Server) docIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := &docIndexPage{Page: s.page(r, "docs.title"), Q: strings.TrimSpace(q.Get("q")), Category: q.Get("category"), Topic: q.Get("topic"),
		Categories: docs.Categories, Topics: docs.Topics}
	f := docs.Filter{Q: p.Q, Category: docs.Category(p.Category), Topic: docs.Topic(p.Topic)}
	var err error
	p.Docs, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*docs.Doc, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.Docs.List(r.Context(), actorOf(r), f)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "doc_index", p)
}

type docFormPage struct {
	Page
	Units      []*org.Unit
	In         docs.Input
	Text, Note string
	Categories []docs.Category
	Topics     []docs.Topic
	Errors     map[string]string
}

func (s *Server) docForm(w http.ResponseWriter, r *http.Request, code int, p *docFormPage) {
	p.Categories, p.Topics = docs.Categories, docs.Topics
	var err error
	if p.Units, err = s.Org.Tree(r.Context(), actorOf(r), false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "doc_form", p)
}

func (s *Server) docNew(w http.ResponseWriter, r *http.Request) {
	in := docs.Input{OrgID: actorOf(r).OrgID, Category: docs.Category(r.URL.Query().Get("category")), Topic: docs.Topic(r.URL.Query().Get("topic"))}
	if in.Category == "" {
		in.Category = docs.Rule
	}
	s.docForm(w, r, http.StatusOK, &docFormPage{Page: s.page(r, "docs.new_title"), In: in})
}

// upload reads a document form's file (nil when none was sent) and text.
func upload(r *http.Request) (docs.Upload, func(), error) {
	up := docs.Upload{Text: r.FormValue("text"), Note: r.FormValue("note")}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return up, func() {}, nil
	}
	up.Name, up.R = hdr.Filename, f
	return up, func() { f.Close() }, nil
}

func (s *Server) docCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.fail(w, r, errs.InvalidFields(map[string]string{"file": "err.doc_too_large"}))
		return
	}
	in := docs.Input{OrgID: formID(r, "org_id"), Category: docs.Category(r.FormValue("category")), Topic: docs.Topic(r.FormValue("topic")), Title: r.FormValue("title")}
	up, done, _ := upload(r)
	defer done()
	d, err := s.Docs.Create(r.Context(), actorOf(r), in, up)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.docForm(w, r, status(err), &docFormPage{Page: s.page(r, "docs.new_title"), In: in, Text: up.Text, Note: up.Note, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "docs.created")
	http.Redirect(w, r, "/docs/"+strconv.FormatInt(d.ID, 10), http.StatusSeeOther)
}

type docShowPage struct {
	Page
	D          *docs.Doc
	CanEdit    bool
	Categories []docs.Category
	Topics     []docs.Topic
	Errors     map[string]string
}

func (s *Server) docShowWith(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	id, err := pathID(r)
	var d *docs.Doc
	if err == nil {
		d, err = s.Docs.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Changes are offered within the actor's subtree only (the service
	// refuses the others).
	a := actorOf(r)
	canEdit := a.Can("doc.edit")
	if canEdit && !a.Scope().All() {
		if u, err := s.Org.Get(r.Context(), a, d.OrgID); err != nil || !a.Scope().Contains(u.Path) {
			canEdit = false
		}
	}
	s.render(w, r, code, "doc_show", &docShowPage{Page: s.page(r, "docs.show_title", d.Title), D: d, CanEdit: canEdit, Categories: docs.Categories,
		Topics: docs.Topics, Errors: errors})
}

func (s *Server) docShow(w http.ResponseWriter, r *http.Request) {
	s.docShowWith(w, r, http.StatusOK, nil)
}

// docPost runs a change of a document from a form and returns to it.
func (s *Server) docPost(w http.ResponseWriter, r *http.Request, done string, change func(id int64, version int) error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.docShowWith(w, r, http.StatusUnprocessableEntity, map[string]string{"file": s.cat.T(info(r).Lang, "err.doc_too_large")})
		return
	}
	id, err := pathID(r)
	if err == nil {
		version, _ := strconv.Atoi(r.FormValue("version"))
		err = change(id, version)
	}
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.docShowWith(w, r, status(err), s.fieldErrors(r, e))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", done)
	http.Redirect(w, r, "/docs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) docUpdate(w http.ResponseWriter, r *http.Request) {
	s.docPost(w, r, "docs.updated", func(id int64, version int) error {
		_, err := s.Docs.Update(r.Context(), actorOf(r), id, version, docs.Input{Category: docs.Category(r.FormValue("category")),
			Topic: docs.Topic(r.FormValue("topic")), Title: r.FormValue("title")})
		return err
	})
}

func (s *Server) docVersion(w http.ResponseWriter, r *http.Request) {
	s.docPost(w, r, "docs.version_added", func(id int64, version int) error {
		up, done, _ := upload(r)
		defer done()
		_, err := s.Docs.AddVersion(r.Context(), actorOf(r), id, version, up)
		return err
	})
}

func (s *Server) docFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, name, err := s.Docs.OpenVersion(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if name != "" {
		// the name it was uploaded with, for the saved file
		w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+urlPathEscape(name))
		defer f.Close()
		w.Header().Set("Content-Type", f.MIME)
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", now(), f)
		return
	}
	serveStored(w, r, f)
}
