-- The noticeboard (issue 21, item 3). A notice is a resource entry of type job, training or
-- event with a closing date and a network: review, search, regions and tags stay one code
-- path. This adds the new type's search words, where each notice was posted, and the weekly
-- digest subscriptions.

-- The type words gain "event" (kept in step with cogs.resources.models.KIND_WORDS). A
-- generated column cannot be altered, so it is made again, and the index with it.
DROP TRIGGER resources_fts_insert;
DROP TRIGGER resources_fts_delete;
DROP TRIGGER resources_fts_update;
DROP TABLE resources_fts;
ALTER TABLE resources DROP COLUMN kind_words;
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
        WHEN 'event' THEN 'event'
        ELSE ''
    END
) VIRTUAL;

CREATE VIRTUAL TABLE resources_fts USING fts5 (
    title, summary, tags, kind_words,
    content = 'resources', content_rowid = 'id',
    tokenize = 'porter unicode61'
);
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

-- Open notices are found by type and closing date.
CREATE INDEX resources_closing ON resources (closes_on) WHERE closes_on IS NOT NULL;

-- Each notice's post in a notices channel (one per space the network has one in): queued
-- with the entry, its message id recorded when the outbox delivers it, closed_at set when the
-- post was edited to say the notice closed. No person is named here.
CREATE TABLE notice_posts (
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    place_key   TEXT    NOT NULL,
    network_id  INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    queued_at   TEXT    NOT NULL,
    message_id  TEXT,
    closed_at   TEXT,
    PRIMARY KEY (resource_id, place_key)
) WITHOUT ROWID;

-- A member's weekly digest of new notices in one network: the tags and regions they asked for
-- (space separated; empty means any), and the last entry number already offered to them (the
-- newest entry when they subscribed, or at their last digest: entry numbers only grow, so a
-- notice added or approved later is new to them). Covered by the privacy export and delete,
-- and dropped when they leave the network.
CREATE TABLE notice_subscriptions (
    user_key   TEXT    NOT NULL,
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    tags       TEXT    NOT NULL DEFAULT '',
    regions    TEXT    NOT NULL DEFAULT '',
    offered_through INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (user_key, network_id)
) WITHOUT ROWID;
CREATE INDEX notice_subscriptions_network ON notice_subscriptions (network_id);
