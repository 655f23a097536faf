-- An upload's file lives in a table of its own, so that reading uploads' summaries never touches
-- their bytes (as on SQLite, where it matters more: there the bytes stood in the row).
CREATE TABLE upload_files (
    upload_id BIGINT PRIMARY KEY REFERENCES uploads (id),
    raw BYTEA NOT NULL
);
INSERT INTO upload_files (upload_id, raw) SELECT id, raw FROM uploads;
ALTER TABLE uploads DROP COLUMN raw;
