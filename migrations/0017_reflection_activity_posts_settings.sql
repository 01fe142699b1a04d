-- Co-reflection (issue 16): when a co-reflection was last active, so one nobody closes is
-- closed after a quiet spell (with a warning a day before); which platform messages are whose
-- posts, so a participant can delete their own (never the text); and a network's settings in
-- one table: how long closed threads are kept, after how many quiet days an open one closes,
-- and whether peerbot keeps Manage Threads in the reflection channel to itself.

ALTER TABLE reflections ADD COLUMN last_activity_at TEXT;  -- NULL: opened_at
ALTER TABLE reflections ADD COLUMN idle_warned_at TEXT;    -- warned of closing for quiet

CREATE TABLE reflection_posts (
    id            INTEGER PRIMARY KEY,
    reflection_id INTEGER NOT NULL REFERENCES reflections (id) ON DELETE CASCADE,
    user_key      TEXT    NOT NULL,
    message_ids   TEXT    NOT NULL,  -- the post's messages in the thread, space-separated
    posted_at     TEXT    NOT NULL
);
CREATE INDEX reflection_posts_user ON reflection_posts (user_key);
CREATE INDEX reflection_posts_reflection ON reflection_posts (reflection_id);

-- reflection_settings held only the retention period (NOT NULL); each setting may now be
-- the network's own or the configured default (NULL).
CREATE TABLE reflection_settings_new (
    network_id      INTEGER PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
    retention_days  INTEGER CHECK (retention_days BETWEEN 1 AND 365),
    idle_days       INTEGER CHECK (idle_days BETWEEN 2 AND 90),
    private_threads INTEGER NOT NULL DEFAULT 0 CHECK (private_threads IN (0, 1))
);
INSERT INTO reflection_settings_new (network_id, retention_days)
    SELECT network_id, retention_days FROM reflection_settings;
DROP TABLE reflection_settings;
ALTER TABLE reflection_settings_new RENAME TO reflection_settings;
