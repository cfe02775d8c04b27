package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"shiliu/internal/app"
	"shiliu/internal/auth"
	"shiliu/internal/cli"
	"shiliu/internal/errs"
	"shiliu/internal/i18n"
	"shiliu/internal/org"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// cat is the message catalog: tests assert the Chinese texts a user sees,
// read from the catalog so that they follow it.
var cat = i18n.MustLoad()

// zh translates a catalog key to Chinese, the default UI language.
func zh(key string, args ...any) string { return cat.T("zh", key, args...) }

func TestMain(m *testing.M) {
	// Hashing with the production cost would make every login slow.
	auth.ArgonMemory = 8 * 1024
	code := m.Run()
	env.stop()
	os.Exit(code)
}

// account is one row of the demo accounts table printed by serve --demo.
type account struct {
	Username, Password, Role, Unit string
}

// harness is the running program and browser the tests share. Every test
// opens its own browser contexts (separate cookies), so tests only share
// the database; each one works on records the others leave alone.
type harness struct {
	once sync.Once
	err  error

	dir      string
	app      *app.App
	base     string
	accounts map[string]account

	stopServer context.CancelFunc
	served     chan error
	stopAlloc  context.CancelFunc
	stopBrowse context.CancelFunc
	browser    context.Context
}

var env harness

// chromiumPath finds the browser, "" when there is none. SHILIU_CHROMIUM,
// when set, is the only place looked at.
func chromiumPath() string {
	if p := os.Getenv("SHILIU_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// setup returns the shared harness, starting the program and the browser
// on first use. It skips the test when there is no browser, unless
// SHILIU_TEST_BROWSER asks for the browser tests to run.
func setup(t *testing.T) *harness {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("SHILIU_TEST_BROWSER") != "" {
			t.Fatal("SHILIU_TEST_BROWSER is set but Chromium was not found (SHILIU_CHROMIUM, /usr/bin/chromium or chromium on PATH)")
		}
		t.Skip("browser tests skipped: Chromium not found (install it at /usr/bin/chromium or on PATH; set SHILIU_TEST_BROWSER=1 to make this a failure)")
	}
	env.once.Do(func() { env.err = env.start(path) })
	if env.err != nil {
		t.Fatalf("e2e setup: %v", env.err)
	}
	return &env
}

// syncBuffer is a bytes.Buffer safe for the serve goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (h *harness) start(chromium string) error {
	dir, err := os.MkdirTemp("", "shiliu-e2e-")
	if err != nil {
		return err
	}
	h.dir = dir

	// The program, exactly as a newcomer starts it.
	ctx, cancel := context.WithCancel(context.Background())
	h.stopServer = cancel
	h.served = make(chan error, 1)
	ready := make(chan *app.App, 1)
	var out syncBuffer
	args := []string{"serve", "--demo", "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0"}
	go func() {
		h.served <- cli.Run(ctx, args, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Ready: func(a *app.App) { ready <- a }})
	}()
	select {
	case h.app = <-ready:
	case err := <-h.served:
		h.served <- err
		return fmt.Errorf("shiliu serve --demo exited before it was ready: %v", err)
	case <-time.After(60 * time.Second):
		return errors.New("shiliu serve --demo was not ready after 60 s")
	}
	h.base = h.app.URL()
	if h.accounts, err = parseAccounts(out.String()); err != nil {
		return err
	}
	if err := h.checkAccounts(); err != nil {
		return err
	}

	// One headless browser for the package.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.WindowSize(1280, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	h.stopAlloc = acancel
	bctx, bcancel := chromedp.NewContext(actx)
	h.stopBrowse = bcancel
	// The first run starts the browser, which lives as long as the context
	// of that run: give it bctx itself, not a context with a timeout.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("start Chromium %s: %w", chromium, err)
		}
	case <-time.After(30 * time.Second):
		return fmt.Errorf("start Chromium %s: no answer after 30 s", chromium)
	}
	h.browser = bctx
	return nil
}

