-- What a bot has beside its user row (kind 'bot') and its tokens, which the
-- core keeps: who owns it and its default icon.
CREATE TABLE bots (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id),
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    icon_emoji TEXT    NOT NULL DEFAULT '',
    icon_url   TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX bots_owner ON bots(owner_id);
