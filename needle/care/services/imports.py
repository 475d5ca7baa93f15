"""Existing household files (一户一档) imported from the XLSX or CSV template into a community's
registry: all or nothing, every bad line named with its field ("line 3": "risk: ..."). Each
line is one person; lines with the same household number share one household. Each line is
checked by the registry's own `recipient_input` and stored by `recipient_register` (and its
consent to registration by `consent_record` when the paper file has one), so an imported
record is the same as one registered on the form or through the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level, subtree_q
from needle.care.models import Category, ConsentMethod, Household, Purpose, Recipient, Risk
from needle.care.services.registry import consent_record, recipient_input, recipient_register
from needle.core import sheets
from needle.core.audit import audit_record
from needle.core.errors import DomainError, ValidationFailed
from needle.orgs.permissions import can_in_area, require, require_authenticated

MAX_LINES = 2000

# (field, header): the header says each column in both languages, since the file is shared
# between people who read either; the columns are read by their place.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("household", "household no. 户号"),
    ("area", "community or grid code 社区或网格代码"),
    ("address", "address 地址"),
    ("name", "name 姓名"),
    ("phone", "phone 电话"),
    ("birth_date", "date of birth 出生日期"),
    ("categories", "categories 类别"),
    ("risk", "risk 风险等级"),
    ("guardian_name", "guardian 监护人"),
    ("guardian_phone", "guardian's phone 监护人电话"),
    ("emergency_contact", "emergency contact 紧急联系人"),
    ("health", "health 健康状况"),
    ("disability", "disability 残疾情况"),
    ("income", "income 收入情况"),
    ("id_number", "ID number 身份证号"),
    ("notes", "notes 备注"),
    ("consent", "consent to registration 登记同意 (signed_form / verbal_witnessed)"),
    ("consent_by", "consent given by 同意人"),
    ("witness", "witness 见证人"),
)
FIELDS: tuple[str, ...] = tuple(f for f, _h in COLUMNS)
HEADERS: dict[str, str] = dict(COLUMNS)
# The fields the import reads itself; the others go to recipient_input as they are.
OWN = {"household", "categories", "risk", "birth_date", "consent", "consent_by", "witness"}

EXAMPLES: tuple[tuple[str, ...], ...] = (
    (
        "1",
        "500103001001",
        "华一路12号3-1",
        "张秀英",
        "13800001234",
        "1941-05-03",
        "独居老人; 低保",
        "高",
        "",
        "",
        "张伟 13900004321 (儿子)",
        "高血压，行动不便",
        "",
        "每月养老金 1800 元",
        "",
        "",
        "signed_form",
        "张秀英",
        "",
    ),
    (
        "2",
        "500103001001",
        "华一路8号1-2",
        "李小明",
        "",
        "2014-09-01",
        "留守儿童",
        "中",
        "李桂兰",
        "13700005678",
        "",
        "",
        "",
        "",
        "",
        "父母在外务工，随祖母生活",
        "verbal_witnessed",
        "李桂兰",
        "王芳",
    ),
)

CATEGORY_WORDS: dict[str, str] = {
    **{c.value: c.value for c in Category},
    **{str(c.label).lower(): c.value for c in Category},
    "独居老人": Category.ELDERLY_ALONE,
    "独居": Category.ELDERLY_ALONE,
    "空巢老人": Category.ELDERLY_ALONE,
    "残疾": Category.DISABILITY,
    "残疾人": Category.DISABILITY,
    "留守儿童": Category.LEFT_BEHIND_CHILD,
    "失业": Category.UNEMPLOYED,
    "失业人员": Category.UNEMPLOYED,
    "低保": Category.LOW_INCOME,
    "特困": Category.LOW_INCOME,
    "低收入": Category.LOW_INCOME,
    "大病": Category.SERIOUS_ILLNESS,
    "重病": Category.SERIOUS_ILLNESS,
    "重大疾病": Category.SERIOUS_ILLNESS,
    "其他": Category.OTHER,
}
RISK_WORDS: dict[str, str] = {
    **{r.value: r.value for r in Risk},
    **{str(r.label).lower(): r.value for r in Risk},
    "高": Risk.HIGH,
    "中": Risk.MEDIUM,
    "低": Risk.LOW,
    "高风险": Risk.HIGH,
    "中风险": Risk.MEDIUM,
    "低风险": Risk.LOW,
}
METHOD_WORDS: dict[str, str] = {
    **{m.value: m.value for m in ConsentMethod},
    "signed": ConsentMethod.SIGNED_FORM,
    "书面": ConsentMethod.SIGNED_FORM,
    "签字": ConsentMethod.SIGNED_FORM,
    "签名": ConsentMethod.SIGNED_FORM,
    "verbal": ConsentMethod.VERBAL_WITNESSED,
    "口头": ConsentMethod.VERBAL_WITNESSED,
}
SPLIT = re.compile(r"[;；,，、/|]+")
DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def template_csv() -> bytes:
    return sheets.template_csv([h for _f, h in COLUMNS], *EXAMPLES)


def template_xlsx() -> bytes:
    return sheets.template_xlsx([h for _f, h in COLUMNS], *EXAMPLES)


def read_rows(*, name: str, data: bytes) -> list[list[str]]:
    return sheets.read_rows(name=name, data=data, max_lines=MAX_LINES)


@dataclass
class Line:
    number: int
    household: str
    data: Any  # RecipientInput
    consent: dict[str, Any] | None


def _words(value: str, table: dict[str, str]) -> str | None:
    return table.get(value.strip().lower())


def parse_line(cells: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The raw input of one line for recipient_input, and the errors of the fields the import
    reads itself (categories, risk, date of birth, consent) by field."""
    cells = [(c or "").strip() for c in cells] + [""] * len(FIELDS)
    values = dict(zip(FIELDS, cells, strict=False))
    errors: dict[str, str] = {}
    raw: dict[str, Any] = {k: v for k, v in values.items() if k not in OWN}
    codes = []
    for word in SPLIT.split(values["categories"]):
        if not word.strip():
            continue
        code = _words(word, CATEGORY_WORDS)
        if code is None:
            errors["categories"] = _("Unknown category %(word)s.") % {"word": word.strip()[:40]}
        elif code not in codes:
            codes.append(code)
    raw["categories"] = codes
    if values["risk"]:
        risk = _words(values["risk"], RISK_WORDS)
        if risk is None:
            errors["risk"] = _("Write high, medium or low (高、中、低).")
        raw["risk"] = risk or values["risk"]
    if values["birth_date"]:
        found = DATE.match(values["birth_date"])
        raw["birth_date"] = (
            f"{found.group(1)}-{int(found.group(2)):02d}-{int(found.group(3)):02d}"
            if found
            else values["birth_date"]
        )
    return raw, errors


