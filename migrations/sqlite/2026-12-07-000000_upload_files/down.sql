ALTER TABLE uploads ADD COLUMN raw BLOB NOT NULL DEFAULT x'';
UPDATE uploads SET raw = (SELECT raw FROM upload_files WHERE upload_files.upload_id = uploads.id);
DROP TABLE upload_files;
