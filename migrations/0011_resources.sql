-- The resource library: curated entries (shared by every network when network_id is NULL),
-- their full-text index, the review queue of members' submissions, and saved searches that
-- paging buttons point to. Instants are UTC text (bot.clock.to_db); dates are YYYY-MM-DD.

CREATE TABLE resources (
    id           INTEGER PRIMARY KEY,
    key          TEXT    NOT NULL UNIQUE,  -- stable: seed and import entries keep theirs
    network_id   INTEGER REFERENCES networks (id) ON DELETE CASCADE,
    title        TEXT    NOT NULL,
    link         TEXT,
    contact      TEXT,
    summary      TEXT    NOT NULL,
    area         TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    audience     TEXT    NOT NULL,
    tags         TEXT    NOT NULL DEFAULT '',  -- space separated, lower case
    added_by     TEXT,                         -- a person's key; NULL once they deleted their data
    added_at     TEXT    NOT NULL,
    last_checked TEXT    NOT NULL,
    closes_on    TEXT,
    retired_at   TEXT,
    CHECK (link IS NOT NULL OR contact IS NOT NULL)
);
CREATE INDEX resources_network ON resources (network_id);
CREATE INDEX resources_title ON resources (title COLLATE NOCASE);
CREATE INDEX resources_added_by ON resources (added_by);

-- Porter stemming ("supervising" finds "supervision"); kept in step by the triggers below,
-- inside whatever transaction changes the entry.
CREATE VIRTUAL TABLE resources_fts USING fts5 (
    title, summary, tags,
    content = 'resources', content_rowid = 'id',
    tokenize = 'porter unicode61'
);
-- Ranking: bm25 with a word in the title counting most, then tags, then the summary.
INSERT INTO resources_fts (resources_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 4.0)');
CREATE VIRTUAL TABLE resources_vocab USING fts5vocab (resources_fts, 'row');

CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resources_fts (rowid, title, summary, tags)
    VALUES (new.id, new.title, new.summary, new.tags);
END;
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, summary, tags)
    VALUES ('delete', old.id, old.title, old.summary, old.tags);
END;
CREATE TRIGGER resources_fts_update AFTER UPDATE OF title, summary, tags ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, summary, tags)
    VALUES ('delete', old.id, old.title, old.summary, old.tags);
    INSERT INTO resources_fts (rowid, title, summary, tags)
    VALUES (new.id, new.title, new.summary, new.tags);
END;

CREATE TABLE resource_submissions (
    id           INTEGER PRIMARY KEY,
    network_id   INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    submitted_by TEXT    NOT NULL,
    submitted_at TEXT    NOT NULL,
    draft_json   TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'approved', 'rejected')),
    reason       TEXT,
    decided_by   TEXT,
    decided_at   TEXT,
    resource_id  INTEGER REFERENCES resources (id) ON DELETE SET NULL
);
CREATE INDEX resource_submissions_queue ON resource_submissions (network_id, status);
CREATE INDEX resource_submissions_by ON resource_submissions (submitted_by);

-- What a paged search was (never who ran it), so Next and Previous work after a restart.
CREATE TABLE resource_searches (
    token      TEXT PRIMARY KEY,
    query      TEXT NOT NULL,
    area       TEXT,
    type       TEXT,
    region     TEXT,
    networks   TEXT NOT NULL,  -- comma-separated network ids the searcher could see
    created_at TEXT NOT NULL
);
CREATE INDEX resource_searches_created ON resource_searches (created_at);
