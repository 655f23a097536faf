-- Every report made is kept with what it judged, so the next one can say what changed since.
ALTER TABLE reports ADD COLUMN snapshot TEXT;
ALTER TABLE reports ADD COLUMN number TEXT;
ALTER TABLE reports ADD COLUMN known_at DATE;
ALTER TABLE reports ADD COLUMN department TEXT;
