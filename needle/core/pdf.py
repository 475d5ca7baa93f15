"""What every PDF Needle makes shares: the embedded CJK font (a subset of Noto Sans CJK SC, see
fonts/build.py), so that a reader without Chinese fonts of its own still shows the names; plain
paragraphs; and the tables' one style. reportlab is imported when a PDF is made, not at start."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

FONT_NAME = "NeedleSansSC"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NeedleSansSC-Regular.ttf"


def pdf_font() -> str:
    """The embedded font's name, registered with reportlab on first use."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE)))
    return FONT_NAME


def pdf_paragraph(text: Any, style: Any) -> Any:
    """A paragraph of plain text. reportlab reads a paragraph's text as its own markup, where
    names typed by users would open files (`<img src=...>`), fetch URLs, add links or break
    the document with an unclosed tag: escaped, every character is printed as written."""
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)), style)


def pdf_table(
    data: list[list[Any]], font: str, widths: list[float] | None = None, *, numbers_from: int = 1
) -> Any:
    """A table with a header row repeated on every page; columns from `numbers_from` on hold
    numbers and are aligned right."""
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
                ("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table
