package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/jobs"
	"shiliu/internal/people"
	"shiliu/internal/people/roster"
	"shiliu/internal/ref"
)

// WebImportLimits bound rosters uploaded through the browser (the command
// line takes larger files).
var WebImportLimits = roster.Limits{MaxCSVBytes: 60 << 20, MaxXLSXBytes: 30 << 20, MaxCSVRows: 300_000, MaxXLSXRows: 300_000}

// importErrorText words a file-level import error for the user.
func (s *Server) importErrorText(a *auth.Actor, err error) string {
	lang := "zh"
	if a != nil && a.Lang != "" {
		lang = a.Lang
	}
	var re *roster.Error
	if errors.As(err, &re) {
		return re.Message(lang)
	}
	if e, ok := errs.As(err); ok && e.Kind != errs.Internal {
		return s.cat.T(lang, e.Key, e.Args...)
	}
	s.Log.Error("roster import failed", "err", err)
	return s.cat.T(lang, "err.internal", "")
}

type importPage struct {
	Page
	Job      *importJobView
	State    string
	Report   *people.ImportReport
	Error    string
	Progress people.ImportProgress
	Percent  int
}

// importJobView is what the page shows of a check and its import.
type importJobView struct {
	ID   int64
	Name string
	// current is the import when confirmed, else the check.
	current *jobs.Job
}

// importStates words a job's status for the page: the check's, or the
// import's once confirmed.
var importStates = map[bool]map[jobs.Status]string{
	true:  {jobs.Queued: "checking", jobs.Running: "checking", jobs.Done: "checked", jobs.Failed: "failed", jobs.Cancelled: "failed"},
	false: {jobs.Queued: "importing", jobs.Running: "importing", jobs.Done: "imported", jobs.Failed: "failed", jobs.Cancelled: "failed"},
}

// importJob finds the actor's check job id and, once confirmed, its
// import; nil when there is no such check of theirs.
func (s *Server) importJob(r *http.Request, id string) (*importJobView, string) {
	check := s.ownJob(r.Context(), id, jobPersonCheck, actorOf(r).UserID)
	if check == nil {
		return nil, ""
	}
	var p importParams
	json.Unmarshal(check.Params, &p)
	v := &importJobView{ID: check.ID, Name: p.Name, current: check}
	dry := true
	if apply, err := s.Jobs.Find(r.Context(), applyKey(check.ID)); err == nil {
		v.current, dry = apply, false
	}
	return v, importStates[dry][v.current.Status]
}

// applyKey makes the import of a check exist once: a second confirmation,
// on this instance or another, finds the first import.
func applyKey(checkID int64) string { return jobPersonApply + ":" + strconv.FormatInt(checkID, 10) }

func (s *Server) personImportPage(w http.ResponseWriter, r *http.Request) {
	p := &importPage{Page: s.page(r, "import.title")}
	if v, state := s.importJob(r, r.URL.Query().Get("job")); v != nil {
		j := v.current
		p.Job, p.State, p.Report, p.Error = v, state, importReport(j), j.Error
		p.Progress = people.ImportProgress{Rows: int(j.Items), Done: j.Done, Total: j.Total}
		if j.Total > 0 {
			p.Percent = int(j.Done * 100 / j.Total)
		}
	}
	s.render(w, r, http.StatusOK, "person_import", p)
}

// personImportUpload puts the uploaded roster in the file store and queues
// its check.
func (s *Server) personImportUpload(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	p := &importPage{Page: s.page(r, "import.title")}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		p.Error = p.T("import.no_file")
		s.render(w, r, http.StatusUnprocessableEntity, "person_import", p)
		return
	}
	defer f.Close()
	ext := strings.ToLower(filepath.Ext(hdr.Filename))
	if ext != ".csv" && ext != ".xlsx" {
		p.Error = p.T("import.bad_type")
		s.render(w, r, http.StatusUnprocessableEntity, "person_import", p)
		return
	}
	stored, err := s.Files.Put(r.Context(), RosterKind, hdr.Filename, f, a.UserID)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		p.Error = p.T(e.Key)
		s.render(w, r, http.StatusUnprocessableEntity, "person_import", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	job, _, err := s.Jobs.Enqueue(r.Context(), jobs.Spec{Kind: jobPersonCheck, UserID: a.UserID, FileID: stored.ID,
		Params: importParams{Name: filepath.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))}})
	if err != nil {
		s.Files.RemoveNow(context.WithoutCancel(r.Context()), stored.ID)
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/persons/import?job="+strconv.FormatInt(job.ID, 10), http.StatusSeeOther)
}

