package channels

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Limits on a message.
const (
	MaxTextRunes   = 40000
	maxAttachments = 100
	maxBlocks      = 50
	maxFiles       = 10
	maxPageSize    = 200

	idempotencyWindow = 24 * time.Hour
)

const messageColumns = `id, channel_id, user_id, thread_id, text, markup, attachments, blocks, props, reply_count,
	last_reply_at, created_at, edited_at, deleted_at IS NOT NULL, COALESCE(msg_key, ''), COALESCE(username, ''),
	COALESCE(icon_emoji, ''), COALESCE(icon_url, '')`

func scanMessage(row interface{ Scan(...any) error }, m *Message) error {
	var att, blocks, props []byte
	if err := row.Scan(&m.ID, &m.ChannelID, &m.UserID, &m.ThreadID, &m.Text, &m.Markup, &att, &blocks, &props,
		&m.ReplyCount, &m.LastReplyAt, &m.CreatedAt, &m.EditedAt, &m.Deleted, &m.Key, &m.Username, &m.IconEmoji, &m.IconURL); err != nil {
		return err
	}
	m.Attachments, m.Blocks, m.Props = att, blocks, props
	m.Reactions, m.Files = []Reaction{}, []File{}
	m.Mentions.UserIDs = []int64{}
	return nil
}

// NewMessage is the input of PostMessage.
type NewMessage struct {
	Text        string          `json:"text"`
	Markup      string          `json:"markup"`
	ThreadID    int64           `json:"thread_id"`
	Attachments json.RawMessage `json:"attachments"`
	Blocks      json.RawMessage `json:"blocks"`
	// Props are free-form properties; the reserved ones (ReservedProps)
	// are refused here and set by the server through ServerProps.
	Props   json.RawMessage `json:"props"`
	FileIDs []int64         `json:"file_ids"`
	// ServerProps are the properties only the server sets (an integration's
	// marks), merged over Props.
	ServerProps map[string]any `json:"-"`
	// IdempotencyKey makes a retried post return the first message.
	IdempotencyKey string `json:"-"`

	// Key (bots) names the message for its author in this channel: posting
	// again with the same key updates that message in place.
	Key string `json:"key"`
	// ThreadKey replies under the author's message with that key.
	ThreadKey string `json:"thread_key"`
	// Username, IconEmoji and IconURL override how the author is shown;
	// a bot token needs chat:write.customize.
	Username  string `json:"username"`
	IconEmoji string `json:"icon_emoji"`
	IconURL   string `json:"icon_url"`
}

// validateBody checks the parts of a message common to posting and editing.
func validateBody(text, markup *string, attachments, blocks *json.RawMessage, hasFiles bool) error {
	if utf8.RuneCountInString(*text) > MaxTextRunes {
		return Invalid("text_too_long", "text", "text is longer than %d characters", MaxTextRunes)
	}
	if !utf8.ValidString(*text) {
		return Invalid("invalid_text", "text", "text is not valid UTF-8")
	}
	switch *markup {
	case "":
		*markup = MarkupMarkdown
	case MarkupMarkdown, MarkupMrkdwn:
	default:
		return Invalid("invalid_markup", "markup", "markup must be markdown or mrkdwn")
	}
	var err error
	if *attachments, err = jsonArray(*attachments, "attachments", maxAttachments); err != nil {
		return err
	}
	if *blocks, err = jsonArray(*blocks, "blocks", maxBlocks); err != nil {
		return err
	}
	if strings.TrimSpace(*text) == "" && *attachments == nil && *blocks == nil && !hasFiles {
		return Invalid("empty_message", "text", "a message needs text, attachments, blocks or files")
	}
	return nil
}

// jsonArray accepts a JSON array of at most max objects; null and [] become nil.
func jsonArray(raw json.RawMessage, field string, max int) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []map[string]any
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, Invalid("invalid_"+field, field, "%s must be an array of objects", field)
	}
	if len(items) > max {
		return nil, Invalid("too_many_"+field, field, "at most %d %s", max, field)
	}
	if len(items) == 0 {
		return nil, nil
	}
	return raw, nil
}

// postTargetSQL reads what writing into a channel depends on: its kind,
// whether it is archived, and whether the actor is a member.
const postTargetSQL = `SELECT kind, archived_at IS NOT NULL,
	EXISTS (SELECT 1 FROM members WHERE channel_id = c.id AND user_id = ?1),
	(SELECT deactivated_at IS NOT NULL FROM users WHERE id = ?1) FROM channels c WHERE id = ?2`

