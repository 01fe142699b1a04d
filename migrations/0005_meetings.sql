-- Meetings: a series per network whose occurrences come from a recurrence rule (never stored
-- copies), changes to single occurrences, answers (RSVP), attendance, agenda items, minutes,
-- per-network meeting settings, and people who turned their reminders off.
-- An occurrence is named by its series and its key: the ISO local date of its original slot.
-- Instants are UTC text (bot.clock.to_db); dates are ISO text; times are HH:MM local.

CREATE TABLE meeting_series (
    id               INTEGER PRIMARY KEY,
    network_id       INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    first_date       TEXT    NOT NULL,
    start_time       TEXT    NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 720),
    timezone         TEXT    NOT NULL,
    interval_months  INTEGER NOT NULL DEFAULT 3 CHECK (interval_months BETWEEN 1 AND 12),
    nth              INTEGER,          -- with weekday: "the second Tuesday" is nth 2, weekday 1
    weekday          INTEGER,          -- Monday 0 .. Sunday 6
    until_date       TEXT,
    location         TEXT,
    link             TEXT,
    agenda           TEXT,
    recorded         INTEGER NOT NULL DEFAULT 0 CHECK (recorded IN (0, 1)),
    created_by       TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    cancelled_at     TEXT,
    cancelled_by     TEXT,
    CHECK ((nth IS NULL) = (weekday IS NULL))
);
CREATE INDEX meeting_series_network ON meeting_series (network_id, cancelled_at);

-- One occurrence skipped, cancelled (also skipped) or changed (any override field set).
CREATE TABLE occurrence_changes (
    series_id        INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    occurrence_key   TEXT    NOT NULL,
    skipped          INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1)),
    cancelled        INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    start_at         TEXT,             -- UTC instant, when moved
    duration_minutes INTEGER,
    location         TEXT,
    link             TEXT,
    agenda           TEXT,
    changed_by       TEXT    NOT NULL,
    changed_at       TEXT    NOT NULL,
    PRIMARY KEY (series_id, occurrence_key)
);

CREATE TABLE rsvps (
    series_id      INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    occurrence_key TEXT    NOT NULL,
    user_key       TEXT    NOT NULL,
    answer         TEXT    NOT NULL CHECK (answer IN ('going', 'maybe', 'no')),
    answered_at    TEXT    NOT NULL,
    PRIMARY KEY (series_id, occurrence_key, user_key)
);
CREATE INDEX rsvps_user ON rsvps (user_key);

CREATE TABLE attendance (
    series_id      INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    occurrence_key TEXT    NOT NULL,
    user_key       TEXT    NOT NULL,
    started_at     TEXT    NOT NULL,  -- UTC start of the meeting attended, for the record
    hours          REAL    NOT NULL CHECK (hours > 0 AND hours <= 12),
    marked_by      TEXT    NOT NULL,
    marked_at      TEXT    NOT NULL,
    PRIMARY KEY (series_id, occurrence_key, user_key)
);
CREATE INDEX attendance_user ON attendance (user_key);

CREATE TABLE agenda_items (
    id             INTEGER PRIMARY KEY,
    series_id      INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    occurrence_key TEXT    NOT NULL,
    user_key       TEXT    NOT NULL,
    text           TEXT    NOT NULL,
    added_at       TEXT    NOT NULL
);
CREATE INDEX agenda_items_occurrence ON agenda_items (series_id, occurrence_key);
CREATE INDEX agenda_items_user ON agenda_items (user_key);

-- The network's record of a meeting: kept when the person who wrote them deletes their data.
CREATE TABLE minutes (
    series_id      INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    occurrence_key TEXT    NOT NULL,
    text           TEXT    NOT NULL,
    recorded_by    TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL,
    PRIMARY KEY (series_id, occurrence_key)
);

CREATE TABLE meeting_settings (
    network_id               INTEGER PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
    announce_days            INTEGER NOT NULL DEFAULT 14 CHECK (announce_days BETWEEN 0 AND 60),
    reminder_offsets_minutes TEXT    NOT NULL DEFAULT '1440,120'  -- minutes before, by commas
);

CREATE TABLE reminder_optouts (
    user_key TEXT PRIMARY KEY,
    since    TEXT NOT NULL
);
