package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
)

// cliResult is what one run of the CLI produced.
type cliResult struct {
	err            error
	stdout, stderr string
}

// cliExec runs the CLI in-process with the given stdin.
func cliExec(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return cliResult{err: err, stdout: out.String(), stderr: errOut.String()}
}

// cliClearEnv removes every PARLEY_* variable for the test (t.Setenv restores
// them afterwards), so that the machine's environment cannot leak in.
func cliClearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PARLEY_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

// cliConfig runs `parley config` and returns flag name -> printed env name
// and value.
func cliConfig(t *testing.T, args ...string) (env, value map[string]string) {
	t.Helper()
	res := cliExec(t, "", append([]string{"config"}, args...)...)
	if res.err != nil {
		t.Fatalf("config %v: %v\n%s", args, res.err, res.stderr)
	}
	env, value = map[string]string{}, map[string]string{}
	for _, line := range strings.Split(strings.TrimRight(res.stdout, "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("config line %q: want NAME ENV [VALUE]", line)
		}
		env[f[0]] = f[1]
		value[f[0]] = strings.Join(f[2:], " ")
	}
	return env, value
}

// cliLogin logs in through the API of ts.
func cliLogin(t *testing.T, ts *testServer, username, password string) *client {
	t.Helper()
	var out struct {
		User  channels.User `json:"user"`
		Token string        `json:"token"`
	}
	ts.anon().mustJSON(http.StatusOK, "POST", "/api/v1/login",
		map[string]any{"username": username, "password": password}, &out)
	return &client{ts: ts, Token: out.Token, User: out.User, Header: http.Header{}}
}

func TestCLI_UserCreate(t *testing.T) {
	cliClearEnv(t)
	tests := []struct {
		name      string
		args      []string // after "user create"; --data-dir is added unless env names it
		env       map[string]string
		stdin     string
		wantOut   string
		wantErr   string
		wantAdmin bool
		login     string // username to log in with afterwards
	}{
		{name: "creates an admin", args: []string{"--username", "ada", "--admin"}, stdin: "password-ada\n",
			wantOut: "created admin ada", wantAdmin: true, login: "ada"},
		{name: "creates a plain user", args: []string{"--username", "bob"}, stdin: "password-bob\n",
			wantOut: "created user bob", login: "bob"},
		{name: "password without a newline", args: []string{"--username", "cy"}, stdin: "password-cy",
			wantOut: "created user cy", login: "cy"},
		{name: "CRLF line ending is trimmed", args: []string{"--username", "dee"}, stdin: "password-dee\r\n",
			wantOut: "created user dee", login: "dee"},
		{name: "data dir from the environment", args: []string{"--username", "eve"},
			env: map[string]string{"PARLEY_DATA_DIR": "", "PARLEY_BCRYPT_COST": "4"}, stdin: "password-eve\n",
			wantOut: "created user eve", login: "eve"},
		{name: "missing username", args: []string{"--admin"}, stdin: "password-x\n", wantErr: "--username is required"},
		{name: "flag without value", args: []string{"--username"}, wantErr: "flag needs an argument"},
		{name: "unknown flag", args: []string{"--username", "x", "--bogus"}, wantErr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"--username", "x", "extra"}, stdin: "password-x\n", wantErr: "unexpected arguments: extra"},
		{name: "invalid username", args: []string{"--username", "Bad Name!"}, stdin: "password-x\n", wantErr: "username must be"},
		{name: "weak password", args: []string{"--username", "x"}, stdin: "short\n", wantErr: "at least 8 characters"},
		{name: "empty stdin", args: []string{"--username", "x"}, stdin: "", wantErr: "at least 8 characters"},
		{name: "invalid config", args: []string{"--username", "x", "--bcrypt-cost", "2"}, stdin: "password-x\n", wantErr: "bcrypt-cost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"user", "create"}
			if tt.env != nil {
				for k, v := range tt.env {
					if k == "PARLEY_DATA_DIR" {
						v = dir
					}
					t.Setenv(k, v)
				}
			} else {
				args = append(args, "--data-dir", dir, "--bcrypt-cost", "4")
			}
			args = append(args, tt.args...)
			res := cliExec(t, tt.stdin, args...)
			if tt.wantErr != "" {
				if res.err == nil || !strings.Contains(res.err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", res.err, tt.wantErr)
				}
				return
			}
			if res.err != nil {
				t.Fatalf("user create: %v\nstderr: %s", res.err, res.stderr)
			}
			if !strings.Contains(res.stdout, tt.wantOut) {
				t.Errorf("stdout = %q, want %q", res.stdout, tt.wantOut)
			}
			if strings.Contains(res.stdout+res.stderr, strings.TrimSpace(tt.stdin)) {
				t.Errorf("the password was echoed: stdout %q, stderr %q", res.stdout, res.stderr)
			}
			ts := newTestServer(t, func(c *Config) { c.DataDir = dir })
			c := cliLogin(t, ts, tt.login, strings.TrimRight(tt.stdin, "\r\n"))
			if c.User.IsAdmin != tt.wantAdmin {
				t.Errorf("is_admin = %v, want %v", c.User.IsAdmin, tt.wantAdmin)
			}
			// The wrong password is refused, so the right one really was checked.
			if res := ts.anon().do("POST", "/api/v1/login", map[string]any{"username": tt.login, "password": "not-the-password"}); res.Status != http.StatusUnauthorized {
				t.Errorf("login with a wrong password: status %d, want 401", res.Status)
			}
		})
	}

	t.Run("refuses a taken username", func(t *testing.T) {
		dir := t.TempDir()
		args := []string{"user", "create", "--username", "ada", "--data-dir", dir, "--bcrypt-cost", "4"}
		if res := cliExec(t, "password-ada\n", args...); res.err != nil {
			t.Fatalf("first create: %v", res.err)
		}
		res := cliExec(t, "password-other\n", args...)
		if res.err == nil || !strings.Contains(res.err.Error(), "taken") {
			t.Fatalf("err = %v, want username taken", res.err)
		}
	})
}

