-- Meeting notices that stay in step with their meeting.
--
-- An outbox row can now edit a message already posted (action 'edit', the message in
-- edit_message_id, in the place of target_id) or rename a thread (action 'rename', the new
-- name as the message text), instead of sending a new message. Each change gets its own key,
-- so a restart neither repeats one nor loses one.
ALTER TABLE outbox ADD COLUMN action TEXT NOT NULL DEFAULT 'send'
    CHECK (action IN ('send', 'edit', 'rename'));
ALTER TABLE outbox ADD COLUMN edit_message_id TEXT;

-- Counts every change to a series or one of its meetings, for the keys of what it causes
-- (the private "moved" messages of one change are one group, never confused with another's).
ALTER TABLE meeting_series ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- Every notice posted (one per announcements channel), kept as long as its series: outbox
-- rows are purged after a while, and a notice must still be found to be re-rendered.
CREATE TABLE meeting_notices (
    series_id      INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    occurrence_key TEXT    NOT NULL,
    place_key      TEXT    NOT NULL,   -- the channel or room, discord:123
    message_id     TEXT    NOT NULL,
    shown          TEXT    NOT NULL DEFAULT 'open'
                           CHECK (shown IN ('open', 'skipped', 'cancelled', 'series-cancelled',
                                            'dropped', 'held')),
    rendered       TEXT    NOT NULL DEFAULT '',  -- fingerprint of what it shows now
    revision       INTEGER NOT NULL DEFAULT 0,   -- how many times it was re-rendered
    thread_id      TEXT,                         -- the minutes thread opened under it
    thread_name    TEXT,
    posted_at      TEXT    NOT NULL,
    PRIMARY KEY (series_id, occurrence_key, place_key)
);
CREATE INDEX meeting_notices_open ON meeting_notices (series_id) WHERE shown = 'open';

-- Notices posted before this migration: found from their outbox rows
-- (meeting:SERIES:DATE:announce:PLACE), and their minutes threads from platform_state.
INSERT OR IGNORE INTO meeting_notices
    (series_id, occurrence_key, place_key, message_id, posted_at)
SELECT series_id, occurrence_key, place_key, sent_message_id, posted_at
FROM (
    SELECT CAST(substr(rest, 1, instr(rest, ':') - 1) AS INTEGER) AS series_id,
           substr(rest, instr(rest, ':') + 1, 10) AS occurrence_key,
           substr(rest, instr(rest, ':') + 11, 10) AS kind,
           substr(rest, instr(rest, ':') + 21) AS place_key,
           sent_message_id,
           COALESCE(finished_at, created_at) AS posted_at
    FROM (
        SELECT substr(key, 9) AS rest, sent_message_id, finished_at, created_at FROM outbox
        WHERE key LIKE 'meeting:%:announce:%' AND status = 'sent'
              AND sent_message_id IS NOT NULL
    )
)
WHERE kind = ':announce:' AND series_id IN (SELECT id FROM meeting_series);

UPDATE meeting_notices SET thread_id = (
    SELECT value FROM platform_state
    WHERE key = 'meeting-minutes-thread:' || meeting_notices.series_id || ':'
                || meeting_notices.occurrence_key || ':' || meeting_notices.place_key
      AND value != ''
);