// stop ends the browser and the program and removes the data directory.
func (h *harness) stop() {
	if h.stopBrowse != nil {
		h.stopBrowse()
	}
	if h.stopAlloc != nil {
		h.stopAlloc()
	}
	if h.stopServer != nil {
		h.stopServer()
		select {
		case err := <-h.served:
			if err != nil {
				fmt.Fprintln(os.Stderr, "e2e: shiliu serve:", err)
			}
		case <-time.After(15 * time.Second):
			fmt.Fprintln(os.Stderr, "e2e: shiliu serve did not stop within 15 s")
		}
	}
	if h.dir != "" {
		os.RemoveAll(h.dir)
	}
}

// parseAccounts reads the accounts table that serve --demo prints:
//
//	USERNAME  PASSWORD  ROLE  UNIT
//	admin     …         街道管理员  和平街道
func parseAccounts(out string) (map[string]account, error) {
	accs := map[string]account{}
	sc := bufio.NewScanner(strings.NewReader(out))
	inTable := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case !inTable:
			inTable = strings.Join(f, " ") == "USERNAME PASSWORD ROLE UNIT"
		case len(f) == 0:
			inTable = false
		case len(f) != 4:
			return nil, fmt.Errorf("demo accounts table: cannot read line %q", sc.Text())
		default:
			accs[f[0]] = account{Username: f[0], Password: f[1], Role: f[2], Unit: f[3]}
		}
	}
	if len(accs) == 0 {
		return nil, fmt.Errorf("no demo accounts table in the output of serve --demo:\n%s", out)
	}
	return accs, nil
}

// demoUsers are the accounts the tests log in with.
var demoUsers = []string{"admin", "staff", "committee", "liaison", "leader", "sysadmin", "secadmin", "auditor"}

// checkAccounts compares the printed table with the database: each row
// names the account's role (in Chinese) and unit.
func (h *harness) checkAccounts() error {
	ctx := context.Background()
	for _, name := range demoUsers {
		acc, ok := h.accounts[name]
		if !ok {
			return fmt.Errorf("demo accounts table has no row for %q", name)
		}
		u, err := h.app.Auth.ByUsername(ctx, name)
		if err != nil {
			return fmt.Errorf("demo account %q: %w", name, err)
		}
		if want := zh("role." + string(u.Role)); acc.Role != want {
			return fmt.Errorf("demo accounts table: %s has role %q, the database says %q", name, acc.Role, want)
		}
		if acc.Unit != u.OrgName {
			return fmt.Errorf("demo accounts table: %s has unit %q, the database says %q", name, acc.Unit, u.OrgName)
		}
		if len(acc.Password) < 12 {
			return fmt.Errorf("demo accounts table: password of %s is %q", name, acc.Password)
		}
	}
	return nil
}

