package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"shiliu/internal/activity"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/jobs"
)

// The activity ledger's jobs: a check (a dry run, resumable) and the
// import of a checked file (one transaction).
const (
	jobLedgerCheck = "activity_ledger_check"
	jobLedgerApply = "activity_ledger_apply"
)

// LedgerKind is what an activity ledger upload may be.
var LedgerKind = files.Kind{Name: "activity ledger", Field: "file", Types: []string{files.XLSX}, MaxBytes: activity.MaxLedgerBytes,
	Keys: files.Keys{Empty: "import.no_file", Type: "import.bad_type", Mismatch: "import.file_mismatch", TooLarge: "import.too_large"}}

func (s *Server) registerLedgerJobs(msg func(j *jobs.Job, key string) string) {
	s.Jobs.Handle(jobLedgerCheck, jobs.Handler{Run: s.ledgerJob(true), Resumable: true, Message: msg})
	s.Jobs.Handle(jobLedgerApply, jobs.Handler{Run: s.ledgerJob(false), Message: msg})
}

// ledgerOutcome is a ledger job's result.
type ledgerOutcome struct {
	Result *activity.LedgerResult `json:"result,omitempty"`
	Err    *keyed                 `json:"error,omitempty"`
}

func (s *Server) ledgerJob(dryRun bool) func(ctx context.Context, t *jobs.Task) (any, error) {
	return func(ctx context.Context, t *jobs.Task) (any, error) {
		f, err := s.Files.Open(ctx, t.FileID)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		res, err := s.Activity.ImportLedger(ctx, t.Actor, f, dryRun)
		if err != nil {
			if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
				return ledgerOutcome{Err: errorKey(err)}, nil
			}
			return nil, err
		}
		if len(res.Problems) > 0 {
			pr, pw := io.Pipe()
			go func() {
				pw.CloseWithError(activity.WriteLedgerErrors(pw, res, func(k string) string { return s.cat.T("zh", k) }))
			}()
			out, err := s.Files.Put(ctx, reportKind, "errors.xlsx", pr, t.UserID)
			pr.CloseWithError(err)
			if err != nil {
				return nil, err
			}
			t.SetOutput(out.ID)
		}
		return ledgerOutcome{Result: res}, nil
	}
}

type ledgerImportPage struct {
	Page
	FileName string
	Result   *activity.LedgerResult
	Problems []string
	Upload   string
	Job      string
	Applied  bool
	Error    string
}

func (s *Server) activityImportForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "activity_import", &ledgerImportPage{Page: s.page(r, "activities.import_title")})
}

// activityImport checks an uploaded ledger or, when the user confirms a
// check without problems, imports the file kept with it (once).
func (s *Server) activityImport(w http.ResponseWriter, r *http.Request) {
	p := &ledgerImportPage{Page: s.page(r, "activities.import_title")}
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		p.Error = p.T("import.too_large")
		s.render(w, r, http.StatusUnprocessableEntity, "activity_import", p)
		return
	}
	job, applied, refusal, err := s.runFileJob(r, fileJob{check: jobLedgerCheck, apply: jobLedgerApply, kind: LedgerKind, exts: []string{".xlsx"}})
	if refusal != "" {
		p.Error = p.T(refusal)
		s.render(w, r, http.StatusUnprocessableEntity, "activity_import", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var params importParams
	json.Unmarshal(job.Params, &params)
	var out ledgerOutcome
	json.Unmarshal(job.Result, &out)
	p.FileName, p.Result, p.Job = params.Name, out.Result, strconv.FormatInt(job.ID, 10)
	if p.Result != nil {
		for _, pr := range p.Result.Problems {
			p.Problems = append(p.Problems, p.T("activities.import_problem", pr.Line, pr.Column, p.T(pr.Key)))
		}
	}
	switch {
	case job.Status != jobs.Done:
		p.Error = job.Error
		s.render(w, r, http.StatusUnprocessableEntity, "activity_import", p)
	case out.Err != nil && out.Err.Other != "":
		s.fail(w, r, errors.New(out.Err.Other))
	case out.Err != nil:
		p.Error = p.T(out.Err.Key, wholeArgs(out.Err.Args)...)
		s.render(w, r, http.StatusUnprocessableEntity, "activity_import", p)
	case len(p.Problems) > 0:
		s.render(w, r, http.StatusUnprocessableEntity, "activity_import", p)
	default:
		p.Applied = applied
		if !p.Applied {
			p.Upload = p.Job
		}
		s.render(w, r, http.StatusOK, "activity_import", p)
	}
}

// activityImportErrors serves the errors workbook of the user's own check.
func (s *Server) activityImportErrors(w http.ResponseWriter, r *http.Request) {
	j := s.ownJob(r.Context(), r.URL.Query().Get("job"), jobLedgerCheck, actorOf(r).UserID)
	var f *files.Reader
	if j != nil && j.OutputFileID != 0 {
		f, _ = s.Files.Open(r.Context(), j.OutputFileID)
	}
	if f == nil {
		// nothing to download (the check is gone, or refused nothing)
		p := &ledgerImportPage{Page: s.page(r, "activities.import_title")}
		p.Error = p.T("import.no_errors_file")
		s.render(w, r, http.StatusOK, "activity_import", p)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="errors.xlsx"; filename*=UTF-8''`+urlPathEscape("活动台账错误明细.xlsx"))
	http.ServeContent(w, r, "", now(), f)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sendWorkbook answers with a workbook made by write, or with the error
// page when making it fails (a ledger is small enough to be made first).
func (s *Server) sendWorkbook(w http.ResponseWriter, r *http.Request, name, zhName string, write func(io.Writer) error) {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"; filename*=UTF-8''`+urlPathEscape(zhName))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b.Bytes())
}

func (s *Server) activityExport(w http.ResponseWriter, r *http.Request) {
	f := s.activityFilter(r)
	s.sendWorkbook(w, r, "activity-ledger.xlsx", "活动台账.xlsx", func(out io.Writer) error {
		_, err := s.Activity.ExportLedger(r.Context(), actorOf(r), f, out)
		return err
	})
}

func (s *Server) volunteerExport(w http.ResponseWriter, r *http.Request) {
	from, to := s.period(r)
	s.sendWorkbook(w, r, "volunteer-hours.xlsx", "志愿服务时长.xlsx", func(out io.Writer) error {
		return s.Activity.ExportHours(r.Context(), actorOf(r), 0, from, to, out)
	})
}

func (s *Server) volunteerLedgerExport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, to := s.period(r)
	s.sendWorkbook(w, r, "volunteer-ledger.xlsx", "志愿服务记录.xlsx", func(out io.Writer) error {
		return s.Activity.ExportHours(r.Context(), actorOf(r), id, from, to, out)
	})
}
