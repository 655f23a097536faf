CREATE TABLE duty_overrides (
    indicator_slug TEXT PRIMARY KEY NOT NULL,
    frequency TEXT NOT NULL,
    due_days INTEGER NOT NULL,
    reporter TEXT,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO duty_overrides (indicator_slug, frequency, due_days, reporter, updated_at, updated_by)
    SELECT indicator_slug, frequency, due_days, reporter, recorded_at, recorded_by FROM duty_changes AS c
    WHERE c.id = (SELECT MAX(id) FROM duty_changes WHERE indicator_slug = c.indicator_slug);
DROP TABLE duty_changes;
