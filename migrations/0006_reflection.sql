-- Co-reflection: who took part in which private thread, the format, topic, phase and times;
-- and each person's own takeaway notes. Never the text of the thread.
-- Instants are UTC text (bot.clock.to_db).

CREATE TABLE reflections (
    id                INTEGER PRIMARY KEY,
    network_id        INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    thread_key        TEXT,             -- NULL once the thread is deleted
    format            TEXT    NOT NULL,
    topic             TEXT,
    starter_key       TEXT    NOT NULL,
    facilitator_key   TEXT    NOT NULL,
    phase             INTEGER NOT NULL DEFAULT 0,
    opened_at         TEXT    NOT NULL,
    closed_at         TEXT,
    delete_after      TEXT,
    thread_deleted_at TEXT
);
CREATE INDEX reflections_thread ON reflections (thread_key);
CREATE INDEX reflections_delete ON reflections (delete_after, thread_deleted_at);

CREATE TABLE reflection_participants (
    reflection_id INTEGER NOT NULL REFERENCES reflections (id) ON DELETE CASCADE,
    user_key      TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('invited', 'joined', 'declined')),
    invited_at    TEXT    NOT NULL,
    answered_at   TEXT,
    PRIMARY KEY (reflection_id, user_key)
);
CREATE INDEX reflection_participants_user ON reflection_participants (user_key);

CREATE TABLE reflection_takeaways (
    id            INTEGER PRIMARY KEY,
    reflection_id INTEGER NOT NULL REFERENCES reflections (id) ON DELETE CASCADE,
    user_key      TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    written_at    TEXT    NOT NULL
);
CREATE INDEX reflection_takeaways_user ON reflection_takeaways (user_key);
