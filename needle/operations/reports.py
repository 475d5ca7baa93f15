"""Files made from a dashboard: CSV and XLSX exports, the weekly and monthly PDF report.

They read the same `Dashboard` the page shows, so a file and the page at the same period
agree figure for figure.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from needle.cases.figures import COUNTER_DEFINITIONS, RATE_NAMES, RATES
from needle.core.exports import SafeCsvWriter, xlsx_append
from needle.core.pdf import pdf_font, pdf_paragraph, pdf_table
from needle.operations.figures_types import COUNTER_NAMES, INDICATORS, Dashboard, Figures, Row
from needle.operations.presenters import rate_sample
from needle.rollups.sources import Source

COLUMNS: tuple[str, ...] = ("section", "kind", "key", "name", *COUNTER_NAMES, *RATE_NAMES)

# People open the files in a spreadsheet: headers, sections and kinds in their language. A
# script asks the CSV for `headers=keys` and gets COLUMNS and the codes, which never change
# with the language (the indicators API serves the same figures as JSON).
HEADERS: dict[str, Any] = {
    "section": gettext_lazy("Section"),
    "kind": gettext_lazy("Kind"),
    "key": gettext_lazy("Code"),
    "name": gettext_lazy("Name"),
    **{r.name: r.label for r in RATES},
}
COUNTER_LABELS: dict[str, Any] = {c.name: c.label for c in COUNTER_DEFINITIONS}
SECTIONS: dict[str, Any] = {
    "node": gettext_lazy("Total"),
    "previous": gettext_lazy("Previous period"),
    "child": gettext_lazy("Below"),
    "service": gettext_lazy("By service"),
    "unit": gettext_lazy("Units"),
    "day": gettext_lazy("By day"),
}
KINDS: dict[str, Any] = {
    "area": gettext_lazy("area"),
    "unit": gettext_lazy("unit"),
    "service": gettext_lazy("service"),
    "here": gettext_lazy("directly here"),
    "day": gettext_lazy("day"),
}


def header(name: str) -> str:
    """A column's or figure's name in the active language: a counter's is its declaration's."""
    if name in HEADERS:
        return str(HEADERS[name])
    return capfirst(str(COUNTER_LABELS.get(name, name)))


def _in_words(row: list[Any]) -> list[Any]:
    section, kind, *rest = row
    return [str(SECTIONS.get(section, section)), str(KINDS.get(kind, kind)), *rest]


def _line(section: str, kind: str, key: str, name: str, f: Figures) -> list[Any]:
    return [section, kind, key, name, *f.counts().values(), *(f.rates()[r] for r in RATE_NAMES)]


def table_rows(d: Dashboard) -> list[list[Any]]:
    """One tidy table: the node, the previous period, each child, service, unit and day."""
    node_key = d.area.code if d.area is not None else str(d.unit.pk if d.unit else "")
    rows = [
        _line("node", d.kind, node_key, d.name, d.totals),
        _line("previous", d.kind, node_key, f"{d.previous_start}..{d.previous_end}", d.previous),
    ]

    def add(section: str, items: list[Row]) -> None:
        rows.extend(_line(section, r.kind, r.key, r.name, r.figures) for r in items)

    add("child", d.children)
    add("service", d.by_service)
    add("unit", d.units)
    rows.extend(_line("day", "day", day.isoformat(), day.isoformat(), f) for day, f in d.trend("day"))
    return rows


def dashboard_csv(d: Dashboard, *, keys: bool = False) -> bytes:
    """The tidy table; headers, sections and kinds in words, or with `keys` as COLUMNS and codes."""
    out = io.StringIO()
    w = SafeCsvWriter(out)
    w.writerow([f"# {d.name}", f"{d.start}..{d.end}"])
    w.writerow(COLUMNS if keys else [header(c) for c in COLUMNS])
    rows = table_rows(d) if keys else [_in_words(row) for row in table_rows(d)]
    w.writerows(["" if v is None else v for v in row] for row in rows)
    # A BOM so that spreadsheet programs read the Chinese names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def dashboard_xlsx(d: Dashboard) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = _("Summary")[:31]
    xlsx_append(summary, [d.name, f"{d.start} – {d.end}"])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([])
    xlsx_append(summary, [_("Figure"), _("This period"), _("Previous period")])
    for name in (*RATE_NAMES, *COUNTER_NAMES):
        xlsx_append(summary, [header(name), getattr(d.totals, name), getattr(d.previous, name)])
    for cell in summary[3]:
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 22
    rows = table_rows(d)
    for section in ("child", "service", "unit", "day"):
        sheet = wb.create_sheet(str(SECTIONS[section])[:31])
        xlsx_append(sheet, [header(c) for c in COLUMNS[2:]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            if row[0] == section:
                xlsx_append(sheet, row[2:])
        sheet.column_dimensions["B"].width = 28
        if section == "day" and sheet.max_row > 1:
            chart = BarChart()
            chart.title = _("Received per day")
            chart.add_data(
                Reference(sheet, min_col=3, min_row=1, max_row=sheet.max_row), titles_from_data=True
            )
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=sheet.max_row))
            chart.width, chart.height = 24, 8
            sheet.add_chart(chart, "V2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# The PDF report --------------------------------------------------------------------------------


def report_period(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The whole week (Monday to Sunday) or month that contains `day`."""
    if kind == "weekly":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def last_complete_period(kind: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if kind == "weekly":
        return report_period(kind, today - dt.timedelta(days=today.weekday() + 1))
    return report_period(kind, today.replace(day=1) - dt.timedelta(days=1))


def _mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _rate(f: Figures, name: str) -> str:
    """A rate, with the count of cases beside it when that is too few to trust."""
    text, few = rate_sample(f, name)
    return text if few is None else f"{text} ({few})"


def report_pdf(d: Dashboard, *, title: str, sections: Sequence[dict[str, Any]] = ()) -> bytes:
    """A printable A4 report: key figures against the previous period, the daily trend, the
    areas or units below and the services, as tables and reportlab charts; then a table per
    other source that has figures for the node (`sections`, as the dashboard shows them)."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

    font = pdf_font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    styles["Heading3"].keepWithNext = 1
    t, p = d.totals, d.previous
    story: list[Any] = [
        pdf_paragraph(title, styles["Title"]),
        pdf_paragraph(f"{d.name} · {d.start} – {d.end}", styles["Heading2"]),
        pdf_paragraph(
            _("Compared with %(start)s – %(end)s.") % {"start": d.previous_start, "end": d.previous_end},
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
    ]
    key = [
        [_("Figure"), _("This period"), _("Previous period")],
        *([str(INDICATORS[name]), _rate(t, name), _rate(p, name)] for name in RATE_NAMES),
        [_("Received"), f"{t.received:,}", f"{p.received:,}"],
        [_("Resolved"), f"{t.resolved:,}", f"{p.resolved:,}"],
        [_("Callbacks"), f"{t.callbacks:,}", f"{p.callbacks:,}"],
        [_("Reopened"), f"{t.reopened:,}", f"{p.reopened:,}"],
        [_("Backlog now"), f"{t.open:,}", ""],
        [_("Overdue now (yellow / red)"), f"{t.overdue:,} / {t.overdue_serious:,}", ""],
    ]
    story.append(pdf_table(key, font, [70 * mm, 45 * mm, 45 * mm]))
    story.append(Spacer(1, 5 * mm))
    points = d.trend("day" if (d.end - d.start).days <= 62 else "week")
    if points:
        heading = pdf_paragraph(_("Received and resolved"), styles["Heading3"])
        drawing = Drawing(170 * mm, 62 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 46 * mm
        chart.data = [[f.received for _d, f in points], [f.resolved for _d, f in points]]
        chart.categoryAxis.categoryNames = [day.strftime("%m-%d") for day, _f in points]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 6
        chart.categoryAxis.labels.angle = 45 if len(points) > 10 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(points) > 10 else "n"
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.labels.fontSize = 7
        chart.bars[0].fillColor = colors.HexColor("#5b8ff9")
        chart.bars[1].fillColor = colors.HexColor("#7fb77e")
        drawing.add(chart)
        drawing.add(
            String(150 * mm, 58 * mm, _("blue: received, green: resolved"), fontName=font, fontSize=7)
        )
        story.append(KeepTogether([heading, drawing]))  # a heading is never left alone at a page's foot
    # A municipality has some forty districts and counties: all fit on a page.
    rows = [r for r in d.children if r.kind != "here"][:40]
    if rows:
        heading = pdf_paragraph(
            _("Areas below") if d.kind == "area" else _("Units below"), styles["Heading3"]
        )
        drawing = Drawing(170 * mm, max(30, 7 * len(rows)) * mm * 0.6 + 10 * mm)
        bars = HorizontalBarChart()
        bars.x, bars.y = 45 * mm, 5 * mm
        bars.width, bars.height = 115 * mm, max(30, 7 * len(rows)) * mm * 0.6
        bars.data = [[r.figures.received for r in reversed(rows)]]
        bars.categoryAxis.categoryNames = [r.name[:14] for r in reversed(rows)]
        bars.categoryAxis.labels.fontName = font
        bars.categoryAxis.labels.fontSize = 7
        bars.valueAxis.valueMin = 0
        bars.valueAxis.labels.fontName = font
        bars.valueAxis.labels.fontSize = 7
        bars.bars[0].fillColor = colors.HexColor("#b3261e")
        drawing.add(bars)
        story.append(KeepTogether([heading, drawing]))
        story.append(_rows_table(d.children, font))
    if d.by_service:
        story.append(pdf_paragraph(_("By service"), styles["Heading3"]))
        story.append(_rows_table(d.by_service[:30], font))
    for section in sections:
        values = [
            [
                str(f["label"]),
                _mean(f["value"]) if f["mean"] else _share(f["value"]) if f["ratio"] else f"{f['value']:,}",
            ]
            for f in section["figures"]
        ]
        table = pdf_table([[_("Figure"), _("This period")], *values], font, [70 * mm, 45 * mm])
        story.append(KeepTogether([pdf_paragraph(str(section["label"]), styles["Heading3"]), table]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    doc.build(story)
    return out.getvalue()


def _rows_table(rows: list[Row], font: str) -> Any:
    from reportlab.lib.units import mm

    data = [
        [
            "",
            _("Received"),
            _("Backlog"),
            _("Overdue"),
            _("Response rate"),
            _("Resolution rate"),
            _("Satisfaction rate"),
            _("On-time rate"),
        ]
    ]
    for r in rows:
        f = r.figures
        data.append(
            [
                r.name[:22],
                f"{f.received:,}",
                f"{f.open:,}",
                f"{f.overdue_open:,}",
                *(_rate(f, name) for name in RATE_NAMES),
            ]
        )
    return pdf_table(data, font, [45 * mm] + [18 * mm] * 7)


# Any source's figures ------------------------------------------------------------------------


def source_columns(source: Source) -> tuple[str, ...]:
    """The columns of a source's table: its counters, then the figures that are not counters."""
    counters = source.counter_names
    return (
        "section",
        "kind",
        "key",
        "name",
        *counters,
        *(f.name for f in source.figures if f.name not in counters),
    )


def source_labels(source: Source) -> dict[str, str]:
    """The headers of a source's columns in the reader's language."""
    return {
        **{k: str(v) for k, v in HEADERS.items()},
        **{c.name: capfirst(str(c.label)) for c in source.counters},
        **{f.name: str(f.label) for f in source.figures if f.name not in source.counter_names},
    }


def source_csv(source: Source, answer: dict[str, Any], *, keys: bool = False) -> bytes:
    """Any source's figures (source_figures.source_indicators) as one tidy table: the node,
    the previous period and each child; headers in words (the source's labels) or as keys."""
    columns = source_columns(source)
    labels = source_labels(source)
    node = answer["node"]
    lines = [
        ("node", node["kind"], node["key"], node["name"], node["figures"]),
        ("previous", node["kind"], node["key"], f"{answer['start']}..{answer['end']}", answer["previous"]),
        *(("child", r["kind"], r["key"], r["name"], r["figures"]) for r in answer["children"]),
    ]
    out = io.StringIO()
    w = SafeCsvWriter(out)
    w.writerow([f"# {node['name']} · {source.label}", f"{answer['start']}..{answer['end']}"])
    w.writerow(columns if keys else [labels[c] for c in columns])
    for section, kind, key, name, figures in lines:
        head = [section, kind, key, name] if keys else _in_words([section, kind, key, name])
        w.writerow(["" if v is None else v for v in [*head, *(figures[c] for c in columns[4:])]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def source_xlsx(source: Source, answer: dict[str, Any]) -> bytes:
    """Any source's figures as a workbook: a summary (this period and the previous one), the
    areas below, and a sheet per grouping key of the source (an activity's audience, a unit's
    type), headers in the reader's language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns = source_columns(source)[4:]
    labels = source_labels(source)
    node = answer["node"]
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = _("Summary")[:31]
    xlsx_append(summary, [f"{node['name']} · {source.label}", f"{answer['start']} – {answer['end']}"])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([])
    xlsx_append(summary, [_("Figure"), _("This period"), _("Previous period")])
    for cell in summary[3]:
        cell.font = Font(bold=True)
    for name in columns:
        xlsx_append(summary, [labels[name], node["figures"][name], answer["previous"].get(name)])
    summary.column_dimensions["A"].width = 28
    sheets = [(str(SECTIONS["child"]), answer["children"])]
    sheets += [(capfirst(str(key.label)), answer["breakdowns"].get(key.name, [])) for key in source.keys]
    for title, rows in sheets:
        sheet = wb.create_sheet(title[:31])
        xlsx_append(sheet, [labels["key"], labels["name"], *(labels[c] for c in columns)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            xlsx_append(sheet, [row["key"], row["name"], *(row["figures"][c] for c in columns)])
        sheet.column_dimensions["B"].width = 28
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
