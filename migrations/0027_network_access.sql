-- Invite-only networks and the opt-in "find a peer" directory.
--
-- ``joining`` is 'open' (anyone joins at once, as before) or 'approval' (a join is a request
-- that a coordinator approves or declines).
ALTER TABLE networks ADD COLUMN joining TEXT NOT NULL DEFAULT 'open'
    CHECK (joining IN ('open', 'approval'));

-- One row per request to join an invite-only network. At most one pending request per person
-- and network; decided ones stay until the person deletes their data (the export shows them).
-- Who decided is in the audit log only, so nothing here is about the coordinator.
CREATE TABLE join_requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- in outbox keys: never used again
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    user_key   TEXT    NOT NULL,
    status     TEXT    NOT NULL
        CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn')),
    asked_at   TEXT    NOT NULL,
    decided_at TEXT
);
CREATE UNIQUE INDEX join_requests_one_pending
    ON join_requests (network_id, user_key) WHERE status = 'pending';
CREATE INDEX join_requests_user ON join_requests (user_key);

-- The directory: only people who chose to be in it have a row. Each field the person filled
-- in is one row of peer_profile_fields (field names come from code: cogs/networks/directory.py),
-- so a new field (open to mentoring) needs no migration. Nothing is shown without a row here.
CREATE TABLE peer_profiles (
    user_key   TEXT PRIMARY KEY,
    listed_at  TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE peer_profile_fields (
    user_key TEXT NOT NULL REFERENCES peer_profiles (user_key)
        ON DELETE CASCADE ON UPDATE CASCADE,
    field    TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (user_key, field)
);
