"""Passwords never reach failure evidence (#11.18): every spelling in text and HTML, and the screenshot."""

from __future__ import annotations

import html
from urllib.parse import quote, quote_plus

import pytest

from collecte.sources.portal.masking import mask_text, secret_forms

SECRET = "p&ss <w0rd> 'l\"x!+ é"
OTHER = "Zz9-autre-secret"


def test_every_spelling_of_the_secret_is_masked_in_text():
    spellings = [SECRET, html.escape(SECRET), html.escape(SECRET, quote=False), quote(SECRET, safe=""),
                 quote_plus(SECRET), SECRET.replace("'", "&#39;").replace("&", "&amp;", 1)]
    page = " | ".join(f"[{s}]" for s in spellings)
    masked = mask_text(page, [SECRET])
    assert masked == " | ".join(["[***]"] * len(spellings)), masked
    assert all(form not in masked for form in secret_forms(SECRET))
    assert mask_text("nothing secret here", [SECRET]) == "nothing secret here"


def _login_page(secret: str) -> str:
    escaped = html.escape(secret)
    return f"""<html><body style="font: 16px sans-serif">
<form><label>Identifiant <input name="login" value="claire@volta"></label>
<label>Mot de passe <input type="password" name="password" value="{escaped}"></label>
<label>Affiché <input type="text" name="shown" value="{escaped}"></label></form>
<p class="error">Mot de passe « {escaped} » incorrect</p>
<a href="/login?pw={quote_plus(secret)}">{quote(secret, safe="")}</a>
</body></html>"""


class _Zone:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, content: bytes, **_: object) -> str:
        self.objects[key] = content
        return key


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_failure_evidence_of_a_login_page_shows_no_password():
    from collecte.sources.portal.browser import chromium
    from collecte.sources.portal.evidence import save_evidence

    shots, plain = {}, {}
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 800, "height": 400})
        for secret in (SECRET, OTHER):
            page.set_content(_login_page(secret))
            plain[secret] = page.screenshot(full_page=True)
            zone = _Zone()
            base = save_evidence(zone, page, source="volta", account="V-1", status="LOGIN_FAILED", secrets=(secret,))
            assert base is not None
            stored = zone.objects[base + ".html"].decode()
            assert not [form for form in secret_forms(secret) if form in stored], stored
            assert "claire@volta" in stored  # the rest of the page is kept
            shots[secret] = zone.objects[base + ".png"]
        page.close()
    assert plain[SECRET] != plain[OTHER]  # unmasked, the two secrets show
    assert shots[SECRET] == shots[OTHER]  # masked, the screenshots are the same pixels
