// Package cli is the shiliu command: it parses subcommands and flags and
// calls the app. Every subcommand accepts the common flags (--data, --db,
// --addr, …) before or after its own arguments.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"shiliu/internal/app"
	"shiliu/internal/auth"
	"shiliu/internal/bench"
	"shiliu/internal/config"
	"shiliu/internal/demo"
	"shiliu/internal/errs"
	"shiliu/internal/i18n"
	"shiliu/internal/org"
)

// Env is what a command runs with; tests give their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Ready, when set, is called with the app once serve listens (tests).
	Ready func(*app.App)
	// ArgonMemoryKiB, when not zero, lowers the cost of password hashes
	// (tests; see config.Config).
	ArgonMemoryKiB uint32
}

const usage = `shiliu — 石榴籽 community ethnic-affairs platform

Usage:
  shiliu serve [--demo] [--demo-seed N]      run the web server
  shiliu migrate                             apply database migrations
  shiliu org import FILE [--dry-run]         import the org tree (CSV or xlsx)
  shiliu org add CODE NAME KIND [--parent CODE]
                                             add one org unit (KIND: 区 街道 居委 楼组 联络组)
  shiliu import persons FILE [--dry-run] [--json] [--errors PATH]
                                             import a roster of persons (xlsx or CSV); rejected
                                             rows go to NAME.errors.xlsx next to FILE (or PATH)
  shiliu export persons OUT.xlsx [--committee CODE] [--full]
                                             export persons in the import template's layout
                                             (ID numbers and phones masked unless --full)
  shiliu user add USERNAME --role ROLE --org CODE [--name NAME] [--password-stdin]
  shiliu user passwd USERNAME [--password-stdin]
  shiliu user list
  shiliu user disable USERNAME | user enable USERNAME
  shiliu bench [--persons N] [--subdistricts N] [--committees N] [--cases N] [--activities N] [--requests N] [--figure-requests N] [--only search|figures] [--check]
                                             measure search through HTTP on a generated district
                                             (fresh temporary database unless --data or --db is given)
  shiliu festivals [--year YYYY] [--json]    the year's ethnic festivals (date null when not known)
  shiliu festivals set ID YYYY-MM-DD --year YYYY --source TEXT [--end YYYY-MM-DD]
                                             record an official date (audited as (cli))
  shiliu festivals unset ID --year YYYY      back to the computed date
  shiliu report summary --year YYYY --org CODE [--format json] [--out PATH] [--live]
                                             the year's figures as one JSON object keyed by indicator id,
                                             "approved": the snapshot's version (null: computed live)
  shiliu version

Common flags (any subcommand, before or after its arguments):
  --data DIR      data directory [SHILIU_DATA, default ./data]
  --db DSN        postgres:// URL for PostgreSQL; empty for SQLite [SHILIU_DB]
  --addr ADDR     listen address [SHILIU_ADDR, default 127.0.0.1:8080]
  --log-format    text or json [SHILIU_LOG_FORMAT]

Roles: street_admin street_staff committee_staff liaison leader sys_admin sec_admin audit_admin
`

