-- Co-reflection as people expect from ticket bots (issue 16, item 6): the "start a
-- co-reflection" panel a coordinator posts in a network's reflection channel (kept only so that
-- posting it again replaces it; one per network and server); the server or space a thread is
-- in, for jump links in private messages; an optional planned live session; and when a closed
-- co-reflection was reopened.

CREATE TABLE reflection_panels (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    space_key  TEXT    NOT NULL,
    place_key  TEXT    NOT NULL,
    message_id TEXT,
    posted_at  TEXT    NOT NULL,
    PRIMARY KEY (network_id, space_key)
);

ALTER TABLE reflections ADD COLUMN space_key TEXT;    -- NULL: from before jump links
ALTER TABLE reflections ADD COLUMN session_at TEXT;   -- a planned live session (UTC), or NULL
ALTER TABLE reflections ADD COLUMN reopened_at TEXT;  -- last reopened after a close
