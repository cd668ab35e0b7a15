-- joined_seq is the first event seq a member may read of the channel's log:
-- what happened before they joined (messages, and text since edited or
-- deleted) stays out of their replay. Existing members keep what they could
-- read: from their latest member.joined event, or everything when there is
-- none (the channel's creator, members of a DM).
ALTER TABLE members ADD COLUMN joined_seq INTEGER NOT NULL DEFAULT 0;
UPDATE members SET joined_seq = COALESCE((SELECT MAX(seq) FROM events
    WHERE type = 'member.joined' AND channel_id = members.channel_id AND subject_id = members.user_id), 0);
