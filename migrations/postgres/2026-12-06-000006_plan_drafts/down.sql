DROP TABLE published_plans;
DROP TABLE plan_drafts;
