-- Networks, who belongs to them with which role, and which platform places belong to which.

CREATE TABLE networks (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    archived_at TEXT
);

CREATE TABLE memberships (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    user_key   TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('member', 'executive', 'coordinator')),
    joined_at  TEXT    NOT NULL,
    PRIMARY KEY (network_id, user_key)
);

CREATE INDEX memberships_user ON memberships (user_key);

-- Admins run the bot for the whole space. 'config' rows mirror the configuration at start.
CREATE TABLE admins (
    user_key   TEXT PRIMARY KEY,
    source     TEXT NOT NULL CHECK (source IN ('config', 'granted')),
    granted_at TEXT NOT NULL
);

-- Which channel or room plays which part for a network (announcements, reflection...).
CREATE TABLE network_places (
    place_key  TEXT PRIMARY KEY,
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL
);
