"""`needle hotspots`: hot spots (未诉先办) of a CSV of requests, written as JSON, hottest first.

    needle hotspots --csv FILE --id-column ID --text-column C --time-column T
                    [--votes-column V] [--user-column U] [--area-column A] [--title-column H]
                    [--since WHEN] [--top N] [--min-size 2] --output OUT.json

Each entry is `{"title", "heat", "ids", "start", "end", "size", "reporters", "votes",
"growth", "trend", "areas", "keywords"}`; times are ISO 8601. A bad file, a missing column, an
unreadable time or a vote that is not a whole number stops the run with the row and column
named; nothing is written then.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from needle.intel.hotspots import Hotspot, Item, find_hotspots

_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d")


def parse_time(value: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS`, any ISO 8601, `YYYY/MM/DD H:MM[:SS]` or a date; ValueError otherwise."""
    value = value.strip()
    if not value:
        raise ValueError("empty")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)  # noqa: DTZ007 - the file's own local time, kept naive
        except ValueError:
            continue
    raise ValueError(value)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        yield 1, dict.fromkeys(reader.fieldnames or [], "")  # the header, for column checks
        yield from enumerate(reader, start=2)


class Command(BaseCommand):
    help = "Find hot spots (many requests about one matter) in a CSV file and write them as JSON."
    # Reads a file and writes a file: no database, no URLs, so nothing for system checks to guard.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", required=True, type=Path, help="UTF-8 CSV file with a header row")
        parser.add_argument("--id-column", required=True)
        parser.add_argument("--text-column", required=True)
        parser.add_argument("--time-column", required=True)
        parser.add_argument("--votes-column", help="likes or supports; whole numbers, empty counts as 0")
        parser.add_argument("--user-column", help="who reported it: repeat reports count half")
        parser.add_argument("--area-column", help="area path or code: different areas do not merge")
        parser.add_argument("--title-column", help="a title put before the text (the title weighs more)")
        parser.add_argument("--since", help="only rows at or after this time")
        parser.add_argument("--top", type=int, help="keep the N hottest")
        parser.add_argument(
            "--min-size", type=int, default=2, help="fewest requests in a hot spot (default 2)"
        )
        parser.add_argument("--output", required=True, type=Path, help="JSON file to write")

    def handle(self, *args: Any, **opts: Any) -> None:
        # The output is a contract that scripts read: English unless NEEDLE_CLI_LANGUAGE says otherwise.
        with translation.override(settings.NEEDLE_CLI_LANGUAGE):
            self._handle(*args, **opts)

    def _handle(self, *args: Any, **opts: Any) -> None:
        items = self._read(opts)
        spots = find_hotspots(items, top=opts["top"], min_size=opts["min_size"])
        payload = [_as_json(spot) for spot in spots]
        try:
            opts["output"].write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                _("cannot write %(path)s: %(error)s") % {"path": opts["output"], "error": exc.strerror}
            ) from None
        self.stdout.write(
            _("%(spots)d hot spots from %(items)d requests written to %(path)s")
            % {"spots": len(spots), "items": len(items), "path": opts["output"]}
        )

    def _read(self, opts: dict[str, Any]) -> list[Item]:
        path: Path = opts["csv"]
        if not path.is_file():
            raise CommandError(_("no such file: %(path)s") % {"path": path})
        since = None
        if opts["since"]:
            try:
                since = parse_time(opts["since"])
            except ValueError:
                raise CommandError(
                    _("--since: cannot read %(value)r as a time") % {"value": opts["since"]}
                ) from None
        columns = {
            "id": opts["id_column"],
            "text": opts["text_column"],
            "time": opts["time_column"],
            "votes": opts["votes_column"],
            "user": opts["user_column"],
            "area": opts["area_column"],
            "title": opts["title_column"],
        }
        items: list[Item] = []
        seen: set[str] = set()
        try:
            rows = _rows(path)
            header = next(rows, (1, {}))[1]
            for role, name in columns.items():
                if name and name not in header:
                    raise CommandError(
                        _("column %(column)r (--%(option)s-column) is not in %(path)s; it has: %(names)s")
                        % {"column": name, "option": role, "path": path, "names": ", ".join(header) or "-"}
                    )
            for number, row in rows:
                item = _item(number, row, columns)
                if item.id in seen:
                    raise CommandError(
                        _("row %(row)d, column %(column)r: id %(id)r appears twice")
                        % {"row": number, "column": columns["id"], "id": item.id}
                    )
                seen.add(item.id)
                if since is None or _comparable(item.at, since) >= _comparable(since, item.at):
                    items.append(item)
        except UnicodeDecodeError:
            raise CommandError(_("%(path)s is not UTF-8 text") % {"path": path}) from None
        except csv.Error as exc:
            raise CommandError(
                _("%(path)s is not a readable CSV file: %(error)s") % {"path": path, "error": exc}
            ) from None
        return items


def _item(number: int, row: dict[str, str], columns: dict[str, str | None]) -> Item:
    def cell(role: str) -> str:
        name = columns[role]
        return (row.get(name) or "").strip() if name else ""

    item_id = cell("id")
    if not item_id:
        raise CommandError(
            _("row %(row)d, column %(column)r: the id is empty") % {"row": number, "column": columns["id"]}
        )
    raw_time = cell("time")
    try:
        at = parse_time(raw_time)
    except ValueError:
        raise CommandError(
            _(
                "row %(row)d, column %(column)r: cannot read %(value)r as a time (use YYYY-MM-DD HH:MM:SS or ISO 8601)"
            )
            % {"row": number, "column": columns["time"], "value": raw_time}
        ) from None
    votes = 0
    raw_votes = cell("votes")
    if raw_votes:
        try:
            votes = int(raw_votes)
        except ValueError:
            raise CommandError(
                _("row %(row)d, column %(column)r: votes must be a whole number, not %(value)r")
                % {"row": number, "column": columns["votes"], "value": raw_votes}
            ) from None
    text = (row.get(columns["text"] or "") or "").strip()
    title = cell("title")
    return Item(
        id=item_id,
        text=f"{title}\n{text}" if title else text,
        at=at,
        votes=votes,
        reporter=cell("user"),
        area=cell("area"),
    )


def _comparable(at: datetime, other: datetime) -> datetime:
    """`at`, made naive or aware like `other` so that the two can be compared."""
    if (at.tzinfo is None) == (other.tzinfo is None):
        return at
    return at.replace(tzinfo=None) if other.tzinfo is None else at.replace(tzinfo=other.tzinfo)


def _iso(at: datetime | date) -> str:
    return at.isoformat()


def _as_json(spot: Hotspot) -> dict[str, Any]:
    return {
        "title": spot.title,
        "heat": spot.heat,
        "ids": spot.ids,
        "start": _iso(spot.start),
        "end": _iso(spot.end),
        "size": len(spot.ids),
        "reporters": spot.reporters,
        "votes": spot.votes,
        "growth": spot.growth,
        "trend": spot.trend,
        "areas": spot.areas,
        "keywords": spot.keywords,
    }
