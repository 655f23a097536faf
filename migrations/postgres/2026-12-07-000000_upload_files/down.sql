ALTER TABLE uploads ADD COLUMN raw BYTEA NOT NULL DEFAULT '';
UPDATE uploads SET raw = (SELECT raw FROM upload_files WHERE upload_files.upload_id = uploads.id);
DROP TABLE upload_files;