// postTarget checks that actorID may write into a channel, and with poster
// set the scopes of a post (see checkPostTarget).
func (s *Service) postTarget(ctx context.Context, actorID, channelID int64, poster *Actor) error {
	return checkPostTarget(s.db.ReadRow(ctx, postTargetSQL, actorID, channelID), poster)
}

// checkPostTarget checks a postTargetSQL row. With poster set, it checks a
// new post's scopes too: chat:write where the bot is a member, and
// chat:write.public, which lets a bot post into a public channel it is not in.
func checkPostTarget(row *sql.Row, poster *Actor) error {
	var kind string
	var archived, member, deactivated bool
	err := row.Scan(&kind, &archived, &member, &deactivated)
	// The system bot is the server itself: it posts where the server has
	// to (a reminder into a channel the bot is not in).
	system := poster != nil && poster.TokenKind == TokenSystem
	switch {
	case errors.Is(err, sql.ErrNoRows), err == nil && kind != ChannelPublic && !member && !system:
		return NotFound("channel")
	case err != nil:
		return fmt.Errorf("load channel: %w", err)
	case deactivated:
		// Whatever the path (a response_url, a webhook, a token cached a
		// moment too long), nothing is posted as a deactivated author.
		return Forbidden("account_deactivated", "the author's account is deactivated")
	case system:
	case !member && poster != nil && poster.Scopes != nil:
		if !poster.Can(ScopeChatWritePublic) {
			return MissingScope(ScopeChatWritePublic)
		}
	case !member:
		return Forbidden("not_in_channel", "join the channel first")
	case poster != nil && !poster.Can(ScopeChatWrite):
		return MissingScope(ScopeChatWrite)
	}
	if archived {
		return Forbidden("channel_archived", "the channel is archived")
	}
	return nil
}

// PostMessage posts a message or thread reply as the actor. created is false
// when the idempotency key matched an earlier post, which is returned instead.
func (s *Service) PostMessage(ctx context.Context, actor *Actor, channelID int64, in NewMessage) (m *Message, created bool, err error) {
	if len(in.IdempotencyKey) > 255 {
		return nil, false, Invalid("invalid_idempotency_key", "Idempotency-Key", "Idempotency-Key is longer than 255 characters")
	}
	if err := validateBody(&in.Text, &in.Markup, &in.Attachments, &in.Blocks, len(in.FileIDs) > 0); err != nil {
		return nil, false, err
	}
	if len(in.FileIDs) > maxFiles {
		return nil, false, Invalid("too_many_files", "file_ids", "at most %d files per message", maxFiles)
	}
	ov, err := checkOverrides(actor, in.Username, in.IconEmoji, in.IconURL)
	if err != nil {
		return nil, false, err
	}
	if len(in.Key) > 255 || len(in.ThreadKey) > 255 {
		return nil, false, Invalid("invalid_key", "key", "key and thread_key are at most 255 characters")
	}
	if in.ThreadKey != "" {
		id, err := s.keyedMessage(ctx, actor.ID, channelID, in.ThreadKey)
		if err != nil {
			return nil, false, err
		}
		if id == 0 {
			return nil, false, newErr(ErrNotFound, "thread_not_found", "no message of yours in this channel has that thread_key")
		}
		in.ThreadID = id
	}
	if in.Key != "" {
		id, err := s.keyedMessage(ctx, actor.ID, channelID, in.Key)
		if err != nil {
			return nil, false, err
		}
		if id != 0 {
			// The same key again: update that message in place.
			if err := s.checkPostLimit(actor, channelID); err != nil {
				return nil, false, err
			}
			text := in.Text
			att, blocks := in.Attachments, in.Blocks
			if att == nil {
				att = json.RawMessage("null")
			}
			if blocks == nil {
				blocks = json.RawMessage("null")
			}
			m, err := s.EditMessage(ctx, actor, id, MessageEdit{Text: &text, Attachments: att, Blocks: blocks, overrides: &ov, repost: true})
			return m, false, err
		}
	}
	if err := s.checkPostLimit(actor, channelID); err != nil {
		return nil, false, err
	}
	msg := &Message{ChannelID: channelID, UserID: actor.ID, Text: in.Text, Markup: in.Markup, Attachments: in.Attachments,
		Blocks: in.Blocks, Props: in.Props, Reactions: []Reaction{}, Files: []File{}, Key: in.Key,
		Username: ov.Username, IconEmoji: ov.IconEmoji, IconURL: ov.IconURL}
	if in.ThreadID != 0 {
		root, err := s.threadRoot(ctx, channelID, in.ThreadID)
		if err != nil {
			return nil, false, err
		}
		msg.ThreadID = &root
	}
	if msg.Files, err = s.attachableFiles(ctx, actor, in.FileIDs); err != nil {
		return nil, false, err
	}
	if msg.Mentions, err = s.resolveMentions(ctx, msg.Text, msg.Markup); err != nil {
		return nil, false, err
	}
	if msg.Props, err = mergeProps(msg.Props, in.ServerProps); err != nil {
		return nil, false, err
	}
	s.withAuthorIcon(ctx, msg)

	var replayID int64
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		now := nowMillis()
		// Checked in the transaction: the writer's page cache is warm, and
		// membership cannot change between the check and the insert.
		if err := checkPostTarget(tx.QueryRow(postTargetSQL, actor.ID, channelID), actor); err != nil {
			return err
		}
		if in.IdempotencyKey != "" {
			err := tx.QueryRow(`SELECT message_id FROM idempotency_keys WHERE user_id = ? AND key = ? AND created_at > ?`,
				actor.ID, in.IdempotencyKey, now-idempotencyWindow.Milliseconds()).Scan(&replayID)
			if err == nil {
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		msg.CreatedAt = now
		return insertMessage(tx, msg, in.IdempotencyKey)
	})
	if err != nil {
		return nil, false, fmt.Errorf("post message to channel %d: %w", channelID, err)
	}
	if replayID != 0 {
		m, err := s.message(ctx, replayID)
		if err != nil {
			return nil, false, err
		}
		// A key first used in another channel must not hand out that
		// message: the caller may no longer be allowed to see it.
		if m.ChannelID != channelID {
			return nil, false, Invalid("invalid_idempotency_key", "Idempotency-Key", "the Idempotency-Key was already used for a post to another channel")
		}
		return m, false, nil
	}
	return msg, true, nil
}

