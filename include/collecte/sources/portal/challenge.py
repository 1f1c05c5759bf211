"""Recognise a CAPTCHA or bot challenge on a portal page.

collecte never solves or bypasses a challenge: a site that asks a person to prove they are one is
telling us to stop. The gateway ends the attempt with CAPTCHA_REQUIRED (evidence saved, not
retried) and a person acts: log in once by hand from the collection host, ask the supplier for an
API or an allow-list, or move the account to another road.

Only *visible* challenge widgets count: an invisible score-based reCAPTCHA v3 badge sits on many
login pages without blocking anyone, and must not stop a login that succeeds.
"""

from __future__ import annotations

from typing import Any

# (selector, name) of the widely used challenge widgets and interstitials; an element must be visible
CHALLENGES: tuple[tuple[str, str], ...] = (
    ("iframe[src*='recaptcha/api2/anchor'], iframe[src*='recaptcha/enterprise/anchor']", "reCAPTCHA"),
    (".g-recaptcha:not(.grecaptcha-badge)", "reCAPTCHA"),
    ("iframe[src*='hcaptcha.com'], .h-captcha", "hCaptcha"),
    ("iframe[src*='challenges.cloudflare.com'], .cf-turnstile", "Cloudflare Turnstile"),
    ("#challenge-form, #cf-challenge-running, #challenge-running", "Cloudflare challenge"),
    ("input[name='captcha'], input[name*='captcha' i], img[alt*='captcha' i], img[src*='captcha' i]", "image CAPTCHA"),
)


def challenge_on(page: Any) -> str | None:
    """The name of the visible challenge the page shows, or None."""
    for selector, name in CHALLENGES:
        found = page.locator(selector)
        for i in range(min(found.count(), 5)):
            if found.nth(i).is_visible():
                return name
    return None
