"""HTML helpers shared by the sandbox portals (each portal brings its own look)."""

from __future__ import annotations

from datetime import date
from html import escape

from fastapi.responses import HTMLResponse


class MaintenanceError(Exception):
    """Raised by a route to answer the portal's 503 page."""

    def __init__(self, portal: str) -> None:
        super().__init__(portal)
        self.portal = portal


def page(title: str, body: str, *, css: str, status_code: int = 200, script: str = "") -> HTMLResponse:
    """A complete HTML page."""
    html = (f"<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{css}</style></head><body>{body}"
            f"{f'<script>{script}</script>' if script else ''}</body></html>")
    return HTMLResponse(html, status_code=status_code)


def maintenance_page(name: str, css: str) -> HTMLResponse:
    """The 503 page of a portal under maintenance."""
    return page(f"{name} - maintenance",
                f"<main class='maintenance'><h1>Site en maintenance</h1><p>{escape(name)} est momentanément "
                "indisponible. Merci de réessayer plus tard.</p></main>", css=css, status_code=503)


def fr_date(value: date | None) -> str:
    """dd/mm/yyyy, as French sites print dates."""
    return value.strftime("%d/%m/%Y") if value else ""


def euros(amount: float) -> str:
    """1 234,56 €."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",") + " €"


def parse_day(value: str | None) -> date | None:
    """An ISO day from a query string, or None."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
