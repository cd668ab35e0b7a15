package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley-chat/parley/channels/realtime"
	"github.com/parley-chat/parley/webhooks"
)

// Config is every setting of `parley serve`. Values come from the defaults,
// then PARLEY_* environment variables, then flags.
type Config struct {
	Listen         string
	PublicURL      string
	TrustedProxies string
	DataDir        string
	OpenSignup     bool
	MaxBodyBytes   int64
	MaxUploadBytes int64
	// BodyTimeout is how long a request may take to send its headers and
	// body; UploadTimeout, longer, is an authenticated upload's allowance.
	BodyTimeout    time.Duration
	UploadTimeout  time.Duration
	EventRetention time.Duration
	SessionTTL     time.Duration
	SQLiteSync     string
	BcryptCost     int
	RateLimit      float64
	RateBurst      int
	MaxWSPerUser   int
	// UsersCanCreateBots lets every user create bots, not only admins.
	UsersCanCreateBots bool
	// KeepBotsOfDeactivated leaves a deactivated person's bots working.
	KeepBotsOfDeactivated bool
	// BotPostRate and BotPostBurst hold each bot token's posts per channel.
	BotPostRate  float64
	BotPostBurst int
	// IncomingWebhookRate and IncomingWebhookBurst hold each incoming
	// webhook's posts.
	IncomingWebhookRate  float64
	IncomingWebhookBurst int
	// WebhookAllowHosts lists CIDRs and host names outbound webhook calls
	// may reach although the SSRF guard refuses them (comma-separated).
	WebhookAllowHosts string
	// WebhookRetryBackoff is the first retry delay of an outgoing webhook
	// delivery; it doubles per attempt.
	WebhookRetryBackoff time.Duration
	// WebhookRetryFor is how long a delivery is retried, and how long a
	// subscription may fail every delivery before it is disabled.
	WebhookRetryFor time.Duration
	// CommandTimeout is how long a bot's app has to answer a slash command.
	CommandTimeout time.Duration
	// MeiliURL selects the Meilisearch search backend (empty: SQLite FTS5);
	// MeiliKey is its API key.
	MeiliURL  string
	MeiliKey  string
	LogFormat string
	LogLevel  string
	// DebugListen, when set, serves Go's profiler (/debug/pprof/) on a
	// separate address, never on the public one.
	DebugListen string
	// MetricsListen, when set, serves Prometheus metrics (/metrics) on a
	// separate address, never on the public one.
	MetricsListen string

	// hubTweak lets tests shorten the realtime timers (presence, typing,
	// heartbeats, buffers); it has no flag.
	hubTweak func(*realtime.HubOptions)
}

// DefaultConfig runs locally with data in ./data.
func DefaultConfig() Config {
	return Config{
		Listen:               "127.0.0.1:8080",
		DataDir:              "./data",
		MaxBodyBytes:         1 << 20,
		MaxUploadBytes:       50 << 20,
		BodyTimeout:          30 * time.Second,
		UploadTimeout:        15 * time.Minute,
		EventRetention:       30 * 24 * time.Hour,
		SessionTTL:           30 * 24 * time.Hour,
		SQLiteSync:           "full",
		BcryptCost:           10,
		RateLimit:            50,
		RateBurst:            200,
		MaxWSPerUser:         20,
		BotPostRate:          1,
		BotPostBurst:         5,
		IncomingWebhookRate:  20,
		IncomingWebhookBurst: 500,
		WebhookRetryBackoff:  10 * time.Second,
		WebhookRetryFor:      24 * time.Hour,
		CommandTimeout:       3 * time.Second,
		LogFormat:            "text",
		LogLevel:             "info",
	}
}

