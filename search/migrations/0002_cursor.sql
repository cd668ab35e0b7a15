-- Where the indexer is in the event log, per backend (an index rebuilt on
-- another backend starts from the beginning).
CREATE TABLE search_cursor (
    backend TEXT    PRIMARY KEY,
    seq     INTEGER NOT NULL
);
