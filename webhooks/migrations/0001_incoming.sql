-- Incoming webhooks: a secret URL that posts into one channel as the member
-- who created it, shown under the hook's name and icon. Only the secret's
-- hash is kept.
CREATE TABLE incoming_webhooks (
    id                     INTEGER PRIMARY KEY,
    secret_hash            BLOB    NOT NULL UNIQUE,
    channel_id             INTEGER NOT NULL REFERENCES channels(id),
    creator_id             INTEGER NOT NULL REFERENCES users(id),
    name                   TEXT    NOT NULL,
    description            TEXT    NOT NULL DEFAULT '',
    username               TEXT    NOT NULL DEFAULT '',
    icon_emoji             TEXT    NOT NULL DEFAULT '',
    icon_url               TEXT    NOT NULL DEFAULT '',
    allow_channel_override INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    last_used_at           INTEGER NOT NULL DEFAULT 0,
    deleted_at             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incoming_webhooks_creator ON incoming_webhooks(creator_id);
CREATE INDEX incoming_webhooks_channel ON incoming_webhooks(channel_id);
