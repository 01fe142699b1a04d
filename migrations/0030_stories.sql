-- Stories of peer work (issue 21, item 4): submitted privately, reviewed by a coordinator,
-- published only once the author says yes, under the name they chose (or none), and removed
-- at once when the author withdraws it.

-- A story while it exists. Withdrawing deletes the row (and so its text) at once; a
-- coordinator unpublishing keeps it, as 'unpublished', for the author to withdraw or change.
-- shown_name is the name the author chose to publish under ('' for none). revision counts the
-- author's edits, so a button on an older version (a review, an approval) is out of date.
-- AUTOINCREMENT: a withdrawn story's number is never given again, since outbox keys and
-- story_messages name stories by number.
CREATE TABLE stories (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    network_id   INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    author_key   TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    shown_name   TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN (
                     'draft', 'review', 'changes', 'approved', 'published', 'declined',
                     'unpublished')),
    revision     INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    published_at TEXT
);
CREATE INDEX stories_author ON stories (author_key);
CREATE INDEX stories_network ON stories (network_id, status);

-- Every message peerbot delivered that shows a story's text: the posts in the network's
-- channels ('post'), the coordinators' review messages ('review'), the author's preview
-- ('preview') and what else peerbot told the author about it ('author'). Kept by outbox key, so a story withdrawn while a message was on its way has
-- that message removed too. No foreign key: the rows outlive a withdrawn story until each
-- message is deleted on its platform ('removing' = 1 until then; a failed delete is tried
-- again). No text and no person here.
CREATE TABLE story_messages (
    outbox_key TEXT    PRIMARY KEY,
    story_id   INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('post', 'review', 'preview', 'author')),
    place_key  TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    removing   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX story_messages_story ON story_messages (story_id);
CREATE INDEX story_messages_removing ON story_messages (removing) WHERE removing = 1;
