-- A third column, meta, holds each message's channel and author as tokens
-- (c<channel id> u<user id>), so that in: and from: become part of the
-- MATCH, where FTS5 intersects doclists, instead of a row-by-row filter
-- over every match of the words. The index is recreated empty and the
-- cursor dropped, so the indexer rebuilds it from the messages.
DROP TABLE search_fts;
DELETE FROM search_text;
DELETE FROM search_docs;
DELETE FROM search_cursor;
ALTER TABLE search_text ADD COLUMN meta TEXT NOT NULL DEFAULT '';
CREATE VIRTUAL TABLE search_fts USING fts5(
	body, idents, meta,
	content = 'search_text', content_rowid = 'id',
	prefix = '2 3',
	tokenize = 'unicode61 remove_diacritics 2'
);
