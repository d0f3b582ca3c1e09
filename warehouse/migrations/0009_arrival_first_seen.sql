-- 0009: arrival (issue 16). received_at is the time the pipeline first saw the complete delivery
-- (for synthetic history only: its file time, kim.settings.arrival_from_file_times); the
-- manifest's file time is kept beside it as information. Copy tools that keep file times made a
-- late delivery look punctual when the file time was the arrival.
ALTER TABLE raw.deliveries ADD COLUMN file_modified_at TIMESTAMPTZ;
