-- Apps, as Slack has them: an app owns a bot (its user, scopes and bot
-- tokens stay the core's and the bots table's), one signing secret that
-- every request to the app is signed with (kept, since the server signs
-- with it; the previous one verifies until old_secret_until after a
-- rotation), where its events and interactions go, and whether it takes
-- them over Socket Mode instead.
CREATE TABLE apps (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    bot_user_id       INTEGER NOT NULL UNIQUE REFERENCES bots(user_id),
    signing_secret    TEXT    NOT NULL,
    old_secret        TEXT    NOT NULL DEFAULT '',
    old_secret_until  INTEGER NOT NULL DEFAULT 0,
    events_url        TEXT    NOT NULL DEFAULT '',
    bot_events        TEXT    NOT NULL DEFAULT '[]',
    interactivity_url TEXT    NOT NULL DEFAULT '',
    socket_mode       INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- App-level tokens (xapp-…, scope connections:write) open Socket Mode
-- connections; only their hash is kept.
CREATE TABLE app_tokens (
    id         INTEGER PRIMARY KEY,
    app_id     INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    hash       BLOB    NOT NULL UNIQUE,
    hint       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX app_tokens_app ON app_tokens(app_id);
