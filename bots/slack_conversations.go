package bots

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// Scopes that read a conversation and its messages, by kind (the core's
// table, so both APIs agree).
func readScope(ch *channels.Channel) string    { return channels.ReadScope(ch.Kind) }
func historyScope(ch *channels.Channel) string { return channels.HistoryScope(ch.Kind) }

// slackTypes maps conversations.list types to channel kinds.
var slackTypes = map[string]string{
	"public_channel":  channels.ChannelPublic,
	"private_channel": channels.ChannelPrivate,
	"im":              channels.ChannelDM,
	"mpim":            channels.ChannelGroupDM,
}

// pageLimit reads limit: default def, at most max; below 1 is invalid.
func (c *slackCall) pageLimit(def, max int) (int, error) {
	n, err := c.args.int("limit", 0)
	if err != nil || n < 0 {
		return 0, slackFail("invalid_limit")
	}
	if n == 0 {
		return def, nil
	}
	return min(n, max), nil
}

func metadata(next string) gin.H { return gin.H{"next_cursor": next} }

// conversationKinds reads types (public_channel by default) as channel
// kinds, each needing its read scope.
func (c *slackCall) conversationKinds() (map[string]bool, error) {
	kinds := map[string]bool{}
	types := c.args.str("types")
	if types == "" {
		types = "public_channel"
	}
	for _, t := range strings.Split(types, ",") {
		kind, ok := slackTypes[strings.TrimSpace(t)]
		if !ok {
			return nil, slackFail("invalid_types")
		}
		probe := channels.Channel{Kind: kind}
		if err := c.need(readScope(&probe)); err != nil {
			return nil, err
		}
		kinds[kind] = true
	}
	return kinds, nil
}

// conversationQuery is what conversations.list and users.conversations
// are asked: the kinds (types), a page after a cursor, and whether
// archived conversations count.
type conversationQuery struct {
	kinds           map[string]bool
	limit           int
	after           int64
	excludeArchived bool
}

func (q *conversationQuery) keep(ch *channels.Channel) bool {
	return ch.ID > q.after && q.kinds[ch.Kind] && !(q.excludeArchived && ch.Archived)
}

func (c *slackCall) conversationQuery() (*conversationQuery, error) {
	kinds, err := c.conversationKinds()
	if err != nil {
		return nil, err
	}
	limit, err := c.pageLimit(100, 1000)
	if err != nil {
		return nil, err
	}
	after, err := decodeCursor("channels", c.args.str("cursor"))
	if err != nil {
		return nil, err
	}
	return &conversationQuery{kinds: kinds, limit: limit, after: after, excludeArchived: c.args.bool("exclude_archived", false)}, nil
}

// myConversations are the caller's own conversations the query keeps.
func (c *slackCall) myConversations(q *conversationQuery) ([]channels.Channel, error) {
	mine, err := c.api.svc.Channels(c.ctx, c.actor)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(mine, func(ch channels.Channel) bool { return !q.keep(&ch) }), nil
}

func conversationsList(c *slackCall) (gin.H, error) {
	q, err := c.conversationQuery()
	if err != nil {
		return nil, err
	}
	// The caller's own channels (any kind) plus, for public channels, every
	// public channel: merged by id after the cursor.
	mine, err := c.myConversations(q)
	if err != nil {
		return nil, err
	}
	byID := map[int64]channels.Channel{}
	for _, ch := range mine {
		byID[ch.ID] = ch
	}
	if q.kinds[channels.ChannelPublic] {
		// Browse public channels until limit+1 kept ones are found (archived
		// ones may be skipped) or the list ends.
		from, found := q.after, 0
		for found <= q.limit {
			page, err := c.api.svc.BrowseChannels(c.ctx, c.actor, from, 200)
			if err != nil {
				return nil, err
			}
			for _, ch := range page {
				if q.keep(&ch) {
					if _, ok := byID[ch.ID]; !ok {
						byID[ch.ID] = ch
					}
					found++
				}
			}
			if len(page) < 200 {
				break
			}
			from = page[len(page)-1].ID
		}
	}
	return c.channelPage(slices.Collect(maps.Values(byID)), q.limit), nil
}

