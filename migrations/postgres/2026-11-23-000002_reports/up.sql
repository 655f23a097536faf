-- Scheduled reports. The unique period key lets exactly one replica produce each report.
CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    period_key TEXT NOT NULL UNIQUE,
    plan TEXT,
    as_of DATE NOT NULL,
    lang TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    file_path TEXT,
    size_bytes BIGINT,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
