-- Who answers for each target, who owes which figure and when, and the notices about it.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    -- 市级部门 / 区政府 / 其他
    kind TEXT NOT NULL,
    -- Other spellings in the texts, as a JSON list.
    aliases TEXT NOT NULL DEFAULT '[]',
    retired_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
-- The departments that answer for a target, lead first (position 0), with the line of the text
-- that names them.
CREATE TABLE target_owners (
    target_slug TEXT NOT NULL,
    department_slug TEXT NOT NULL,
    position INTEGER NOT NULL,
    line INTEGER NOT NULL,
    PRIMARY KEY (target_slug, department_slug)
);
-- The reporting duty the catalog gives an indicator (NULL: the plan's default or the global one).
ALTER TABLE indicators ADD COLUMN report_frequency TEXT;
ALTER TABLE indicators ADD COLUMN report_due_days INTEGER;
ALTER TABLE indicators ADD COLUMN reporter TEXT;
-- A duty an administrator set over the API: it wins over the catalog's.
CREATE TABLE duty_overrides (
    indicator_slug TEXT PRIMARY KEY NOT NULL,
    frequency TEXT NOT NULL,
    due_days INTEGER NOT NULL,
    reporter TEXT,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
-- An uploader token may be limited to the indicators one department reports.
ALTER TABLE api_tokens ADD COLUMN department TEXT;
-- Notices to deliver to the webhooks: each made once (its key), delivered once.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    department TEXT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- pending, delivering, delivered, failed
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    delivered_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
-- The status each target last had when the reminders looked: a change is a notice.
CREATE TABLE target_marks (
    target_slug TEXT PRIMARY KEY NOT NULL,
    status TEXT NOT NULL,
    marked_at TIMESTAMP NOT NULL
);
