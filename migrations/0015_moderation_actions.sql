-- Moderation actions that coordinators expect (issue 14, item 9): a reason on every action,
-- an optional modlog channel per network, and locks and slowmodes that undo themselves.

-- Why the action was taken, as the moderator typed it (at most 200 characters); '' for none.
ALTER TABLE audit_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- The channel where a network's moderation actions are posted; no row means no modlog.
CREATE TABLE moderation_modlogs (
    network_id INTEGER PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
    place_key  TEXT    NOT NULL  -- e.g. discord:123
);

-- A lock or slowmode with an end: the scheduler's job source reads the running ones at start,
-- so a restart (or downtime past the end) still undoes it, once. A later lock or slowmode of
-- the same channel ends the earlier one ('replaced'), an explicit unlock cancels it.
CREATE TABLE moderation_timers (
    id         INTEGER PRIMARY KEY,
    network_id INTEGER REFERENCES networks (id) ON DELETE CASCADE,
    place_key  TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('lock', 'slowmode')),
    started_at TEXT    NOT NULL,  -- UTC ISO 8601
    ends_at    TEXT    NOT NULL,
    ended_at   TEXT,              -- NULL while running
    outcome    TEXT CHECK (outcome IN ('expired', 'cancelled', 'replaced', 'failed'))
);

CREATE UNIQUE INDEX moderation_timers_running
    ON moderation_timers (place_key, kind) WHERE ended_at IS NULL;
