"""Who may do what on the web app (issue #11 items 1-3): Airflow roles, CSRF + Origin, personal links.

The app runs in uvicorn on 127.0.0.1; staff are Airflow users of each SimpleAuthManager role
(signed JWTs in the UI's `_token` cookie, checked by the auth manager); contacts open personal links.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from collecte.warehouse.db import connect
from tests.integration.consent.conftest import ROLES, Browser, contact_browser, issue_link, staff_browser

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
ACTORS = ("admin", "op")  # roles that may act by default


def _mandate_of(pg_url: str, entity: str) -> str:
    with connect(pg_url) as conn:
        return conn.execute("SELECT id FROM mandate WHERE entity_id = %s ORDER BY created_at LIMIT 1", (entity,)).fetchone()[0]


def test_every_role_sees_statuses_only_admin_and_op_see_links_and_act(consent_app, staff_tokens):
    base_url, settings = consent_app
    pg = settings.warehouse_url
    with connect(pg) as conn:
        conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id) VALUES ('volta', 'V-1', 'siege')")
        for role in ROLES:
            conn.execute("INSERT INTO contact (id, entity_id, role, surname, email) VALUES (%s, 'siege',"
                         " 'entity_contact', 'Probe', %s)", (f"probe-{role}", f"probe-{role}@example.org"))
    for role in reversed(ROLES):
        browser = staff_browser(base_url, staff_tokens, role)
        status = browser.get("/status")
        assert status.status_code == 200 and "Démo Énergie Sud" in status.text, role
        may_act = role in ACTORS
        assert ("Nouveau lien" in status.text) is may_act, role
        assert ("Demander l'effacement" in status.text) is may_act, role
        csrf = browser.last_csrf
        assert bool(csrf) is may_act, role  # forms, with their CSRF token, only for those who may act
        issued = browser.post("/staff/contacts/referent/links")
        assert issued.status_code == (200 if may_act else 403), role
        if may_act:
            assert "/c/" in issued.text and 'id="new-link"' in issued.text
        form = browser.get("/staff/accounts/volta/V-1/credentials")
        assert form.status_code == (200 if may_act else 403), role
        stored = browser.post("/staff/accounts/volta/V-1/credentials",
                              {"login": f"{role}@volta", "password": "pw-" + role, "op": "save", "csrf_token": csrf})
        assert stored.status_code == (200 if may_act else 403), role
        revoked = browser.post("/staff/mandates/revoke", {"mandate_id": _mandate_of(pg, "siege"), "csrf_token": csrf})
        assert revoked.status_code == (303 if may_act else 403), role
        erased = browser.post(f"/staff/contacts/probe-{role}/erasure", {"csrf_token": csrf})
        assert erased.status_code == (303 if may_act else 403), role
    with connect(pg) as conn:
        changes = conn.execute(
            "SELECT actor, action FROM audit_log WHERE actor LIKE 'staff:%%' AND action NOT IN ('status.read')"
            " ORDER BY id").fetchall()
        # erasure is asked for here and carried out by a gdpr_erasure DAG run (tests/.../test_erasure.py)
        erased = {r[0] for r in conn.execute("SELECT subject_id FROM erasure_request WHERE status = 'requested'")}
    assert erased == {"probe-op", "probe-admin"}
    assert {actor for actor, _ in changes} == {"staff:op-user", "staff:admin-user"}
    assert {"link.issue", "credentials.store", "mandate.revoke"} <= {action for _, action in changes}


def test_viewer_and_user_change_nothing(consent_app, staff_tokens):
    base_url, settings = consent_app
    pg = settings.warehouse_url
    with connect(pg) as conn:
        before = conn.execute("SELECT count(*) FROM audit_log WHERE action <> 'status.read'").fetchone()[0]
    for role in ("viewer", "user"):
        browser = staff_browser(base_url, staff_tokens, role)
        browser.get("/status")
        for path, data in [("/staff/contacts/referent/links", {}), ("/staff/contacts/referent/links/revoke", {}),
                           ("/staff/contacts/referent/erasure", {}),
                           ("/staff/mandates/revoke", {"mandate_id": _mandate_of(pg, "siege")})]:
            assert browser.post(path, data).status_code == 403, (role, path)
    with connect(pg) as conn:
        after = conn.execute("SELECT count(*) FROM audit_log WHERE action <> 'status.read'").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM mandate WHERE status = 'revoked'").fetchone()[0] == 0
    assert after == before


def test_unsigned_forged_or_expired_staff_tokens_are_refused(consent_app, auth_manager):
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    base_url, _ = consent_app
    assert Browser(base_url).get("/status").status_code == 401
    assert Browser(base_url, cookies={"_token": "forged"}).get("/status").status_code == 401
    expired = auth_manager.generate_jwt(SimpleAuthManagerUser(username="x", role="admin"), expiration_time_in_seconds=-60)
    assert Browser(base_url, cookies={"_token": expired}).get("/status").status_code == 401
    bearer = auth_manager.generate_jwt(SimpleAuthManagerUser(username="api", role="viewer"))
    assert Browser(base_url, headers={"Authorization": f"Bearer {bearer}"}).get("/status").status_code == 200


def test_forms_need_the_csrf_token_and_the_same_origin(consent_app, staff_tokens):
    base_url, settings = consent_app
    admin = staff_browser(base_url, staff_tokens, "admin")
    admin.get("/status")
    assert admin.post("/staff/contacts/referent/links", {"csrf_token": ""}).status_code == 403
    assert admin.post("/staff/contacts/referent/links", {"csrf_token": "0" * 64}).status_code == 403
    # a token is bound to one sign-in: another admin session's token is refused
    other = Browser(base_url, cookies={"_token": staff_tokens["op"]})
    other.get("/status")
    assert admin.post("/staff/contacts/referent/links", {"csrf_token": other.last_csrf}).status_code == 403
    evil = Browser(base_url, origin="http://evil.example", cookies={"_token": staff_tokens["admin"]})
    evil.last_csrf = admin.last_csrf
    assert evil.post("/staff/contacts/referent/links").status_code == 403
    no_origin = Browser(base_url, cookies={"_token": staff_tokens["admin"]})
    del no_origin.http.headers["Origin"]
    no_origin.last_csrf = admin.last_csrf
    assert no_origin.post("/staff/contacts/referent/links").status_code == 403
    assert no_origin.post("/staff/contacts/referent/links", headers={"Referer": f"{base_url}/status"}).status_code == 200
    assert admin.post("/staff/contacts/referent/links").status_code == 200
    # contact forms too
    contact = contact_browser(base_url, settings.warehouse_url, "referent")
    contact.get("/me")
    assert contact.post("/me/entities/siege/mandates", {"csrf_token": "x"}).status_code == 403
    assert contact.post("/me/entities/siege/mandates").status_code == 303


def test_personal_links_expire_are_used_once_and_revoked_per_contact(consent_app, staff_tokens):
    base_url, settings = consent_app
    pg = settings.warehouse_url
    token = issue_link(pg, "referent")
    first = Browser(base_url)
    opened = first.get(f"/c/{token}")
    assert opened.status_code == 303 and opened.headers["location"] == "/me"
    cookie = opened.headers["set-cookie"]
    assert token not in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    me = first.get("/me")
    assert me.status_code == 200 and me.headers["cache-control"] == "no-store"
    assert me.headers["content-security-policy"] == "frame-ancestors 'self'"
    assert Browser(base_url).get(f"/c/{token}").status_code == 410  # single use
    with connect(pg) as conn:
        assert conn.execute("SELECT count(*) FROM contact_link WHERE token_sha256 = %s", (token,)).fetchone()[0] == 0
    expired = issue_link(pg, "referent", ttl=timedelta(seconds=-1))
    assert "expiré" in Browser(base_url).get(f"/c/{expired}").text
    second = contact_browser(base_url, pg, "referent")
    other = contact_browser(base_url, pg, "contact-sud")
    admin = staff_browser(base_url, staff_tokens, "admin")
    admin.get("/status")
    assert admin.post("/staff/contacts/referent/links/revoke").status_code == 200
    assert first.get("/me").status_code == 401 and second.get("/me").status_code == 401
    assert other.get("/me").status_code == 200  # another contact's session lives on
    unused = issue_link(pg, "contact-sud")
    admin.post("/staff/contacts/contact-sud/links/revoke")
    assert Browser(base_url).get(f"/c/{unused}").status_code == 410
    tampered = Browser(base_url, cookies={"collecte_contact": other.http.cookies["collecte_contact"].replace(".", ".9", 1)})
    assert tampered.get("/me").status_code == 401


def test_a_spoofed_forwarded_for_does_not_reach_the_evidence(consent_app):
    base_url, settings = consent_app
    contact = contact_browser(base_url, settings.warehouse_url, "contact-sud")
    contact.get("/me")
    created = contact.post("/me/entities/filiale-sud/mandates", headers={"X-Forwarded-For": "6.6.6.6"})
    mandate_id = created.headers["location"].rsplit("/", 1)[1]
    with connect(settings.warehouse_url) as conn:
        ips = {r[0] for r in conn.execute("SELECT ip FROM audit_log WHERE object_id = %s", (mandate_id,))}
    assert ips == {"127.0.0.1"}
