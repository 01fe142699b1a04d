-- Network guidelines, platform roles and channel parts per space, reports, and the audit log.

ALTER TABLE networks ADD COLUMN guidelines TEXT NOT NULL DEFAULT '';

-- The platform role that marks a network's members, per space (a Discord server...).
CREATE TABLE network_roles (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    space_key  TEXT    NOT NULL,
    role_id    TEXT    NOT NULL,
    PRIMARY KEY (network_id, space_key)
);

-- Which channel plays which part (category, announcements, general, reflection, resources)
-- for a network in a space. network_places (0002) gains the space; a part is held once.
ALTER TABLE network_places ADD COLUMN space_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX network_places_part ON network_places (network_id, space_key, purpose);

-- A member's private report of a concern to their network's coordinators.
CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    network_id   INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    reporter_key TEXT    NOT NULL,
    concern      TEXT    NOT NULL,
    message_link TEXT,
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at   TEXT    NOT NULL,
    closed_at    TEXT,
    closed_by    TEXT,
    closing_note TEXT
);
CREATE INDEX reports_network ON reports (network_id, status);

-- Who did what, when, in which network. Never message text.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT    NOT NULL,
    actor_key  TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    network_id INTEGER,
    target     TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_network ON audit_log (network_id, at);
