"""What a person reads: one message per incident, and the daily digest (plain text and HTML)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from html import escape

from collecte.alerts.incidents import OpenIncident

KIND_TITLES = {
    "account_problem": "Compte fournisseur à traiter",
    "meter_problem": "Compteur à traiter",
    "quarantine": "Données en quarantaine",
    "missing_file": "Fichier manquant",
    "mandate_expiring": "Mandat bientôt expiré",
    "access_right_expiring": "Droit d'accès GRDF bientôt expiré",
    "export_refused": "Export refusé",
    "run_failed": "Exécution en échec",
}


def subject(incident: OpenIncident) -> str:
    """The e-mail subject of one incident."""
    return f"[collecte] {KIND_TITLES.get(incident.kind, incident.kind)} : {incident.summary}"[:200]


def text_body(incident: OpenIncident, ui_url: str | None = None) -> str:
    """Plain-text body: the summary, the facts, the action to take, where to look."""
    lines = [incident.summary, "", f"Depuis : {incident.opened_at:%Y-%m-%d %H:%M} UTC"]
    lines += [f"{name} : {value}" for name, value in sorted(incident.detail.items())
              if name != "action" and value not in (None, "")]
    if incident.detail.get("action"):
        lines += ["", f"À faire : {incident.detail['action']}"]
    if ui_url:
        lines += ["", f"Statuts : {ui_url.rstrip('/')}/collecte-ops/status"]
    return "\n".join(lines) + "\n"


def html_body(incident: OpenIncident, ui_url: str | None = None) -> str:
    """The same as `text_body`, in HTML (what SmtpNotifier sends)."""
    return "<pre>" + escape(text_body(incident, ui_url)) + "</pre>"


def digest(incidents: list[OpenIncident], day: date, ui_url: str | None = None) -> tuple[str, str]:
    """Subject and HTML of the daily digest of open incidents."""
    counts = Counter(i.kind for i in incidents)
    title = f"[collecte] Bilan du {day:%d/%m/%Y} : {len(incidents)} incident(s) ouvert(s)"
    parts = [f"<h2>{escape(title)}</h2>"]
    if not incidents:
        parts.append("<p>Rien à traiter.</p>")
    for kind, count in sorted(counts.items()):
        parts.append(f"<h3>{escape(KIND_TITLES.get(kind, kind))} ({count})</h3><ul>")
        parts += [f"<li>{escape(i.summary)} (depuis le {i.opened_at:%Y-%m-%d})</li>" for i in incidents if i.kind == kind]
        parts.append("</ul>")
    if ui_url:
        parts.append(f'<p><a href="{escape(ui_url.rstrip("/"))}/collecte-ops/status">Statuts</a></p>')
    return title, "".join(parts)
