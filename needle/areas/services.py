"""Writes to the area tree: importing the national divisions, attaching boundaries, and
dividing a community into grids.

The imports run from the CLI (the operator is the actor, or nobody for a system run), check the
whole input first and apply it in one transaction, so a bad file changes nothing. A grid is
added by `orgs.services.grid_create`, which checks the actor's grant and audits: the table of
permissions sits above the tree.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.geometry import centroid
from needle.areas.models import Area, Level, is_placeholder, subtree_q
from needle.core.audit import audit_record
from needle.core.errors import PermissionDenied, ValidationFailed

REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")
_CODE = re.compile(r"^\d{12}$")
BATCH = 5000
MAX_ERRORS_REPORTED = 50
# A file that would retire more than this share of the live areas in its scope (and more than
# RETIRE_FLOOR of them) is refused unless the caller confirms: a truncated or wrong file must
# not retire a city, after which intake is refused everywhere. Real revisions retire a few.
RETIRE_SHARE = 0.05
RETIRE_FLOOR = 10


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    level: int
    parent_code: str


def _require_operator(actor: Any) -> None:
    # A CLI run without --actor is the machine's operator; a named actor must be a superuser.
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only a superuser may import areas."))


def open_bytes(source: Path | str | IO[bytes]) -> IO[bytes]:
    """A byte stream over a plain or gzipped file (recognised by its first bytes)."""
    if isinstance(source, str | Path):
        raw: IO[bytes] = open(source, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    else:
        raw = source
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if not head:
        head = raw.read(2)
        raw.seek(0)
    return gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw  # type: ignore[return-value]


def open_text(source: Path | str | IO[bytes]) -> IO[str]:
    """A text stream over a plain or gzipped UTF-8 file."""
    return io.TextIOWrapper(open_bytes(source), encoding="utf-8-sig", newline="")


def _lines(stream: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, decoded one by one so that a byte that is not UTF-8 is
    reported on its own line (a text stream decodes ahead, in blocks)."""
    for number, line in enumerate(stream, start=1):
        yield line.decode("utf-8-sig" if number == 1 else "utf-8")


