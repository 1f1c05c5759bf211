"""The portal road: one mapped task per customer account, logging into the supplier's site.

Each mapped task (named after its account in the grid, `map_index_template`) asks the consent
gate, reads the account's credentials from its Airflow connection, collects with the supplier's
gateway in a browser context of its own, lands documents in the raw zone, and records the
account status. One failing account never stops the others; the road's `landed` task
(trigger rule all_done) passes on what every successful account landed, and `account_report`
(a leaf, all_done) logs every account's status of this run as a table and fails when an
account needs a person, so the run shows it while the later stages still process the rest.

Connections: the road's `conn_id` holds the site's base URL as host (e.g. `https://espace.volta.fr`
or the sandbox `http://127.0.0.1:8700/volta`); each account's `conn_id` holds login and password.
Retries: SITE_DOWN raises for a retry with exponential backoff (the DAG's default_args);
LOGIN_FAILED, ACCOUNT_LOCKED, MFA_REQUIRED, CAPTCHA_REQUIRED and LAYOUT_CHANGED fail at once
(AirflowFailException): retrying cannot fix them and would lock the account. collecte never solves a
CAPTCHA: a site that shows one (reCAPTCHA, hCaptcha, Turnstile, Cloudflare challenge) is left alone.

Flagged accounts: after `max_failed_logins` refused or challenged logins in a row (account option, default 2),
scheduled and backfill runs stop trying the account (the task fails at once, saying so) so that
the site does not lock it; once the credentials are fixed in the connection, a manual run (the
UI's Trigger button) tries again.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import XComArg, get_current_context

from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.config.models import AccountConfig, RoadConfig, SupplierConfig

log = logging.getLogger("collecte.portal")


def build_road(supplier: SupplierConfig, road: RoadConfig) -> XComArg:
    """Add one mapped `collect_account` task per account and the `landed` task; return its output."""
    return build_account_road(supplier, road, run_portal_account)


def build_account_road(supplier: SupplierConfig, road: RoadConfig, run_account: Any) -> XComArg:
    """The shape every per-account road shares (portal, supplier API): one mapped task per account
    named after it, the `account_report` leaf, and `landed` gathering the references.

    `run_account(supplier, road, account_id, context) -> list of landed refs` is the task body.
    """

    @task(task_id="collect_account", pool=road.pool or "default_pool", queue=road.task_queue,
          map_index_template="{{ account_id }}")
    def collect_account(account_id: str) -> list[dict[str, Any]]:
        """Collect one account's documents for the run's interval."""
        context = get_current_context()
        context["account_id"] = account_id  # type: ignore[typeddict-unknown-key]  # map_index_template
        return run_account(supplier, road, account_id, context)

    collected = collect_account.expand(account_id=[a.id for a in road.accounts])
    collected >> account_report(supplier.code, [a.id for a in road.accounts])
    return landed_objects(collected)


@task(task_id="account_report", trigger_rule="all_done")
def account_report(source: str, account_ids: list[str]) -> dict[str, str]:
    """Log this run's status of every account; fail if one needs a person (the run then shows it)."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import warehouse_url
    from collecte.warehouse.db import connect

    context = get_current_context()
    road = road_of(context)
    with connect(warehouse_url()) as conn:
        rows = conn.execute(
            "SELECT account_id, status, message, evidence_key, run_id FROM account_attempt"
            " WHERE source = %s AND account_id = ANY(%s) AND split_part(run_id, '#try', 1) = %s"
            " ORDER BY attempted_at DESC", (source, account_ids, context["run_id"])).fetchall()
    found: dict[str, tuple] = {}
    for account_id, status, message, evidence, attempt in rows:  # latest attempt of THIS road
        # an account may have a portal and an API road; an attempt without a road predates them
        if attempt_road(attempt) in (road, ""):
            found.setdefault(account_id, (status, message, evidence))
    lines, needing = [], []
    for account_id in account_ids:
        status, message, evidence = found.get(account_id, ("NOT_RUN", "no attempt recorded in this run", None))
        lines.append(f"{account_id:<24} {status:<17} {message or ''}" + (f" [evidence: {evidence}]" if evidence else ""))
        if status not in ("OK", "NO_NEW_DOCUMENTS", "NO_CONSENT"):
            needing.append(f"{account_id} ({status})")
    log.info("%s accounts in this run:\n%s", source, "\n".join(lines))
    if needing:
        raise AirflowFailException(f"{source}: {len(needing)} account(s) not collected: {', '.join(needing)} "
                                   "(see the table above and the account_status table)")
    return {account_id: found.get(account_id, ("NOT_RUN",))[0] for account_id in account_ids}