func TestCLI_TokenCreate(t *testing.T) {
	cliClearEnv(t)
	dir := t.TempDir()
	if res := cliExec(t, "password-ada\n", "user", "create", "--username", "ada", "--data-dir", dir, "--bcrypt-cost", "4"); res.err != nil {
		t.Fatalf("user create: %v", res.err)
	}
	tests := []struct {
		name    string
		args    []string // after "token create --data-dir DIR"
		wantErr string
	}{
		{name: "prints a personal token", args: []string{"--user", "ada"}},
		{name: "with a name", args: []string{"--user", "ada", "--name", "ci"}},
		{name: "missing user", args: nil, wantErr: "--user is required"},
		{name: "unknown user", args: []string{"--user", "nobody"}, wantErr: "not found"},
		{name: "unknown flag", args: []string{"--user", "ada", "--scope", "all"}, wantErr: "flag provided but not defined"},
	}
	var tokens []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := cliExec(t, "", append([]string{"token", "create", "--data-dir", dir}, tt.args...)...)
			if tt.wantErr != "" {
				if res.err == nil || !strings.Contains(res.err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", res.err, tt.wantErr)
				}
				if strings.Contains(res.stdout, channels.PrefixPersonal) {
					t.Errorf("a token was printed despite the error: %q", res.stdout)
				}
				return
			}
			if res.err != nil {
				t.Fatalf("token create: %v\nstderr: %s", res.err, res.stderr)
			}
			token := strings.TrimSpace(res.stdout)
			if !strings.HasPrefix(token, channels.PrefixPersonal) || strings.ContainsAny(token, " \n") {
				t.Fatalf("stdout = %q, want one %s token", res.stdout, channels.PrefixPersonal)
			}
			tokens = append(tokens, token)
		})
	}
	if len(tokens) != 2 || tokens[0] == tokens[1] {
		t.Fatalf("tokens = %q, want two different ones", tokens)
	}
	ts := newTestServer(t, func(c *Config) { c.DataDir = dir })
	for _, tok := range tokens {
		c := &client{ts: ts, Token: tok, Header: http.Header{}}
		var me channels.User
		c.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
		if me.Username != "ada" {
			t.Errorf("token acts as %q, want ada", me.Username)
		}
	}
	bad := &client{ts: ts, Token: channels.PrefixPersonal + "not-a-real-token", Header: http.Header{}}
	if res := bad.do("GET", "/api/v1/users/me", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("made-up token: status %d, want 401", res.Status)
	}
}