const insertMessageSQL = `INSERT INTO messages (channel_id, user_id, thread_id, text, markup, attachments, blocks, props, created_at,
	msg_key, username, icon_emoji, icon_url)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertMessage writes msg with its mentions, files, idempotency key and
// message.created event, and sets msg.ID.
func insertMessage(tx *sqlite.Tx, msg *Message, idemKey string) error {
	iconEmoji, iconURL := msg.storedIcon()
	res, err := tx.Exec(insertMessageSQL, msg.ChannelID, msg.UserID, msg.ThreadID, msg.Text, msg.Markup,
		nullJSON(msg.Attachments), nullJSON(msg.Blocks), nullJSON(msg.Props), msg.CreatedAt,
		nullString(msg.Key), nullString(msg.Username), iconEmoji, iconURL)
	if sqlite.IsUniqueViolation(err) {
		return Conflict("key_conflict", "another post with this key was being made at the same time; retry")
	}
	if err != nil {
		return err
	}
	if msg.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if msg.ThreadID != nil {
		if _, err := tx.Exec(`UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ? WHERE id = ?`,
			msg.CreatedAt, *msg.ThreadID); err != nil {
			return err
		}
	}
	if err := insertMentions(tx, msg); err != nil {
		return err
	}
	for _, f := range msg.Files {
		if _, err := tx.Exec(`INSERT INTO message_files (message_id, file_id, channel_id) VALUES (?, ?, ?)`,
			msg.ID, f.ID, msg.ChannelID); err != nil {
			return err
		}
	}
	if idemKey != "" {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO idempotency_keys (user_id, key, message_id, created_at) VALUES (?, ?, ?, ?)`,
			msg.UserID, idemKey, msg.ID, msg.CreatedAt); err != nil {
			return err
		}
	}
	_, err = appendEvent(tx, newEvent{Type: EventMessageCreated, Scope: ScopeChannel, ChannelID: msg.ChannelID,
		ActorID: msg.UserID, MessageID: msg.ID, Data: msg})
	return err
}

