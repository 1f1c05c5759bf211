"""The signed mandate as a PDF: the full text, then who signed, when, from where, and the text's hash.

Rendered with reportlab (pure Python, already a dependency) and stored in S3 under `consent/`.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def evidence_key(entity_id: str, mandate_id: str) -> str:
    """S3 key of a mandate's signed PDF."""
    return f"consent/mandates/entity={entity_id}/{mandate_id}.pdf"


def render_signed_mandate(*, mandate_id: str, text: str, text_sha256: str, signatory_name: str,
                          signatory_email: str, signed_at: datetime, signer_ip: str) -> bytes:
    """PDF bytes of the signed mandate (A4, the text then a signature block)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm,
                            title=f"Mandat {mandate_id}", author="collecte")
    story: list[Any] = []
    paragraphs = text.split("\n\n")
    story.append(Paragraph(escape(paragraphs[0]), styles["Title"]))
    for block in paragraphs[1:]:
        if block.startswith("  "):
            story.append(Preformatted(block, styles["Code"], maxLineLength=95))
        else:
            story.append(Paragraph(escape(block).replace("\n", "<br/>"), styles["BodyText"]))
        story.append(Spacer(1, 3 * mm))
    local = signed_at.astimezone(PARIS)
    story += [
        Spacer(1, 6 * mm),
        Paragraph("Preuve de signature électronique", styles["Heading2"]),
        Paragraph(escape(f"Mandat n° {mandate_id}"), styles["BodyText"]),
        Paragraph(escape(f"Signé par : {signatory_name} <{signatory_email}>"), styles["BodyText"]),
        Paragraph(escape(f"Le : {local:%d/%m/%Y à %H:%M:%S} (heure de Paris), "
                         f"{signed_at.astimezone(ZoneInfo('UTC')).isoformat(timespec='seconds')} UTC"),
                  styles["BodyText"]),
        Paragraph(escape(f"Adresse IP du signataire : {signer_ip}"), styles["BodyText"]),
        Paragraph("Authentification : code à usage unique envoyé par courriel au signataire.", styles["BodyText"]),
        Paragraph(escape(f"Empreinte SHA-256 du texte signé : {text_sha256}"), styles["Code"]),
    ]
    doc.build(story)
    return buffer.getvalue()