func TestCLI_Commands(t *testing.T) {
	cliClearEnv(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
		wantOut string
	}{
		{name: "no command", args: nil, wantErr: "no command given"},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: `unknown command "frobnicate"`},
		{name: "user without create", args: []string{"user", "delete"}, wantErr: "unknown command"},
		{name: "token alone", args: []string{"token"}, wantErr: "unknown command"},
		{name: "help", args: []string{"help"}, wantOut: "parley serve"},
		{name: "--help", args: []string{"--help"}, wantOut: "parley user create"},
		{name: "serve -h", args: []string{"serve", "-h"}, wantErr: flag.ErrHelp.Error()},
		{name: "config with a stray argument", args: []string{"config", "now"}, wantErr: "unexpected arguments: now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := cliExec(t, "", tt.args...)
			if tt.wantErr != "" {
				if res.err == nil || !strings.Contains(res.err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", res.err, tt.wantErr)
				}
				return
			}
			if res.err != nil {
				t.Fatalf("err = %v", res.err)
			}
			if !strings.Contains(res.stdout, tt.wantOut) {
				t.Errorf("stdout = %q, want %q", res.stdout, tt.wantOut)
			}
		})
	}
}

func TestCLI_ConfigPrintsEveryFlag(t *testing.T) {
	cliClearEnv(t)
	env, value := cliConfig(t)
	fs := flag.NewFlagSet("want", flag.ContinueOnError)
	cfg := DefaultConfig()
	if err := cfg.bindFlags(fs); err != nil {
		t.Fatal(err)
	}
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		want := "PARLEY_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if env[f.Name] != want {
			t.Errorf("flag %s: printed env %q, want %q", f.Name, env[f.Name], want)
		}
		if value[f.Name] != f.DefValue {
			t.Errorf("flag %s: printed value %q, want default %q", f.Name, value[f.Name], f.DefValue)
		}
	})
	if len(env) != n {
		t.Errorf("config printed %d settings, want %d", len(env), n)
	}
	for _, name := range []string{"listen", "public-url", "data-dir", "open-signup", "sqlite-sync", "bcrypt-cost",
		"rate-limit", "rate-burst", "session-ttl", "event-retention", "max-body-bytes", "max-upload-bytes", "log-format", "log-level"} {
		if _, ok := env[name]; !ok {
			t.Errorf("config does not print %s", name)
		}
	}
}

func TestCLI_ConfigColumnsAlign(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "defaults"},
		{name: "a long value and a masked secret", args: []string{"--meili-key", "s3cret",
			"--public-url", "https://chat.example.com", "--trusted-proxies", "10.0.0.0/8,192.168.0.0/16"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cliClearEnv(t)
			res := cliExec(t, "", append([]string{"config"}, tt.args...)...)
			if res.err != nil {
				t.Fatalf("config: %v\n%s", res.err, res.stderr)
			}
			out := res.stdout
			if !strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\n\n") {
				t.Errorf("output does not end in exactly one newline: %q", out[max(0, len(out)-40):])
			}
			envCol, valueCol := -1, -1
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if strings.TrimRight(line, " \t") != line {
					t.Errorf("line %q ends in blanks", line)
				}
				fields := strings.Fields(line)
				if len(fields) < 2 || len(fields) > 3 {
					t.Fatalf("line %q: want NAME ENV [VALUE]", line)
				}
				env := strings.Index(line, fields[1])
				if envCol == -1 {
					envCol = env
				}
				if env != envCol || env < len(fields[0])+2 {
					t.Errorf("line %q: environment column at %d, want %d, two blanks after the widest name", line, env, envCol)
				}
				if len(fields) < 3 {
					continue
				}
				value := env + len(fields[1]) + strings.Index(line[env+len(fields[1]):], fields[2])
				if valueCol == -1 {
					valueCol = value
				}
				if value != valueCol {
					t.Errorf("line %q: value column at %d, want %d", line, value, valueCol)
				}
			}
			if strings.Contains(out, "s3cret") {
				t.Error("config printed the Meilisearch key")
			}
		})
	}
}

