-- A template or form file (PDF, DOCX) attached to a library entry. The file itself is kept in
-- the data folder (data_dir/resource-files/STORED_NAME), not here; this row says which file
-- belongs to which entry. One file per entry: attaching again replaces it.

CREATE TABLE resource_files (
    resource_id INTEGER PRIMARY KEY REFERENCES resources (id) ON DELETE CASCADE,
    stored_name TEXT    NOT NULL UNIQUE,  -- the name in the files folder: entry id and content hash
    filename    TEXT    NOT NULL,         -- the name members download it as
    mime_type   TEXT    NOT NULL,
    size        INTEGER NOT NULL CHECK (size > 0),
    sha256      TEXT    NOT NULL,
    uploaded_by TEXT,                     -- a person's key; NULL once they deleted their data
    uploaded_at TEXT    NOT NULL
);
CREATE INDEX resource_files_uploaded_by ON resource_files (uploaded_by);
