-- The resource library (issue 18): type words are searchable ("jobs", "training", "template",
-- "form"), paged searches can be of entries closing soon, and a suggestion form that was
-- refused keeps what the person typed so they can fix it instead of typing it all again.

-- The words a type is found by. Kept in step with cogs.resources.models.KIND_WORDS (a test
-- compares them); stemming finds the plurals ("jobs", "templates", "forms").
ALTER TABLE resources ADD COLUMN kind_words TEXT GENERATED ALWAYS AS (
    CASE type
        WHEN 'form' THEN 'form'
        WHEN 'template' THEN 'template'
        WHEN 'guideline' THEN 'guideline'
        WHEN 'research' THEN 'research'
        WHEN 'training' THEN 'training course'
        WHEN 'job' THEN 'job posting vacancy'
        WHEN 'service' THEN 'service directory'
        WHEN 'support-line' THEN 'support line helpline'
        WHEN 'story' THEN 'story reflection'
        ELSE ''
    END
) VIRTUAL;

-- The index gains the type words as a fourth column, so it is made again (same tokenizer).
DROP TRIGGER resources_fts_insert;
DROP TRIGGER resources_fts_delete;
DROP TRIGGER resources_fts_update;
DROP TABLE resources_vocab;
DROP TABLE resources_fts;

CREATE VIRTUAL TABLE resources_fts USING fts5 (
    title, summary, tags, kind_words,
    content = 'resources', content_rowid = 'id',
    tokenize = 'porter unicode61'
);
-- Ranking: bm25 with a word in the title counting most, then tags, then the type, then the
-- summary.
INSERT INTO resources_fts (resources_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 4.0, 2.0)');
INSERT INTO resources_fts (resources_fts) VALUES ('rebuild');

CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resources_fts (rowid, title, summary, tags, kind_words)
    VALUES (new.id, new.title, new.summary, new.tags, new.kind_words);
END;
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, summary, tags, kind_words)
    VALUES ('delete', old.id, old.title, old.summary, old.tags, old.kind_words);
END;
CREATE TRIGGER resources_fts_update AFTER UPDATE OF title, summary, tags, type ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, summary, tags, kind_words)
    VALUES ('delete', old.id, old.title, old.summary, old.tags, old.kind_words);
    INSERT INTO resources_fts (rowid, title, summary, tags, kind_words)
    VALUES (new.id, new.title, new.summary, new.tags, new.kind_words);
END;

-- A browse of what closes soon pages like any other: the last day it reaches (YYYY-MM-DD).
ALTER TABLE resource_searches ADD COLUMN closes_by TEXT;

-- What someone typed into the suggestion form when it was refused (a link that is not a web
-- address, a closing date already past), so the form opens again filled in. Deleted once the
-- suggestion is sent, after a day, or with the person's data.
CREATE TABLE resource_form_drafts (
    token      TEXT PRIMARY KEY,
    user_key   TEXT NOT NULL,
    payload    TEXT NOT NULL,  -- the form's own payload: network, area, type, region, audience
    fields     TEXT NOT NULL,  -- JSON: field name -> what was typed
    created_at TEXT NOT NULL
);
CREATE INDEX resource_form_drafts_user ON resource_form_drafts (user_key);
CREATE INDEX resource_form_drafts_created ON resource_form_drafts (created_at);