func TestCLI_ConfigPrecedence(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want map[string]string
	}{
		{
			name: "defaults",
			want: map[string]string{"listen": "127.0.0.1:8080", "data-dir": "./data", "open-signup": "false",
				"sqlite-sync": "full", "rate-limit": "50", "session-ttl": "720h0m0s", "log-format": "text"},
		},
		{
			name: "environment overrides defaults",
			env: map[string]string{"PARLEY_LISTEN": "0.0.0.0:9000", "PARLEY_OPEN_SIGNUP": "true", "PARLEY_SESSION_TTL": "2h",
				"PARLEY_RATE_LIMIT": "7.5", "PARLEY_BCRYPT_COST": "12", "PARLEY_MAX_BODY_BYTES": "4096", "PARLEY_SQLITE_SYNC": "normal",
				"PARLEY_PUBLIC_URL": "https://chat.example.com"},
			want: map[string]string{"listen": "0.0.0.0:9000", "open-signup": "true", "session-ttl": "2h0m0s", "rate-limit": "7.5",
				"bcrypt-cost": "12", "max-body-bytes": "4096", "sqlite-sync": "normal", "public-url": "https://chat.example.com",
				"data-dir": "./data"},
		},
		{
			name: "flags override the environment",
			env:  map[string]string{"PARLEY_LISTEN": "0.0.0.0:9000", "PARLEY_LOG_LEVEL": "debug", "PARLEY_RATE_BURST": "5"},
			args: []string{"--listen", "127.0.0.1:7000", "--log-level", "warn"},
			want: map[string]string{"listen": "127.0.0.1:7000", "log-level": "warn", "rate-burst": "5"},
		},
		{
			name: "a false flag overrides a true environment",
			env:  map[string]string{"PARLEY_OPEN_SIGNUP": "true"},
			args: []string{"--open-signup=false"},
			want: map[string]string{"open-signup": "false"},
		},
		{
			name: "an empty environment value is used as given",
			env:  map[string]string{"PARLEY_PUBLIC_URL": ""},
			want: map[string]string{"public-url": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cliClearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, value := cliConfig(t, tt.args...)
			for name, want := range tt.want {
				if got, ok := value[name]; !ok || got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestCLI_InvalidConfigReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name    string
		command string
		env     map[string]string
		args    []string
		want    []string
		exact   bool // want lists every problem, so no other line may appear
	}{
		{
			name:    "flags",
			command: "config",
			args: []string{"--listen", "nope", "--sqlite-sync", "sometimes", "--bcrypt-cost", "2", "--log-format", "xml",
				"--log-level", "loud", "--max-body-bytes", "10", "--public-url", "ftp://x", "--session-ttl", "1s"},
			want: []string{"listen:", "sqlite-sync:", "bcrypt-cost:", "log-format:", "log-level:", "max-body-bytes:",
				"public-url:", "session-ttl:"},
			exact: true,
		},
		{
			name:    "environment",
			command: "config",
			env: map[string]string{"PARLEY_RATE_LIMIT": "fast", "PARLEY_OPEN_SIGNUP": "maybe", "PARLEY_SESSION_TTL": "forever",
				"PARLEY_MAX_UPLOAD_BYTES": "lots", "PARLEY_BCRYPT_COST": "ten"},
			want: []string{"PARLEY_RATE_LIMIT", "PARLEY_OPEN_SIGNUP", "PARLEY_SESSION_TTL", "PARLEY_MAX_UPLOAD_BYTES",
				"PARLEY_BCRYPT_COST"},
		},
		{
			name:    "environment and flags together",
			command: "config",
			env:     map[string]string{"PARLEY_EVENT_RETENTION": "soon", "PARLEY_DATA_DIR": ""},
			args:    []string{"--rate-burst", "0"},
			want:    []string{"PARLEY_EVENT_RETENTION", "data-dir:", "rate-limit and rate-burst:"},
		},
		{
			name:    "serve refuses to start",
			command: "serve",
			args:    []string{"--listen", "127.0.0.1", "--log-format", "yaml"},
			want:    []string{"listen:", "log-format:"},
			exact:   true,
		},
		{
			name:    "admin commands check too",
			command: "user create",
			args:    []string{"--username", "ada", "--sqlite-sync", "off", "--log-level", "chatty"},
			want:    []string{"sqlite-sync:", "log-level:"},
			exact:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cliClearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			args := strings.Fields(tt.command)
			if _, ok := tt.env["PARLEY_DATA_DIR"]; !ok {
				// Never touch ./data, even if validation were to pass.
				args = append(args, "--data-dir", dir)
			}
			res := cliExec(t, "password-ada\n", append(args, tt.args...)...)
			if res.err == nil {
				t.Fatalf("no error; stdout %q", res.stdout)
			}
			msg := res.err.Error()
			if !strings.Contains(msg, "invalid configuration") {
				t.Errorf("err = %q, want it to say invalid configuration", msg)
			}
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("err does not mention %q:\n%s", want, msg)
				}
			}
			// Each problem is on its own line after the heading.
			if got, want := strings.Count(msg, "\n"), len(tt.want); tt.exact && got != want || got < want {
				t.Errorf("err has %d problem lines, want %d:\n%s", got, want, msg)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the data dir was touched despite the invalid configuration: %v", entries)
			}
		})
	}
}

