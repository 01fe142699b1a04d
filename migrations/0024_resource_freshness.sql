-- Keeping the resource library fresh (issue 18 item 10).

-- Searches that found nothing, so coordinators can see what people look for and do not find:
-- the query's words (lower case, each once, in order), the network searched and the day, with
-- how many times. Never who searched. Rows older than 90 days are deleted as new ones come.
CREATE TABLE resource_missed_searches (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    query      TEXT NOT NULL,
    count      INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (network_id, day, query)
) WITHOUT ROWID;

-- Entries a person saved for later (/resources saved). Covered by the privacy export and
-- delete; an entry taken out of the library drops out of the list (it is not shown).
CREATE TABLE resource_bookmarks (
    user_key    TEXT NOT NULL,
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (user_key, resource_id)
) WITHOUT ROWID;

-- The weekly link check (off unless [resources] check_links): what the last check of an
-- entry's web address found. link_problem NULL means it worked (or was never checked).
ALTER TABLE resources ADD COLUMN link_problem TEXT;
ALTER TABLE resources ADD COLUMN link_broken_since TEXT;
