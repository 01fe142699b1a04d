-- Calendar feeds: a private random token per network (its meeting series) and per person
-- (the meetings they said Going or Maybe to). The token is the only key: a new one (rotate)
-- makes the old address answer 404 at once. ``fingerprint`` and ``changed_at`` remember what
-- the feed last held and since when, so Last-Modified never goes back when a change deletes
-- a row (a topic cleared) rather than writing a newer time.
CREATE TABLE network_calendar_feeds (
    network_id  INTEGER PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
    token       TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    fingerprint TEXT,
    changed_at  TEXT
);

CREATE TABLE person_calendar_feeds (
    user_key    TEXT PRIMARY KEY,
    token       TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    fingerprint TEXT,
    changed_at  TEXT
);
