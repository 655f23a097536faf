-- The whole model of DESIGN.md in types both backends share: integer ids, text, double, date,
-- timestamps in UTC, booleans, binary. No JSON columns: JSON is stored as text.

CREATE TABLE plans (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    title_en TEXT NOT NULL,
    doc_number TEXT,
    issued DATE,
    horizon_start INTEGER NOT NULL,
    horizon_end INTEGER NOT NULL,
    source_file TEXT NOT NULL,
    source_line INTEGER,
    retired_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE indicators (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unit TEXT NOT NULL,
    higher_is_better BOOLEAN NOT NULL,
    can_be_negative BOOLEAN NOT NULL,
    notes TEXT,
    retired_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE targets (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    indicator_id BIGINT NOT NULL REFERENCES indicators (id),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    comparator TEXT,
    value DOUBLE PRECISION NOT NULL,
    value_max DOUBLE PRECISION,
    unit TEXT NOT NULL,
    scale DOUBLE PRECISION NOT NULL,
    tolerance DOUBLE PRECISION,
    reference_year INTEGER,
    deadline TEXT NOT NULL,
    deadline_date DATE NOT NULL,
    deadline_implied BOOLEAN NOT NULL,
    baseline_value DOUBLE PRECISION,
    baseline_year INTEGER,
    baseline_line INTEGER,
    stretch BOOLEAN NOT NULL,
    binding BOOLEAN,
    region TEXT NOT NULL,
    source_line INTEGER NOT NULL,
    source_quote TEXT NOT NULL,
    notes TEXT,
    retired_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX targets_plan ON targets (plan_id);
CREATE INDEX targets_indicator ON targets (indicator_id);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE uploads (
    id BIGSERIAL PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    uploaded_by TEXT NOT NULL,
    channel TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_new INTEGER NOT NULL,
    rows_revised INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    error_report TEXT,
    raw BYTEA NOT NULL
);
CREATE INDEX uploads_sha256 ON uploads (sha256);

CREATE TABLE actuals (
    id BIGSERIAL PRIMARY KEY,
    indicator_id BIGINT NOT NULL REFERENCES indicators (id),
    region TEXT NOT NULL,
    period TEXT NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    note TEXT,
    source TEXT,
    upload_id BIGINT REFERENCES uploads (id),
    recorded_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP
);
-- One current value per (indicator, region, period); superseded revisions stay beside it.
CREATE INDEX actuals_series ON actuals (indicator_id, region, period_end);
CREATE UNIQUE INDEX actuals_current ON actuals (indicator_id, region, period) WHERE superseded_at IS NULL;

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT
);
