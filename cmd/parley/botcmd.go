package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
)

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
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	if owner == "" {
		if owner, err = firstAdmin(ctx, a); err != nil {
			return err
		}
	}
	var list []string
	for _, s := range strings.Split(scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	_, _, secret, err := a.bots.CreateFor(ctx, owner, bots.NewBot{Username: username, DisplayName: displayName,
		IconEmoji: iconEmoji, Scopes: list})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
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
