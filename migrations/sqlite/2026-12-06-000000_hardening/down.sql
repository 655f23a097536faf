DROP TABLE web_sessions;
ALTER TABLE inbox_claims DROP COLUMN upload_id;
ALTER TABLE uploads DROP COLUMN error_count;
