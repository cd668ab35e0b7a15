CREATE UNIQUE INDEX channels_name ON channels(name) WHERE name IS NOT NULL;

CREATE INDEX events_message ON events(message_id) WHERE message_id IS NOT NULL;

CREATE INDEX files_sha ON files(sha256);

CREATE INDEX members_user ON members(user_id, channel_id);

CREATE INDEX mentions_channel ON mentions(channel_id, message_id);

CREATE INDEX mentions_message ON mentions(message_id);

CREATE INDEX message_files_file ON message_files(file_id);

CREATE INDEX messages_channel ON messages(channel_id, thread_id, id);

CREATE UNIQUE INDEX messages_key ON messages(user_id, channel_id, msg_key) WHERE msg_key IS NOT NULL;

CREATE INDEX messages_thread ON messages(thread_id, id) WHERE thread_id IS NOT NULL;

CREATE INDEX tokens_user ON tokens(user_id);

CREATE UNIQUE INDEX users_system ON users(is_system) WHERE is_system = 1;

CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    name        TEXT,
    kind        TEXT    NOT NULL,
    topic       TEXT    NOT NULL DEFAULT '',
    purpose     TEXT    NOT NULL DEFAULT '',
    creator_id  INTEGER NOT NULL REFERENCES users(id),
    dm_key      TEXT    UNIQUE,
    archived_at INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    channel_id INTEGER,
    actor_id   INTEGER,
    subject_id INTEGER,
    message_id INTEGER,
    payload    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    uploader_id  INTEGER NOT NULL REFERENCES users(id),
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    width        INTEGER,
    height       INTEGER,
    created_at   INTEGER NOT NULL,
    deleted_at   INTEGER
);

CREATE TABLE idempotency_keys (
    user_id    INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    message_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    hash        BLOB    NOT NULL UNIQUE,
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_by     INTEGER REFERENCES users(id),
    used_at     INTEGER
);

CREATE TABLE members (
    channel_id   INTEGER NOT NULL REFERENCES channels(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    joined_at    INTEGER NOT NULL,
    last_read_id INTEGER NOT NULL DEFAULT 0, joined_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_id, user_id)
) WITHOUT ROWID;

CREATE TABLE mentions (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    channel_id INTEGER NOT NULL,
    user_id    INTEGER,
    kind       TEXT    NOT NULL
);

CREATE TABLE message_files (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    file_id    INTEGER NOT NULL REFERENCES files(id),
    channel_id INTEGER NOT NULL,
    PRIMARY KEY (message_id, file_id)
) WITHOUT ROWID;

CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL REFERENCES channels(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    thread_id     INTEGER REFERENCES messages(id),
    text          TEXT    NOT NULL,
    markup        TEXT    NOT NULL DEFAULT 'markdown',
    attachments   TEXT,
    blocks        TEXT,
    props         TEXT,
    reply_count   INTEGER NOT NULL DEFAULT 0,
    last_reply_at INTEGER,
    created_at    INTEGER NOT NULL,
    edited_at     INTEGER,
    deleted_at    INTEGER
, msg_key TEXT, username TEXT, icon_emoji TEXT, icon_url TEXT);

CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    emoji      TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;

CREATE TABLE schema_migrations (
		component TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
		PRIMARY KEY (component, version));

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    hash         BLOB    NOT NULL UNIQUE,
    hint         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER
, scopes TEXT);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL DEFAULT '',
    email         TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL DEFAULT '',
    kind          TEXT    NOT NULL DEFAULT 'person',
    is_admin      INTEGER NOT NULL DEFAULT 0,
    status_text   TEXT    NOT NULL DEFAULT '',
    status_emoji  TEXT    NOT NULL DEFAULT '',
    deactivated_at INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
, dnd_until INTEGER, is_system INTEGER NOT NULL DEFAULT 0, deactivated_with_owner INTEGER NOT NULL DEFAULT 0, icon_emoji TEXT NOT NULL DEFAULT '', icon_url   TEXT NOT NULL DEFAULT '');

