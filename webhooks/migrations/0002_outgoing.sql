-- Outgoing webhooks: subscriptions to the event log, delivered as signed
-- POSTs. The signing secret is kept in clear: every request is signed with it.
CREATE TABLE outgoing_webhooks (
    id                   INTEGER PRIMARY KEY,
    creator_id           INTEGER NOT NULL REFERENCES users(id),
    bot_id               INTEGER REFERENCES users(id),
    name                 TEXT    NOT NULL,
    url                  TEXT    NOT NULL,
    secret               TEXT    NOT NULL,
    token                TEXT    NOT NULL,
    channel_ids          TEXT    NOT NULL DEFAULT '[]',
    event_types          TEXT    NOT NULL DEFAULT '[]',
    trigger_words        TEXT    NOT NULL DEFAULT '[]',
    trigger_when         TEXT    NOT NULL DEFAULT 'first_word',
    format               TEXT    NOT NULL DEFAULT 'event',
    content_type         TEXT    NOT NULL DEFAULT 'application/json',
    include_bot_messages INTEGER NOT NULL DEFAULT 0,
    active               INTEGER NOT NULL DEFAULT 1,
    -- Events up to this seq predate the subscription and never match it.
    created_seq          INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    deleted_at           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outgoing_webhooks_creator ON outgoing_webhooks(creator_id);

-- How far the dispatcher has read the event log (one row).
CREATE TABLE outgoing_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);

-- One row per (subscription, event): the queue and the delivery log.
CREATE TABLE outgoing_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES outgoing_webhooks(id),
    event_id        TEXT    NOT NULL UNIQUE,
    event_seq       INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    content_type    TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending', -- pending, succeeded, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_reason     TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outgoing_deliveries_due ON outgoing_deliveries(state, next_attempt_at);
CREATE INDEX outgoing_deliveries_webhook ON outgoing_deliveries(webhook_id, id);

-- Each attempt of a delivery, for the delivery log.
CREATE TABLE outgoing_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES outgoing_deliveries(id) ON DELETE CASCADE,
    num         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    latency_ms  INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    response    BLOB
);
CREATE INDEX outgoing_attempts_delivery ON outgoing_attempts(delivery_id, id);