// envName is the PARLEY_* twin of a flag.
func envName(flagName string) string {
	return "PARLEY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// bindFlags registers every setting on fs; environment values become the
// flags' defaults, so an explicit flag wins.
func (c *Config) bindFlags(fs *flag.FlagSet) error {
	var errs []error
	env := func(name string) (string, bool) { return os.LookupEnv(envName(name)) }
	str := func(p *string, name, usage string) {
		if v, ok := env(name); ok {
			*p = v
		}
		fs.StringVar(p, name, *p, usage)
	}
	boolean := func(p *bool, name, usage string) {
		if v, ok := env(name); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a boolean", envName(name), v))
			}
			*p = b
		}
		fs.BoolVar(p, name, *p, usage)
	}
	integer := func(p *int64, name, usage string) {
		if v, ok := env(name); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not an integer", envName(name), v))
			}
			*p = n
		}
		fs.Int64Var(p, name, *p, usage)
	}
	small := func(p *int, name, usage string) {
		if v, ok := env(name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not an integer", envName(name), v))
			}
			*p = n
		}
		fs.IntVar(p, name, *p, usage)
	}
	float := func(p *float64, name, usage string) {
		if v, ok := env(name); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a number", envName(name), v))
			}
			*p = n
		}
		fs.Float64Var(p, name, *p, usage)
	}
	duration := func(p *time.Duration, name, usage string) {
		if v, ok := env(name); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration", envName(name), v))
			}
			*p = d
		}
		fs.DurationVar(p, name, *p, usage)
	}

	str(&c.Listen, "listen", "address to serve HTTP on (port 0 picks a free port)")
	str(&c.PublicURL, "public-url", "URL people reach Parley at (default http://LISTEN)")
	str(&c.TrustedProxies, "trusted-proxies", "comma-separated proxy IPs or CIDRs whose X-Forwarded-For is believed (default none)")
	str(&c.DataDir, "data-dir", "folder for the database and uploaded files")
	boolean(&c.OpenSignup, "open-signup", "let anyone sign up, not only invitees")
	integer(&c.MaxBodyBytes, "max-body-bytes", "largest JSON request body, in bytes")
	integer(&c.MaxUploadBytes, "max-upload-bytes", "largest uploaded file, in bytes")
	duration(&c.BodyTimeout, "body-timeout", "how long a request may take to send its headers and body before the connection is closed")
	duration(&c.UploadTimeout, "upload-timeout", "how long an authenticated file upload may take to send its body (15m lets 50 MiB through at 60 KB/s)")
	duration(&c.EventRetention, "event-retention", "how long the event log keeps events")
	duration(&c.SessionTTL, "session-ttl", "how long a login session lasts")
	str(&c.SQLiteSync, "sqlite-sync", "SQLite synchronous mode: full (survives power loss) or normal (survives crashes)")
	small(&c.BcryptCost, "bcrypt-cost", "bcrypt cost of password hashes (10-14)")
	float(&c.RateLimit, "rate-limit", "API requests per second allowed per user (0 turns the limit off)")
	small(&c.RateBurst, "rate-burst", "API requests a user may send in a burst")
	small(&c.MaxWSPerUser, "max-ws-per-user", "WebSocket connections a user may hold open at once")
	boolean(&c.UsersCanCreateBots, "users-can-create-bots", "let every user create bots, not only admins")
	boolean(&c.KeepBotsOfDeactivated, "keep-bots-of-deactivated-owners", "keep a deactivated person's bots working (by default they are disabled until the owner is reactivated)")
	float(&c.BotPostRate, "bot-post-rate", "messages per second a bot token may post to one channel (0 turns the limit off)")
	small(&c.BotPostBurst, "bot-post-burst", "messages a bot token may post to one channel in a burst")
	float(&c.IncomingWebhookRate, "incoming-webhook-rate", "messages per second one incoming webhook may post, sustained (0 turns the limit off)")
	small(&c.IncomingWebhookBurst, "incoming-webhook-burst", "messages one incoming webhook may post in a burst")
	str(&c.WebhookAllowHosts, "webhook-allow-hosts", "comma-separated CIDRs and host names outgoing webhooks may reach although private or loopback")
	duration(&c.WebhookRetryBackoff, "webhook-retry-backoff", "first retry delay of an outgoing webhook delivery (doubles per attempt, with jitter)")
	duration(&c.CommandTimeout, "command-timeout", "how long a bot's app has to answer a slash command before the user is told it timed out")
	duration(&c.WebhookRetryFor, "webhook-retry-for", "how long an outgoing webhook delivery is retried; a subscription failing every delivery that long is disabled")
	str(&c.MeiliURL, "meili-url", "Meilisearch URL (http://host:7700) to search with instead of the built-in SQLite FTS5")
	str(&c.MeiliKey, "meili-key", "Meilisearch API key")
	str(&c.LogFormat, "log-format", "log format: text or json")
	str(&c.LogLevel, "log-level", "log level: debug, info, warn or error")
	str(&c.DebugListen, "debug-listen", "address to serve Go's profiler (/debug/pprof/) on, e.g. 127.0.0.1:6060 (off when empty)")
	str(&c.MetricsListen, "metrics-listen", "address to serve Prometheus metrics (/metrics) on, e.g. 127.0.0.1:9090 (off when empty)")
	return errors.Join(errs...)
}

