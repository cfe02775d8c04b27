// Package app wires Shiliu together: configuration, database, services and
// the HTTP server. Tests start the whole program through it on 127.0.0.1:0.
package app

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/approval"
	"shiliu/internal/auth"
	"shiliu/internal/budget"
	"shiliu/internal/cases"
	"shiliu/internal/config"
	"shiliu/internal/db"
	"shiliu/internal/docs"
	"shiliu/internal/festival"
	"shiliu/internal/figures"
	"shiliu/internal/files"
	"shiliu/internal/honour"
	"shiliu/internal/jobs"
	"shiliu/internal/org"
	"shiliu/internal/pairing"
	"shiliu/internal/partner"
	"shiliu/internal/people"
	"shiliu/internal/secret"
	"shiliu/internal/venue"
	"shiliu/internal/web"
	"shiliu/internal/workday"
)

// Version is set at build time (-ldflags "-X shiliu/internal/app.Version=…").
var Version = "dev"

// App is one running Shiliu instance.
type App struct {
	Cfg  config.Config
	Log  *slog.Logger
	DB   *db.DB
	Auth *auth.Service
	Org  *org.Service
	// Keys encrypt ID numbers and phones; People is the registry.
	Keys   *secret.Keys
	People *people.Service
	// Pairing is pairing assistance, befriending contacts and duty rosters.
	Pairing *pairing.Service
	// Activity is community life's activities and volunteers' hours.
	Activity *activity.Service
	// Figures computes the report's figures from the live records.
	Figures *figures.Service
	// Approval keeps the annual data sets, approved upward and frozen.
	Approval *approval.Service
	// Venue is venues and their bookings; Partner partner organisations
	// and their agreements.
	Venue   *venue.Service
	Partner *partner.Service
	// Honour, Budget and Docs are honours, the budget with its spending,
	// and the rules and documents library.
	Honour *honour.Service
	Budget *budget.Service
	Docs   *docs.Service
	// Cases are hotline and window cases; Calendar the working days their
	// deadlines count.
	Cases    *cases.Service
	Calendar *workday.Source
	// Festival is the ethnic festival calendar and its official dates.
	Festival *festival.Service
	// Files keeps every upload in the database; Jobs runs background work
	// (imports), started by Serve and stopped by Close.
	Files *files.Store
	Jobs  *jobs.Runner
	Web   *web.Server

	srv *http.Server
	ln  net.Listener
}

// Open prepares the data directory, connects to the database and applies
// migrations.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	d, err := db.Open(ctx, cfg.DSN, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", "applied", n, "engine", d.Dialect.String())
	}
	if err := d.Optimize(ctx); err != nil {
		d.Close()
		return nil, err
	}
	keys, err := openKeys(ctx, d, cfg)
	if err != nil {
		d.Close()
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: d, Auth: newAuth(d, cfg), Org: &org.Service{DB: d}, Keys: keys, People: people.New(d, keys),
		Pairing: pairing.New(d, cfg.DataDir), Activity: activity.New(d), Figures: figures.New(d), Calendar: &workday.Source{DB: d}, Festival: festival.New(d),
		Venue: venue.New(d), Partner: partner.New(d)}
	if err := workday.Seed(ctx, d); err != nil {
		d.Close()
		return nil, fmt.Errorf("holiday calendar: %w", err)
	}
	a.Honour, a.Budget, a.Docs = honour.New(d), budget.New(d), docs.New(d)
	a.Activity.Costs = a.Budget // an imported activity's cost is a spending entry in the activity's transaction
	a.Cases = cases.New(d, keys, cfg.DataDir)
	a.Cases.Cal = cases.FromSource(a.Calendar.Calendar)
	a.Cases.Log = log
	a.Pairing.Feedback = a.Cases // a contact's opinion opens its case in the contact's transaction
	a.Approval = approval.New(d, a.Figures)
	a.Figures.Snapshots = a.Approval // an approved year's summary is its snapshot
	// a district's figures over a million persons take seconds: the pages
	// keep them for a while and say when they were computed
	a.Figures.Cache = &figures.Cache{}
	a.Activity.Notify = a.Cases // a series whose new occurrences cannot book its room tells its creator
	a.Activity.Venues = a.Venue // an activity books its venue in its own transaction
	a.Partner.Notify = a.Cases  // agreements about to end are told in the notification centre
	if cfg.WebhookURL != "" {
		a.Cases.Notifier = cases.NewWebhook(cfg.WebhookURL, cfg.WebhookSecret)
	}
	if err := a.moveDiskFiles(ctx); err != nil {
		d.Close()
		return nil, err
	}
	a.Files = files.New(d)
	a.Jobs = jobs.New(d, a.Files, a.Auth.ActorByID, log)
	a.Web, err = web.New(web.Deps{DB: d, Auth: a.Auth, Org: a.Org, People: a.People, Pairing: a.Pairing, Cases: a.Cases, Activity: a.Activity, Calendar: a.Calendar, Festival: a.Festival, Venue: a.Venue, Partner: a.Partner, Log: log, Version: Version,
		Honour: a.Honour, Budget: a.Budget, Docs: a.Docs, Figures: a.Figures, Approval: a.Approval,
		Files: a.Files, Jobs: a.Jobs, SecureCookies: cfg.SecureCookies()})
	if err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

