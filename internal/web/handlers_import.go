package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/people"
	"shiliu/internal/people/roster"
)

// WebImportLimits bound rosters uploaded through the browser (the command
// line takes larger files).
var WebImportLimits = roster.Limits{MaxCSVBytes: 60 << 20, MaxXLSXBytes: 30 << 20, MaxCSVRows: 300_000, MaxXLSXRows: 300_000}

// importJob is a roster check or import running in the background, so the
// page can show its progress. Jobs live in the instance's memory and in its
// data directory (the uploaded file) until applied or an hour old.
type importJob struct {
	ID      string
	UserID  int64
	Name    string
	path    string
	started time.Time

	mu       sync.Mutex
	state    string // checking, checked, importing, imported, failed
	progress people.ImportProgress
	report   *people.ImportReport
	errText  string
}

type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

func (j *importJobs) get(id string, userID int64) *importJob {
	j.mu.Lock()
	defer j.mu.Unlock()
	job := j.jobs[id]
	if job == nil || job.UserID != userID {
		return nil
	}
	return job
}

func (j *importJobs) add(job *importJob) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jobs == nil {
		j.jobs = map[string]*importJob{}
	}
	// Forget jobs older than an hour, and their files.
	for id, old := range j.jobs {
		if time.Since(old.started) > time.Hour {
			old.mu.Lock()
			if old.state != "checking" && old.state != "importing" {
				os.Remove(old.path)
				if old.report != nil {
					old.report.Close()
				}
				delete(j.jobs, id)
			}
			old.mu.Unlock()
		}
	}
	j.jobs[job.ID] = job
}

// run checks (dryRun) or imports the job's file in the background.
func (s *Server) runImport(job *importJob, a *auth.Actor, dryRun bool) {
	job.mu.Lock()
	job.state = map[bool]string{true: "checking", false: "importing"}[dryRun]
	job.progress = people.ImportProgress{}
	job.mu.Unlock()
	go func() {
		var rep *people.ImportReport
		var err error
		defer func() {
			job.mu.Lock()
			defer job.mu.Unlock()
			if job.report != nil && job.report != rep {
				job.report.Close()
			}
			job.report = rep
			switch {
			case err != nil:
				job.state = "failed"
				job.errText = s.importErrorText(a, err)
			case dryRun:
				job.state = "checked"
			default:
				job.state = "imported"
				os.Remove(job.path)
			}
		}()
		f, e := os.Open(job.path)
		if e != nil {
			err = e
			return
		}
		defer f.Close()
		st, e := f.Stat()
		if e != nil {
			err = e
			return
		}
		rep, err = s.People.ImportRoster(context.Background(), a, job.Name, f, st.Size(), people.ImportOptions{DryRun: dryRun, Limits: WebImportLimits,
			Progress: func(p people.ImportProgress) {
				job.mu.Lock()
				job.progress = p
				job.mu.Unlock()
			}})
	}()
}

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
	Job      *importJob
	State    string
	Report   *people.ImportReport
	Error    string
	Progress people.ImportProgress
	Percent  int
}

func (s *Server) personImportPage(w http.ResponseWriter, r *http.Request) {
	p := &importPage{Page: s.page(r, "import.title")}
	if job := s.jobs.get(r.URL.Query().Get("job"), actorOf(r).UserID); job != nil {
		job.mu.Lock()
		p.Job, p.State, p.Report, p.Error, p.Progress = job, job.state, job.report, job.errText, job.progress
		job.mu.Unlock()
		if p.Progress.Total > 0 {
			p.Percent = int(p.Progress.Done * 100 / p.Progress.Total)
		}
	}
	s.render(w, r, http.StatusOK, "person_import", p)
}

// personImportUpload keeps the uploaded file and starts checking it.
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
	b := make([]byte, 16)
	rand.Read(b)
	job := &importJob{ID: hex.EncodeToString(b), UserID: a.UserID, Name: filepath.Base(hdr.Filename), started: time.Now()}
	if err := os.MkdirAll(s.uploadDir(), 0o700); err != nil {
		s.fail(w, r, err)
		return
	}
	job.path = filepath.Join(s.uploadDir(), job.ID+ext)
	out, err := os.OpenFile(job.path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = io.Copy(out, f)
	out.Close()
	if err != nil {
		os.Remove(job.path)
		p.Error = p.T("import.too_large")
		s.render(w, r, http.StatusUnprocessableEntity, "person_import", p)
		return
	}
	s.jobs.add(job)
	s.runImport(job, a, true)
	http.Redirect(w, r, "/persons/import?job="+job.ID, http.StatusSeeOther)
}

// personImportApply imports a checked file.
func (s *Server) personImportApply(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	job := s.jobs.get(r.PostFormValue("job"), a.UserID)
	if job == nil {
		s.flash(w, r, "error", "import.upload_expired")
		http.Redirect(w, r, "/persons/import", http.StatusSeeOther)
		return
	}
	job.mu.Lock()
	ready := job.state == "checked"
	job.mu.Unlock()
	if ready {
		s.runImport(job, a, false)
	}
	http.Redirect(w, r, "/persons/import?job="+job.ID, http.StatusSeeOther)
}

// personImportStatus answers the progress poll of the import page.
func (s *Server) personImportStatus(w http.ResponseWriter, r *http.Request) {
	job := s.jobs.get(r.URL.Query().Get("job"), actorOf(r).UserID)
	if job == nil {
		writeJSON(w, http.StatusOK, map[string]any{"state": "none"})
		return
	}
	job.mu.Lock()
	defer job.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"state": job.state, "rows": job.progress.Rows, "done": job.progress.Done, "total": job.progress.Total})
}

// personImportErrors downloads the rejected rows as a workbook to fix and
// import again.
func (s *Server) personImportErrors(w http.ResponseWriter, r *http.Request) {
	job := s.jobs.get(r.URL.Query().Get("job"), actorOf(r).UserID)
	var rep *people.ImportReport
	if job != nil {
		job.mu.Lock()
		rep = job.report
		job.mu.Unlock()
	}
	if rep == nil || rep.Rejected == 0 {
		// Nothing to download (the job is gone or rejected nothing): back
		// on the import page, saying so.
		p := &importPage{Page: s.page(r, "import.title")}
		p.Error = p.T("import.no_errors_file")
		s.render(w, r, http.StatusOK, "person_import", p)
		return
	}
	name := strings.TrimSuffix(job.Name, filepath.Ext(job.Name)) + ".errors.xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="errors.xlsx"; filename*=UTF-8''`+urlPathEscape(name))
	if err := rep.WriteErrors(w); err != nil {
		s.Log.Error("write errors workbook", "err", err, "request_id", info(r).ID)
	}
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
	w.Header().Set("Content-Disposition", `attachment; filename="roster.xlsx"; filename*=UTF-8''`+urlPathEscape("居民花名册-"+now().In(cst).Format("20060102")+".xlsx"))
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
	tmp, err := os.CreateTemp(s.uploadDirEnsure(), "api-*"+strings.ToLower(filepath.Ext(hdr.Filename)))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	size, err := io.Copy(tmp, f)
	if err != nil {
		s.fail(w, r, errs.E(errs.Invalid, "import.too_large"))
		return
	}
	rep, err := s.People.ImportRoster(r.Context(), actorOf(r), filepath.Base(hdr.Filename), tmp, size,
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

func (s *Server) uploadDirEnsure() string {
	os.MkdirAll(s.uploadDir(), 0o700)
	return s.uploadDir()
}