def _parse(lines: Iterable[str]) -> tuple[list[_Row], list[str]]:
    errors: list[str] = []
    rows: list[_Row] = []
    # csv.reader with DictReader's rules (blank rows skipped, short rows padded, a repeated
    # column name means its last column) at half DictReader's cost per row.
    reader = csv.reader(lines)
    try:
        fieldnames = next(reader, None) or []
    except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
        return [], [_unreadable(reader.line_num, exc)]
    missing = [c for c in REQUIRED_COLUMNS if c not in fieldnames]
    if missing:
        return [], [_("line 1: missing column(s): %(cols)s") % {"cols": ", ".join(missing)}]
    column = {name: i for i, name in enumerate(fieldnames)}
    i_code, i_name, i_level, i_parent = (column[c] for c in REQUIRED_COLUMNS)
    padding = [""] * len(fieldnames)
    seen: dict[str, int] = {}
    try:
        for record in reader:
            if not record:
                continue
            if len(record) < len(fieldnames):
                record += padding[len(record) :]
            line = reader.line_num
            code = record[i_code].strip()
            name = record[i_name].strip()
            parent = record[i_parent].strip()
            problems = []
            if not _CODE.match(code):
                problems.append(_("code %(code)r is not 12 digits") % {"code": code})
            if not name or len(name) > 100:
                problems.append(_("name must have 1 to 100 characters"))
            try:
                level = int(record[i_level])
            except ValueError:
                level = 0
            if not 1 <= level <= 5:
                problems.append(_("level must be 1 to 5"))
            if (level == 1) != (parent == ""):
                problems.append(_("only level 1 has no parent_code"))
            elif parent and not _CODE.match(parent):
                problems.append(_("parent_code %(code)r is not 12 digits") % {"code": parent})
            if code in seen:
                problems.append(_("code %(code)s repeats line %(line)d") % {"code": code, "line": seen[code]})
            if problems:
                errors.append(
                    _("line %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)}
                )
                continue
            seen[code] = line
            rows.append(_Row(line, code, name, level, parent))
    except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
        errors.append(_unreadable(reader.line_num, exc))
    return rows, errors


def _unreadable(line_num: int, exc: Exception) -> str:
    if isinstance(exc, csv.Error):  # the reader counted the line it could not parse
        return _("line %(line)d: unreadable: %(error)s") % {"line": line_num, "error": exc}
    # A line that could not be read or decoded never reached the reader's count.
    if isinstance(exc, UnicodeDecodeError):
        return _("line %(line)d: not UTF-8 text (byte %(byte)s at position %(position)d)") % {
            "line": line_num + 1,
            "byte": f"0x{exc.object[exc.start]:02x}",
            "position": exc.start + 1,
        }
    return _("line %(line)d: unreadable: %(error)s") % {"line": line_num + 1, "error": exc}


def _tree(rows: list[_Row], under: str | None) -> tuple[list[_Row], dict[str, str], list[str]]:
    """Order rows parents-first, compute each path, and cut the file down to one subtree."""
    by_code = {r.code: r for r in rows}
    errors: list[str] = []
    paths: dict[str, str] = {}
    ordered = sorted(rows, key=lambda r: (r.level, r.code))
    for row in ordered:
        parent = by_code.get(row.parent_code) if row.parent_code else None
        if row.parent_code and parent is None:
            errors.append(
                _("line %(line)d: parent_code %(code)s is not in the file")
                % {"line": row.line, "code": row.parent_code}
            )
            continue
        if parent is not None and parent.level >= row.level:
            errors.append(
                _("line %(line)d: parent %(code)s is not at a higher level")
                % {"line": row.line, "code": parent.code}
            )
            continue
        if parent is not None and parent.code not in paths:
            continue  # its parent was already reported
        paths[row.code] = (paths[parent.code] if parent else "") + row.code + "/"
    if errors or under is None:
        return ordered, paths, errors
    if under not in paths:
        return [], {}, [_("--under %(code)s: no such code in the file") % {"code": under}]
    root = paths[under]
    keep = {c for c, p in paths.items() if p.startswith(root) or root.startswith(p)}
    return [r for r in ordered if r.code in keep], {c: paths[c] for c in keep}, []


def area_import(
    *, actor: Any, source: Path | str | IO[bytes], under: str | None = None, allow_retire: bool = False
) -> ImportReport:
    """Upsert the divisions in a CSV (plain or gzip); areas that vanished from the imported
    scope are marked retired. Checks everything first; applies all of it or nothing. A file
    that would retire more than a small share of the scope (RETIRE_SHARE) is refused unless
    `allow_retire` confirms it."""
    _require_operator(actor)
    with open_bytes(source) as stream:
        rows, errors = _parse(_lines(stream))
    if not errors:
        rows, paths, errors = _tree(rows, under)
    if errors:
        shown = errors[:MAX_ERRORS_REPORTED]
        if len(errors) > len(shown):
            shown.append(_("… and %(n)d more problems") % {"n": len(errors) - len(shown)})
        raise ValidationFailed(
            _("The file has %(n)d problem(s); nothing was imported.") % {"n": len(errors)},
            fields={"file": "\n".join(shown)},
            extra={"lines": shown},
        )
    report = ImportReport(rows=len(rows))
    with transaction.atomic():
        _apply(rows, paths, under, report, allow_retire=allow_retire)
        audit_record(
            actor=actor,
            action="areas.import.completed",
            object_type="areas.area",
            object_id=under or "",
            object_repr=under or "all",
            new={
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "retired": report.retired,
                "allow_retire": allow_retire,
            },
        )
    return report


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rows_by_code(connection: Any, columns: list[str], codes: list[str]) -> Iterator[tuple[Any, ...]]:
    """`columns` (model field names, code first) of the areas with these codes. When they are
    most of the table, one pass over it beats chunks of IN (...): PostgreSQL plans each chunk
    as a sequential scan anyway. Otherwise plain SQL, as building a 5000-code IN through the
    ORM costs more than running it."""
    areas = Area.objects.using(connection.alias).order_by()
    if len(codes) >= BATCH and 2 * len(codes) >= areas.count():
        wanted = set(codes)
        for values in areas.values_list(*columns).iterator(chunk_size=BATCH):
            if values[0] in wanted:
                yield values
        return
    table = connection.ops.quote_name(Area._meta.db_table)
    select = f"SELECT {_columns(connection, columns)} FROM {table}"  # noqa: S608 - names from the model
    where = _columns(connection, ["code"])
    with connection.cursor() as cursor:
        for chunk in _chunks(codes, BATCH):
            if connection.vendor == "postgresql":  # one array parameter, not 5000 to parse
                cursor.execute(f"{select} WHERE {where} = ANY(%s)", [chunk])
            else:
                cursor.execute(f"{select} WHERE {where} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            yield from cursor.fetchall()


def _columns(connection: Any, attnames: Iterable[str]) -> str:
    """Quoted column names of Area fields (identifiers from the model, never from input)."""
    column = {f.attname: f.column for f in Area._meta.concrete_fields}
    return ", ".join(connection.ops.quote_name(column[a]) for a in attnames)


_NEW_COLUMNS = (
    "code",
    "name",
    "level",
    "parent_id",
    "path",
    "depth",
    "placeholder",
    "retired",
    "created_at",
    "updated_at",
)


def _insert(connection: Any, values: list[tuple[str, str, int, int | None, str, int, bool]]) -> None:
    """Insert new areas (code, name, level, parent_id, path, depth, placeholder) as bulk_create
    would, without its per-field overhead: COPY on PostgreSQL (psycopg 3), executemany elsewhere."""
    meta = Area._meta
    into = f"{connection.ops.quote_name(meta.db_table)} ({_columns(connection, _NEW_COLUMNS)})"
    now = meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    flag = {b: meta.get_field("placeholder").get_db_prep_save(b, connection) for b in (False, True)}
    values = [(*v[:-1], flag[v[-1]]) for v in values]
    tail = (meta.get_field("retired").get_db_prep_save(False, connection), now, now)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            with raw.copy(f"COPY {into} FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value + tail)
            return
        insert = f"INSERT INTO {into} VALUES ({', '.join(['%s'] * len(_NEW_COLUMNS))})"  # noqa: S608
        for chunk in _chunks(values, BATCH):
            cursor.executemany(insert, [v + tail for v in chunk])


def _apply(
    rows: list[_Row], paths: dict[str, str], under: str | None, report: ImportReport, *, allow_retire: bool
) -> None:
    connection = connections[router.db_for_write(Area)]
    existing: dict[str, tuple[int, str, int, int | None, str, int, bool, bool]] = {}
    for code, pk, name, level, parent_id, path, depth, placeholder, retired in _rows_by_code(
        connection,
        ["code", "id", "name", "level", "parent_id", "path", "depth", "placeholder", "retired"],
        [r.code for r in rows],
    ):
        existing[code] = (pk, name, level, parent_id, path, depth, bool(placeholder), bool(retired))
    ids = {code: v[0] for code, v in existing.items()}
    parent_codes = {r.parent_code for r in rows if r.parent_code}
    moved: list[tuple[str, str]] = []
    to_update: list[Area] = []
    level_rows: dict[int, list[_Row]] = {}
    for row in rows:
        level_rows.setdefault(row.level, []).append(row)
    for level in sorted(level_rows):
        new_values: list[tuple[str, str, int, int | None, str, int, bool]] = []
        for row in level_rows[level]:
            path = paths[row.code]
            parent_id = ids[row.parent_code] if row.parent_code else None
            depth = path.count("/")
            placeholder = is_placeholder(name=row.name, level=row.level)
            old = existing.get(row.code)
            if old is None:
                new_values.append((row.code, row.name, row.level, parent_id, path, depth, placeholder))
                continue
            pk, name, old_level, old_parent, old_path, old_depth, old_placeholder, retired = old
            if (name, old_level, old_parent, old_path, old_depth, old_placeholder, retired) == (
                row.name,
                row.level,
                parent_id,
                path,
                depth,
                placeholder,
                False,
            ):
                report.unchanged += 1
                continue
            if old_path != path:
                moved.append((old_path, path))
            to_update.append(
                Area(
                    pk=pk,
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent_id=parent_id,
                    path=path,
                    depth=depth,
                    placeholder=placeholder,
                    retired=False,
                )
            )
        if new_values:
            _insert(connection, new_values)
            report.created += len(new_values)
            # Later levels need the new parents' ids (and only those).
            wanted = [v[0] for v in new_values if v[0] in parent_codes]
            ids.update(_rows_by_code(connection, ["code", "id"], wanted))
    # A path ends with its own code, so no new path can collide with another row's old one.
    Area.objects.bulk_update(
        to_update, ["name", "level", "parent_id", "path", "depth", "placeholder", "retired"], batch_size=BATCH
    )
    if moved:
        _move_unlisted(moved)
    report.updated = len(to_update)
    report.retired = _retire_missing(set(paths), under, paths, allow_retire=allow_retire)
    recount_descendants(root=paths[under] if under is not None else None)


def recount_descendants(*, root: str | None = None) -> int:
    """Recompute `descendants` for the areas at and below `root` (everything when None) and
    for root's ancestors; only rows whose count changed are written. Returns that number."""
    scope = Area.objects.all() if root is None else Area.objects.filter(subtree_q(root))
    rows = list(scope.values_list("path", "descendants", "retired").iterator(chunk_size=20000))
    stored = {path: n for path, n, _ in rows}
    counts: dict[str, int] = dict.fromkeys(stored, 0)
    for path, _n, retired in rows:
        if retired:
            continue
        end = path.find("/")
        while end != len(path) - 1:
            prefix = path[: end + 1]
            if prefix in counts:
                counts[prefix] += 1
            end = path.find("/", end + 1)
    if root is not None:
        # The root's ancestors count more than this subtree: recount them from the index.
        parts = root.strip("/").split("/")
        for i in range(len(parts) - 1):
            above = "/".join(parts[: i + 1]) + "/"
            live = Area.objects.filter(subtree_q(above), retired=False).exclude(path=above).count()
            Area.objects.filter(path=above).update(descendants=live)
    changed = [(n, p) for p, n in counts.items() if stored.get(p) != n]
    # One prepared UPDATE per changed row, sent as a batch (a pipeline on psycopg 3): a CASE
    # over thousands of paths would compare every row with every branch.
    connection = connections[router.db_for_write(Area)]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Area._meta.db_table)} SET {quote('descendants')} = %s "  # noqa: S608 - names from the model
        f"WHERE {quote('path')} = %s"
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(changed, BATCH):
            cursor.executemany(sql, chunk)
    return len(changed)


def _move_unlisted(moved: list[tuple[str, str]]) -> None:
    """Rewrite the paths the file does not list (grids below a moved area) and the copies of
    area paths kept on located objects (units, assignments)."""
    from django.apps import apps

    located = [
        m
        for m in apps.get_models()
        if any(f.name == "area_path" for f in m._meta.fields) and m._meta.label_lower != "core.auditevent"
    ]  # audit history keeps the place as it was then
    for old, new in sorted(moved, key=lambda m: len(m[0])):
        for area in Area.objects.filter(subtree_q(old)):
            area.path = new + area.path[len(old) :]
            area.depth = area.path.count("/")
            area.save(update_fields=["path", "depth"])
        for model in located:
            manager = model._default_manager
            for pk, path in manager.filter(subtree_q(old, "area_path")).values_list("pk", "area_path"):
                manager.filter(pk=pk).update(area_path=new + path[len(old) :])


def _retire_missing(codes: set[str], under: str | None, paths: dict[str, str], *, allow_retire: bool) -> int:
    scope = Area.objects.filter(level__lte=Level.COMMUNITY, retired=False)
    if under is not None:
        scope = scope.filter(subtree_q(paths[under]))
    live = 0
    vanished = []
    for pk, code in scope.values_list("pk", "code").iterator():
        live += 1
        if code not in codes:
            vanished.append(pk)
    if not allow_retire and len(vanished) > max(RETIRE_FLOOR, RETIRE_SHARE * live):
        # Raised inside the import's transaction: everything written so far is rolled back.
        raise ValidationFailed(
            _(
                "The file would retire %(n)d of the %(live)d areas in %(scope)s; nothing was "
                "imported. Check that the file is complete, or confirm with --allow-retire."
            )
            % {"n": len(vanished), "live": live, "scope": under or _("the tree")},
            fields={"file": _("%(n)d areas missing from the file would be retired.") % {"n": len(vanished)}},
            code="would_retire",
            extra={"would_retire": len(vanished)},
        )
    for chunk in _chunks(vanished, BATCH):
        Area.objects.filter(pk__in=chunk).update(retired=True)
    return len(vanished)


@dataclass
class BoundaryReport:
    attached: int = 0
    unknown_codes: list[str] = field(default_factory=list)


def _feature_code(props: dict[str, Any]) -> str:
    raw = str(props.get("code") or props.get("adcode") or "").strip()
    return raw.ljust(12, "0") if raw.isdigit() and len(raw) <= 12 else raw


def boundaries_import(*, actor: Any, source: Path | str | IO[bytes]) -> BoundaryReport:
    """Attach GeoJSON polygons (and centroids) to areas by code; all or nothing."""
    _require_operator(actor)
    try:
        with open_text(source) as text:
            data = json.load(text)
    except (json.JSONDecodeError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise ValidationFailed(_("The file is not valid GeoJSON: %(error)s") % {"error": exc}) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationFailed(_("The file must be a GeoJSON FeatureCollection."))
    errors: list[str] = []
    updates: dict[str, tuple[dict[str, Any], tuple[float, float] | None]] = {}
    for index, feature in enumerate(data.get("features") or []):
        props = feature.get("properties") or {} if isinstance(feature, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        code = _feature_code(props)
        if not code:
            errors.append(_("feature %(n)d: no code or adcode property") % {"n": index})
            continue
        if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
            errors.append(
                _("feature %(n)d (%(code)s): geometry must be a Polygon or MultiPolygon")
                % {"n": index, "code": code}
            )
            continue
        try:
            centre = props.get("centroid") or props.get("center")
            point = (float(centre[1]), float(centre[0])) if centre else centroid(geometry)
        except (TypeError, ValueError, IndexError, KeyError):
            errors.append(_("feature %(n)d (%(code)s): malformed coordinates") % {"n": index, "code": code})
            continue
        updates[code] = (geometry, point)
    if errors:
        raise ValidationFailed(
            _("The file has %(n)d problem(s); nothing was attached.") % {"n": len(errors)},
            fields={"file": "\n".join(errors[:MAX_ERRORS_REPORTED])},
        )
    report = BoundaryReport()
    with transaction.atomic():
        areas = {a.code: a for a in Area.objects.filter(code__in=list(updates))}
        report.unknown_codes = sorted(set(updates) - set(areas))
        for code, area in areas.items():
            geometry, point = updates[code]
            area.boundary = geometry
            if point:
                area.centroid_lat, area.centroid_lng = point
        Area.objects.bulk_update(list(areas.values()), ["boundary", "centroid_lat", "centroid_lng"])
        report.attached = len(areas)
        audit_record(
            actor=actor,
            action="areas.boundaries.attached",
            object_type="areas.area",
            new={"attached": report.attached, "unknown": report.unknown_codes},
        )
    return report


# Grids ----------------------------------------------------------------------------------------


@transaction.atomic
def grid_add(*, community: Area, name: str) -> Area:
    """Divide a community into a new grid (level 6); its code is the community's plus a number.
    The tree's part of `orgs.services.grid_create` (which checks the permission and audits)."""
    name = name.strip()
    errors: dict[str, str] = {}
    if community.level != Level.COMMUNITY:
        errors["community"] = _("Grids are created under a community or village.")
    elif community.retired:
        errors["community"] = _("This area is retired.")
    if not name or len(name) > 100:
        errors["name"] = _("Give a name of 1 to 100 characters.")
    if errors:
        raise ValidationFailed(fields=errors)
    # Lock the community row so that two grids created at once get different numbers.
    Area.objects.select_for_update().filter(pk=community.pk).first()
    siblings = Area.objects.filter(parent=community).values_list("code", flat=True)
    if name in set(Area.objects.filter(parent=community, retired=False).values_list("name", flat=True)):
        raise ValidationFailed(fields={"name": _("This community already has a grid with this name.")})
    numbers = [int(c.rsplit("-", 1)[1]) for c in siblings if "-" in c and c.rsplit("-", 1)[1].isdigit()]
    code = f"{community.code}-{max(numbers, default=0) + 1:03d}"
    # The new grid is one more area below each of its ancestors.
    Area.objects.filter(path__in=[*community.ancestor_paths, community.path]).update(
        descendants=F("descendants") + 1
    )
    return Area.objects.create(
        code=code,
        name=name,
        level=Level.GRID,
        parent=community,
        path=f"{community.path}{code}/",
        depth=community.depth + 1,
    )
