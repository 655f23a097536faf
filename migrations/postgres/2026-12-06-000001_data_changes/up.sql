-- Every change to the data the judgements stand on, numbered: a replica compares the newest
-- number with its own to know it is behind, and refreshes only what changed.
CREATE TABLE data_changes (
    id BIGSERIAL PRIMARY KEY,
    changed_at TIMESTAMP NOT NULL,
    -- The indicators whose actuals changed, as a JSON list; NULL: the catalog changed.
    indicator_ids TEXT
);
