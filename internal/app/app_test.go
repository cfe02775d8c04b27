package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"shiliu/internal/app"
	"shiliu/internal/auth"
	"shiliu/internal/config"
	"shiliu/internal/dbtest"
	"shiliu/internal/org"
)

func TestMain(m *testing.M) {
	auth.ArgonMemory = 1024
	m.Run()
}

// start runs an instance on a free port until the test ends.
func start(t testing.TB, dataDir, dsn string) *app.App {
	t.Helper()
	cfg := config.Config{DataDir: dataDir, DSN: dsn, Addr: "127.0.0.1:0", LogFormat: "text", LogLevel: "error", ShutdownTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("open: %v", err)
	}
	if err := a.Listen(); err != nil {
		cancel()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return a
}

func noRedirect(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestTwoInstancesShareSessions: a session made on one instance is valid on
// another instance on the same PostgreSQL database, and a logout on the
// second ends it on the first.
func TestTwoInstancesShareSessions(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	// Instances of one database share its keys (here through the
	// environment, as a deployment would).
	key := make([]byte, 64)
	rand.Read(key)
	t.Setenv("SHILIU_KEY", base64.StdEncoding.EncodeToString(key))
	a1 := start(t, t.TempDir(), dsn)
	a2 := start(t, t.TempDir(), dsn)
	ctx := context.Background()
	root, err := a1.Org.Create(ctx, auth.System("test"), org.Input{Code: "S", Name: "和平街道", Kind: org.Subdistrict})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a1.Auth.Create(ctx, auth.System("test"), auth.NewUser{Username: "admin", Role: auth.StreetAdmin, OrgID: root.ID, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := noRedirect(jar)
	resp, err := c.PostForm(a1.URL()+"/login", url.Values{"username": {"admin"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login on instance 1: status %d", resp.StatusCode)
	}
	// Move the cookie to instance 2's host:port.
	u1, _ := url.Parse(a1.URL())
	u2, _ := url.Parse(a2.URL())
	jar.SetCookies(u2, jar.Cookies(u1))
	resp, err = c.Get(a2.URL() + "/org")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "和平街道") {
		t.Fatalf("instance 2 with instance 1's session: status %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, a2.URL()+"/logout", nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	jar.SetCookies(u1, jar.Cookies(u2))
	resp, err = c.Get(a1.URL() + "/org")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("instance 1 after logout on instance 2: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestKeysMustMatchTheDatabase: an instance whose key file is not the one
// the database was used with refuses to start, instead of sealing new
// values under keys that cannot open the old ones.
func TestKeysMustMatchTheDatabase(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	start(t, t.TempDir(), dsn)
	cfg := config.Config{DataDir: t.TempDir(), DSN: dsn, Addr: "127.0.0.1:0", LogFormat: "text", LogLevel: "error"}
	_, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "fingerprint") {
		t.Fatalf("a second key file on the same database: got %v, want a refusal naming the fingerprint", err)
	}
}

// TestServeEmptyDataDir: a fresh data directory gets a database and answers
// /healthz and /readyz.
func TestServeEmptyDataDir(t *testing.T) {
	a := start(t, t.TempDir()+"/new/data", "")
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(a.URL() + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != "ok" {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, b)
		}
	}
}

// TestGracefulShutdown: a request in flight when shutdown starts completes.
func TestGracefulShutdown(t *testing.T) {
	cfg := config.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", LogFormat: "text", LogLevel: "error", ShutdownTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	// A slow client: the login form's body arrives in two parts, and
	// shutdown begins while the handler is still reading it.
	pr, pw := io.Pipe()
	type result struct {
		code int
		err  error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, a.URL()+"/login", pr)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		resp.Body.Close()
		res <- result{code: resp.StatusCode}
	}()
	pw.Write([]byte("username=nobody&"))
	time.Sleep(200 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	pw.Write([]byte("password=wrong-password-here"))
	pw.Close()
	r := <-res
	if r.err != nil || r.code != http.StatusUnauthorized {
		t.Fatalf("in-flight request during shutdown: code %d, err %v; want the login page's 401", r.code, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// BenchmarkStartToHealthz measures opening an empty data directory
// (creating and migrating the database) until /healthz answers. The issue
// asks for under one second.
func BenchmarkStartToHealthz(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		cfg := config.Config{DataDir: dir, Addr: "127.0.0.1:0", LogFormat: "text", LogLevel: "error", ShutdownTimeout: time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			b.Fatal(err)
		}
		a.Listen()
		done := make(chan error, 1)
		go func() { done <- a.Serve(ctx) }()
		resp, err := http.Get(a.URL() + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("healthz: %v", err)
		}
		resp.Body.Close()
		b.StopTimer()
		cancel()
		<-done
		a.Close()
		b.StartTimer()
	}
}
