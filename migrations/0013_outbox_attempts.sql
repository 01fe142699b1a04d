-- When the worker last began handing an outbox message to the platform. Set (and committed)
-- right before each send; a pending row that has it may already have been delivered by a
-- process that died before recording it, so the worker looks on the platform before sending
-- again. UTC ISO 8601 text; NULL for rows never attempted.
ALTER TABLE outbox ADD COLUMN attempt_started_at TEXT;
