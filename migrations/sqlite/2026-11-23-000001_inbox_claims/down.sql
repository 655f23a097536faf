DROP TABLE inbox_claims;
