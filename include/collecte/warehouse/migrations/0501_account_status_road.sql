-- One account can be collected by two roads of a supplier (azur: portal and API): each road keeps its
-- own latest state, so a refused portal login is not hidden by the API's success (and the reverse).
-- `road` is the road's task group in the supplier DAG ('portal', 'api', 'portal_1', ...); '' outside a DAG.

ALTER TABLE account_status  ADD COLUMN IF NOT EXISTS road text NOT NULL DEFAULT '';
ALTER TABLE account_attempt ADD COLUMN IF NOT EXISTS road text NOT NULL DEFAULT '';

-- attempts recorded by a DAG carry their road in run_id (`<run_id>#try<n>#<road>`)
UPDATE account_attempt SET road = split_part(run_id, '#', 3) WHERE run_id LIKE '%#try%#%';
UPDATE account_status s SET road = latest.road
  FROM (SELECT DISTINCT ON (source, account_id) source, account_id, road FROM account_attempt
         ORDER BY source, account_id, attempted_at DESC) latest
 WHERE latest.source = s.source AND latest.account_id = s.account_id;

ALTER TABLE account_status  DROP CONSTRAINT IF EXISTS account_status_pkey;
ALTER TABLE account_status  ADD PRIMARY KEY (source, account_id, road);
ALTER TABLE account_attempt DROP CONSTRAINT IF EXISTS account_attempt_pkey;
ALTER TABLE account_attempt ADD PRIMARY KEY (source, account_id, road, attempted_at);
DROP INDEX IF EXISTS account_attempt_recent;
CREATE INDEX account_attempt_recent ON account_attempt (source, account_id, road, attempted_at DESC);
