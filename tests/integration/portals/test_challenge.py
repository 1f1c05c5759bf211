"""Which pages count as a CAPTCHA / bot challenge: visible widgets only (real Chromium, no network)."""

from __future__ import annotations

import pytest

from collecte.sources.portal.challenge import challenge_on

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

PAGES = {
    "reCAPTCHA": "<form><div class='g-recaptcha' data-sitekey='k' style='width:304px;height:78px'>x</div></form>",
    "hCaptcha": "<div class='h-captcha' data-sitekey='k' style='width:300px;height:70px'>x</div>",
    "Cloudflare Turnstile": "<div class='cf-turnstile' style='width:300px;height:65px'>x</div>",
    "Cloudflare challenge": "<form id='challenge-form' action='/x'><p>Just a moment...</p></form>",
    "image CAPTCHA": "<img alt='Captcha' src='data:,' width='120' height='40'><input name='captcha_code'>",
}
HARMLESS = {
    "invisible v3 badge": "<div class='grecaptcha-badge' style='width:256px;height:60px'>x</div>"
                          "<form id='login-form'><input name='username'></form>",
    "hidden widget": "<div class='g-recaptcha' style='display:none'>x</div>",
    "honeypot field": "<input name='captcha' type='hidden'>",
    "plain login page": "<form id='login-form'><input name='username'><input name='password'></form>",
}


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(("name", "html"), PAGES.items(), ids=list(PAGES))
def test_visible_challenges_are_recognised(page, name, html):
    page.set_content(html)
    assert challenge_on(page) == name


@pytest.mark.parametrize("html", HARMLESS.values(), ids=list(HARMLESS))
def test_invisible_or_absent_challenges_do_not_stop_a_login(page, html):
    page.set_content(html)
    assert challenge_on(page) is None