// channelPage is a page of channels in Slack's shape, by id: the first
// limit, and the cursor after them when more are left.
func (c *slackCall) channelPage(list []channels.Channel, limit int) gin.H {
	slices.SortFunc(list, func(a, b channels.Channel) int { return cmp.Compare(a.ID, b.ID) })
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = encodeCursor("channels", list[limit-1].ID)
	}
	out := make([]slackChannel, 0, len(list))
	for i := range list {
		out = append(out, c.shapeChannel(&list[i]))
	}
	return gin.H{"channels": out, "response_metadata": metadata(next)}
}

// readable resolves the channel argument and checks the read scope.
func (c *slackCall) readable(scope func(*channels.Channel) string) (*channels.Channel, error) {
	ch, err := c.channel("channel")
	if err != nil {
		return nil, err
	}
	if err := c.need(scope(ch)); err != nil {
		return nil, err
	}
	return ch, nil
}

func conversationsInfo(c *slackCall) (gin.H, error) {
	ch, err := c.readable(readScope)
	if err != nil {
		return nil, err
	}
	if ch.IsMember {
		// The caller's unread count, as conversations.list gives it.
		if ch, err = c.api.svc.ChannelWithReadState(c.ctx, c.actor, ch.ID); err != nil {
			return nil, err
		}
	}
	return gin.H{"channel": c.shapeChannel(ch)}, nil
}

func conversationsHistory(c *slackCall) (gin.H, error) {
	ch, err := c.readable(historyScope)
	if err != nil {
		return nil, err
	}
	limit, err := c.pageLimit(100, 1000)
	if err != nil {
		return nil, err
	}
	latest, ok := parseBound(c.args.str("latest"))
	if !ok {
		return nil, slackFail("invalid_ts_latest")
	}
	oldest, ok := parseBound(c.args.str("oldest"))
	if !ok {
		return nil, slackFail("invalid_ts_oldest")
	}
	inclusive := c.args.bool("inclusive", false)
	cursor, err := decodeCursor("history", c.args.str("cursor"))
	if err != nil {
		return nil, err
	}
	// Bounds by message id where a ts names a message of this channel,
	// else by time.
	before, after := int64(0), int64(0)
	var beforeMillis, afterMillis int64 = -1, -1
	if latest.set {
		if id := c.boundID(ch, latest); id != 0 {
			before = id
			if inclusive {
				before++
			}
		} else {
			beforeMillis = latest.millis
		}
	}
	if oldest.set {
		if id := c.boundID(ch, oldest); id != 0 {
			after = id
			if inclusive {
				after--
			}
		} else {
			afterMillis = oldest.millis
		}
	}
	if cursor > 0 && (before == 0 || cursor < before) {
		before = cursor
	}
	if before == 0 {
		before = 1 << 62 // newest first even when only oldest is set
	}

	var msgs []channels.Message
	more := false
	for len(msgs) <= limit {
		page, pageMore, err := c.api.svc.Messages(c.ctx, c.actor, ch.ID, channels.Page{Before: before, After: after, Limit: 200})
		if err != nil {
			return nil, err
		}
		done := !pageMore
		for _, m := range page {
			if afterMillis >= 0 && m.CreatedAt < afterMillis || afterMillis >= 0 && !inclusive && m.CreatedAt == afterMillis {
				done = true
				break
			}
			if beforeMillis >= 0 && (m.CreatedAt > beforeMillis || !inclusive && m.CreatedAt == beforeMillis) {
				continue
			}
			msgs = append(msgs, m)
		}
		if done || len(page) == 0 {
			break
		}
		before = page[len(page)-1].ID
	}
	next := ""
	if len(msgs) > limit {
		msgs, more = msgs[:limit], true
		next = encodeCursor("history", msgs[limit-1].ID)
	}
	out := make([]slackMessage, len(msgs))
	for i := range msgs {
		out[i] = c.shapeMessage(&msgs[i], "")
	}
	return gin.H{"messages": out, "has_more": more, "pin_count": 0, "response_metadata": metadata(next)}, nil
}

