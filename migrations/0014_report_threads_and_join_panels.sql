-- Reports about a message, claiming a report, anonymous replies, and the join panel.
-- A report about a message keeps where the message is (channel and message id, with the link
-- already in reports.message_link), never its text: coordinators open the link.

ALTER TABLE reports ADD COLUMN message_place TEXT;  -- the channel's place key, discord:123
ALTER TABLE reports ADD COLUMN message_id    TEXT;
ALTER TABLE reports ADD COLUMN claimed_by    TEXT;  -- the coordinator who took it
ALTER TABLE reports ADD COLUMN claimed_at    TEXT;
ALTER TABLE reports ADD COLUMN removed_by    TEXT;  -- who removed the reported message
ALTER TABLE reports ADD COLUMN removed_at    TEXT;

-- The private thread between a report's coordinators and its reporter. Neither side is named
-- to the other; author_key is kept so a coordinator can export or delete what they wrote.
CREATE TABLE report_replies (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    direction  TEXT    NOT NULL CHECK (direction IN ('to_reporter', 'to_coordinators')),
    author_key TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX report_replies_report ON report_replies (report_id, id);
CREATE INDEX report_replies_author ON report_replies (author_key);

-- A network's "join a network" panel: one per network and space, replaced when posted again.
-- Who posted it is in the audit log (network.panel), so no person is kept here.
CREATE TABLE network_panels (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    space_key  TEXT    NOT NULL,
    place_key  TEXT    NOT NULL,
    message_id TEXT,               -- NULL until the platform has the message
    posted_at  TEXT    NOT NULL,
    PRIMARY KEY (network_id, space_key)
);