// validate reports every problem at once.
func (c *Config) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %q is not host:port", c.Listen))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("public-url: %q is not an http(s) URL", c.PublicURL))
		}
	}
	for _, p := range c.trustedProxies() {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("trusted-proxies: %q is not an IP or CIDR", p))
			}
		}
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data-dir: must not be empty"))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("max-body-bytes: must be at least 1024"))
	}
	if c.MaxUploadBytes < 1 {
		errs = append(errs, errors.New("max-upload-bytes: must be positive"))
	}
	if c.BodyTimeout <= 0 || c.UploadTimeout <= 0 {
		errs = append(errs, errors.New("body-timeout and upload-timeout: must be positive"))
	}
	if c.EventRetention < time.Hour {
		errs = append(errs, errors.New("event-retention: must be at least 1h"))
	}
	if c.SessionTTL < time.Minute {
		errs = append(errs, errors.New("session-ttl: must be at least 1m"))
	}
	if c.SQLiteSync != "full" && c.SQLiteSync != "normal" {
		errs = append(errs, fmt.Errorf("sqlite-sync: %q is not full or normal", c.SQLiteSync))
	}
	if c.BcryptCost < 4 || c.BcryptCost > 31 {
		errs = append(errs, errors.New("bcrypt-cost: must be between 4 and 31"))
	}
	if c.RateLimit < 0 || c.RateBurst < 1 {
		errs = append(errs, errors.New("rate-limit and rate-burst: must be positive"))
	}
	if c.BotPostRate < 0 || c.BotPostBurst < 1 {
		errs = append(errs, errors.New("bot-post-rate and bot-post-burst: must be positive"))
	}
	if c.IncomingWebhookRate < 0 || c.IncomingWebhookBurst < 1 {
		errs = append(errs, errors.New("incoming-webhook-rate and incoming-webhook-burst: must be positive"))
	}
	if _, err := webhooks.NewSender(webhooks.SenderOptions{Allow: webhooks.ParseAllowlist(c.WebhookAllowHosts)}); err != nil {
		errs = append(errs, fmt.Errorf("webhook-allow-hosts: %w", err))
	}
	if c.WebhookRetryFor <= 0 {
		errs = append(errs, errors.New("webhook-retry-for: must be positive"))
	}
	if c.CommandTimeout <= 0 {
		errs = append(errs, errors.New("command-timeout: must be positive"))
	}
	if c.WebhookRetryBackoff <= 0 {
		errs = append(errs, errors.New("webhook-retry-backoff: must be positive"))
	}
	if c.MaxWSPerUser < 1 {
		errs = append(errs, errors.New("max-ws-per-user: must be at least 1"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format: %q is not text or json", c.LogFormat))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// print writes the effective configuration, one setting a line in aligned
// columns: flag, environment variable, value.
func (c *Config) print(w io.Writer, fs *flag.FlagSet) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		value := f.Value.String()
		if f.Name == "meili-key" && value != "" {
			value = "(set)" // a secret: never printed
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, envName(f.Name), value)
	})
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print configuration: %w", err)
	}
	// An empty value leaves its line ending in the padding of the column before.
	var out strings.Builder
	for line := range strings.Lines(buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n") + "\n")
	}
	if _, err := io.WriteString(w, out.String()); err != nil {
		return fmt.Errorf("print configuration: %w", err)
	}
	return nil
}

// trustedProxies splits the trusted-proxies setting.
func (c *Config) trustedProxies() []string {
	var out []string
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