@task(task_id="landed", trigger_rule="all_done")
def landed_objects(per_account: Any) -> list[dict[str, Any]]:
    """Raw objects landed by every account that succeeded (failed accounts pushed nothing)."""
    return [ref for refs in (per_account or []) if refs for ref in refs]


# -- task bodies (plain functions: testable without a scheduler) -----------------------------------
def account_config(road: RoadConfig, account_id: str) -> AccountConfig:
    """The account of `road` with this id."""
    for account in road.accounts:
        if account.id == account_id:
            return account
    raise KeyError(f"account {account_id!r} is not configured on this road")


def base_url(conn_id: str) -> str:
    """The site's base URL from the road connection's host (scheme, port and path kept)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    host = (conn.host or "").rstrip("/")
    if not host:
        raise ValueError(f"connection {conn_id!r} has no host: set it to the site's base URL")
    if "://" not in host:
        host = f"{conn.schema or 'https'}://{host}{f':{conn.port}' if conn.port else ''}"
    return host


def credentials(account: AccountConfig) -> Any:
    """Login and password (or API key) of the account's connection; never logged."""
    from airflow.sdk import BaseHook

    from collecte.sources.portal.models import Credentials

    if not account.conn_id:
        raise ValueError(f"account {account.id!r} has no conn_id in its config")
    conn = BaseHook.get_connection(account.conn_id)
    if not conn.password:
        raise ValueError(f"connection {account.conn_id!r} of account {account.id!r} has no password")
    return Credentials(conn.login or account.id, conn.password)


def consent_gate(supplier: SupplierConfig, account_id: str, data_kinds: tuple[str, ...] = ("invoices",),
                 run_id: str | None = None) -> set[str]:
    """The data kinds a mandate lets us collect for the account today; skip the task (NO_CONSENT)
    when the first kind (invoices) is not among them."""
    from datetime import datetime

    from airflow.sdk.exceptions import AirflowSkipException

    from collecte.consent.gate import collectable_accounts
    from collecte.dags.interval import PARIS
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.portal.status import AccountStatus, record_account_status
    from collecte.warehouse.db import connect

    today = datetime.now(PARIS).date()  # the day the site is accessed on the customer's behalf
    allowed: set[str] = set()
    refusal: str | None = None
    with connect(warehouse_url()) as conn:  # commits when the block ends normally
        for kind in data_kinds:
            decision = collectable_accounts(conn, supplier=supplier.code, data_kind=kind, on=today,
                                            candidates=[account_id])
            if account_id in decision.allowed:
                allowed.add(kind)
            elif kind == data_kinds[0]:
                refusal = decision.refused.get(account_id, "no valid mandate")
                record_account_status(conn, source=supplier.code, account_id=account_id,
                                      status=AccountStatus.NO_CONSENT, message=refusal, run_id=run_id,
                                      road=attempt_road(run_id))
                break
            else:
                log.warning("consent gate: %s/%s: no %s (%s)", supplier.code, account_id, kind,
                            decision.refused.get(account_id))
    if refusal is not None:
        raise AirflowSkipException(f"{supplier.code}/{account_id}: NO_CONSENT - {refusal}")
    return allowed


