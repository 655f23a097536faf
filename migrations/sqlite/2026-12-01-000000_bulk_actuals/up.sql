-- Same version as the PostgreSQL migration that drops the foreign keys of `actuals` for bulk
-- loads. SQLite keeps them: its checks are index lookups without row locks (~0.3 s a million rows).
SELECT 1;
