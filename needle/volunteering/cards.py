"""The quarterly service card (服务登记卡) as files: a CSV (one row per verified line) and an A4
PDF with the project's embedded CJK font (the operations reports' reportlab and font)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from html import escape
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from needle.volunteering.models import HourEntry
from needle.volunteering.selectors.hours import Card

HEADER = ["member", "quarter", "date", "community", "description", "hours", "points", "late"]


# The operations reports' font (a subset of Noto Sans CJK SC), embedded so that a reader without
# Chinese fonts still shows the names.
FONT_NAME = "NeedleSansSC"
FONT_FILE = Path(__file__).resolve().parents[1] / "operations" / "fonts" / "NeedleSansSC-Regular.ttf"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE)))
    return FONT_NAME


def _paragraph(text: str, style: Any) -> Any:
    # Escaped: reportlab reads a paragraph as markup, and names are typed by users.
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text), style)


def _table(data: list[list[Any]], font: str, widths: list[float]) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c0c8d0")),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


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

    font = _font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    story: list[Any] = []
    for card in cards:
        if story:
            story.append(PageBreak())
        name = card.person.get_full_name() or card.person.username
        story.append(_paragraph(_("Service card") + f" · {card.quarter}", styles["Title"]))
        story.append(_paragraph(f"{name} · {card.start} – {card.end}", styles["Heading2"]))
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
        story.append(_table(rows, font, [25 * mm, 40 * mm, 70 * mm, 18 * mm, 18 * mm]))
        story.append(Spacer(1, 4 * mm))
        for s in card.signoffs:
            story.append(
                _paragraph(
                    _("Signed by %(community)s on %(date)s: %(hours)s hours.")
                    % {"community": s.community.name, "date": s.signed_at.date(), "hours": s.hours},
                    styles["Normal"],
                )
            )
        if any(e["late"] for e in card.entries):
            story.append(_paragraph(_("* verified after the signature"), styles["Normal"]))
    if not story:
        story.append(_paragraph(_("No cards."), styles["Normal"]))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=_("Service cards")).build(story)
    return buf.getvalue()
