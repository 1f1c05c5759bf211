"""HTML of the operations pages (Jinja2, autoescaped; figures are server-side SVG marked safe)."""

from __future__ import annotations

from functools import cache
from typing import Any

_BASE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ title }} — collecte</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font-family:system-ui,sans-serif;max-width:80rem;margin:1.5rem auto;padding:0 1rem;color:#1d2433}
 table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #dde;padding:.3rem .5rem;text-align:left;vertical-align:top}
 nav a{margin-right:1rem} .muted{color:#667} .error{color:#a00;font-weight:bold} .ok{color:#060;font-weight:bold}
 .problem{color:#a00;font-weight:bold} details{margin:.4rem 0} summary{cursor:pointer}
 form.filters label{margin-right:.8rem} form.inline{display:inline} .fig{overflow-x:auto}
 .counts span{margin-right:.6rem}
</style></head><body>
<nav><a href="{{ prefix }}/coverage">Couverture</a><a href="{{ prefix }}/status">Statuts des comptes et compteurs</a></nav>
<h1>{{ title }}</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if notice %}<p class="ok" role="status">{{ notice|safe }}</p>{% endif %}
{% block body %}{% endblock %}
</body></html>"""

_COVERAGE = """{% extends "base" %}{% block body %}
<form class="filters" method="get" action="{{ prefix }}/coverage">
<label>Organisation <select name="organization"><option value="">toutes</option>
{% for o in organizations %}<option value="{{ o[0] }}" {% if o[0] == f.organization %}selected{% endif %}>{{ o[1] }}</option>{% endfor %}</select></label>
<label>Fournisseur <select name="supplier"><option value="">—</option>
{% for s in suppliers %}<option {% if s == f.supplier %}selected{% endif %}>{{ s }}</option>{% endfor %}</select></label>
<label>Opérateur <select name="operator"><option value="">—</option>
{% for s in ["enedis", "grdf"] %}<option {% if s == f.operator %}selected{% endif %}>{{ s }}</option>{% endfor %}</select></label>
<label>Donnée <select name="kind"><option value="">toutes</option>
{% for k, label in kinds %}<option value="{{ k }}" {% if k == f.kind %}selected{% endif %}>{{ label }}</option>{% endfor %}</select></label>
<label>Du <input type="date" name="first" value="{{ f.first }}"></label>
<label>au <input type="date" name="last" value="{{ f.last }}"></label>
<button>Afficher</button></form>
<div class="fig">{{ legend_days|safe }} {{ legend_months|safe }}</div>
{% for org in tree %}<section><h2>{{ org.name }}</h2>
{% for entity_id, (entity_name, sites) in org.entities.items() %}<h3>{{ entity_name }}</h3>
{% for site in sites %}<details open><summary><strong>{{ site.name }}</strong>
<span class="muted">{{ site.meters|length }} compteur(s), {{ site.accounts|length }} compte(s)</span></summary>
{% for m in site.meters %}<div class="meter" data-meter="{{ m.meter_id }}"><p><a href="{{ prefix }}/meters/{{ m.meter_id }}">{{ m.meter_id }}</a> <span class="muted">{{ m.operator }}</span>
{% for kind, counts in m.summary.items() %}<span class="counts">{{ kind }} :
{% for state, n in counts.items() if n %}<span>{{ n }} {{ state }}</span>{% endfor %}</span>{% endfor %}</p>
{% for fig in heatmaps.get(m.meter_id, []) %}<div class="fig">{{ fig|safe }}</div>{% endfor %}
{% for gap in gaps.get(m.meter_id, []) %}<form class="inline" method="post" action="{{ prefix }}/coverage/collect">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><input type="hidden" name="meter_id" value="{{ m.meter_id }}">
<input type="hidden" name="kind" value="{{ gap.kind }}"><input type="hidden" name="first" value="{{ gap.first }}">
<input type="hidden" name="last" value="{{ gap.last }}">
<button class="collect-gap" {% if not can_act %}disabled title="permission requise"{% endif %}>Collecter {{ gap.kind }} du {{ gap.first }} au {{ gap.last }}</button></form>{% endfor %}
</div>{% endfor %}
{% for a in site.accounts %}<div class="account" data-account="{{ a.supplier }}/{{ a.account_id }}">
<p>{{ a.supplier }} — compte {{ a.account_id }} {% for state, n in a.summary.items() if n %}<span class="muted">{{ n }} {{ state }}</span> {% endfor %}</p>
<div class="fig">{{ month_grids[(a.supplier, a.account_id)]|safe }}</div>
{% for gap in account_gaps.get((a.supplier, a.account_id), []) %}<form class="inline" method="post" action="{{ prefix }}/coverage/collect">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><input type="hidden" name="supplier" value="{{ a.supplier }}">
<input type="hidden" name="first" value="{{ gap.first }}"><input type="hidden" name="last" value="{{ gap.last }}">
<button class="collect-gap" {% if not can_act %}disabled{% endif %}>Collecter {{ a.supplier }} du {{ gap.first }} au {{ gap.last }}</button></form>{% endfor %}
</div>{% endfor %}
</details>{% endfor %}{% endfor %}</section>
{% else %}<p>Rien dans le registre pour ces filtres.</p>{% endfor %}
{% if truncated %}<p class="muted">Figures limitées aux {{ limit }} premiers compteurs : affinez les filtres.</p>{% endif %}
{% endblock %}"""

_DAY = """{% extends "base" %}{% block body %}
<p>Compteur <a href="{{ prefix }}/meters/{{ meter_id }}">{{ meter_id }}</a>, {{ kind }}, jour {{ day }} : <strong>{{ state }}</strong></p>
<h2>Objets bruts</h2><table><tr><th>Clé</th><th>Reçu</th><th>Exécution Airflow</th></tr>
{% for o in objects %}<tr><td><code>{{ o.key }}</code></td><td>{{ o.fetched or "" }}</td>
<td>{% if o.run_id %}<a href="{{ o.run_url }}">{{ o.run_id }}</a>{% else %}<a href="{{ o.runs_url }}">exécutions de {{ o.dag_id }}</a>{% endif %}</td></tr>
{% else %}<tr><td colspan="3">Aucun objet : le jour manque.</td></tr>{% endfor %}</table>
{% for g in gaps %}<p class="muted">L'opérateur a signalé : {{ g.reason }} ({{ g.first_day }} → {{ g.last_day }})</p>{% endfor %}
{% endblock %}"""

_METER = """{% extends "base" %}{% block body %}
<p>{{ operator }} — <a href="?range=day&day={{ day }}">jour</a> · <a href="?range=week&day={{ day }}">semaine</a> ·
<a href="?range=month&day={{ day }}">mois</a> — période du {{ first }} au {{ last }}
<a href="?range={{ range }}&day={{ prev }}">◀</a> <a href="?range={{ range }}&day={{ next }}">▶</a></p>
{% for fig in figures %}<div class="fig">{{ fig|safe }}</div>{% endfor %}
<h2>Couverture sur douze mois</h2>{% for fig in heatmaps %}<div class="fig">{{ fig|safe }}</div>{% endfor %}
{% endblock %}"""

_STATUS = """{% extends "base" %}{% block body %}
<h2>Comptes fournisseurs</h2>
<table><tr><th>Fournisseur</th><th>Compte</th><th>Voie</th><th>État</th><th>Depuis</th><th>Dernier succès</th><th>Preuve</th><th>À faire</th></tr>
{% for a in accounts %}<tr class="{{ 'problem' if a.problem else '' }}" data-account="{{ a.source }}/{{ a.account_id }}" data-road="{{ a.road }}">
<td>{{ a.source }}</td><td>{{ a.account_id }}</td><td>{{ a.road }}</td><td>{{ a.status }}{% if a.message %}<br><span class="muted">{{ a.message }}</span>{% endif %}</td>
<td>{{ a.since or "" }}</td><td>{{ a.last_success or "jamais" }}</td>
<td>{% for e in a.evidence %}<a href="{{ prefix }}/evidence?key={{ e|urlencode }}">{{ e.rsplit('/', 1)[-1] }}</a> {% endfor %}</td>
<td>{{ a.action }}</td></tr>{% else %}<tr><td colspan="8">Aucun compte.</td></tr>{% endfor %}</table>
<h2>Compteurs</h2>
<table><tr><th>Opérateur</th><th>Compteur</th><th>Donnée</th><th>État</th><th>Depuis</th><th>Dernier succès</th><th>Historique depuis</th><th>À faire</th></tr>
{% for m in meters %}<tr class="{{ 'problem' if m.problem else '' }}" data-meter="{{ m.meter_id }}/{{ m.kind }}">
<td>{{ m.operator }}</td><td><a href="{{ prefix }}/meters/{{ m.meter_id }}">{{ m.meter_id }}</a></td><td>{{ m.kind }}</td>
<td>{{ m.status }}{% if m.message %}<br><span class="muted">{{ m.message }}</span>{% endif %}</td><td>{{ m.since or "" }}</td>
<td>{{ m.last_success or "jamais" }}</td><td>{{ m.not_before or "" }}</td><td>{{ m.action }}</td></tr>
{% else %}<tr><td colspan="8">Aucun compteur collecté.</td></tr>{% endfor %}</table>
{% if layouts %}<h2>Factures : mises en page changées</h2><table><tr><th>Fournisseur</th><th>Factures non lues</th><th>Dernière</th><th>Ce qui a changé</th></tr>
{% for l in layouts %}<tr class="problem"><td>{{ l[0] }}</td><td>{{ l[1] }}</td><td>{{ l[2] }}</td><td>{{ l[3] }}</td></tr>{% endfor %}</table>{% endif %}
{% endblock %}"""

TEMPLATES = {"base": _BASE, "coverage": _COVERAGE, "day": _DAY, "meter": _METER, "status": _STATUS}


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


def render(name: str, **context: Any) -> str:
    """Render one operations page; `title` and `prefix` are expected."""
    context.setdefault("error", None)
    context.setdefault("notice", None)
    return _environment().get_template(name).render(**context)
