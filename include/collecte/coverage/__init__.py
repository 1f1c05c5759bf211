"""Coverage: which days of which meter, and which monthly bills of which account, are in the warehouse.

Plain Python over the warehouse (psycopg), no Airflow: the operations pages, the alerts and the
benchmark all read coverage through `collecte.coverage.queries`, and draw it with
`collecte.coverage.svg` (server-side SVG, so the UI works offline).
"""
