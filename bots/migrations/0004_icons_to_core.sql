-- Bots' default icons move to the core's users table (channels migration
-- 0008), which shows them on messages; this table keeps owner and time.
UPDATE users SET icon_emoji = b.icon_emoji, icon_url = b.icon_url FROM bots b WHERE b.user_id = users.id;
ALTER TABLE bots DROP COLUMN icon_emoji;
ALTER TABLE bots DROP COLUMN icon_url;
