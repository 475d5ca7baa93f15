"""The quarterly service card (服务登记卡) as files: a CSV (one row per verified line) and an A4
PDF with the project's embedded CJK font (needle.core.pdf's font and table style)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from needle.core.pdf import pdf_font, pdf_paragraph, pdf_table
from needle.volunteering.models import HourEntry
from needle.volunteering.selectors.hours import Card

HEADER = ["member", "quarter", "date", "community", "description", "hours", "points", "late"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet.
    return "'" + text if text[:1] in "=+-@" else text


def card_rows(card: Card) -> Iterator[list[str]]:
    name = card.person.get_full_name() or card.person.username
    for e in card.entries:
        yield [
            _safe(name),
            card.quarter,
            e["date"].isoformat(),
            _safe(e["community"]),
            _safe(e["description"]),
            str(e["hours"]),
            str(e["points"]),
            "late" if e["late"] else "",
        ]


def cards_csv(cards: Iterable[Card]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for card in cards:
        writer.writerows(card_rows(card))
    return out.getvalue()


def stream_entries_csv(entries: Iterable[HourEntry], quarter: str) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for e in entries:
        yield writer.writerow(
            [
                _safe(e.person.get_full_name() or e.person.username),
                quarter,
                e.date.isoformat(),
                _safe(e.community.name),
                _safe(e.description),
                str(e.hours),
                str(e.points),
                "",
            ]
        )


def cards_pdf(cards: Iterable[Card]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer

    font = pdf_font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    story: list[Any] = []
    for card in cards:
        if story:
            story.append(PageBreak())
        name = card.person.get_full_name() or card.person.username
        story.append(pdf_paragraph(_("Service card") + f" · {card.quarter}", styles["Title"]))
        story.append(pdf_paragraph(f"{name} · {card.start} – {card.end}", styles["Heading2"]))
        rows = [[_("Date"), _("Community"), _("Service given"), _("Hours"), _("Points")]]
        for e in card.entries:
            late = " *" if e["late"] else ""
            rows.append(
                [
                    e["date"].isoformat(),
                    e["community"],
                    e["description"][:60] + late,
                    str(e["hours"]),
                    str(e["points"]),
                ]
            )
        rows.append([_("Total"), "", "", str(card.verified_hours), str(card.points)])
        story.append(pdf_table(rows, font, [25 * mm, 40 * mm, 70 * mm, 18 * mm, 18 * mm], numbers_from=3))
        story.append(Spacer(1, 4 * mm))
        for s in card.signoffs:
            story.append(
                pdf_paragraph(
                    _("Signed by %(community)s on %(date)s: %(hours)s hours.")
                    % {"community": s.community.name, "date": s.signed_at.date(), "hours": s.hours},
                    styles["Normal"],
                )
            )
        if any(e["late"] for e in card.entries):
            story.append(pdf_paragraph(_("* verified after the signature"), styles["Normal"]))
    if not story:
        story.append(pdf_paragraph(_("No cards."), styles["Normal"]))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=_("Service cards")).build(story)
    return buf.getvalue()
