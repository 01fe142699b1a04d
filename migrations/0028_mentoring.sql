-- Mentoring: mentors' opt-in profiles, requests for a mentor, and the pairings between two
-- people (asked, then accepted or declined, then active until either ends it). Never what the
-- two write to each other: their private thread is deleted after the retention period.
-- Instants are UTC text (bot.clock.to_db). Covered by the mentoring cog's export and delete
-- hooks; a person's key becomes NULL in a pairing once they deleted their data.

CREATE TABLE mentor_profiles (
    user_key     TEXT    NOT NULL,
    network_id   INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    topics       TEXT    NOT NULL,             -- fixed topic ids, comma-separated
    tags         TEXT    NOT NULL DEFAULT '',  -- the mentor's own words, comma-separated
    availability TEXT    NOT NULL DEFAULT '',
    region       TEXT    NOT NULL DEFAULT '',
    max_mentees  INTEGER NOT NULL CHECK (max_mentees BETWEEN 1 AND 5),
    paused       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (user_key, network_id)
);
CREATE INDEX mentor_profiles_network ON mentor_profiles (network_id, paused);

CREATE TABLE mentoring_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- in outbox keys: never used again
    network_id  INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    mentee_key  TEXT    NOT NULL,
    topics      TEXT    NOT NULL,
    share_name  INTEGER NOT NULL DEFAULT 0,  -- the coordinators may see who asked
    status      TEXT    NOT NULL CHECK (status IN ('open', 'paired', 'withdrawn')),
    created_at  TEXT    NOT NULL,
    closed_at   TEXT,
    offered_at  TEXT                          -- offered to the coordinators after 14 days
);
CREATE INDEX mentoring_requests_mentee ON mentoring_requests (mentee_key, status);
CREATE INDEX mentoring_requests_open ON mentoring_requests (status, offered_at);

CREATE TABLE mentoring_pairs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id        INTEGER REFERENCES mentoring_requests (id) ON DELETE SET NULL,
    network_id        INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    mentee_key        TEXT,
    mentor_key        TEXT,
    topics            TEXT    NOT NULL,
    status            TEXT    NOT NULL
                      CHECK (status IN ('asked', 'declined', 'cancelled', 'active', 'ended')),
    asked_at          TEXT    NOT NULL,
    answered_at       TEXT,
    started_at        TEXT,
    ends_at           TEXT,
    ended_at          TEXT,
    delete_after      TEXT,
    thread_key        TEXT,     -- NULL once the thread is deleted
    space_key         TEXT,
    thread_deleted_at TEXT
);
CREATE INDEX mentoring_pairs_mentee ON mentoring_pairs (mentee_key, status);
CREATE INDEX mentoring_pairs_mentor ON mentoring_pairs (mentor_key, status);
CREATE INDEX mentoring_pairs_delete ON mentoring_pairs (delete_after, thread_key);
