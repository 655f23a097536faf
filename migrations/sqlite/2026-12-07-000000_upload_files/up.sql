-- An upload's file lives in a table of its own, so that reading uploads' summaries never touches
-- their bytes. (In `uploads` the bytes stood before `error_count`, added later, and SQLite walked
-- every stored file's overflow pages to reach it: listing 20 uploads of 50 MB took half a second.)
CREATE TABLE upload_files (
    upload_id INTEGER PRIMARY KEY NOT NULL REFERENCES uploads (id),
    raw BLOB NOT NULL
);
INSERT INTO upload_files (upload_id, raw) SELECT id, raw FROM uploads;
ALTER TABLE uploads DROP COLUMN raw;