// user returns a demo account's database record.
func (h *harness) user(t *testing.T, name string) *auth.User {
	t.Helper()
	u, err := h.app.Auth.ByUsername(context.Background(), name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return u
}

// committees returns the committees of the admin's subdistrict, in tree
// order, read through the org service with the admin's own scope.
func (h *harness) committees(t *testing.T) []*org.Unit {
	t.Helper()
	admin := h.user(t, "admin").Actor()
	kids, err := h.app.Org.Children(context.Background(), admin, admin.OrgID)
	if err != nil {
		t.Fatalf("children of the admin's unit: %v", err)
	}
	var out []*org.Unit
	for _, k := range kids {
		if k.Kind == org.Committee {
			out = append(out, k)
		}
	}
	if len(out) < 3 {
		t.Fatalf("the demo subdistrict has %d committees, the tests need 3", len(out))
	}
	return out
}

// tab is one browser tab in its own browser context (its own cookies), as
// if a different person sat at a different machine.
type tab struct {
	t    *testing.T
	h    *harness
	name string
	ctx  context.Context
}

// failureDir keeps screenshots of failed tests (see .gitignore).
const failureDir = "testdata/failures"

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// newTab opens a fresh browser context. Its viewport is a desktop's unless
// the test changes it. When the test fails, the tab's screen and HTML are
// saved to testdata/failures.
func (h *harness) newTab(t *testing.T, name string) *tab {
	t.Helper()
	bctx, cancel := chromedp.NewContext(h.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the tab, which lives as long as that run's
	// context: bctx, so that a timeout of the test's steps leaves the tab
	// open for the failure screenshot.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("open tab %s: %v", name, err)
	}
	ctx, tcancel := context.WithTimeout(bctx, 20*time.Second)
	t.Cleanup(tcancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("tab %s: viewport: %v", name, err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		sctx, scancel := context.WithTimeout(bctx, 10*time.Second)
		defer scancel()
		base := filepath.Join(failureDir, unsafeName.ReplaceAllString(t.Name()+"-"+name, "_"))
		if err := os.MkdirAll(failureDir, 0o755); err != nil {
			t.Logf("screenshot: %v", err)
			return
		}
		loc, _ := chromedp.Run(sctx, chromedp.Location())
		if png, err := chromedp.Run(sctx, chromedp.FullScreenshot(90)); err == nil {
			if err := os.WriteFile(base+".png", png, 0o644); err == nil {
				t.Logf("tab %s was at %s; screenshot: %s.png", name, loc, base)
			}
		} else {
			t.Logf("tab %s: no screenshot: %v", name, err)
		}
		if html, err := chromedp.Run(sctx, chromedp.Evaluate[string]("document.documentElement.outerHTML")); err == nil {
			os.WriteFile(base+".html", []byte(html), 0o644)
		}
	})
	return &tab{t: t, h: h, name: name, ctx: ctx}
}

func (b *tab) fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf("[%s] "+format, append([]any{b.name}, args...)...)
}

// do runs void actions.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

// open navigates to a path of the app and returns the HTTP status of the
// document (after redirects).
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.h.base+path))
	if err != nil {
		b.fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// click clicks an element that loads a new page (a link, a submit button),
// waits for that page and returns its status.
func (b *tab) click(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("click %s: %v", sel, err)
	}
	if resp == nil {
		b.fatalf("click %s: no page loaded", sel)
	}
	return resp.Status
}

// clickVisible clicks the first element matching sel that is rendered, as
// a user clicks the link they see (the desktop and the phone navigation
// have the same links, one of them hidden), and waits for the new page.
func (b *tab) clickVisible(sel string) int64 {
	b.t.Helper()
	b.markVisible(sel)
	return b.click("[data-e2e-click]")
}

// markVisible gives the first rendered element matching sel the attribute
// data-e2e-click (and takes it from any other), so that it can be clicked
// or tapped by that selector.
func (b *tab) markVisible(sel string) {
	b.t.Helper()
	ok := eval[bool](b, fmt.Sprintf(`(() => {
		document.querySelectorAll("[data-e2e-click]").forEach(e => e.removeAttribute("data-e2e-click"));
		const e = [...document.querySelectorAll(%q)].find(e => e.checkVisibility());
		if (e) e.setAttribute("data-e2e-click", "");
		return !!e;
	})()`, sel))
	if !ok {
		b.fatalf("no visible %s on %s", sel, b.path())
	}
}

// tap taps, as a finger on a touch screen does, an element that loads a
// new page (see phone), waits for that page and returns its status.
func (b *tab) tap(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Tap(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("tap %s: %v", sel, err)
	}
	if resp == nil {
		b.fatalf("tap %s: no page loaded", sel)
	}
	return resp.Status
}

// tapVisible taps the first rendered element matching sel and waits for
// the page it loads.
func (b *tab) tapVisible(sel string) int64 {
	b.t.Helper()
	b.markVisible(sel)
	return b.tap("[data-e2e-click]")
}

// reload reloads the page the tab shows and returns its status.
func (b *tab) reload() int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Reload())
	if err != nil {
		b.fatalf("reload: %v", err)
	}
	if resp == nil {
		b.fatalf("reload: no page loaded")
	}
	return resp.Status
}

