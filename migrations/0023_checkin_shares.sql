-- "Let someone know" after a check-in answer: one row per person told (a coordinator, or a
-- peer the person chose), so the recipient can say "I have seen this" and the person hears of
-- it, and a chosen peer can say yes or no before they see anything.
-- ``reach`` is the person's own short line on how to reach them, kept only until the chosen
-- peer has seen it or declined (a coordinator's copy is in the outbox message only). Covered
-- by the check-ins cog's export and delete hooks; deleted with its answer.
CREATE TABLE checkin_shares (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- in outbox keys: never used again
    answer_id     INTEGER NOT NULL REFERENCES checkin_answers (id) ON DELETE CASCADE,
    sender_key    TEXT    NOT NULL,
    recipient_key TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('coordinator', 'peer')),
    -- asked (a peer, not yet answered), shown (a peer said yes), sent (to a coordinator),
    -- declined (a peer said not now), failed (could not be delivered)
    status        TEXT    NOT NULL CHECK (status IN ('asked', 'shown', 'sent', 'declined', 'failed')),
    reach         TEXT,
    created_at    TEXT    NOT NULL,
    seen_at       TEXT
);
CREATE INDEX checkin_shares_answer ON checkin_shares (answer_id);
CREATE INDEX checkin_shares_sender ON checkin_shares (sender_key);
CREATE INDEX checkin_shares_recipient ON checkin_shares (recipient_key);
