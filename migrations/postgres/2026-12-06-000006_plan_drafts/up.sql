-- A new plan's text drafted into candidate targets, kept for review.
CREATE TABLE plan_drafts (
    id BIGSERIAL PRIMARY KEY,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    -- The document as numbered lines joined by newlines: the text every candidate cites.
    text TEXT NOT NULL,
    -- The draft as the rules made it (JSON).
    draft TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    published_slug TEXT,
    published_at TIMESTAMP
);

-- Plans published from reviewed drafts: the catalog file they make (TOML) and the text it cites.
-- A new version of a plan supersedes the one before; every version stays.
CREATE TABLE published_plans (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL,
    version INTEGER NOT NULL,
    catalog TEXT NOT NULL,
    document_name TEXT NOT NULL,
    document_text TEXT NOT NULL,
    draft_id BIGINT,
    published_by TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP,
    UNIQUE (slug, version)
);

-- A plan version is in force from the day it was published (a revision) until the day a newer
-- one was: views as of an earlier date show the version then in force.
ALTER TABLE plans ADD COLUMN in_force_from DATE;
ALTER TABLE plans ADD COLUMN in_force_until DATE;