// Run runs the command line args (without the program name).
func Run(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	if cmd == "org" || cmd == "user" || cmd == "import" || cmd == "export" || cmd == "report" {
		if len(rest) == 0 {
			return fmt.Errorf("shiliu %s: missing subcommand (see shiliu help)", cmd)
		}
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(env.Stdout, "shiliu", app.Version)
		return nil
	case "serve":
		return runServe(ctx, rest, env)
	case "bench":
		return runBench(ctx, rest, env)
	case "festivals":
		return festivalsCmd(ctx, rest, env)
	case "migrate":
		return withApp(ctx, "migrate", rest, env, nil, 0, func(a *app.App, _ []string) error {
			fmt.Fprintf(env.Stdout, "database up to date (%s)\n", a.DB.Dialect)
			return nil
		})
	case "org import":
		var dry bool
		return withApp(ctx, cmd, rest, env, func(fs *flag.FlagSet) { fs.BoolVar(&dry, "dry-run", false, "check the file, change nothing") }, 1,
			func(a *app.App, pos []string) error { return orgImport(ctx, a, env, pos[0], dry) })
	case "org add":
		var parent string
		return withApp(ctx, cmd, rest, env, func(fs *flag.FlagSet) { fs.StringVar(&parent, "parent", "", "code of the parent unit") }, 3,
			func(a *app.App, pos []string) error { return orgAdd(ctx, a, env, pos, parent) })
	case "import persons":
		var dry, asJSON bool
		var errPath string
		return withApp(ctx, cmd, rest, env, func(fs *flag.FlagSet) {
			fs.BoolVar(&dry, "dry-run", false, "check the file against the registry, change nothing")
			fs.BoolVar(&asJSON, "json", false, "print the outcome as one JSON object")
			fs.StringVar(&errPath, "errors", "", "where to write the rejected rows (default: NAME.errors.xlsx next to FILE)")
		}, 1, func(a *app.App, pos []string) error { return importPersons(ctx, a, env, pos[0], dry, asJSON, errPath) })
	case "report summary":
		var year int
		var code, format, out string
		var live bool
		return withApp(ctx, cmd, rest, env, func(fs *flag.FlagSet) {
			fs.IntVar(&year, "year", 0, "the year (default: this year)")
			fs.StringVar(&code, "org", "", "code of the org unit (required)")
			fs.StringVar(&format, "format", "json", "json")
			fs.StringVar(&out, "out", "", "file to write (default: standard output)")
			fs.BoolVar(&live, "live", false, "compute from the records even when the year is approved")
		}, 0, func(a *app.App, _ []string) error { return reportSummary(ctx, a, env, year, code, format, out, live) })
	case "export persons":
		var committee string
		var full bool
		return withApp(ctx, cmd, rest, env, func(fs *flag.FlagSet) {
			fs.StringVar(&committee, "committee", "", "code of the committee (or any org unit) to export; default all")
			fs.BoolVar(&full, "full", false, "write full ID numbers and phones instead of masked ones")
		}, 1, func(a *app.App, pos []string) error { return exportPersons(ctx, a, env, pos[0], committee, full) })
	case "user add":
		var role, orgCode, name string
		var stdinPw bool
		return withApp(ctx, cmd, rest, env, func(fs *flag.FlagSet) {
			fs.StringVar(&role, "role", "", "role of the account")
			fs.StringVar(&orgCode, "org", "", "code of the org unit the account belongs to")
			fs.StringVar(&name, "name", "", "display name")
			fs.BoolVar(&stdinPw, "password-stdin", false, "read the password from standard input instead of generating one")
		}, 1, func(a *app.App, pos []string) error {
			return userAdd(ctx, a, env, pos[0], role, orgCode, name, stdinPw)
		})
	case "user passwd":
		var stdinPw bool
		return withApp(ctx, cmd, rest, env, func(fs *flag.FlagSet) {
			fs.BoolVar(&stdinPw, "password-stdin", false, "read the password from standard input instead of generating one")
		}, 1, func(a *app.App, pos []string) error { return userPasswd(ctx, a, env, pos[0], stdinPw) })
	case "user list":
		return withApp(ctx, cmd, rest, env, nil, 0, func(a *app.App, _ []string) error { return userList(ctx, a, env) })
	case "user disable", "user enable":
		return withApp(ctx, cmd, rest, env, nil, 1, func(a *app.App, pos []string) error {
			u, err := a.Auth.ByUsername(ctx, pos[0])
			if err != nil {
				return fmt.Errorf("no user %q", pos[0])
			}
			if err := a.Auth.SetDisabled(ctx, cliActor, u.ID, cmd == "user disable"); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: %s\n", u.Username, strings.TrimPrefix(cmd, "user "))
			return nil
		})
	}
	return fmt.Errorf("unknown command %q (see shiliu help)", strings.Join(args[:min(2, len(args))], " "))
}

