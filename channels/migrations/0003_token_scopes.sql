-- The scopes of a bot token, comma-separated; NULL for people's tokens,
-- which scopes do not limit.
ALTER TABLE tokens ADD COLUMN scopes TEXT;
