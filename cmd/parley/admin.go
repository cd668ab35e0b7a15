package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
)

// The admin commands: parley migrate, config, user create, token create,
// bot create, app create and reindex. Each opens the data folder, does one thing and
// closes it; none serves.

func migrateCommand(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, _, err := parseConfig("migrate", args, stderr, nil)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	return a.Close()
}

func configCommand(args []string, stdout, stderr io.Writer) error {
	cfg, fs, err := parseConfig("config", args, stderr, nil)
	if err != nil {
		return err
	}
	return cfg.print(stdout, fs)
}

func userCreateCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var username string
	var admin bool
	cfg, _, err := parseConfig("user create", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the new user's name")
		fs.BoolVar(&admin, "admin", false, "make the user an admin")
	})
	if err != nil {
		return err
	}
	if username == "" {
		return errors.New("user create: --username is required")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.svc.CreateUser(ctx, username, password, admin)
	if err != nil {
		return err
	}
	role := "user"
	if u.IsAdmin {
		role = "admin"
	}
	fmt.Fprintf(stdout, "created %s %s (id %d)\n", role, u.Username, u.ID)
	return nil
}

func tokenCreateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var username, name string
	cfg, _, err := parseConfig("token create", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "the user the token acts as")
		fs.StringVar(&name, "name", "cli", "a name to recognise the token by")
	})
	if err != nil {
		return err
	}
	if username == "" {
		return errors.New("token create: --user is required")
	}
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	_, secret, err := a.svc.CreateTokenFor(ctx, username, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// botCreateCommand creates a bot owned by a person (the first admin unless
// --owner names one) and prints its first token.
func botCreateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var username, displayName, scopes, owner, iconEmoji string
	cfg, _, err := parseConfig("bot create", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the bot's username")
		fs.StringVar(&displayName, "display-name", "", "the bot's display name")
		fs.StringVar(&scopes, "scopes", "", "comma-separated scopes of its token, e.g. chat:write,channels:read")
		fs.StringVar(&owner, "owner", "", "the person who owns the bot (default: the first admin)")
		fs.StringVar(&iconEmoji, "icon-emoji", "", "the bot's icon, an emoji shortcode")
	})
	if err != nil {
		return err
	}
	if username == "" {
		return errors.New("bot create: --username is required")
	}
	a, owner, err := openForOwner(ctx, cfg, stderr, owner)
	if err != nil {
		return err
	}
	defer a.Close()
	_, _, secret, err := a.bots.CreateFor(ctx, owner, bots.NewBot{Username: username, DisplayName: displayName,
		IconEmoji: iconEmoji, Scopes: splitList(scopes)})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// appCreateCommand creates an app whose bot a person owns (the first admin
// unless --owner names one) and prints its id, signing secret and tokens.
func appCreateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var name, username, displayName, scopes, owner string
	cfg, _, err := parseConfig("app create", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the app's name")
		fs.StringVar(&username, "username", "", "its bot's username")
		fs.StringVar(&displayName, "display-name", "", "its bot's display name")
		fs.StringVar(&scopes, "scopes", "", "comma-separated scopes of its bot token, e.g. chat:write,commands")
		fs.StringVar(&owner, "owner", "", "the person who owns the app's bot (default: the first admin)")
	})
	if err != nil {
		return err
	}
	if name == "" || username == "" {
		return errors.New("app create: --name and --username are required")
	}
	a, owner, err := openForOwner(ctx, cfg, stderr, owner)
	if err != nil {
		return err
	}
	defer a.Close()
	app, botToken, appToken, err := a.bots.CreateAppFor(ctx, owner, bots.NewApp{Name: name,
		NewBot: bots.NewBot{Username: username, DisplayName: displayName, Scopes: splitList(scopes)}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "app_id=%s\nsigning_secret=%s\nbot_token=%s\napp_token=%s\n", app.SlackID, app.SigningSecret, botToken, appToken)
	return nil
}

// splitList reads a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var list []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			list = append(list, item)
		}
	}
	return list
}

// openForOwner opens the data folder for a command that makes something a
// person owns: owner, or the first admin when it is empty.
func openForOwner(ctx context.Context, cfg Config, stderr io.Writer, owner string) (*app, string, error) {
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return nil, "", err
	}
	if owner == "" {
		if owner, err = firstAdmin(ctx, a); err != nil {
			a.Close()
			return nil, "", err
		}
	}
	return a, owner, nil
}

// firstAdmin names the oldest active admin, the default owner of CLI-made bots.
func firstAdmin(ctx context.Context, a *app) (string, error) {
	var after int64
	for {
		users, err := a.svc.Users(ctx, after, 200)
		if err != nil {
			return "", err
		}
		for _, u := range users {
			if u.IsAdmin && u.Kind == channels.KindPerson && !u.Deactivated {
				return u.Username, nil
			}
		}
		if len(users) < 200 {
			return "", errors.New("bot create: no admin to own the bot; pass --owner or create an admin first")
		}
		after = users[len(users)-1].ID
	}
}

// reindexBatch is how many messages a rebuild writes per batch.
const reindexBatch = 1000

// reindexCommand rebuilds the search index from the database: a progress
// bar on a terminal, a final line otherwise. It may run while the server
// does; the server's indexer then re-indexes what was posted meanwhile.
func reindexCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseConfig("reindex", args, stderr, nil)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()

	var bar *progressbar.ProgressBar
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("reindexing"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("messages"), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	var indexed int64
	err = a.indexer.Rebuild(ctx, reindexBatch, func(done, total int64) {
		indexed = done
		if bar != nil {
			bar.ChangeMax64(total)
			_ = bar.Set64(done)
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	fmt.Fprintf(stdout, "reindexed %d messages into %s\n", indexed, a.indexer.Index().Name())
	return nil
}
