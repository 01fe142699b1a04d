-- One person, several platform identities. A person who uses both Discord and Matrix links the
-- two (started on one, confirmed on the other); from then on the identity that started the
-- link (the person key) stands for both, and the data of the other was moved onto it.

CREATE TABLE person_links (
    alias_key  TEXT PRIMARY KEY,        -- e.g. matrix:@sam:example.org
    person_key TEXT NOT NULL,           -- e.g. discord:123456789012345678
    linked_at  TEXT NOT NULL,
    CHECK (alias_key <> person_key)
);
CREATE INDEX person_links_person ON person_links (person_key);

-- Codes waiting to be confirmed from the other platform. Only a hash of the code is kept.
CREATE TABLE link_codes (
    code_hash  TEXT PRIMARY KEY,
    person_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX link_codes_person ON link_codes (person_key);
