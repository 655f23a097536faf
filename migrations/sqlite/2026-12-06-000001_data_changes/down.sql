DROP TABLE data_changes;
