-- Browser sessions: the cookie holds a random id, stored here hashed, never the token itself.
CREATE TABLE web_sessions (
    id BIGSERIAL PRIMARY KEY,
    session_hash TEXT NOT NULL UNIQUE,
    token_id BIGINT NOT NULL REFERENCES api_tokens (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- The upload an inbox claim led to: the claim is written in the upload's own transaction.
ALTER TABLE inbox_claims ADD COLUMN upload_id BIGINT;

-- How many problems a rejected upload had (its stored report lists the first 1000).
ALTER TABLE uploads ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0;
