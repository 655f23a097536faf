DROP TABLE regions;
ALTER TABLE targets DROP COLUMN cumulative;
ALTER TABLE targets DROP COLUMN base_year;
ALTER TABLE targets DROP COLUMN notes_en;
ALTER TABLE indicators DROP COLUMN notes_en;
ALTER TABLE indicators DROP COLUMN aggregate;
