DROP TABLE target_marks;
DROP TABLE notifications;
ALTER TABLE api_tokens DROP COLUMN department;
DROP TABLE duty_overrides;
ALTER TABLE indicators DROP COLUMN reporter;
ALTER TABLE indicators DROP COLUMN report_due_days;
ALTER TABLE indicators DROP COLUMN report_frequency;
DROP TABLE target_owners;
DROP TABLE departments;