// boundID is the id of the message of ch a bound's ts names, or 0 when it
// names none (the bound is then a moment).
func (c *slackCall) boundID(ch *channels.Channel, b tsBound) int64 {
	if !b.named {
		return 0
	}
	m, err := c.messageAt(ch.ID, b.ref, c.finder())
	if err != nil {
		return 0
	}
	return m.ID
}

func conversationsReplies(c *slackCall) (gin.H, error) {
	ch, err := c.readable(historyScope)
	if err != nil {
		return nil, err
	}
	ref, ok := slackwire.ParseTS(c.args.str("ts"))
	if !ok {
		return nil, slackFail("thread_not_found")
	}
	root, err := c.messageAt(ch.ID, ref, c.actor)
	if err != nil {
		return nil, slackFail("thread_not_found")
	}
	if root.ThreadID != nil {
		if root, err = c.api.svc.Message(c.ctx, c.actor, *root.ThreadID); err != nil {
			return nil, slackFail("thread_not_found")
		}
	}
	limit, err := c.pageLimit(100, 200)
	if err != nil {
		return nil, err
	}
	after, err := decodeCursor("replies", c.args.str("cursor"))
	if err != nil {
		return nil, err
	}
	replies, more, err := c.api.svc.Replies(c.ctx, c.actor, root.ID, channels.Page{After: after, Limit: limit})
	if err != nil {
		return nil, renamed(err, "message_not_found", "thread_not_found")
	}
	rootTS := slackwire.MessageTS(root)
	out := make([]slackMessage, 0, len(replies)+1)
	if after == 0 {
		out = append(out, c.shapeMessage(root, ""))
	}
	for i := range replies {
		shaped := c.shapeMessage(&replies[i], rootTS)
		shaped.ParentUserID = slackwire.UserID(root.UserID)
		out = append(out, shaped)
	}
	next := ""
	if more && len(replies) > 0 {
		next = encodeCursor("replies", replies[len(replies)-1].ID)
	}
	return gin.H{"messages": out, "has_more": more, "response_metadata": metadata(next)}, nil
}

func conversationsCreate(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeChannelsManage); err != nil {
		return nil, err
	}
	name := c.args.str("name")
	if name == "" {
		return nil, slackFail("invalid_name_required")
	}
	ch, err := c.api.svc.CreateChannel(c.ctx, c.actor, channels.NewChannel{Name: name, Private: c.args.bool("is_private", false)})
	if err != nil {
		return nil, err
	}
	return gin.H{"channel": c.shapeChannel(ch)}, nil
}

func conversationsJoin(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeChannelsJoin); err != nil {
		return nil, err
	}
	ch, err := c.channel("channel")
	if err != nil {
		return nil, err
	}
	if ch.Kind != channels.ChannelPublic {
		if ch.IsMember {
			return gin.H{"channel": c.shapeChannel(ch), "warning": "already_in_channel"}, nil
		}
		return nil, slackFail("method_not_supported_for_channel_type")
	}
	was := ch.IsMember
	if ch, err = c.api.svc.Join(c.ctx, c.actor, ch.ID); err != nil {
		return nil, err
	}
	out := gin.H{"channel": c.shapeChannel(ch)}
	if was {
		out["warning"] = "already_in_channel"
		out["response_metadata"] = gin.H{"warnings": []string{"already_in_channel"}}
	}
	return out, nil
}

func conversationsLeave(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeChannelsManage); err != nil {
		return nil, err
	}
	ch, err := c.channel("channel")
	if err != nil {
		return nil, err
	}
	if ch.IsConversation() {
		return nil, slackFail("method_not_supported_for_channel_type")
	}
	if !ch.IsMember {
		return gin.H{"not_in_channel": true}, nil
	}
	if err := c.api.svc.Leave(c.ctx, c.actor, ch.ID); err != nil {
		return nil, err
	}
	return gin.H{}, nil
}

