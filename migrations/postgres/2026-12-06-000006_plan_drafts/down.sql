ALTER TABLE plans DROP COLUMN in_force_until;
ALTER TABLE plans DROP COLUMN in_force_from;
DROP TABLE published_plans;
DROP TABLE plan_drafts;
