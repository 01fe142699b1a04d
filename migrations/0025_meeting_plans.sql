-- Meetings planned per occurrence (issue 20, items 1 and 2).

-- One meeting's own professional development (PD) topic, facilitator and agenda, apart from
-- the series' standing agenda: a topic set for one date never carries over to the next.
CREATE TABLE meeting_plans (
    series_id      INTEGER NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    occurrence_key TEXT    NOT NULL,
    topic          TEXT,
    facilitator    TEXT,
    agenda         TEXT,
    planned_by     TEXT    NOT NULL,
    planned_at     TEXT    NOT NULL,
    PRIMARY KEY (series_id, occurrence_key)
);

-- How a person who said Going comes: in the room or online (NULL: not said), and access
-- needs they chose to tell the coordinators (seen by coordinators only).
ALTER TABLE rsvps ADD COLUMN mode TEXT CHECK (mode IN ('room', 'online'));
ALTER TABLE rsvps ADD COLUMN access_needs TEXT;
