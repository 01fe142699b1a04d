-- Co-reflection retention per network: how many days a closed thread is kept before peerbot
-- deletes it. Each reflection keeps the period it was started under, because that is what its
-- participants agreed to; a change applies to reflections started afterwards.

CREATE TABLE reflection_settings (
    network_id     INTEGER PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
    retention_days INTEGER NOT NULL CHECK (retention_days BETWEEN 1 AND 365)
);

ALTER TABLE reflections ADD COLUMN retention_days INTEGER CHECK (retention_days BETWEEN 1 AND 365);
