ALTER TABLE reports DROP COLUMN department;
ALTER TABLE reports DROP COLUMN known_at;
ALTER TABLE reports DROP COLUMN number;
ALTER TABLE reports DROP COLUMN snapshot;