// html is the source of the page as the browser holds it, hidden parts
// included.
func (b *tab) html() string {
	b.t.Helper()
	return eval[string](b, "document.documentElement.outerHTML")
}

// fill replaces the value of a form field by typing, as a user would. The
// field is emptied through its value property first: chromedp.Clear fails
// on an empty textarea, and empties an input's attribute, not what was
// typed.
func (b *tab) fill(sel, value string) {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitReady(chromedp.CSS(sel)))
	if !eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = ""; return true; })()`, sel)) {
		b.fatalf("no field %s on %s", sel, b.path())
	}
	b.do("fill "+sel, chromedp.SendKeys(chromedp.CSS(sel), value))
	if got := b.value(sel); got != value {
		b.fatalf("field %s holds %q after typing %q", sel, got, value)
	}
}

func (b *tab) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("value of %s: %v", sel, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// path is the path of the page the tab shows.
func (b *tab) path() string {
	b.t.Helper()
	return eval[string](b, "location.pathname")
}

// text is what the user sees of the first element matching sel (its
// innerText, which leaves out hidden parts), "" when there is none or it is
// not rendered.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && e.checkVisibility() ? e.innerText.trim() : ""; })()`, sel))
}

// texts is the innerText of every element matching sel, rendered or not.
func (b *tab) texts(sel string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.innerText.trim())`, sel))
}

// visibleTexts is the text of the elements matching sel that are rendered.
func (b *tab) visibleTexts(sel string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll(%q)].filter(e => e.checkVisibility()).map(e => e.innerText.trim())`, sel))
}

// wantPath checks the page the tab shows.
func (b *tab) wantPath(want string) {
	b.t.Helper()
	if got := b.path(); got != want {
		b.fatalf("page is %s, want %s (h1: %q)", got, want, b.text("h1"))
	}
}

// wantText checks the visible text of the first element matching sel.
func (b *tab) wantText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); got != want {
		b.fatalf("%s shows %q, want %q", sel, got, want)
	}
}

// wantContains checks that the visible text of sel contains want.
func (b *tab) wantContains(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.fatalf("%s shows %q, want it to contain %q", sel, got, want)
	}
}

// login signs in through the login form and returns the status of the
// page it lands on.
func (b *tab) login(username, password string) int64 {
	b.t.Helper()
	b.open("/login")
	b.wantText("h1", zh("app.name"))
	b.fill(`input[name=username]`, username)
	b.fill(`input[name=password]`, password)
	return b.click(`form[action="/login"] button[type=submit]`)
}

// loginAs signs in with a demo account and checks it lands on the dashboard.
func (b *tab) loginAs(username string) {
	b.t.Helper()
	acc := b.h.accounts[username]
	if st := b.login(acc.Username, acc.Password); st != 200 {
		b.fatalf("login as %s: status %d, page %s, %q", username, st, b.path(), b.text("main"))
	}
	b.wantPath("/")
}

// cookie returns the value of a cookie of the app's origin, "" if unset.
func (b *tab) cookie(name string) string {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.h.base + "/"}})
	})
	if err != nil {
		b.fatalf("cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a cookie for the app's origin into the browser.
func (b *tab) setCookie(name, value string) {
	b.t.Helper()
	err := chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: b.h.base + "/"})
		return err
	}))
	if err != nil {
		b.fatalf("set cookie %s: %v", name, err)
	}
}

// query builds a path with a query string.
func query(path string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return path + "?" + v.Encode()
}

// phoneWidth is the width of a small phone's screen in CSS pixels.
const phoneWidth = 375