func conversationsInvite(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeChannelsManage); err != nil {
		return nil, err
	}
	ch, err := c.channel("channel")
	if err != nil {
		return nil, err
	}
	if ch.IsConversation() {
		return nil, slackFail("method_not_supported_for_channel_type")
	}
	if !ch.IsMember {
		return nil, slackFail("not_in_channel")
	}
	list := strings.TrimSpace(c.args.str("users"))
	if list == "" {
		return nil, slackFail("no_user")
	}
	for _, s := range strings.Split(list, ",") {
		uid, ok := slackwire.ParseID(strings.TrimSpace(s), "UW")
		if !ok {
			return nil, slackFail("user_not_found")
		}
		if uid == c.actor.ID {
			return nil, slackFail("cant_invite_self")
		}
		if in, err := c.isMember(ch, uid); err != nil {
			return nil, err
		} else if in {
			return nil, slackFail("already_in_channel")
		}
		if err := c.api.svc.AddMember(c.ctx, c.actor, ch.ID, uid); err != nil {
			return nil, err
		}
	}
	if ch, err = c.api.svc.Channel(c.ctx, c.finder(), ch.ID); err != nil {
		return nil, err
	}
	return gin.H{"channel": c.shapeChannel(ch)}, nil
}

func conversationsMembers(c *slackCall) (gin.H, error) {
	ch, err := c.readable(readScope)
	if err != nil {
		return nil, err
	}
	limit, err := c.pageLimit(100, 1000)
	if err != nil {
		return nil, err
	}
	after, err := decodeCursor("members", c.args.str("cursor"))
	if err != nil {
		return nil, err
	}
	users, err := c.api.svc.Members(c.ctx, c.actor, ch.ID, after, limit+1)
	if err != nil {
		return nil, err
	}
	next := ""
	if len(users) > limit {
		users = users[:limit]
		next = encodeCursor("members", users[limit-1].ID)
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = slackwire.UserID(u.ID)
	}
	return gin.H{"members": ids, "response_metadata": metadata(next)}, nil
}

func conversationsOpen(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeIMWrite); err != nil {
		return nil, err
	}
	var ch *channels.Channel
	created := false
	switch {
	case c.args.str("channel") != "":
		var err error
		if ch, err = c.channel("channel"); err != nil {
			return nil, err
		}
	case c.args.str("users") != "":
		var ids []int64
		for _, s := range strings.Split(c.args.str("users"), ",") {
			uid, ok := slackwire.ParseID(strings.TrimSpace(s), "UW")
			if !ok {
				return nil, slackFail("user_not_found")
			}
			ids = append(ids, uid)
		}
		var err error
		if ch, created, err = c.api.svc.OpenDM(c.ctx, c.actor, ids); err != nil {
			return nil, err
		}
	default:
		return nil, slackFail("users_list_not_supplied")
	}
	if !c.args.bool("return_im", false) {
		return gin.H{"channel": gin.H{"id": slackwire.ChannelID(ch)}, "no_op": !created, "already_open": !created}, nil
	}
	return gin.H{"channel": c.shapeChannel(ch), "no_op": !created, "already_open": !created}, nil
}

func conversationsMark(c *slackCall) (gin.H, error) {
	ch, err := c.readable(historyScope)
	if err != nil {
		return nil, err
	}
	ref, ok := slackwire.ParseTS(c.args.str("ts"))
	if !ok {
		return nil, slackFail("invalid_timestamp")
	}
	m, err := c.messageAt(ch.ID, ref, c.actor)
	if err != nil {
		return nil, slackFail("invalid_timestamp")
	}
	if err := c.api.svc.MarkRead(c.ctx, c.actor, ch.ID, m.ID); err != nil {
		return nil, renamed(err, "message_not_found", "invalid_timestamp")
	}
	return gin.H{}, nil
}
