-- Small facts an adapter must remember across restarts (for example the hash of the slash
-- commands last synced to Discord, so unchanged commands are not synced again).
CREATE TABLE platform_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
