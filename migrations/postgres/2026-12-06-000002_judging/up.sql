-- What judging as planners mean it needs of the catalog: totals built up during a plan start
-- from 0, a plan's base year when it is not the year before its horizon, notes in English too,
-- and how an indicator's city figure follows from its districts' (if it does).
ALTER TABLE targets ADD COLUMN cumulative BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE targets ADD COLUMN base_year INTEGER;
ALTER TABLE targets ADD COLUMN notes_en TEXT;
ALTER TABLE indicators ADD COLUMN notes_en TEXT;
ALTER TABLE indicators ADD COLUMN aggregate TEXT;
-- The city and its districts, in catalog order: district figures are shown and judged by
-- these, and a city figure made from districts needs every one of them.
CREATE TABLE regions (
    name TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    is_city BOOLEAN NOT NULL
);