// parse parses flags that may stand before, between or after the
// positional arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// withApp parses flags, checks the number of positional arguments, opens
// the app (migrating the database) and runs fn.
func withApp(ctx context.Context, name string, args []string, env Env, extra func(*flag.FlagSet), nargs int, fn func(*app.App, []string) error) error {
	var cfg config.Config
	fs := flag.NewFlagSet("shiliu "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.Register(fs)
	cfg.ArgonMemoryKiB = env.ArgonMemoryKiB
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != nargs {
		return fmt.Errorf("shiliu %s: expected %d argument(s), got %d (see shiliu help)", name, nargs, len(pos))
	}
	a, err := app.Open(ctx, cfg, cfg.Logger(env.Stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a, pos)
}

func runServe(ctx context.Context, args []string, env Env) error {
	var cfg config.Config
	var demoMode bool
	var seed uint64
	fs := flag.NewFlagSet("shiliu serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.Register(fs)
	cfg.ArgonMemoryKiB = env.ArgonMemoryKiB
	fs.BoolVar(&demoMode, "demo", false, "on an empty database, create a demo district and print its accounts' passwords once")
	fs.Uint64Var(&seed, "demo-seed", 1, "seed of the demo generator")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("shiliu serve takes no arguments, got %q", pos)
	}
	log := cfg.Logger(env.Stderr)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Listen(); err != nil {
		return err
	}
	if demoMode {
		res, err := demo.Generate(ctx, a.DB, demo.Options{Seed: seed, Keys: a.Keys, Argon: a.Auth.Argon})
		switch {
		case errors.Is(err, demo.ErrNotEmpty):
			fmt.Fprintln(env.Stdout, "demo: the database already has data; keeping it (passwords were printed when it was created)")
		case err != nil:
			return fmt.Errorf("demo: %w", err)
		default:
			printAccounts(env.Stdout, a.URL(), res)
		}
	} else if n, err := a.Auth.Count(ctx); err == nil && n == 0 {
		fmt.Fprintln(env.Stdout, "No accounts yet. Create the org tree and the first administrator:\n  shiliu org add CODE NAME 街道\n  shiliu user add admin --role street_admin --org CODE\nor run `shiliu serve --demo` on an empty data directory to try Shiliu.")
	}
	if env.Ready != nil {
		env.Ready(a)
	}
	return a.Serve(ctx)
}

func runBench(ctx context.Context, args []string, env Env) error {
	var cfg config.Config
	var bc bench.Config
	var check bool
	fs := flag.NewFlagSet("shiliu bench", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.Register(fs)
	cfg.ArgonMemoryKiB = env.ArgonMemoryKiB
	fs.IntVar(&bc.Persons, "persons", 1_000_000, "persons in the generated registry")
	fs.IntVar(&bc.Subdistricts, "subdistricts", 0, "subdistricts of the generated district (default: one per 4,000 persons)")
	fs.IntVar(&bc.CommitteesPerSubdistrict, "committees", 8, "committees per subdistrict")
	fs.IntVar(&bc.Requests, "requests", 300, "requests per search kind and user")
	fs.IntVar(&bc.Cases, "cases", 0, "cases beyond the demo's (default one per 5 persons; -1 for none)")
	fs.IntVar(&bc.Activities, "activities", 0, "activities with roll calls beyond the demo's (default one per 20 persons; -1 for none)")
	fs.IntVar(&bc.FigureRequests, "figure-requests", 20, "requests per figures page and user")
	fs.StringVar(&bc.Only, "only", "", "measure only \"search\" or \"figures\" (default both)")
	fs.Uint64Var(&bc.Seed, "seed", 1, "seed of the generator and of the searched values")
	fs.BoolVar(&check, "check", false, "exit non-zero when a search kind misses its target")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("shiliu bench takes no arguments, got %q", pos)
	}
	if bc.Only != "" && bc.Only != "search" && bc.Only != "figures" {
		return fmt.Errorf("shiliu bench --only takes search or figures, not %q", bc.Only)
	}
	// A temporary data directory unless one is named: a directory (or
	// database) that already holds a district is measured as it is.
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "data" {
			bc.DataDir = cfg.DataDir
		}
	})
	bc.DSN, bc.Progress, bc.ArgonMemoryKiB = cfg.DSN, env.Stderr, cfg.ArgonMemoryKiB
	ok, err := bench.Run(ctx, bc, env.Stdout)
	if err != nil {
		return err
	}
	if check && !ok {
		return errors.New("shiliu bench: a search kind or a figures page missed its target")
	}
	return nil
}

