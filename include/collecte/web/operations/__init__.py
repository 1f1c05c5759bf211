"""Operations pages in the Airflow UI: coverage (what is in, what is missing), meter pages, account
and meter statuses, and the "collect this gap" action. Server-rendered HTML with inline SVG (no
script, no CDN); every route checks the caller through `collecte.web.auth`."""
