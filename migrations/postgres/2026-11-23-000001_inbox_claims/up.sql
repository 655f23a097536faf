-- One row per inbox file taken: the unique key lets exactly one replica claim a file.
CREATE TABLE inbox_claims (
    id BIGSERIAL PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    UNIQUE (file_name, sha256)
);
