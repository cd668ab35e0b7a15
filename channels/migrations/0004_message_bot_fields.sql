-- Bot messages: msg_key is the bot's own key for a message (unique per
-- author and channel; posting again with it updates the message);
-- username, icon_emoji and icon_url override how the author is shown.
ALTER TABLE messages ADD COLUMN msg_key TEXT;
ALTER TABLE messages ADD COLUMN username TEXT;
ALTER TABLE messages ADD COLUMN icon_emoji TEXT;
ALTER TABLE messages ADD COLUMN icon_url TEXT;
CREATE UNIQUE INDEX messages_key ON messages(user_id, channel_id, msg_key) WHERE msg_key IS NOT NULL;
