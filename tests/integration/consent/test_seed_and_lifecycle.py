"""Seeding the demo organization, and a mandate's whole life against PostgreSQL, S3 and a Maildir."""

from __future__ import annotations

import hashlib
import re

import pytest

from collecte.consent.gate import collectable_meters
from collecte.consent.mailer import MaildirMailer
from collecte.consent.mandates import (
    MandateError,
    confirm_code,
    draft_mandate,
    get_mandate,
    send_code,
    send_expiry_reminders,
    sign,
)
from collecte.consent.operator_fields import adict_access_right_fields, sge_consent_fields
from collecte.warehouse.db import connect
from tests.integration.consent.conftest import TODAY

pytestmark = [pytest.mark.services, pytest.mark.timeout(90)]
SECRET = b"test-secret"


def test_seed_demo_signs_one_mandate_per_entity_and_is_idempotent(seeded):
    pg_url, zone, result = seeded
    assert len(result["signed"]) == 3
    with connect(pg_url) as conn:
        d = collectable_meters(conn, operator="enedis", data_kind="load_curve", on=TODAY,
                               candidates=["30001234567890", "30001234567894", "30009999999999"])
        assert d.allowed == ["30001234567890", "30001234567894"]
        assert d.refused == {"30009999999999": "no valid mandate"}
        for mandate_id in result["signed"]:
            mandate = get_mandate(conn, mandate_id)
            pdf = zone.get(mandate.evidence_key)
            assert pdf.startswith(b"%PDF")
            assert mandate.text_sha256 == hashlib.sha256(mandate.mandate_text.encode()).hexdigest()
        from collecte.consent.demo import seed_demo

        again = seed_demo(conn, zone, today=TODAY, with_config=False)
        assert again["signed"] == []
        assert conn.execute("SELECT count(*) FROM mandate").fetchone()[0] == 3


def test_code_sign_and_operator_fields(seeded, mailbox_dir):
    pg_url, zone, _ = seeded
    mailer = MaildirMailer(mailbox_dir)
    with connect(pg_url) as conn:
        draft = draft_mandate(conn, entity_id="filiale-sud", contact_id="contact-sud", start=TODAY,
                              data_kinds=["daily", "contract", "technical"], actor="contact-sud")
        assert "Démo Énergie Sud SAS" in draft.mandate_text and "GI000123" in draft.mandate_text
        with pytest.raises(MandateError, match="confirm the code"):
            sign(conn, zone, draft.id, signer_ip="10.0.0.9", actor="contact-sud")
        send_code(conn, mailer, draft.id, secret=SECRET, actor="contact-sud")
        body = mailer.messages_to("karim.benali@demo-sud.example")[-1].get_content()
        code = re.search(r"\b(\d{6})\b", body).group(1)
        # the code is not stored in clear anywhere in the warehouse
        dump = conn.execute("SELECT string_agg(t::text, ' ') FROM mandate_otp t").fetchone()[0]
        assert code not in dump
        with pytest.raises(MandateError, match="wrong code"):
            confirm_code(conn, draft.id, "000000" if code != "000000" else "111111", secret=SECRET, actor="x")
        confirm_code(conn, draft.id, code, secret=SECRET, actor="contact-sud")
        signed = sign(conn, zone, draft.id, signer_ip="10.0.0.9", actor="contact-sud")
        assert signed.status == "signed" and signed.signer_ip == "10.0.0.9"
        assert zone.metadata(signed.evidence_key)["text-sha256"] == signed.text_sha256
        sge = sge_consent_fields(signed, on=TODAY)
        assert sge["declarationAccordClient"] == {
            "accord": True, "personneMorale": {"denominationSociale": "Démo Énergie Sud SAS"}}
        assert sge["mandat"]["siret"] == "81234567800019"
        assert sge["cadreAcces"] == "ACCORD_CLIENT"
        adict = adict_access_right_fields(signed)
        assert adict["code_postal"] == "13008" and adict["raison_sociale"] == "Démo Énergie Sud SAS"
        assert adict["courriel_titulaire"] == "karim.benali@demo-sud.example"
        assert (adict["perim_donnees_contractuelles"], adict["perim_donnees_publiees"]) == ("Vrai", "Faux")
        # the GRDF client takes these fields as they are (the telereleve DAG passes them through)
        from collecte.sources.grdf.access_rights import MandateFields

        declared = MandateFields.model_validate(adict)
        assert (declared.perim_donnees_contractuelles, declared.perim_donnees_publiees) == (True, False)
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE object_id = %s ORDER BY id",
                                               (draft.id,))]
        assert actions == ["mandate.draft", "mandate.code_sent", "mandate.code_rejected",
                           "mandate.code_confirmed", "mandate.sign"]


def test_expiry_reminder_is_sent_once(seeded, mailbox_dir):
    pg_url, _, result = seeded
    mailer = MaildirMailer(mailbox_dir)
    with connect(pg_url) as conn:
        end = conn.execute("SELECT end_date FROM mandate WHERE id = %s", (result["signed"][0],)).fetchone()[0]
        day = end.replace(day=1) if end.day > 1 else end
        sent = send_expiry_reminders(conn, mailer, day)
        assert set(sent) == set(result["signed"])
        assert send_expiry_reminders(conn, mailer, day) == []
        assert len(mailer.messages_to("claire.martin@demo-energie.example")) == 2  # siège + agence


def test_seed_demo_covers_every_configured_meter_and_account(pg_url, raw_zone):
    from collecte.consent.demo import seed_demo
    from collecte.consent.gate import collectable_accounts
    from collecte.consent.organizations import configured_accounts, configured_meters

    meters, accounts = configured_meters(), configured_accounts()
    with connect(pg_url) as conn:
        seed_demo(conn, raw_zone, today=TODAY)
        for operator in {m["operator"] for m in meters}:
            wanted = [m["id"] for m in meters if m["operator"] == operator]
            d = collectable_meters(conn, operator=operator, data_kind="daily", on=TODAY, candidates=wanted)
            expected = [m["id"] for m in meters if m["operator"] == operator and m["demo_mandate"]]
            assert d.allowed == expected, d.refused
        for account in accounts:
            d = collectable_accounts(conn, supplier=account.supplier, data_kind="invoices", on=TODAY,
                                     candidates=[account.account_id])
            assert bool(d.allowed) == account.demo_mandate, d.refused


def test_seed_demo_command_line(pg_url, s3_server, s3):
    import json
    import os
    import subprocess
    import sys

    from sandbox.services.s3 import ACCESS_KEY, SECRET_KEY

    _, bucket = s3
    env = {**os.environ, "COLLECTE_S3_ACCESS_KEY": ACCESS_KEY, "COLLECTE_S3_SECRET_KEY": SECRET_KEY,
           "PYTHONPATH": "include:."}
    args = [sys.executable, "-m", "collecte.consent", "--warehouse", pg_url, "--s3-endpoint", s3_server.endpoint_url,
            "--bucket", bucket, "seed-demo"]
    first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert len(json.loads(first.stdout)["signed"]) == 3
    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(again.stdout)["signed"] == []
