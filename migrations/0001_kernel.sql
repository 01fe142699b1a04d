-- The kernel's own tables: the outbox of messages to deliver, and confirmation tokens.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,   -- e.g. meeting:42:2027-03-10:reminder-1d
    platform        TEXT    NOT NULL,
    target_kind     TEXT    NOT NULL CHECK (target_kind IN ('place', 'user')),
    target_id       TEXT    NOT NULL,
    message_json    TEXT    NOT NULL,
    due_at          TEXT    NOT NULL,          -- UTC ISO 8601
    not_after       TEXT,                      -- skip (and record it) if not sent by then
    status          TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    sent_message_id TEXT,
    created_at      TEXT    NOT NULL,
    finished_at     TEXT
);

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE confirmations (
    token       TEXT PRIMARY KEY,
    user_key    TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE INDEX confirmations_user ON confirmations (user_key);

-- Scheduled work that has run (or was skipped because it came due too long ago), so that a
-- restart never runs it twice.
CREATE TABLE scheduled_runs (
    key         TEXT PRIMARY KEY,
    outcome     TEXT NOT NULL CHECK (outcome IN ('done', 'skipped')),
    planned_for TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
