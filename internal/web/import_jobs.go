package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/jobs"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

// The kinds of job the web layer asks for. A check (a dry run) may run
// twice harmlessly, so it is resumed after a crash; an import runs in one
// transaction, so an interrupted one wrote nothing and is failed, saying
// so.
const (
	jobPersonCheck = "person_import_check"
	jobPersonApply = "person_import_apply"
	jobOrgCheck    = "org_import_check"
	jobOrgApply    = "org_import_apply"
)

// RosterKind is what a roster upload may be: CSV or xlsx by its content,
// up to the browser's larger limit (roster.Open applies each format's own).
var RosterKind = files.Kind{Name: "roster", Field: "file", Types: []string{files.CSV, files.XLSX}, MaxBytes: WebImportLimits.MaxCSVBytes,
	Keys: files.Keys{Empty: "import.no_file", Type: "import.bad_type", Mismatch: "import.file_mismatch", TooLarge: "import.too_large"}}

// reportKind is the errors workbook an import makes.
var reportKind = files.Kind{Name: "import errors workbook"}

// importParams are a roster job's parameters.
type importParams struct {
	// Name is the file's name as uploaded.
	Name string `json:"name"`
}

func (s *Server) registerJobs() {
	msg := func(j *jobs.Job, key string) string { return s.cat.T("zh", key) }
	s.Jobs.Handle(jobPersonCheck, jobs.Handler{Run: s.personImportJob(true), Resumable: true, Message: msg})
	s.Jobs.Handle(jobPersonApply, jobs.Handler{Run: s.personImportJob(false), Message: msg})
	s.Jobs.Handle(jobOrgCheck, jobs.Handler{Run: s.orgImportJob(true), Resumable: true, Message: msg})
	s.Jobs.Handle(jobOrgApply, jobs.Handler{Run: s.orgImportJob(false), Message: msg})
	s.registerLedgerJobs(msg)
}

// personImportJob checks (dryRun) or imports a roster from the file store
// as the job's user. The report is the job's result; its rejected rows
// become the job's output, an errors workbook in the file store, so any
// instance can serve it.
func (s *Server) personImportJob(dryRun bool) func(ctx context.Context, t *jobs.Task) (any, error) {
	return func(ctx context.Context, t *jobs.Task) (any, error) {
		var p importParams
		json.Unmarshal(t.Params, &p)
		f, err := s.Files.Open(ctx, t.FileID)
		if err != nil {
			return nil, errors.New(s.importErrorText(t.Actor, err))
		}
		defer f.Close()
		opts := people.ImportOptions{DryRun: dryRun, Limits: WebImportLimits,
			Progress: func(pr people.ImportProgress) { t.Progress(pr.Done, pr.Total, int64(pr.Rows)) }}
		if !dryRun {
			// The job says done in the import's own transaction: an
			// instance that dies after the import commits cannot leave it
			// saying nothing was written.
			opts.InTx = func(ctx context.Context, tx *db.Tx, rep *people.ImportReport) error { return t.Commit(ctx, tx, rep) }
		}
		rep, err := s.People.ImportRoster(ctx, t.Actor, p.Name, f, f.Size, opts)
		if err != nil {
			return nil, errors.New(s.importErrorText(t.Actor, err))
		}
		defer rep.Close()
		if rep.Rejected > 0 {
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(rep.WriteErrors(pw)) }()
			out, err := s.Files.Put(ctx, reportKind, "errors.xlsx", pr, t.UserID)
			pr.CloseWithError(err)
			if err != nil {
				return nil, errors.New(s.importErrorText(t.Actor, err))
			}
			t.SetOutput(out.ID)
		}
		return rep, nil
	}
}

// orgImportJob previews (dryRun) or applies an org-tree file.
func (s *Server) orgImportJob(dryRun bool) func(ctx context.Context, t *jobs.Task) (any, error) {
	return func(ctx context.Context, t *jobs.Task) (any, error) {
		var p importParams
		json.Unmarshal(t.Params, &p)
		f, err := s.Files.Open(ctx, t.FileID)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		res, err := s.Org.Import(ctx, t.Actor, p.Name, f, dryRun)
		if err != nil {
			// The problems (or the file's error) are the result the page
			// shows; the job itself went well.
			return orgOutcome{Result: res, Err: errorKey(err)}, nil
		}
		return orgOutcome{Result: res}, nil
	}
}

