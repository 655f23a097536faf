ALTER TABLE actuals ADD CONSTRAINT actuals_indicator_id_fkey FOREIGN KEY (indicator_id) REFERENCES indicators (id);
ALTER TABLE actuals ADD CONSTRAINT actuals_upload_id_fkey FOREIGN KEY (upload_id) REFERENCES uploads (id);
ALTER TABLE uploads ALTER COLUMN raw SET COMPRESSION default;
