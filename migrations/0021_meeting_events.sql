-- Meetings and Discord's own events (issue 15, items 10 and 11).

-- Per network: whether a notice mentions the network's member role (so people who get only
-- @mentions are told), and whether meetings are mirrored as native events at all (Discord
-- shows a server's events to everyone in the server: a private network may not want them).
ALTER TABLE meeting_settings ADD COLUMN mention_members INTEGER NOT NULL DEFAULT 1
    CHECK (mention_members IN (0, 1));
ALTER TABLE meeting_settings ADD COLUMN native_events INTEGER NOT NULL DEFAULT 1
    CHECK (native_events IN (0, 1));

-- Where an answer came from: 'answer' (the buttons, /meeting rsvp) or 'event' (Interested on
-- the meeting's Discord event, counted as Maybe). An answer always replaces an 'event' row;
-- taking Interested back removes only an 'event' row.
ALTER TABLE rsvps ADD COLUMN source TEXT NOT NULL DEFAULT 'answer'
    CHECK (source IN ('answer', 'event'));

-- How many people one meeting has room for. Going answers beyond it, in the order given, are
-- the waitlist; when someone drops out the first on the waitlist moves up.
CREATE TABLE meeting_capacity (
    series_id      INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    occurrence_key TEXT    NOT NULL,
    places         INTEGER NOT NULL CHECK (places BETWEEN 1 AND 10000),
    PRIMARY KEY (series_id, occurrence_key)
);
