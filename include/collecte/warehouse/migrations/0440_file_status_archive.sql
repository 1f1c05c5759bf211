-- File bookkeeping step by step (#11.15): a file's status is written when it lands, before it is
-- archived on the server, and its archive is recorded once done; `run_id` lets a retry of the
-- same run hand on every file that run landed, even those an interrupted attempt archived.
ALTER TABLE file_status ADD COLUMN IF NOT EXISTS archived_path text;
ALTER TABLE file_status ADD COLUMN IF NOT EXISTS archived_at timestamptz;
ALTER TABLE file_status ADD COLUMN IF NOT EXISTS run_id text;
CREATE INDEX IF NOT EXISTS file_status_run ON file_status (source, run_id);
