-- Bot-owned slash commands: a trigger (unique, never a built-in's), the URL
-- the bot's app answers at, and the secret that signs each request.
CREATE TABLE commands (
    id          INTEGER PRIMARY KEY,
    trigger     TEXT    NOT NULL UNIQUE,
    url         TEXT    NOT NULL,
    method      TEXT    NOT NULL DEFAULT 'POST',
    description TEXT    NOT NULL DEFAULT '',
    usage_hint  TEXT    NOT NULL DEFAULT '',
    bot_id      INTEGER NOT NULL REFERENCES users(id),
    creator_id  INTEGER NOT NULL REFERENCES users(id),
    secret      TEXT    NOT NULL,
    token       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX commands_bot ON commands(bot_id);

-- One row per run of a bot-owned command: its response_url, usable
-- max_uses times until expires_at, and what the last response made (so
-- that replace_original and delete_original know what to act on).
CREATE TABLE command_responses (
    id              INTEGER PRIMARY KEY,
    secret_hash     BLOB    NOT NULL UNIQUE,
    command_id      INTEGER NOT NULL REFERENCES commands(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    channel_id      INTEGER NOT NULL REFERENCES channels(id),
    thread_id       INTEGER,
    uses            INTEGER NOT NULL DEFAULT 0,
    last_message_id INTEGER,
    last_ephemeral  TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX command_responses_expiry ON command_responses(expires_at);
