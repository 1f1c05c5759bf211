"""Supplier customer portals, collected the way a person would, with Playwright and Chromium.

- `gateway.PortalGateway`: browser context per account, timeouts, downloads, session recovery,
  status classification, evidence on failure; one page-object module per site (`volta`, `azur`,
  `gazelec`), each exposing `Gateway`.
- `collect.collect_portal_account`: known documents, the gateway's run, landing in the raw zone.
- `status`: the account statuses and the `account_status` record; `mfa`: one-time codes.

Nothing here imports Playwright at module level.
"""
