DROP TABLE audit_log;
DROP TABLE actuals;
DROP TABLE uploads;
DROP TABLE api_tokens;
DROP TABLE targets;
DROP TABLE indicators;
DROP TABLE plans;