// orgOutcome is an org-tree job's result: what the import found, and the
// error it refused the file with, if any.
type orgOutcome struct {
	Result *org.ImportResult `json:"result"`
	Err    *keyed            `json:"error,omitempty"`
}

// keyed is an Invalid error's message key, kept in a job's result.
type keyed struct {
	Key  string `json:"key"`
	Args []any  `json:"args,omitempty"`
	// Other is set for an error that is not the user's to fix.
	Other string `json:"other,omitempty"`
}

func errorKey(err error) *keyed {
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		return &keyed{Key: e.Key, Args: e.Args}
	}
	return &keyed{Other: err.Error()}
}

// wholeArgs turns the numbers of message arguments read back from JSON
// (float64) into the integers they were, so %d formats them.
func wholeArgs(args []any) []any {
	for i, a := range args {
		if f, ok := a.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			args[i] = int(f)
		}
	}
	return args
}

// importReport reads a roster job's report back from its result.
func importReport(j *jobs.Job) *people.ImportReport {
	if len(j.Result) == 0 {
		return nil
	}
	var rep people.ImportReport
	if json.Unmarshal(j.Result, &rep) != nil {
		return nil
	}
	for i := range rep.WarningList {
		rep.WarningList[i].Args = wholeArgs(rep.WarningList[i].Args)
	}
	return &rep
}

// ownJob returns job id (given as text) when it is of kind and the actor's
// own; any other is nil, so nobody sees another user's import.
func (s *Server) ownJob(ctx context.Context, id string, kind string, userID int64) *jobs.Job {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || s.Jobs == nil {
		return nil
	}
	j, err := s.Jobs.Get(ctx, n)
	if err != nil || j.Kind != kind || j.UserID != userID {
		return nil
	}
	return j
}

// fileJob is an upload checked by a job and then, once the user confirms
// the check, applied by another: the org-tree import and the activity
// ledger import.
type fileJob struct {
	check, apply string
	kind         files.Kind
	// exts are the file name endings accepted (".csv", ".xlsx").
	exts []string
}

// run enqueues the check of the uploaded file (form field "file") or,
// when the form names the user's finished check ("upload"), its apply job
// (once, with two clicks too), and waits for the job: the files are
// small, so the page shows the result itself, while the runner gives the
// work its lifecycle and any instance the preview. refusal is the message
// key of a request refused before any job ran.
func (s *Server) runFileJob(r *http.Request, fj fileJob) (job *jobs.Job, applied bool, refusal string, err error) {
	a := actorOf(r)
	var spec jobs.Spec
	if up := r.FormValue("upload"); up != "" {
		check := s.ownJob(r.Context(), up, fj.check, a.UserID)
		if check == nil || check.Status != jobs.Done {
			return nil, false, "import.upload_expired", nil
		}
		spec = jobs.Spec{Kind: fj.apply, UserID: a.UserID, FileID: check.FileID, ShareFile: true, Params: json.RawMessage(check.Params),
			OnceKey: fj.apply + ":" + strconv.FormatInt(check.ID, 10)}
	} else {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return nil, false, "import.no_file", nil
		}
		defer f.Close()
		if !slices.Contains(fj.exts, strings.ToLower(filepath.Ext(hdr.Filename))) {
			return nil, false, "import.bad_type", nil
		}
		stored, err := s.Files.Put(r.Context(), fj.kind, hdr.Filename, f, a.UserID)
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
			return nil, false, e.Key, nil
		}
		if err != nil {
			return nil, false, "", err
		}
		spec = jobs.Spec{Kind: fj.check, UserID: a.UserID, FileID: stored.ID, Params: importParams{Name: filepath.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))}}
	}
	job, _, err = s.Jobs.Enqueue(r.Context(), spec)
	if err != nil {
		return nil, false, "", err
	}
	ctx, cancel := context.WithTimeout(r.Context(), orgImportWait)
	defer cancel()
	job, err = s.Jobs.Wait(ctx, job.ID)
	return job, spec.Kind == fj.apply, "", err
}
