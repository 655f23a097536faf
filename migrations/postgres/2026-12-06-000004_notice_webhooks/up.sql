-- A notice is delivered to each webhook on its own: one row per notice and webhook (its name).
ALTER TABLE notifications ADD COLUMN webhook TEXT;
