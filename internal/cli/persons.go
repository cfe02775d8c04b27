package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"shiliu/internal/app"
	"shiliu/internal/people"
	"shiliu/internal/people/roster"
)

// importPersons runs `shiliu import persons FILE`. It fails (non-zero exit)
// only when the import could not run; rejected rows are reported, and
// written to the errors workbook.
func importPersons(ctx context.Context, a *app.App, env Env, path string, dry, asJSON bool, errPath string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	bar := newProgressBar(env.Stderr)
	rep, err := a.People.ImportRoster(ctx, cliActor, path, f, st.Size(), people.ImportOptions{DryRun: dry, Progress: bar.update})
	bar.finish()
	if err != nil {
		var re *roster.Error
		if errors.As(err, &re) {
			return fmt.Errorf("%s: %s", path, re.Message("zh"))
		}
		return err
	}
	defer rep.Close()

	var writeErr error
	if rep.Rejected > 0 {
		if errPath == "" {
			errPath = defaultErrorsPath(path)
		}
		writeErr = writeErrors(path, errPath, rep)
	}
	if asJSON {
		if err := json.NewEncoder(env.Stdout).Encode(rep.ImportSummary); err != nil {
			return err
		}
		if rep.Rejected > 0 && writeErr == nil {
			fmt.Fprintf(env.Stderr, "rejected rows written to %s\n", errPath)
		}
	} else {
		printImport(env.Stdout, path, rep, errPath, writeErr == nil)
	}
	if writeErr != nil {
		return fmt.Errorf("the rejected rows could not be written to %s: %w", errPath, writeErr)
	}
	return nil
}

// defaultErrorsPath is NAME.errors.xlsx next to the input NAME.ext.
func defaultErrorsPath(input string) string {
	base := filepath.Base(input)
	return filepath.Join(filepath.Dir(input), strings.TrimSuffix(base, filepath.Ext(base))+".errors.xlsx")
}

// writeErrors writes the errors workbook through a temporary file, never
// over the input.
func writeErrors(input, out string, rep *people.ImportReport) error {
	if ai, err := filepath.Abs(input); err == nil {
		if ao, err := filepath.Abs(out); err == nil && ai == ao {
			return errors.New("it is the input file")
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".errors-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := rep.WriteErrors(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// printImport prints the outcome for a person.
func printImport(w io.Writer, path string, rep *people.ImportReport, errPath string, errWritten bool) {
	verb := "imported"
	if rep.DryRun {
		verb = "checked (dry run, nothing written)"
	}
	fmt.Fprintf(w, "%s %s: %s\n", path, verb, rep.ImportSummary.String())
	if rep.Rejected > 0 {
		codes := make([]string, 0, len(rep.RejectedByReason))
		for c := range rep.RejectedByReason {
			codes = append(codes, c)
		}
		sort.Slice(codes, func(i, j int) bool { return rep.RejectedByReason[codes[i]] > rep.RejectedByReason[codes[j]] })
		parts := make([]string, len(codes))
		for i, c := range codes {
			parts[i] = fmt.Sprintf("%s %d", c, rep.RejectedByReason[c])
		}
		fmt.Fprintf(w, "rejected: %s\n", strings.Join(parts, ", "))
		const show = 10
		for i, r := range rep.RejectedRows {
			if i == show {
				break
			}
			fmt.Fprintf(w, "  %s：%s\n", r.Where(), r.Reason)
		}
		if rep.Rejected > show {
			fmt.Fprintf(w, "  … %d more\n", rep.Rejected-show)
		}
		if errWritten {
			fmt.Fprintf(w, "rejected rows written to %s: fix them there and import that file\n", errPath)
		}
	}
	if rep.Warnings > 0 {
		fmt.Fprintln(w, "warnings:")
		const show = 20
		for i, x := range rep.WarningList {
			if i == show {
				break
			}
			fmt.Fprintf(w, "  %s：%s\n", x.Where(), x.Message("zh"))
		}
		if rep.Warnings > show {
			fmt.Fprintf(w, "  … %d more\n", rep.Warnings-show)
		}
	}
}

// progressBar draws the import's progress on a terminal's standard error,
// and nothing anywhere else.
type progressBar struct {
	w     io.Writer
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok {
		return &progressBar{}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return &progressBar{}
	}
	return &progressBar{w: w}
}

func (p *progressBar) update(pr people.ImportProgress) {
	if p.w == nil || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	frac := 0.0
	if pr.Total > 0 {
		frac = float64(pr.Done) / float64(pr.Total)
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d rows", strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*frac, pr.Rows)
	p.drawn = true
}

func (p *progressBar) finish() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// exportPersons runs `shiliu export persons OUT.xlsx`.
func exportPersons(ctx context.Context, a *app.App, env Env, out, committee string, full bool) error {
	if !strings.EqualFold(filepath.Ext(out), ".xlsx") {
		return fmt.Errorf("export persons writes an .xlsx file: %s", out)
	}
	var f people.Filter
	if committee != "" {
		u, err := a.Org.ByCode(ctx, committee)
		if err != nil {
			return fmt.Errorf("no org unit with code %q", committee)
		}
		f.OrgID = u.ID
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".export-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := a.People.ExportRoster(ctx, cliActor, f, full, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	values := "ID numbers and phones masked"
	if full {
		values = "full ID numbers and phones: keep the file safe"
	}
	fmt.Fprintf(env.Stdout, "exported %d persons to %s (%s)\n", n, out, values)
	return nil
}