// phone makes the tab a phone: 375 px wide, mobile, with touch.
func (b *tab) phone() {
	b.t.Helper()
	b.do("phone viewport", chromedp.EmulateViewport(phoneWidth, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
}

// noHorizontalScroll checks that the page fits the phone's width.
func (b *tab) noHorizontalScroll() {
	b.t.Helper()
	if w := eval[int](b, "window.innerWidth"); w != phoneWidth {
		b.fatalf("viewport is %d px wide, want %d", w, phoneWidth)
	}
	if sw := eval[int](b, "document.documentElement.scrollWidth"); sw > phoneWidth {
		wide := eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > %d).slice(0, 5).map(e => e.tagName + "." + e.className)`, phoneWidth))
		b.t.Errorf("[%s] %s scrolls sideways: scrollWidth %d > %d; too wide: %q", b.name, b.path(), sw, phoneWidth, wide)
	}
}

// tapSummary taps the phone menu's button and waits for the menu to open.
func tapSummary() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Tap(chromedp.CSS("details.menu > summary")),
		chromedp.Poll[chromedp.Void](`document.querySelector("details.menu").open`, chromedp.WithPollingTimeout(5*time.Second)),
	)
}

// setSelect chooses an option of a select by its value.
func setSelect(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(chromedp.CSS(sel), value)
}

// buildingGroups returns the building groups of a committee, read with the
// admin's scope.
func (h *harness) buildingGroups(t *testing.T, committee *org.Unit) []*org.Unit {
	t.Helper()
	admin := h.user(t, "admin").Actor()
	kids, err := h.app.Org.Children(context.Background(), admin, committee.ID)
	if err != nil {
		t.Fatalf("children of %s: %v", committee.Name, err)
	}
	var out []*org.Unit
	for _, k := range kids {
		if k.Kind == org.BuildingGroup && !k.Archived {
			out = append(out, k)
		}
	}
	return out
}

// citizenID makes a valid citizen ID number (GB 11643): region, birth
// date, a three-digit sequence (odd for a man) and the check digit.
func citizenID(region string, birth time.Time, sequence int) string {
	first17 := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), sequence%1000)
	return first17 + string(ref.CheckDigit(first17))
}

// newPerson registers a person in a committee through the service, as the
// command line does (nil actor), and returns them with their full ID
// number. The tests make the persons they need instead of relying on the
// demo's.
func (h *harness) newPerson(t *testing.T, name, ethnicity string, committee *org.Unit) (*people.Person, string) {
	t.Helper()
	for try := 0; try < 20; try++ {
		n := seq()
		// Born 1950–1999 in Beijing's Chaoyang district (110105): the ID
		// masks as 110105********NNNN.
		birth := time.Date(1950+(n*7+try)%50, time.Month(1+(n+try)%12), 1+(n*3+try)%28, 0, 0, 0, 0, time.UTC)
		id := citizenID("110105", birth, 100+n*13+try*7)
		p, err := h.app.People.Create(context.Background(), auth.System("test"), people.Input{Name: name, IDNumber: id, Ethnicity: ethnicity,
			Kind: people.Registered, OrgID: committee.ID, CurrentAddress: committee.Name + "附近"})
		if errs.KindOf(err) == errs.Conflict {
			continue // the number is taken (by the demo's registry): another one
		}
		if err != nil {
			t.Fatalf("register %s: %v", name, err)
		}
		return p, id
	}
	t.Fatalf("register %s: no free ID number after 20 tries", name)
	return nil, ""
}

// pngFile writes a small PNG image (a visit photo) into the test's
// temporary directory and returns its path.
func pngFile(t *testing.T, name string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		for y := range 24 {
			img.Set(x, y, color.RGBA{R: 192, G: uint8(8 * y), B: uint8(4 * x), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("encode PNG: %v", err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return path
}

// cst is China time, in which the app shows dates and times.
var cst = time.FixedZone("CST", 8*3600)

// prop is the visible text of the definition (dd) for the term (dt) label
// in the first list of properties matching sel, "" when there is none.
func (b *tab) prop(sel, label string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(() => {
		const dl = document.querySelector(%q);
		const dt = dl && [...dl.querySelectorAll("dt")].find(e => e.innerText.trim() === %q);
		const dd = dt && dt.nextElementSibling;
		return dd ? dd.innerText.trim() : "";
	})()`, sel, label))
}
