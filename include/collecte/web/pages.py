"""HTML of the consent pages (Jinja2, autoescaped). Plain server-rendered forms: no JavaScript needed.

Every POST form carries the hidden CSRF field (`csrf`, see `collecte.web.auth`)."""

from __future__ import annotations

from functools import cache
from typing import Any

_BASE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ title }} — collecte</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2433}
 pre{white-space:pre-wrap;background:#f5f6f8;padding:1rem;border:1px solid #dde;border-radius:4px}
 table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #dde;padding:.3rem .5rem;text-align:left}
 .error{color:#a00;font-weight:bold} .ok{color:#060;font-weight:bold} .muted{color:#667}
 button{padding:.4rem 1rem} form.inline{display:inline}
</style></head><body>
<header><a href="{{ home }}">collecte — mandats et accès aux données</a></header>
<h1>{{ title }}</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if notice %}<p class="ok" role="status">{{ notice }}</p>{% endif %}
{% block body %}{% endblock %}
</body></html>"""

_CONTACT_HOME = """{% extends "base" %}{% block body %}
<p>Bonjour {{ contact.first_name }} {{ contact.surname }}.</p>
{% for e in entities %}
<section><h2>{{ e.name }}{% if e.autonomous %} <span class="muted">(autonome)</span>{% endif %}</h2>
<table><tr><th>Mandat</th><th>Statut</th><th>Période</th><th>Points / comptes</th></tr>
{% for m in e.mandates %}<tr><td><a href="{{ prefix }}/mandates/{{ m.id }}">{{ m.id }}</a></td>
<td class="status-{{ m.status }}">{{ m.status }}</td><td>{{ m.start_date }} → {{ m.end_date }}</td>
<td>{{ m.meters|length }} / {{ m.accounts|length }}</td></tr>{% else %}<tr><td colspan="4">Aucun mandat.</td></tr>{% endfor %}
</table>
<form method="post" action="{{ prefix }}/entities/{{ e.id }}/mandates"><input type="hidden" name="csrf_token" value="{{ csrf }}"><button name="prepare">Préparer un mandat pour {{ e.name }}</button></form>
<h3>Identifiants des espaces clients fournisseurs</h3>
<table><tr><th>Fournisseur</th><th>Compte</th><th>Identifiants</th><th></th></tr>
{% for a in e.accounts %}<tr><td>{{ a.supplier }}</td><td>{{ a.account_id }}</td>
<td>{% if a.updated %}mis à jour le {{ a.updated }}{% else %}—{% endif %}</td>
<td><a href="{{ prefix }}/accounts/{{ a.supplier }}/{{ a.account_id }}/credentials">Saisir / remplacer / supprimer</a></td></tr>
{% else %}<tr><td colspan="4">Aucun compte.</td></tr>{% endfor %}</table></section>
{% endfor %}{% endblock %}"""

_MANDATE = """{% extends "base" %}{% block body %}
<p>Statut : <strong id="status">{{ m.status }}</strong>{% if m.signed_at %} — signé le {{ m.signed_at }}{% endif %}</p>
<pre id="mandate-text">{{ m.mandate_text or "" }}</pre>
{% if m.status == "draft" %}
<form method="post" action="{{ prefix }}/mandates/{{ m.id }}/send-code"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<p>Pour signer, un code à usage unique est envoyé à <strong>{{ m.signatory_email }}</strong>.</p>
<button id="send-code">Recevoir un code par courriel</button></form>
{% elif m.status == "signed" %}
<p>Empreinte SHA-256 du texte : <code>{{ m.text_sha256 }}</code> —
<a href="{{ prefix }}/mandates/{{ m.id }}/evidence.pdf">mandat signé (PDF)</a></p>
<form method="post" action="{{ prefix }}/mandates/{{ m.id }}/revoke"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<label>Motif (facultatif) <input name="reason" maxlength="300"></label>
<label><input type="checkbox" name="erase" value="1"> Effacer aussi mes données personnelles</label>
<button id="revoke">Révoquer ce mandat</button></form>
{% endif %}{% endblock %}"""

_CONFIRM = """{% extends "base" %}{% block body %}
<p>Saisissez le code à 6 chiffres reçu à {{ m.signatory_email }} (valable 10 minutes).</p>
<form method="post" action="{{ prefix }}/mandates/{{ m.id }}/confirm"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<label>Code <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required></label>
<button id="confirm">Confirmer</button></form>
<form method="post" action="{{ prefix }}/mandates/{{ m.id }}/send-code"><input type="hidden" name="csrf_token" value="{{ csrf }}"><button>Renvoyer un code</button></form>
{% endblock %}"""

_SIGN = """{% extends "base" %}{% block body %}
<pre id="mandate-text">{{ m.mandate_text }}</pre>
<form method="post" action="{{ prefix }}/mandates/{{ m.id }}/sign"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<label><input type="checkbox" id="accept" name="accept" value="1" required> J'ai lu le mandat et je l'accepte
au nom de {{ m.company_name or (m.first_name ~ " " ~ m.surname) }}.</label>
<button id="sign">Signer le mandat</button></form>{% endblock %}"""

_CREDENTIALS = """{% extends "base" %}{% block body %}
<p>Compte <strong>{{ account_id }}</strong> chez <strong>{{ supplier }}</strong>.
{% if stored %}Des identifiants sont enregistrés.{% else %}Aucun identifiant enregistré.{% endif %}</p>
<p class="muted">Les identifiants vont directement dans le coffre de secrets de la plateforme ; ils ne sont
ni affichés, ni journalisés, ni copiés ailleurs.</p>
<form method="post" action="{{ action }}" autocomplete="off"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<label>Identifiant <input id="login" name="login" required></label>
<label>Mot de passe <input id="password" type="password" name="password" autocomplete="new-password" required></label>
<button id="save" name="op" value="save">{% if stored %}Remplacer{% else %}Enregistrer{% endif %}</button></form>
{% if stored %}<form method="post" action="{{ action }}"><input type="hidden" name="csrf_token" value="{{ csrf }}"><button id="delete" name="op" value="delete">Supprimer les identifiants</button></form>{% endif %}
{% if status %}<p>État de la collecte : <strong>{{ status.status }}</strong> {{ status.message or "" }}
(dernière tentative {{ status.last_attempt }})</p>{% endif %}
{% endblock %}"""

_STATUS = """{% extends "base" %}{% block body %}
<h2>Mandats par entité</h2>
<table><tr><th>Organisation</th><th>Entité</th><th>Signés en vigueur</th><th>Brouillons</th><th>Révoqués</th><th>Expirés</th></tr>
{% for r in per_entity %}<tr><td>{{ r[0] }}</td><td>{{ r[1] }}</td><td>{{ r[2] }}</td><td>{{ r[3] }}</td><td>{{ r[4] }}</td><td>{{ r[5] }}</td></tr>{% endfor %}</table>
<h2>Échéance dans les 30 jours</h2>
<table><tr><th>Mandat</th><th>Entité</th><th>Fin</th><th>Rappel envoyé</th></tr>
{% for r in expiring %}<tr><td>{{ r[0] }}</td><td>{{ r[1] }}</td><td>{{ r[2] }}</td><td>{{ r[3] or "non" }}</td></tr>
{% else %}<tr><td colspan="4">Aucun.</td></tr>{% endfor %}</table>
<h2>Collecte par compte fournisseur</h2>
{% if accounts is none %}<p class="muted">La table account_status n'existe pas encore.</p>{% else %}
<table><tr><th>Source</th><th>Compte</th><th>Voie</th><th>Statut</th><th>Message</th><th>Dernière tentative</th><th>Dernier succès</th></tr>
{% for r in accounts %}<tr><td>{{ r[0] }}</td><td>{{ r[1] }}</td><td>{{ r[2] }}</td><td>{{ r[3] }}</td><td>{{ r[4] or "" }}</td><td>{{ r[5] or "" }}</td><td>{{ r[6] or "" }}</td></tr>{% endfor %}</table>{% endif %}
<h2>Contacts</h2>
{% if new_link %}<p class="ok" role="status">Nouveau lien personnel de {{ new_link.contact }} (valable jusqu'au
{{ new_link.expires }}, utilisable une fois ; à transmettre au contact, il ne sera plus affiché) :
<code id="new-link">{{ new_link.url }}</code></p>{% endif %}
<table><tr><th>Contact</th><th>Entité</th><th>Rôle</th><th>Liens personnels</th>{% if can_act %}<th>Actions</th>{% endif %}</tr>
{% for c in contacts %}<tr><td>{{ c.id }}</td><td>{{ c.entity }}</td><td>{{ c.role }}</td>
<td>{% if can_personal %}{{ c.live_links }} en cours{% else %}<span class="muted">réservé</span>{% endif %}</td>
{% if can_act %}<td>{% if can_personal %}<form class="inline" method="post" action="{{ home }}staff/contacts/{{ c.id }}/links">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><button>Nouveau lien</button></form>{% endif %}
<form class="inline" method="post" action="{{ home }}staff/contacts/{{ c.id }}/links/revoke">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><button>Révoquer ses liens</button></form>
<form class="inline" method="post" action="{{ home }}staff/contacts/{{ c.id }}/erasure">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><input name="reason" placeholder="motif" maxlength="300">
<button>Demander l'effacement</button></form></td>{% endif %}</tr>{% endfor %}</table>
{% if can_act %}<h2>Révoquer un mandat</h2>
<form method="post" action="{{ home }}staff/mandates/revoke"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<label>Mandat <input name="mandate_id" required></label> <label>Motif <input name="reason" maxlength="300"></label>
<button>Révoquer</button></form>{% endif %}
{% endblock %}"""

TEMPLATES = {"base": _BASE, "contact_home": _CONTACT_HOME, "mandate": _MANDATE, "confirm": _CONFIRM,
             "sign": _SIGN, "credentials": _CREDENTIALS, "status": _STATUS}


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


def render(name: str, **context: Any) -> str:
    """Render one page; `title` and `home` are expected, `error` and `notice` optional."""
    context.setdefault("error", None)
    context.setdefault("notice", None)
    context.setdefault("csrf", "")
    return _environment().get_template(name).render(**context)