// personImportApply queues the import of a checked roster, once: a second
// click (or a click on another instance) finds the same import.
func (s *Server) personImportApply(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	check := s.ownJob(r.Context(), r.PostFormValue("job"), jobPersonCheck, a.UserID)
	if check == nil {
		s.flash(w, r, "error", "import.upload_expired")
		http.Redirect(w, r, "/persons/import", http.StatusSeeOther)
		return
	}
	if check.Status == jobs.Done {
		if _, _, err := s.Jobs.Enqueue(r.Context(), jobs.Spec{Kind: jobPersonApply, UserID: a.UserID, FileID: check.FileID, ShareFile: true,
			Params: json.RawMessage(check.Params), OnceKey: applyKey(check.ID)}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/persons/import?job="+strconv.FormatInt(check.ID, 10), http.StatusSeeOther)
}

// personImportStatus answers the progress poll of the import page from
// the job's row (so any instance can answer it).
func (s *Server) personImportStatus(w http.ResponseWriter, r *http.Request) {
	v, state := s.importJob(r, r.URL.Query().Get("job"))
	if v == nil {
		writeJSON(w, http.StatusOK, map[string]any{"state": "none"})
		return
	}
	j := v.current
	writeJSON(w, http.StatusOK, map[string]any{"state": state, "rows": j.Items, "done": j.Done, "total": j.Total})
}

// personImportErrors downloads the rejected rows as a workbook to fix and
// import again.
func (s *Server) personImportErrors(w http.ResponseWriter, r *http.Request) {
	v, _ := s.importJob(r, r.URL.Query().Get("job"))
	var f *files.Reader
	if v != nil && v.current.OutputFileID != 0 {
		f, _ = s.Files.Open(r.Context(), v.current.OutputFileID)
	}
	if f == nil {
		// Nothing to download (the job is gone or rejected nothing): back
		// on the import page, saying so.
		p := &importPage{Page: s.page(r, "import.title")}
		p.Error = p.T("import.no_errors_file")
		s.render(w, r, http.StatusOK, "person_import", p)
		return
	}
	defer f.Close()
	name := strings.TrimSuffix(v.Name, filepath.Ext(v.Name)) + ".errors.xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="errors.xlsx"; filename*=UTF-8''`+urlPathEscape(name))
	http.ServeContent(w, r, "", now(), f)
}

func (s *Server) personImportTemplate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="roster-template.xlsx"; filename*=UTF-8''`+urlPathEscape("居民花名册模板.xlsx"))
	if err := roster.WriteTemplate(w); err != nil {
		s.Log.Error("write template", "err", err)
	}
}

// personExport downloads the filtered list in the import layout: masked,
// or with full values when asked by someone allowed to see them.
func (s *Server) personExport(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	f, _ := filterFrom(r.URL.Query())
	full := r.URL.Query().Get("full") == "1" && a.Can(auth.PersonReveal)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="roster.xlsx"; filename*=UTF-8''`+urlPathEscape("居民花名册-"+now().In(ref.China).Format("20060102")+".xlsx"))
	if _, err := s.People.ExportRoster(r.Context(), a, f, full, w); err != nil {
		s.Log.Error("export roster", "err", err, "request_id", info(r).ID)
	}
}

// apiPersonImport imports (or with dry_run=true checks) an uploaded roster
// at once and answers the summary.
func (s *Server) apiPersonImport(w http.ResponseWriter, r *http.Request) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.fail(w, r, errs.InvalidFields(map[string]string{"file": "import.no_file"}))
		return
	}
	defer f.Close()
	// Staged in the file store (not the data directory), released when
	// the import returns.
	stored, err := s.Files.Put(r.Context(), RosterKind, hdr.Filename, f, actorOf(r).UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer s.Files.RemoveNow(context.WithoutCancel(r.Context()), stored.ID)
	tmp, err := s.Files.Open(r.Context(), stored.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer tmp.Close()
	rep, err := s.People.ImportRoster(r.Context(), actorOf(r), filepath.Base(hdr.Filename), tmp, tmp.Size,
		people.ImportOptions{DryRun: r.URL.Query().Get("dry_run") == "true", Limits: WebImportLimits})
	if err != nil {
		var re *roster.Error
		if errors.As(err, &re) {
			writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: apiErrorBody{Code: "import_failed", Message: re.Message(info(r).Lang), RequestID: info(r).ID}})
			return
		}
		s.fail(w, r, err)
		return
	}
	defer rep.Close()
	writeJSON(w, http.StatusOK, rep)
}