func printAccounts(w io.Writer, url string, res *demo.Result) {
	cat := i18n.MustLoad()
	fmt.Fprintf(w, "\n石榴籽 demo: %d org units created. Open %s and log in with one of these accounts.\n", res.Units, url)
	fmt.Fprintln(w, "The passwords are shown only now: note them.")
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tPASSWORD\tROLE\tUNIT")
	for _, acc := range res.Accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", acc.Username, acc.Password, cat.T("zh", "role."+string(acc.Role)), acc.OrgName)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func orgImport(ctx context.Context, a *app.App, env Env, path string, dry bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := a.Org.Import(ctx, cliActor, filepath.Base(path), f, dry)
	cat := i18n.MustLoad()
	if res != nil {
		for _, p := range res.Problems {
			fmt.Fprintln(env.Stderr, cat.T("zh", p.Key, p.Args...))
		}
	}
	if err != nil {
		if e, ok := errs.As(err); ok {
			return errors.New(cat.T("zh", e.Key, e.Args...))
		}
		return err
	}
	verb := "imported"
	if dry {
		verb = "checked (dry run, nothing written)"
	}
	fmt.Fprintf(env.Stdout, "%s %s: %d rows, %d created, %d updated, %d unchanged, %d population figures\n",
		path, verb, res.Rows, res.Created, res.Updated, res.Unchanged, res.Populations)
	return nil
}

func orgAdd(ctx context.Context, a *app.App, env Env, pos []string, parentCode string) error {
	kind, ok := org.KindFromName(pos[2])
	if !ok {
		return fmt.Errorf("unknown kind %q: use 区, 街道, 居委, 楼组 or 联络组", pos[2])
	}
	var parentID int64
	if parentCode != "" {
		p, err := a.Org.ByCode(ctx, parentCode)
		if err != nil {
			return fmt.Errorf("no org unit with code %q", parentCode)
		}
		parentID = p.ID
	}
	u, err := a.Org.Create(ctx, cliActor, org.Input{Code: pos[0], Name: pos[1], Kind: kind, ParentID: parentID})
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "created %s %s (%s)\n", u.Code, u.Name, u.Kind)
	return nil
}

// explain turns a validation error into a readable line for the terminal.
func explain(err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	cat := i18n.MustLoad()
	var parts []string
	for f, k := range e.Fields {
		parts = append(parts, f+": "+cat.T("zh", k))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		parts = append(parts, cat.T("zh", e.Key, e.Args...))
	}
	return errors.New(strings.Join(parts, "; "))
}

func readPassword(env Env) (string, error) {
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func userAdd(ctx context.Context, a *app.App, env Env, username, role, orgCode, name string, stdinPw bool) error {
	if role == "" || orgCode == "" {
		return fmt.Errorf("user add needs --role and --org")
	}
	u, err := a.Org.ByCode(ctx, orgCode)
	if err != nil {
		return fmt.Errorf("no org unit with code %q (create it with shiliu org add or org import)", orgCode)
	}
	pw, generated := auth.RandomPassword(), true
	if stdinPw {
		if pw, err = readPassword(env); err != nil {
			return err
		}
		generated = false
	}
	user, err := a.Auth.Create(ctx, cliActor, auth.NewUser{Username: username, DisplayName: name, Role: auth.Role(role), OrgID: u.ID, Password: pw, MustChange: true})
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "created %s (%s) in %s\n", user.Username, user.Role, user.OrgName)
	if generated {
		fmt.Fprintf(env.Stdout, "first password (shown once; it must be changed at first login): %s\n", pw)
	}
	return nil
}

func userPasswd(ctx context.Context, a *app.App, env Env, username string, stdinPw bool) error {
	u, err := a.Auth.ByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("no user %q", username)
	}
	pw, generated := auth.RandomPassword(), true
	if stdinPw {
		if pw, err = readPassword(env); err != nil {
			return err
		}
		generated = false
	}
	if err := a.Auth.SetPassword(ctx, cliActor, u.ID, "", pw, ""); err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "password of %s set; it must be changed at next login\n", u.Username)
	if generated {
		fmt.Fprintf(env.Stdout, "new password (shown once): %s\n", pw)
	}
	return nil
}

func userList(ctx context.Context, a *app.App, env Env) error {
	root := cliActor // the machine's operator sees every account
	users, _, err := a.Auth.List(ctx, root, auth.UserFilter{Limit: 100000})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tNAME\tROLE\tUNIT\tSTATUS\tLAST LOGIN")
	for _, u := range users {
		st := "active"
		if u.Disabled {
			st = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, u.Role, u.OrgName, st, u.LastLoginAt)
	}
	return tw.Flush()
}

// cliActor is who the command line acts as: the machine's operator, the
// system actor, recorded in the audit log as "(cli)".
var cliActor = auth.System("cli")
