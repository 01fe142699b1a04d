-- The Matrix adapter's memory of answers by reaction and of commands typed: a reaction that
-- answered a numbered choice (so redacting it withdraws that answer), and which command
-- messages ran (so an edit of one that ran is not run a second time).
CREATE TABLE matrix_reactions (
    reaction_event_id TEXT PRIMARY KEY,    -- the person's m.reaction event
    room_id           TEXT NOT NULL,
    target_event_id   TEXT NOT NULL,       -- the bot's message listing the choices
    user_key          TEXT NOT NULL,       -- matrix:@alex:example.org
    number            INTEGER NOT NULL,    -- the choice it picked, from 1
    created_at        TEXT NOT NULL
);
CREATE INDEX matrix_reactions_by_user ON matrix_reactions (user_key);
CREATE INDEX matrix_reactions_by_age ON matrix_reactions (created_at);

CREATE TABLE matrix_commands (
    event_id      TEXT PRIMARY KEY,        -- the person's message holding a ! command
    user_key      TEXT NOT NULL,
    ran           INTEGER NOT NULL,        -- 1: it reached the command; 0: refused as typed
    edit_answered INTEGER NOT NULL DEFAULT 0, -- 1: "edits are not run" was said once
    created_at    TEXT NOT NULL
);
CREATE INDEX matrix_commands_by_user ON matrix_commands (user_key);
CREATE INDEX matrix_commands_by_age ON matrix_commands (created_at);
