-- Fan-outs: private messages queued to several people at once for one reason (a meeting
-- cancelled, a report to the coordinators). When the last of them has finished and some could
-- not be delivered, the person who caused them is told once who was not reached; that summary
-- is an outbox row of its own (key fanout:<key>:unreached), so a restart never sends it twice.
-- Kept in tables of their own so the outbox table itself is unchanged.

CREATE TABLE outbox_fanouts (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,  -- e.g. meeting:4:2027-03-10:cancelled
    sender_key    TEXT NOT NULL,         -- who is told about anyone not reached
    about         TEXT NOT NULL,         -- what the messages were about, for that summary
    advice        TEXT NOT NULL,         -- what the sender can do instead
    created_at    TEXT NOT NULL,         -- UTC ISO 8601
    summarised_at TEXT                   -- when its last message finished; NULL while open
);

CREATE INDEX outbox_fanouts_open ON outbox_fanouts (id) WHERE summarised_at IS NULL;

CREATE TABLE outbox_fanout_rows (
    outbox_key    TEXT    PRIMARY KEY,   -- the outbox row of one recipient's message
    fanout_id     INTEGER NOT NULL REFERENCES outbox_fanouts (id) ON DELETE CASCADE,
    recipient_key TEXT    NOT NULL
);

CREATE INDEX outbox_fanout_rows_fanout ON outbox_fanout_rows (fanout_id);
