"""A readable HTML report per validation, and an index of recent validations, for the staged zone.

Hand-written rather than GX Data Docs: Data Docs need a file-backed context and a site builder per
process, while one small self-contained page per validation (no scripts, no external assets) can
be written next to its result JSON in S3 and opened from any browser or the S3 console.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

_STYLE = ("body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}"
          ".ok{color:#17702f}.critical{color:#b00020;font-weight:600}.warning{color:#a05a00}"
          "code{font-size:.9em}")


def _page(title: str, body: str) -> bytes:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>").encode()


def _status(success: bool, severity: str) -> str:
    return "<span class='ok'>passed</span>" if success else f"<span class='{severity}'>failed ({severity})</span>"


def render_validation(result: Mapping[str, Any], *, context: Mapping[str, Any]) -> bytes:
    """The page of one validation: where the batch came from, counts, every expectation's verdict."""
    meta = (result.get("meta") or {}).get("collecte", {})
    head = "".join(f"<tr><th>{escape(k)}</th><td><code>{escape(str(v))}</code></td></tr>"
                   for k, v in {**context, "rows": meta.get("row_count"), "failed rows": meta.get("failed_rows"),
                                "warned rows": meta.get("warned_rows")}.items() if v is not None)
    rows = []
    for item in result.get("results", []):
        config = item.get("expectation_config") or {}
        kwargs = {k: v for k, v in (config.get("kwargs") or {}).items() if k != "batch_id"}
        outcome = item.get("result") or {}
        sample = outcome.get("partial_unexpected_list") or []
        rows.append(
            f"<tr><td>{escape((config.get('meta') or {}).get('rule', ''))}</td>"
            f"<td>{_status(bool(item.get('success')), str(config.get('severity', 'critical')))}</td>"
            f"<td>{escape(str(config.get('description') or ''))}</td>"
            f"<td><code>{escape(config.get('type', ''))}</code><br><code>{escape(str(kwargs))}</code></td>"
            f"<td>{outcome.get('unexpected_count', '')}</td><td><code>{escape(str(sample[:10]))}</code></td></tr>")
    title = f"Validation {meta.get('dataset', '')} {meta.get('validation_id', '')}"
    verdict = "passed" if not meta.get("failed_rows") else f"{meta.get('failed_rows')} rows quarantined"
    body = (f"<h1>{escape(title)}</h1><p><b>{escape(verdict)}</b> &middot; suite <code>"
            f"{escape(str(result.get('suite_name', '')))}</code></p><table>{head}</table><h2>Expectations</h2>"
            "<table><tr><th>rule</th><th>verdict</th><th>meaning</th><th>expectation</th><th>unexpected</th>"
            f"<th>sample of unexpected values</th></tr>{''.join(rows)}</table>"
            "<p><a href='../../index.html'>all validations</a></p>")
    return _page(title, body)


def render_index(validations: Iterable[Mapping[str, Any]]) -> bytes:
    """The index page: recent validations, newest first, with links to their pages."""
    rows = []
    for v in validations:
        link = str(v.get("report_key") or "").removeprefix("staged/validation/")
        verdict = _status(not v["failed_rows"], "critical")
        rows.append(f"<tr><td>{escape(str(v['validated_at'])[:19])}</td><td>{escape(v['dataset'])}</td>"
                    f"<td>{escape(str(v.get('source') or ''))}</td><td>{verdict}</td><td>{v['row_count']}</td>"
                    f"<td>{v['failed_rows']}</td><td>{v['warned_rows']}</td>"
                    f"<td><a href='{escape(link)}'>{escape(v['validation_id'][:12])}</a></td>"
                    f"<td><code>{escape(str(v.get('raw_key') or ''))}</code></td></tr>")
    body = ("<h1>collecte - data validations</h1><table><tr><th>validated (UTC)</th><th>dataset</th><th>source</th>"
            "<th>verdict</th><th>rows</th><th>failed</th><th>warned</th><th>report</th><th>raw object</th></tr>"
            f"{''.join(rows)}</table>")
    return _page("collecte validations", body)
