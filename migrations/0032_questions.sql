-- Questions to the coordinators (issue 21, item 2): a member's private exchange with their
-- network's coordinators and executives, like modmail but peer to peer.

-- One question while its text is kept. Closing sets forget_after (closed_at plus
-- retention.questions_days); the daily sweep then deletes the row, its messages with it.
-- share_text is the de-identified version a coordinator proposed to share with the network;
-- share_state says where that stands (NULL: never asked); share_revision makes an older
-- consent prompt out of date when a coordinator proposes a new version.
-- AUTOINCREMENT: a deleted question's number is never given again (outbox keys name it).
CREATE TABLE questions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    network_id     INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    asker_key      TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    created_at     TEXT    NOT NULL,
    closed_at      TEXT,
    forget_after   TEXT,
    share_text     TEXT,
    share_state    TEXT CHECK (share_state IN ('asked', 'shared', 'declined')),
    share_revision INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX questions_asker ON questions (asker_key);
CREATE INDEX questions_network ON questions (network_id, status);
CREATE INDEX questions_forget ON questions (forget_after) WHERE forget_after IS NOT NULL;

-- The exchange: the question itself, the coordinators' replies and the member's answers.
-- author_key is who wrote it ('deleted-person' once a coordinator deleted their data).
CREATE TABLE question_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    direction   TEXT    NOT NULL CHECK (direction IN ('question', 'to_member', 'to_staff')),
    author_key  TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX question_messages_question ON question_messages (question_id);
CREATE INDEX question_messages_author ON question_messages (author_key);
