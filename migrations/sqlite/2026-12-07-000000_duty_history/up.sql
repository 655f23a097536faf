-- Every duty an administrator set is kept, not replaced: a view as known on an earlier day
-- counts what was due by the duty known then, so last month's report can be made again.
CREATE TABLE duty_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    indicator_slug TEXT NOT NULL,
    frequency TEXT NOT NULL,
    due_days INTEGER NOT NULL,
    reporter TEXT,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX duty_changes_by_indicator ON duty_changes (indicator_slug, recorded_at);
INSERT INTO duty_changes (indicator_slug, frequency, due_days, reporter, recorded_at, recorded_by)
    SELECT indicator_slug, frequency, due_days, reporter, updated_at, updated_by FROM duty_overrides;
DROP TABLE duty_overrides;
