-- The Matrix adapter's memory: each person's direct-message room with the bot, numbered
-- choices still waiting for an answer (so a reaction to a week-old notice still counts after
-- a restart), and guided forms part-way through.
CREATE TABLE matrix_dm_rooms (
    user_key   TEXT PRIMARY KEY,           -- matrix:@alex:example.org
    room_id    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE matrix_choices (
    event_id   TEXT PRIMARY KEY,           -- the bot's message listing the numbered choices
    room_id    TEXT NOT NULL,
    user_key   TEXT,                       -- the one person who may answer; NULL: anyone there
    entries    TEXT NOT NULL,              -- JSON list of {"action": "id|payload", "value": ...}
    max_values INTEGER NOT NULL DEFAULT 1, -- how many numbers one answer may pick
    created_at TEXT NOT NULL
);
CREATE INDEX matrix_choices_by_room ON matrix_choices (room_id, created_at);
CREATE INDEX matrix_choices_by_user ON matrix_choices (user_key);

CREATE TABLE matrix_forms (
    user_key   TEXT PRIMARY KEY,           -- one guided exchange at a time per person
    room_id    TEXT NOT NULL,              -- the direct-message room it happens in
    form       TEXT NOT NULL,              -- the Form, as JSON
    answers    TEXT NOT NULL,              -- JSON object of the answers given so far
    place_key  TEXT,                       -- where the form was asked for
    created_at TEXT NOT NULL
);