func insertMentions(tx *sqlite.Tx, msg *Message) error {
	const q = `INSERT INTO mentions (message_id, channel_id, user_id, kind) VALUES (?, ?, ?, ?)`
	for _, uid := range msg.Mentions.UserIDs {
		if _, err := tx.Exec(q, msg.ID, msg.ChannelID, uid, "user"); err != nil {
			return err
		}
	}
	if msg.Mentions.Channel {
		if _, err := tx.Exec(q, msg.ID, msg.ChannelID, nil, "channel"); err != nil {
			return err
		}
	}
	if msg.Mentions.Here {
		if _, err := tx.Exec(q, msg.ID, msg.ChannelID, nil, "here"); err != nil {
			return err
		}
	}
	return nil
}

func nullJSON(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// threadRoot resolves the message a reply goes under: the message itself, or
// its root when it is already a reply (so bots need not look the root up).
func (s *Service) threadRoot(ctx context.Context, channelID, id int64) (int64, error) {
	var ch int64
	var root sql.NullInt64
	var deleted bool
	err := s.db.ReadRow(ctx, `SELECT channel_id, thread_id, deleted_at IS NOT NULL FROM messages WHERE id = ?`, id).
		Scan(&ch, &root, &deleted)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (ch != channelID || deleted) {
		return 0, newErr(ErrNotFound, "thread_not_found", "the thread's message is not in this channel")
	}
	if err != nil {
		return 0, fmt.Errorf("load thread root %d: %w", id, err)
	}
	if root.Valid {
		return root.Int64, nil
	}
	return id, nil
}

// resolveMentions turns parsed mentions into user ids of existing users.
func (s *Service) resolveMentions(ctx context.Context, text, markup string) (Mentions, error) {
	out := Mentions{UserIDs: []int64{}}
	if !strings.ContainsAny(text, "@<") {
		return out, nil
	}
	p := parseMentions(text, markup)
	out.Channel, out.Here = p.Channel, p.Here
	seen := map[int64]bool{}
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			out.UserIDs = append(out.UserIDs, id)
		}
	}
	for _, name := range p.Usernames {
		var id int64
		err := s.db.ReadRow(ctx, `SELECT id FROM users WHERE username = ?`, name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("resolve mention @%s: %w", name, err)
		}
		add(id)
	}
	for _, id := range p.UserIDs {
		var exists bool
		if err := s.db.ReadRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)`, id).Scan(&exists); err != nil {
			return out, fmt.Errorf("resolve mention of %d: %w", id, err)
		}
		if exists {
			add(id)
		}
	}
	return out, nil
}

// message loads one message without checking access.
func (s *Service) message(ctx context.Context, id int64) (*Message, error) {
	var m Message
	err := scanMessage(s.db.ReadRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id), &m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("message")
	}
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	msgs := []Message{m}
	if err := s.hydrate(ctx, msgs); err != nil {
		return nil, err
	}
	return &msgs[0], nil
}

// Message returns a message the actor may read. Deleted messages are gone.
func (s *Service) Message(ctx context.Context, actor *Actor, id int64) (*Message, error) {
	m, c, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := RequireScope(actor, HistoryScope(c.Kind)); err != nil {
		return nil, err
	}
	return m, nil
}

// VisibleMessages loads the messages among ids that the actor may read, in
// the order of ids, with their channels: one query for the messages and
// one per distinct channel, where calling Message per id would repeat
// both. Deleted, unknown and unreadable ids are left out.
func (s *Service) VisibleMessages(ctx context.Context, actor *Actor, ids []int64) ([]Message, map[int64]*Channel, error) {
	chans := map[int64]*Channel{}
	if len(ids) == 0 {
		return nil, chans, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE deleted_at IS NULL AND id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("load messages: %w", err)
	}
	found, err := collectMessages(rows)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]Message, len(found))
	unreadable := map[int64]bool{}
	for _, m := range found {
		if _, seen := chans[m.ChannelID]; !seen && !unreadable[m.ChannelID] {
			c, _, err := s.loadChannel(ctx, actor, m.ChannelID)
			switch {
			case errors.Is(err, ErrNotFound), err == nil && !actor.Can(HistoryScope(c.Kind)):
				unreadable[m.ChannelID] = true
				continue
			case err != nil:
				return nil, nil, err
			}
			chans[m.ChannelID] = c
		}
		if !unreadable[m.ChannelID] {
			byID[m.ID] = m
		}
	}
	out := make([]Message, 0, len(byID))
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			out = append(out, m)
		}
	}
	return out, chans, s.hydrate(ctx, out)
}

// visibleMessage returns a message in a channel the actor may see, and the
// channel, without checking scopes.
func (s *Service) visibleMessage(ctx context.Context, actor *Actor, id int64) (*Message, *Channel, error) {
	m, err := s.message(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c, _, err := s.loadChannel(ctx, actor, m.ChannelID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil, NotFound("message")
		}
		return nil, nil, err
	}
	if m.Deleted {
		return nil, nil, NotFound("message")
	}
	return m, c, nil
}

// Page selects a slice of a list by id: Before and After are exclusive
// cursors; Limit is clamped to 1..200 (default 50).
type Page struct {
	Before int64
	After  int64
	Limit  int
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > maxPageSize:
		return maxPageSize
	}
	return p.Limit
}

// Messages lists a channel's top-level messages, newest first. more reports
// whether the page was cut by the limit. A deleted message stays as a
// tombstone while it has replies.
func (s *Service) Messages(ctx context.Context, actor *Actor, channelID int64, p Page) (msgs []Message, more bool, err error) {
	c, _, err := s.loadChannel(ctx, actor, channelID)
	if err != nil {
		return nil, false, err
	}
	if err := RequireScope(actor, HistoryScope(c.Kind)); err != nil {
		return nil, false, err
	}
	limit := p.limit()
	before := p.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	order := "DESC"
	if p.After > 0 && p.Before <= 0 {
		order = "ASC" // the messages just after the cursor; returned newest first below
	}
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE channel_id = ? AND thread_id IS NULL AND id < ? AND id > ? AND (deleted_at IS NULL OR reply_count > 0)
		ORDER BY id `+order+` LIMIT ?`, channelID, before, p.After, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list messages of %d: %w", channelID, err)
	}
	msgs, err = collectMessages(rows)
	if err != nil {
		return nil, false, err
	}
	if len(msgs) > limit {
		msgs, more = msgs[:limit], true
	}
	if order == "ASC" {
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
	}
	return msgs, more, s.hydrate(ctx, msgs)
}

