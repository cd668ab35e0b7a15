-- A bot's default icon, shown on its messages that set none, is the core's:
-- a message read shows it without asking the bots package. People have none.
ALTER TABLE users ADD COLUMN icon_emoji TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN icon_url   TEXT NOT NULL DEFAULT '';
