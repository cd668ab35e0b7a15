-- Reminders set with /remind: due_at in unix ms; channel_id NULL means a
-- direct message to the creator from the system bot. delivered_at is set
-- once the reminder was posted (or dropped because it could no longer be).
CREATE TABLE reminders (
    id           INTEGER PRIMARY KEY,
    creator_id   INTEGER NOT NULL REFERENCES users(id),
    channel_id   INTEGER REFERENCES channels(id),
    text         TEXT    NOT NULL,
    due_at       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX reminders_due ON reminders(due_at) WHERE delivered_at IS NULL;