// Replies lists a thread's replies, oldest first, after the cursor.
func (s *Service) Replies(ctx context.Context, actor *Actor, rootID int64, p Page) (msgs []Message, more bool, err error) {
	root, err := s.message(ctx, rootID)
	if err != nil {
		return nil, false, err
	}
	c, _, err := s.loadChannel(ctx, actor, root.ChannelID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, false, NotFound("message")
		}
		return nil, false, err
	}
	if err := RequireScope(actor, HistoryScope(c.Kind)); err != nil {
		return nil, false, err
	}
	if root.ThreadID != nil || root.Deleted && root.ReplyCount == 0 {
		return nil, false, NotFound("message")
	}
	limit := p.limit()
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE thread_id = ? AND id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?`, rootID, p.After, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list replies of %d: %w", rootID, err)
	}
	if msgs, err = collectMessages(rows); err != nil {
		return nil, false, err
	}
	if len(msgs) > limit {
		msgs, more = msgs[:limit], true
	}
	return msgs, more, s.hydrate(ctx, msgs)
}

func collectMessages(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	msgs := []Message{}
	for rows.Next() {
		var m Message
		if err := scanMessage(rows, &m); err != nil {
			return nil, fmt.Errorf("scan message: %w", err)
		}
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

// MessageEdit is the input of EditMessage; nil leaves a field alone.
type MessageEdit struct {
	Text        *string         `json:"text"`
	Attachments json.RawMessage `json:"attachments"`
	Blocks      json.RawMessage `json:"blocks"`
	// overrides replace the author overrides (a keyed re-post).
	overrides *Overrides
	// repost is a keyed re-post: it may write where a new post may
	// (chat:write.public lets a bot update in a public channel it is not in).
	repost bool
}

// EditMessage changes a message's text (and attachments or blocks); only its
// author may.
func (s *Service) EditMessage(ctx context.Context, actor *Actor, id int64, e MessageEdit) (*Message, error) {
	m, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !e.repost {
		if err := RequireScope(actor, ScopeChatWrite); err != nil {
			return nil, err
		}
	}
	if m.UserID != actor.ID {
		return nil, Forbidden("not_author", "only the author can edit a message")
	}
	// An edit goes where a new post may: for a bot, chat:write.public
	// covers a public channel it is not in (as Slack's chat.update does);
	// people need to be members.
	if err := s.postTarget(ctx, actor.ID, m.ChannelID, actor); err != nil {
		return nil, err
	}
	if e.Text != nil {
		m.Text = *e.Text
	}
	if e.Attachments != nil {
		m.Attachments = e.Attachments
	}
	if e.Blocks != nil {
		m.Blocks = e.Blocks
	}
	if e.overrides != nil {
		m.Username, m.IconEmoji, m.IconURL = e.overrides.Username, e.overrides.IconEmoji, e.overrides.IconURL
		m.iconDefault = false
		s.withAuthorIcon(ctx, m)
	}
	iconEmoji, iconURL := m.storedIcon()
	if err := validateBody(&m.Text, &m.Markup, &m.Attachments, &m.Blocks, len(m.Files) > 0); err != nil {
		return nil, err
	}
	if m.Mentions, err = s.resolveMentions(ctx, m.Text, m.Markup); err != nil {
		return nil, err
	}
	now := nowMillis()
	m.EditedAt = &now
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`UPDATE messages SET text = ?, attachments = ?, blocks = ?, edited_at = ?, username = ?, icon_emoji = ?, icon_url = ?
			WHERE id = ? AND deleted_at IS NULL`,
			m.Text, nullJSON(m.Attachments), nullJSON(m.Blocks), now, nullString(m.Username), iconEmoji, iconURL, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound("message")
		}
		if _, err := tx.Exec(`DELETE FROM mentions WHERE message_id = ?`, id); err != nil {
			return err
		}
		if err := insertMentions(tx, m); err != nil {
			return err
		}
		seq, err := appendEvent(tx, newEvent{Type: EventMessageUpdated, Scope: ScopeChannel, ChannelID: m.ChannelID,
			ActorID: actor.ID, MessageID: id, Data: m})
		if err != nil {
			return err
		}
		// The earlier text leaves the log, as a deleted message's does: a
		// replay shows the message as it is now, the payload just logged.
		_, err = tx.Exec(`UPDATE events SET payload = (SELECT payload FROM events WHERE seq = ?1)
			WHERE message_id = ?2 AND type IN (?3, ?4) AND seq < ?1`, seq, id, EventMessageCreated, EventMessageUpdated)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("edit message %d: %w", id, err)
	}
	return m, nil
}

// tombstone is what remains of a deleted message, in its events and its
// message.deleted event.
type tombstone struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	ThreadID  *int64 `json:"thread_id"`
	Deleted   bool   `json:"deleted"`
}

// DeleteMessage deletes a message (its author, or an admin). Its text,
// attachments, reactions and files are removed, also from earlier events.
func (s *Service) DeleteMessage(ctx context.Context, actor *Actor, id int64) error {
	m, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := RequireScope(actor, ScopeChatWrite); err != nil {
		return err
	}
	if m.UserID != actor.ID && !actor.IsAdmin {
		return Forbidden("not_author", "only the author or an admin can delete a message")
	}
	var orphans []string
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`UPDATE messages SET text = '', attachments = NULL, blocks = NULL, props = NULL, msg_key = NULL, deleted_at = ?
			WHERE id = ? AND deleted_at IS NULL`, nowMillis(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound("message")
		}
		for _, q := range []string{`DELETE FROM mentions WHERE message_id = ?`, `DELETE FROM reactions WHERE message_id = ?`} {
			if _, err := tx.Exec(q, id); err != nil {
				return err
			}
		}
		if orphans, err = unlinkFiles(tx, id); err != nil {
			return err
		}
		if m.ThreadID != nil {
			// The reply is already marked deleted, so last_reply_at falls back
			// to the newest reply left (NULL when none is).
			if _, err := tx.Exec(`UPDATE messages SET reply_count = reply_count - 1,
				last_reply_at = (SELECT MAX(created_at) FROM messages WHERE thread_id = ?1 AND deleted_at IS NULL)
				WHERE id = ?1`, *m.ThreadID); err != nil {
				return err
			}
		}
		ts := tombstone{ID: id, ChannelID: m.ChannelID, ThreadID: m.ThreadID, Deleted: true}
		scrubbed, _ := json.Marshal(ts)
		if _, err := tx.Exec(`UPDATE events SET payload = ? WHERE message_id = ? AND type IN (?, ?)`,
			scrubbed, id, EventMessageCreated, EventMessageUpdated); err != nil {
			return err
		}
		_, err = appendEvent(tx, newEvent{Type: EventMessageDeleted, Scope: ScopeChannel, ChannelID: m.ChannelID,
			ActorID: actor.ID, MessageID: id, Data: ts})
		return err
	})
	if err != nil {
		return fmt.Errorf("delete message %d: %w", id, err)
	}
	s.removeBlobs(ctx, orphans)
	return nil
}