def refuse_flagged_account(supplier: SupplierConfig, account: AccountConfig, context: Any) -> None:
    """Fail without logging in when the last logins were refused, except in a manual run."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import warehouse_url
    from collecte.sources.portal.status import failed_logins_in_a_row
    from collecte.warehouse.db import connect

    limit = int(account.options.get("max_failed_logins", 2))
    dag_run = context.get("dag_run")
    if str(getattr(dag_run, "run_type", "")).lower().endswith("manual"):
        return
    with connect(warehouse_url()) as conn:
        refused = failed_logins_in_a_row(conn, source=supplier.code, account_id=account.id, limit=limit,
                                         road=road_of(context))
    if refused >= limit:
        raise AirflowFailException(
            f"{supplier.code}/{account.id}: not tried - the last {refused} logins were refused or challenged "
            f"(LOGIN_FAILED / ACCOUNT_LOCKED / CAPTCHA_REQUIRED). Fix the credentials in connection "
            f"{account.conn_id!r} (or clear the CAPTCHA by hand), then trigger the DAG by hand: a manual run "
            "tries again.")


def road_of(context: Any) -> str:
    """The road (task group: 'portal', 'api') of the running task; '' outside a group."""
    return (getattr(context.get("ti"), "task_id", "") or "").rpartition(".")[0]


def attempt_id(context: Any) -> str:
    """`<run_id>#try<n>[#<road>]`: the run, try and road an account attempt belongs to."""
    road = road_of(context)
    return f"{context.get('run_id')}#try{getattr(context.get('ti'), 'try_number', '?')}" + (f"#{road}" if road else "")


def attempt_road(attempt: str | None) -> str:
    """The road part of an `attempt_id` ('' when it has none)."""
    return (attempt or "").partition("#try")[2].partition("#")[2]


def finish(supplier: SupplierConfig, run: Any, context: Any) -> list[dict[str, Any]]:
    """Record the account status, log it, and end the task the way the status asks."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import warehouse_url
    from collecte.sources.portal.status import record_account_status
    from collecte.warehouse.db import connect

    run_id = attempt_id(context)
    with connect(warehouse_url()) as conn:
        record_account_status(conn, source=supplier.code, account_id=run.account, status=run.status,
                              message=run.message, new_documents=run.new_documents, evidence_key=run.evidence_key,
                              run_id=run_id, road=road_of(context))
    line = f"{supplier.code}/{run.account}: {run.status.value} - {run.message}"
    if run.evidence_key:
        line += f" [evidence: {run.evidence_key}.png / .html]"
    if run.status.succeeded:
        log.info(line)
        return run.landed
    log.error(line)
    if run.status.retryable:
        raise SiteUnavailable(line)
    raise AirflowFailException(line)


class SiteUnavailable(RuntimeError):
    """SITE_DOWN: raised so that Airflow retries the account with backoff."""


def run_portal_account(supplier: SupplierConfig, road: RoadConfig, account_id: str,
                       context: Any) -> list[dict[str, Any]]:
    """Task body of `collect_account`: gate, credentials, browser, collection, status."""
    from datetime import datetime

    from collecte.dags.interval import PARIS, run_interval
    from collecte.dags.runtime import raw_zone
    from collecte.sources.portal.browser import chromium
    from collecte.sources.portal.collect import collect_portal_account, gateway_class
    from collecte.sources.portal.mfa import otp_source

    account = account_config(road, account_id)
    allowed = consent_gate(supplier, account_id, ("invoices", "consumption"), run_id=attempt_id(context))
    refuse_flagged_account(supplier, account, context)
    interval = run_interval(context)
    options = account.options
    gateway = gateway_class(road.gateway or supplier.code)(
        base_url(road.conn_id), otp_source=otp_source(account.mfa_mailbox),
        timeout_ms=int(options.get("timeout_ms", 10_000)),
        navigation_timeout_ms=int(options.get("navigation_timeout_ms", 30_000)))
    log.info("%s/%s: invoices dated %s to %s", supplier.code, account_id, interval.first_day, interval.last_day)
    with chromium() as browser:
        run = collect_portal_account(gateway, browser, raw_zone(), account=account_id, credentials=credentials(account),
                                     first=interval.first_day, last=interval.last_day,
                                     received=datetime.now(PARIS).date(), exports="consumption" in allowed)
    return finish(supplier, run, context)
