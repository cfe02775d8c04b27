package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"shiliu/internal/app"
	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
	"shiliu/internal/i18n"
)

// reportSummary writes `shiliu report summary`: one JSON object keyed by
// the indicators' ids with "approved" (the snapshot's version, or null
// when computed live), to out or standard output.
func reportSummary(ctx context.Context, a *app.App, env Env, year int, code, format, out string, live bool) error {
	if format != "json" {
		return fmt.Errorf("report summary: --format %q: only json here (the Word summary comes with the documents)", format)
	}
	if code == "" {
		return errors.New("report summary: --org CODE is required")
	}
	if year == 0 {
		year = time.Now().Year()
	}
	if year < 2000 || year > 2100 {
		return fmt.Errorf("report summary: --year %d: a year from 2000 to 2100", year)
	}
	u, err := a.Org.ByCode(ctx, code)
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return fmt.Errorf("report summary: no org unit with code %q", code)
		}
		return err
	}
	sum, err := a.Figures.Report(ctx, auth.System("cli"), u.ID, year, live)
	if errors.Is(err, figures.ErrNoData) {
		return fmt.Errorf("report summary: %s (%s, %d)", i18n.MustLoad().T("zh", "err.figures_no_data"), u.Name, year)
	}
	if err != nil {
		return err
	}
	if _, ok := sum["approved"]; !ok {
		sum["approved"] = nil
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out == "" || out == "-" {
		_, err = env.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		return fmt.Errorf("report summary: %w", err)
	}
	fmt.Fprintf(env.Stderr, "wrote %s (%s, %d, %d figures)\n", out, u.Name, year, len(sum)-1)
	return nil
}