def _consent(
    values: dict[str, str], name: str, guardian: str
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The consent to registration the paper file records, when it records one."""
    if not values["consent"]:
        if values["consent_by"] or values["witness"]:
            return None, {"consent": _("Write how consent was given: signed_form or verbal_witnessed.")}
        return None, {}
    method = _words(values["consent"], METHOD_WORDS)
    if method is None:
        return None, {"consent": _("Write signed_form or verbal_witnessed.")}
    given_by = values["consent_by"] or name
    return {
        "method": method,
        "given_by": given_by,
        "by_guardian": bool(guardian) and given_by == guardian,
        "witness": values["witness"],
    }, {}


def _describe(fields: dict[str, str]) -> str:
    return "; ".join(f"{HEADERS.get(k, k)}: {v}" for k, v in fields.items())


def _names(header: str) -> set[str]:
    """A template header's accepted spellings: whole, its English part, its Chinese part."""
    english = "".join(c for c in header if ord(c) < 0x2E80).split("(")[0].strip().lower()
    chinese = "".join(c for c in header if ord(c) >= 0x2E80).strip()
    return {header.lower(), english, chinese} - {""}


def _check_header(rows: list[list[str]]) -> None:
    """The columns are read by their place, so the header must be the template's: a file laid
    out otherwise is refused as a whole rather than read into the wrong fields."""
    if not rows or not any((c or "").strip() for c in rows[0]):
        raise ValidationFailed(fields={"file": _("The file has no header line: start from the template.")})
    header = [(c or "").strip() for c in rows[0]]
    needed = FIELDS.index("notes") + 1
    if len(header) < needed:
        raise ValidationFailed(
            fields={
                "file": _("The header has %(n)d columns; the template has %(m)d: start from the template.")
                % {"n": len(header), "m": len(FIELDS)}
            }
        )
    for i, (_field, expected) in enumerate(COLUMNS):
        if i >= len(header) and i >= needed:
            break
        if header[i].lower() not in _names(expected):
            raise ValidationFailed(
                fields={
                    "file": _(
                        "Column %(n)d is %(found)s where the template has %(expected)s: start from the template."
                    )
                    % {"n": i + 1, "found": header[i][:40] or "—", "expected": expected}
                }
            )


@transaction.atomic
def households_import(*, actor: Any, community: Area, rows: list[list[str]]) -> list[Recipient]:
    """Registers every line of the file (the first row is the header) in `community` or its
    grids, households grouped by their number, or nothing and ValidationFailed naming each bad
    line and field. The community's care staff only; one audit event, besides each record's."""
    require_authenticated(actor)
    require(can_in_area(actor, "care.manage", community.path))
    if community.level != Level.COMMUNITY:
        raise ValidationFailed(
            fields={"community": _("Choose a community (not a street, a district or a grid).")}
        )
    _check_header(rows)
    errors: dict[str, str] = {}
    lines: list[Line] = []
    places: dict[str, str] = {}
    areas = {a.code: a for a in Area.objects.filter(subtree_q(community.path), retired=False)}
    for number, cells in enumerate(rows[1:], start=2):
        if not any((c or "").strip() for c in cells):
            continue
        raw, bad = parse_line(cells)
        padded = [(c or "").strip() for c in cells] + [""] * len(FIELDS)
        values = dict(zip(FIELDS, padded, strict=False))
        code = values["area"] or community.code
        raw["area"] = code
        if code not in areas:
            bad["area"] = _("%(code)s is not this community or one of its grids.") % {"code": code[:40]}
        consent, consent_bad = _consent(values, values["name"], values["guardian_name"])
        bad.update(consent_bad)
        key = values["household"]
        if key:
            first = places.setdefault(key, code)
            if first != code:
                bad["household"] = _("Household %(key)s is in %(first)s on an earlier line.") % {
                    "key": key[:20],
                    "first": first,
                }
        try:
            data = recipient_input(raw)
        except ValidationFailed as exc:
            bad = {**(exc.fields or {"": exc.message}), **bad}
            data = None
        if bad:
            errors[f"line {number}"] = _describe(bad)
        elif data is not None:
            lines.append(Line(number, key, data, consent))
    if errors:
        raise ValidationFailed(_("Nothing was imported: correct the lines named."), fields=errors)
    if not lines:
        raise ValidationFailed(fields={"file": _("The file has no lines under its header.")})
    made: list[Recipient] = []
    households: dict[str, Household] = {}
    for line in lines:
        try:
            # A savepoint per line: a refusal leaves the transaction usable for the next lines'
            # checks, and the whole import is undone at the end anyway.
            with transaction.atomic():
                recipient = recipient_register(
                    actor=actor, data=line.data, household=households.get(line.household)
                )
                if line.household:
                    households.setdefault(line.household, recipient.household)
                if line.consent is not None:
                    consent_record(
                        actor=actor,
                        recipient=recipient,
                        purpose=Purpose.REGISTRATION,
                        given=True,
                        **line.consent,
                    )
        except DomainError as exc:
            errors[f"line {line.number}"] = _describe(exc.fields) if exc.fields else exc.message
            continue
        made.append(recipient)
    if errors:
        raise ValidationFailed(_("Nothing was imported: correct the lines named."), fields=errors)
    audit_record(
        actor=actor,
        action="care.households.imported",
        obj=community,
        area_path=community.path,
        new={"recipients": len(made), "households": len({r.household_id for r in made})},
    )
    return made
