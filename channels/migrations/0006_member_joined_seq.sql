-- joined_seq is the first event seq a member may read of the channel's log:
-- what happened before they joined (messages, and text since edited or
-- deleted) stays out of their replay. Existing members keep what they could
-- read: from their latest member.joined event, or everything when there is
-- none (the channel's creator, members of a DM). One pass over the log,
-- not a search of it per member.
ALTER TABLE members ADD COLUMN joined_seq INTEGER NOT NULL DEFAULT 0;
UPDATE members SET joined_seq = joins.seq
FROM (SELECT channel_id, subject_id, MAX(seq) AS seq FROM events
      WHERE type = 'member.joined' AND channel_id IS NOT NULL AND subject_id IS NOT NULL
      GROUP BY channel_id, subject_id) AS joins
WHERE members.channel_id = joins.channel_id AND members.user_id = joins.subject_id;