// TestCLI_AdminCommandsWhileServing runs the admin commands on the data folder
// of a running server that is taking posts at the same time.
func TestCLI_AdminCommandsWhileServing(t *testing.T) {
	cliClearEnv(t)
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("ops", false)

	// Keep the server writing while the CLI works on the same database.
	hc := &http.Client{Timeout: 10 * time.Second}
	stop := make(chan struct{})
	firstPost := make(chan struct{})
	var wg sync.WaitGroup
	var posted int
	wg.Add(1)
	go func() {
		defer wg.Done()
		u := fmt.Sprintf("%s/api/v1/channels/%d/messages", ts.URL, ch.ID)
		for i := 0; i < 100000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			st, err := durCall(hc, "POST", u, ada.Token, map[string]any{"text": fmt.Sprintf("busy %d", i)}, nil)
			if err != nil || st != http.StatusCreated {
				t.Errorf("post while the CLI runs: status %d, err %v", st, err)
				return
			}
			posted++
			if i == 0 {
				close(firstPost)
			}
		}
	}()
	select {
	case <-firstPost:
	case <-time.After(10 * time.Second):
		t.Fatal("the first post did not finish within 10s")
	}

	dir := ts.cfg.DataDir
	res := cliExec(t, "password-carol\n", "user", "create", "--username", "carol", "--data-dir", dir, "--bcrypt-cost", "4")
	if res.err != nil {
		t.Fatalf("user create while serving: %v\n%s", res.err, res.stderr)
	}
	res = cliExec(t, "", "token", "create", "--user", "carol", "--data-dir", dir)
	if res.err != nil {
		t.Fatalf("token create while serving: %v\n%s", res.err, res.stderr)
	}
	token := strings.TrimSpace(res.stdout)
	res = cliExec(t, "", "migrate", "--data-dir", dir)
	if res.err != nil {
		t.Fatalf("migrate while serving: %v\n%s", res.err, res.stderr)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d posts went through while the CLI ran", posted)

	carol := cliLogin(t, ts, "carol", "password-carol")
	if carol.User.Username != "carol" || carol.User.IsAdmin {
		t.Errorf("logged in as %+v, want plain user carol", carol.User)
	}
	withToken := &client{ts: ts, Token: token, Header: http.Header{}}
	var me channels.User
	withToken.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
	if me.ID != carol.User.ID {
		t.Errorf("CLI token acts as user %d, want carol (%d)", me.ID, carol.User.ID)
	}
	withToken.join(ch.ID)
	if m := withToken.post(ch.ID, "hello from the CLI token", 0); m.UserID != carol.User.ID {
		t.Errorf("posted as %d, want carol", m.UserID)
	}
}

// TestCLI_AppCreate: parley app create prints the app's id, signing secret,
// bot token and app token, which then work against a server on the data.
func TestCLI_AppCreate(t *testing.T) {
	cliClearEnv(t)
	dir := t.TempDir()
	if res := cliExec(t, "password-ada\n", "user", "create", "--username", "ada", "--admin", "--data-dir", dir, "--bcrypt-cost", "4"); res.err != nil {
		t.Fatalf("user create: %v", res.err)
	}
	if res := cliExec(t, "", "app", "create", "--data-dir", dir, "--name", "Deployer"); res.err == nil ||
		!strings.Contains(res.err.Error(), "--name and --username are required") {
		t.Fatalf("without a username: %v", res.err)
	}
	res := cliExec(t, "", "app", "create", "--data-dir", dir, "--name", "Deployer", "--username", "deployer", "--scopes", "chat:write,commands")
	if res.err != nil {
		t.Fatalf("app create: %v\n%s", res.err, res.stderr)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		k, v, _ := strings.Cut(line, "=")
		got[k] = v
	}
	if !strings.HasPrefix(got["app_id"], "A") || len(got["signing_secret"]) != 32 ||
		!strings.HasPrefix(got["bot_token"], channels.PrefixBot) || !strings.HasPrefix(got["app_token"], "xapp-1-"+got["app_id"]+"-") {
		t.Fatalf("printed %q", res.stdout)
	}
	ts := newTestServer(t, func(c *Config) { c.DataDir = dir })
	bot := &client{ts: ts, Token: got["bot_token"], Header: http.Header{}}
	var me channels.User
	bot.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &me)
	if me.Username != "deployer" || me.Kind != channels.KindBot {
		t.Errorf("the bot token acts as %+v", me)
	}
	app, err := ts.app.bots.AppByToken(t.Context(), got["app_token"])
	if err != nil || app.SlackID != got["app_id"] || app.SigningSecret != got["signing_secret"] || app.Bot.OwnerID == 0 {
		t.Errorf("the app token names %+v, %v", app, err)
	}
}
