-- Wellbeing check-ins: who opted in and when they want to be asked (a subscription), and their
-- answers. Answers and notes are health information: kept only for a set number of days,
-- exported and deleted with the person's data, never logged.
-- Instants are UTC text (bot.clock.to_db); dates are ISO local dates; times are HH:MM local.

-- AUTOINCREMENT: a subscription id is part of every outbox and job key, so an id must never
-- be used again after someone stops and starts again.
CREATE TABLE checkin_subscriptions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_key     TEXT    NOT NULL UNIQUE,
    network_id   INTEGER REFERENCES networks (id) ON DELETE SET NULL,
    scale        TEXT    NOT NULL,
    frequency    TEXT    NOT NULL CHECK (frequency IN ('weekly', 'fortnightly', 'monthly')),
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- Monday 0 .. Sunday 6
    local_time   TEXT    NOT NULL,
    timezone     TEXT    NOT NULL,
    starts_on    TEXT    NOT NULL,  -- local date of the first check-in; fortnights count from it
    paused_until TEXT,              -- local date of the first check-in after a pause
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);

CREATE TABLE checkin_answers (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_key            TEXT    NOT NULL,
    subscription_id     INTEGER,         -- no foreign key: answers outlive a stopped subscription
    network_id          INTEGER REFERENCES networks (id) ON DELETE SET NULL,
    slot_at             TEXT    NOT NULL,  -- the check-in's instant (or when /checkin now ran)
    scale               TEXT    NOT NULL,
    value               INTEGER NOT NULL,
    score               INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),  -- higher is better
    low                 INTEGER NOT NULL CHECK (low IN (0, 1)),
    note                TEXT,
    answered_at         TEXT    NOT NULL,
    coordinator_told_at TEXT,
    UNIQUE (user_key, slot_at)
);
CREATE INDEX checkin_answers_network ON checkin_answers (network_id, answered_at);
CREATE INDEX checkin_answers_answered ON checkin_answers (answered_at);
