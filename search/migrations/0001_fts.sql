-- The FTS5 backend's tables (used when Meilisearch is not configured).
--
-- search_docs holds one row per indexed message with what the query's
-- filters and the permission need: small rows, so the join from the
-- full-text matches to them reads few pages. search_text holds the two
-- texts given to the full-text index, and search_fts is an external-content
-- FTS5 table over it, so the text is stored once and snippet() reads it from
-- there. The backend keeps the three in step explicitly (no triggers), which
-- lets Reset use FTS5's 'delete-all'.
CREATE TABLE search_docs (
	id             INTEGER PRIMARY KEY, -- the message id
	channel_id     INTEGER NOT NULL,
	channel_public INTEGER NOT NULL DEFAULT 0,
	user_id        INTEGER NOT NULL,
	is_bot         INTEGER NOT NULL DEFAULT 0,
	is_thread      INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL, -- unix ms
	has_link       INTEGER NOT NULL DEFAULT 0,
	has_file       INTEGER NOT NULL DEFAULT 0,
	has_reaction   INTEGER NOT NULL DEFAULT 0
);

-- Filter-only queries (no words) walk these in created_at order.
CREATE INDEX search_docs_created ON search_docs (created_at);
CREATE INDEX search_docs_channel_created ON search_docs (channel_id, created_at);
CREATE INDEX search_docs_user_created ON search_docs (user_id, created_at);

CREATE TABLE search_text (
	id     INTEGER PRIMARY KEY, -- the message id
	-- body: the text, with CJK characters separated by U+200B so that the
	-- unicode61 tokenizer makes each one a token (stripped from snippets).
	body   TEXT NOT NULL,
	-- idents: identifier-like words (build_id, v1.2.3) kept whole, their
	-- separators mapped to private-use characters unicode61 keeps in tokens.
	idents TEXT NOT NULL DEFAULT ''
);

CREATE VIRTUAL TABLE search_fts USING fts5(
	body, idents,
	content = 'search_text', content_rowid = 'id',
	-- Prefix indexes make short prefix queries (de*, dep*) one doclist read.
	prefix = '2 3',
	tokenize = 'unicode61 remove_diacritics 2'
);