// moveDiskFiles moves the files earlier versions kept under the data
// directory (attachments/, photos/) into the database's file store, and
// drops the import staging directory (uploads/), whose previews did not
// outlive their instance anyway. A file that cannot be moved is logged and
// left where it is.
func (a *App) moveDiskFiles(ctx context.Context) error {
	for what, move := range map[string]func(context.Context, *slog.Logger) (int, error){"case attachments": a.Cases.MoveDiskFiles, "visit photos": a.Pairing.MoveDiskFiles} {
		n, err := move(ctx, a.Log)
		if err != nil {
			return fmt.Errorf("move %s into the file store: %w", what, err)
		}
		if n > 0 {
			a.Log.Info("files moved into the database", "what", what, "files", n)
		}
	}
	if err := os.RemoveAll(filepath.Join(a.Cfg.DataDir, "uploads")); err != nil {
		a.Log.Warn("remove the old upload staging directory", "err", err)
	}
	return nil
}

// openKeys loads the instance's keys (creating them on first start) and
// checks them against the fingerprint the database recorded when it was
// first used, so a lost or swapped key file is noticed at once instead of
// sealing new values under the wrong key.
func openKeys(ctx context.Context, d *db.DB, cfg config.Config) (*secret.Keys, error) {
	cipher := cfg.Cipher
	if cipher == "" {
		if _, err := os.Stat(cfg.DataDir + "/" + secret.FileName); err != nil && os.Getenv(secret.EnvVar) == "" {
			cipher = secret.SM4
		}
	}
	keys, err := secret.LoadOrCreate(cfg.DataDir, cipher)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	fp := keys.Fingerprint()
	var stored string
	err = d.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'key_fingerprint'`).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('key_fingerprint', ?, ?) ON CONFLICT (key) DO NOTHING`, fp, db.Now()); err != nil {
			return nil, fmt.Errorf("record key fingerprint: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("read key fingerprint: %w", err)
	case stored != fp:
		return nil, fmt.Errorf("the encryption keys (%s, fingerprint %s) are not the ones this database was used with (fingerprint %s): restore the key file or set SHILIU_KEY", keys.Source(), fp, stored)
	}
	return keys, nil
}

// Listen binds the configured address (":0" picks a free port).
func (a *App) Listen() error {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.Cfg.Addr, err)
	}
	a.ln = ln
	return nil
}

// Addr is the address the app listens on, after Listen.
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL is the base URL of the running app.
func (a *App) URL() string {
	scheme := "http"
	if a.Cfg.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + a.Addr()
}

// Serve answers requests until ctx is cancelled, then lets in-flight
// requests finish (up to ShutdownTimeout) and returns.
func (a *App) Serve(ctx context.Context) error {
	if a.ln == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	a.srv = &http.Server{
		Handler:           a.Web.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	a.Jobs.Start()
	go a.housekeeping(ctx)
	if a.Figures.Cache != nil {
		go a.Figures.Cache.Run(ctx, a.Figures.Now)
	}
	errc := make(chan error, 1)
	go func() {
		var err error
		if a.Cfg.TLSCert != "" {
			err = a.srv.ServeTLS(a.ln, a.Cfg.TLSCert, a.Cfg.TLSKey)
		} else {
			err = a.srv.Serve(a.ln)
		}
		errc <- err
	}()
	a.Log.Info("shiliu listening", "url", a.URL(), "engine", a.DB.Dialect.String(), "version", Version)
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownTimeout)
	defer cancel()
	if err := a.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// housekeeping purges expired sessions, escalates overdue cases and
// refreshes the query planner's statistics now and then (safe on several
// instances at once).
func (a *App) housekeeping(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Auth.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("purge sessions", "err", err)
			}
			if n, err := a.Cases.Escalate(ctx, time.Now()); err != nil && ctx.Err() == nil {
				a.Log.Warn("escalate overdue cases", "err", err)
			} else if n > 0 {
				a.Log.Info("overdue cases escalated", "cases", n)
			}
			// A preview is kept an hour, as long as the page offers it;
			// its roster (ID numbers) goes with it.
			if _, err := a.Jobs.Purge(ctx, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
				a.Log.Warn("purge finished jobs", "err", err)
			}
			// open series get their next occurrences (a week's worth at a time)
			if n, err := a.Activity.Extend(ctx, auth.System("series")); err != nil && ctx.Err() == nil {
				a.Log.Warn("extend activity series", "err", err)
			} else if n > 0 {
				a.Log.Info("activity series extended", "occurrences", n)
			}
			// agreements ending within 30 days: their unit's staff told once
			if n, err := a.Partner.RemindEnding(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("remind of agreements ending", "err", err)
			} else if n > 0 {
				a.Log.Info("agreements ending: staff reminded", "agreements", n)
			}
			if err := a.DB.Optimize(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("refresh planner statistics", "err", err)
			}
		}
	}
}

// Close cancels the running jobs and waits for them, waits for
// notifications being sent, and releases the database.
func (a *App) Close() error {
	a.Jobs.Close()
	a.Cases.Wait()
	return a.DB.Close()
}

// newAuth is the accounts service with the configuration's hashing cost.
func newAuth(d *db.DB, cfg config.Config) *auth.Service {
	s := auth.NewService(d)
	if cfg.ArgonMemoryKiB != 0 {
		s.Argon = auth.DefaultArgon2()
		s.Argon.MemoryKiB = cfg.ArgonMemoryKiB
	}
	return s
}
