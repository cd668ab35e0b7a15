-- The meta column also holds a token for each flag of a message (link,
-- file, react, thread, bot), so that has: and is: join in: and from: in
-- the MATCH, where FTS5 intersects doclists, instead of filtering every
-- match of common words row by row. The index is emptied and the cursor
-- dropped, so the indexer rebuilds it from the messages.
INSERT INTO search_fts (search_fts) VALUES ('delete-all');
DELETE FROM search_text;
DELETE FROM search_docs;
DELETE FROM search_cursor;
