"""Masking of secrets in what a failed collection leaves behind: messages, HTML, screenshots.

A password typed into a page can come back in many spellings: as typed, HTML-escaped in the DOM
(`&amp;`, `&#39;`, `&quot;` ...), URL-encoded in a link or a form echo (`%21`, `+` for a space),
JSON-escaped in a script. `secret_forms` lists them all, `mask_text` replaces every one, and
`mask_page` clears the page itself before its screenshot: every password field, every field whose
value holds a secret, and every text holding one, so the PNG shows none.
"""

from __future__ import annotations

import html
import html.entities
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"


def secret_forms(secret: str) -> set[str]:
    """Every spelling under which `secret` may appear in a page, a URL or a message."""
    if not secret:
        return set()
    forms = {secret, html.escape(secret), html.escape(secret, quote=False), quote(secret, safe=""),
             quote_plus(secret), quote(secret), json.dumps(secret)[1:-1]}
    # numeric character references, as some templating engines write them
    forms.add("".join(f"&#{ord(c)};" if not c.isalnum() else c for c in secret))
    forms.add("".join(f"&#x{ord(c):x};" if not c.isalnum() else c for c in secret))
    forms.add(html.escape(secret).replace("&#x27;", "&#39;"))
    return {f for f in forms if f}


def _char_forms(char: str) -> list[str]:
    """Every way one character may be written: itself, HTML references, URL encoding."""
    code = ord(char)
    forms = {char, f"&#{code};", f"&#x{code:x};", f"&#X{code:X};", f"&#{code:04d};"}
    if code in html.entities.codepoint2name:
        forms.add(f"&{html.entities.codepoint2name[code]};")
    if char == "'":
        forms.add("&apos;")
    encoded = "".join(f"%{b:02X}" for b in char.encode("utf-8"))
    if not char.isalnum():
        forms.update({encoded, encoded.lower()})
    if char == " ":
        forms.add("+")
    return sorted(forms, key=len, reverse=True)


def secret_pattern(secret: str) -> re.Pattern[str]:
    """A regex matching `secret` however each of its characters is escaped or encoded, even mixed."""
    return re.compile("".join("(?:" + "|".join(re.escape(f) for f in _char_forms(c)) + ")" for c in secret))


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """`text` with every spelling of every secret replaced by `***`."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = secret_pattern(secret).sub(MASK, text)
        for form in secret_forms(secret):  # JSON escapes (\u00e9, \") are not per-character forms
            text = text.replace(form, MASK)
    return text


_MASK_PAGE = """
([secrets, mask]) => {
  const holds = (v) => v && secrets.some((s) => v.includes(s));
  for (const input of document.querySelectorAll('input, textarea')) {
    if ((input.type || '').toLowerCase() === 'password' || holds(input.value)) {
      input.value = mask;
      input.setAttribute('value', mask);
    }
  }
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let text = node.nodeValue;
    for (const s of secrets) { if (text.includes(s)) text = text.split(s).join(mask); }
    if (text !== node.nodeValue) node.nodeValue = text;
  }
  return true;
}
"""


def mask_page(page: Any, secrets: Iterable[str]) -> None:
    """Clear password fields and every visible occurrence of a secret from the page (before a screenshot)."""
    values = sorted({f for s in secrets if s for f in (s, *secret_forms(s))}, key=len, reverse=True)
    page.evaluate(_MASK_PAGE, [values, MASK])


def password_fields(page: Any) -> Any:
    """Locator of the page's password fields, painted over by Playwright's screenshot `mask`."""
    return page.locator("input[type=password]")
