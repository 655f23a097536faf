ALTER TABLE notifications DROP COLUMN webhook;
