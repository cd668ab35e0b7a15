-- The search index and the indexer's cursor moved to their own file,
-- search.db (see search.OpenDB). Older versions kept them in the main
-- database: drop them there (the new file is filled from the messages).
-- The "search" component's migration rows go too, so that an older binary
-- started on this database again recreates its tables instead of finding
-- them missing.
DROP TABLE IF EXISTS search_fts;
DROP TABLE IF EXISTS search_text;
DROP TABLE IF EXISTS search_docs;
DROP TABLE IF EXISTS search_cursor;
DELETE FROM schema_migrations WHERE component = 'search';
