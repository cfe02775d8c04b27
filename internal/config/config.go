// Package config is Shiliu's configuration: one typed struct, filled from
// command-line flags with environment fallbacks, validated once and passed
// explicitly.
package config

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Config is the configuration of one Shiliu instance. The flag and
// environment names are used by scripts: keep them stable.
type Config struct {
	DataDir   string // --data, SHILIU_DATA
	DSN       string // --db, SHILIU_DB
	Addr      string // --addr, SHILIU_ADDR
	LogFormat string // --log-format, SHILIU_LOG_FORMAT: text or json
	LogLevel  string // --log-level, SHILIU_LOG_LEVEL
	// TLSCert and TLSKey make serve speak HTTPS itself.
	TLSCert string // --tls-cert, SHILIU_TLS_CERT
	TLSKey  string // --tls-key, SHILIU_TLS_KEY
	// BehindTLS says a TLS proxy sits in front: cookies are marked Secure.
	BehindTLS bool // --behind-tls, SHILIU_BEHIND_TLS
	// Cipher is the field-encryption algorithm of a new instance's key file:
	// sm4-gcm (default, national standard) or aes-256-gcm. An existing key
	// file keeps its own.
	Cipher string // --cipher, SHILIU_CIPHER
	// WebhookURL, when set, receives emergency and escalation notices as
	// JSON (signed with WebhookSecret).
	WebhookURL    string // --webhook-url, SHILIU_WEBHOOK_URL
	WebhookSecret string // SHILIU_WEBHOOK_SECRET
	// ShutdownTimeout bounds how long in-flight requests may finish.
	ShutdownTimeout time.Duration
	// ArgonMemoryKiB, when not zero, replaces the 64 MiB of memory each
	// password hash costs. Tests lower it so that logins are cheap; it is
	// no flag, because the production cost is not an operator's choice.
	ArgonMemoryKiB uint32
}

// Register defines the common flags on fs, with defaults from the
// environment.
func (c *Config) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", env("SHILIU_DATA", "./data"), "data directory (SQLite database, uploads) [SHILIU_DATA]")
	fs.StringVar(&c.DSN, "db", env("SHILIU_DB", ""), "database: empty for SQLite in the data directory, or a postgres:// URL [SHILIU_DB]")
	fs.StringVar(&c.Addr, "addr", env("SHILIU_ADDR", "127.0.0.1:8080"), "address to listen on [SHILIU_ADDR]")
	fs.StringVar(&c.LogFormat, "log-format", env("SHILIU_LOG_FORMAT", "text"), "log format: text or json [SHILIU_LOG_FORMAT]")
	fs.StringVar(&c.LogLevel, "log-level", env("SHILIU_LOG_LEVEL", "info"), "log level: debug, info, warn, error [SHILIU_LOG_LEVEL]")
	fs.StringVar(&c.TLSCert, "tls-cert", env("SHILIU_TLS_CERT", ""), "TLS certificate file, to serve HTTPS [SHILIU_TLS_CERT]")
	fs.StringVar(&c.TLSKey, "tls-key", env("SHILIU_TLS_KEY", ""), "TLS key file [SHILIU_TLS_KEY]")
	fs.BoolVar(&c.BehindTLS, "behind-tls", env("SHILIU_BEHIND_TLS", "") != "", "a TLS proxy serves this instance: mark cookies Secure [SHILIU_BEHIND_TLS]")
	fs.StringVar(&c.Cipher, "cipher", env("SHILIU_CIPHER", ""), "field encryption of a new instance: sm4-gcm (default) or aes-256-gcm [SHILIU_CIPHER]")
	fs.StringVar(&c.WebhookURL, "webhook-url", env("SHILIU_WEBHOOK_URL", ""), "URL that receives emergency notices as JSON [SHILIU_WEBHOOK_URL]")
	c.WebhookSecret = env("SHILIU_WEBHOOK_SECRET", "")
	c.ShutdownTimeout = 20 * time.Second
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("--data must not be empty")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if c.Cipher != "" && c.Cipher != "sm4-gcm" && c.Cipher != "aes-256-gcm" {
		return fmt.Errorf("--cipher must be sm4-gcm or aes-256-gcm, not %q", c.Cipher)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if c.DSN != "" && !strings.HasPrefix(c.DSN, "postgres://") && !strings.HasPrefix(c.DSN, "postgresql://") &&
		!strings.HasPrefix(c.DSN, "sqlite://") && !strings.HasPrefix(c.DSN, "file:") && !strings.HasSuffix(c.DSN, ".db") {
		return fmt.Errorf("--db must be a postgres:// URL or a SQLite file (sqlite://PATH or PATH.db)")
	}
	return nil
}

// SecureCookies reports whether cookies must be marked Secure.
func (c *Config) SecureCookies() bool { return c.TLSCert != "" || c.BehindTLS }

// Logger builds the logger the configuration asks for.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
