"""Every user-facing string exists in both languages: English (the msgids) and Simplified Chinese.

When you add or change a translatable string:
  1. run `make messages` (collects the strings into needle/locale/zh_Hans/LC_MESSAGES/django.po),
  2. translate the new entries (empty or `#, fuzzy`) in that django.po,
  3. run `make messages` again (it also compiles django.mo, which is committed).
These tests fail until all three are done."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

NEEDLE = Path(__file__).resolve().parents[2]
LOCALE = NEEDLE / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The same options as `make messages`.
IGNORE = ["tests/*", "*/tests/*"]
WORKFLOW = (
    "run `make messages`, translate the new entries in needle/locale/zh_Hans/LC_MESSAGES/django.po, "
    "then run `make messages` again"
)
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGcoa%]")


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete and e.msgid]


def _translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def _done(po: polib.POFile) -> list[polib.POEntry]:
    """The entries that compilemessages puts in django.mo (it leaves out empty and fuzzy ones)."""
    return [e for e in _live(po) if _translated(e) and not e.fuzzy]


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    assert PO.exists(), f"{PO} is missing; {WORKFLOW}"
    return polib.pofile(str(PO))


def test_catalog_header(po):
    assert po.metadata["Language"] == "zh_Hans"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    entries = _live(po)
    assert len(entries) > 100, "the catalog is suspiciously small"
    empty = [e.msgid for e in entries if not _translated(e)]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert not empty, f"untranslated entries ({WORKFLOW}): {empty}"
    assert not fuzzy, f"fuzzy entries: check the translation and delete the `#, fuzzy` line: {fuzzy}"


def test_placeholders_survive_translation(po):
    wrong = []
    for entry in _done(po):
        if "python-format" not in entry.flags:
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        strings = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wrong += [(entry.msgid, s) for s in strings if sorted(PLACEHOLDER.findall(s)) != wanted]
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


def _lookup(mo: gettext.GNUTranslations, entry: polib.POEntry) -> str:
    if entry.msgid_plural and entry.msgctxt:
        return mo.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
    if entry.msgid_plural:
        return mo.ngettext(entry.msgid, entry.msgid_plural, 1)
    if entry.msgctxt:
        return mo.pgettext(entry.msgctxt, entry.msgid)
    return mo.gettext(entry.msgid)


def test_compiled_catalog_agrees_with_the_po(po):
    """A stale django.mo (the .po changed, `make messages` not rerun) fails here."""
    assert MO.exists(), f"{MO} is missing; run `make messages`"
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for entry in _done(po):
        got = _lookup(mo, entry)
        want = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        if got != want:
            stale.append((entry.msgid, got, want))
    assert not stale, f"django.mo is out of date; run `make messages`: {stale}"
    in_mo = {k for k in mo._catalog if k != ""}  # type: ignore[attr-defined]
    in_po = set()
    for entry in _done(po):
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        in_po.add((msgid, 0) if entry.msgid_plural else msgid)
    assert in_mo == in_po, f"django.mo has other entries than the .po; run `make messages`: {in_mo ^ in_po}"


def test_catalog_covers_every_string_in_the_code(po, settings, tmp_path, monkeypatch):
    """Collect the strings as `make messages` does, into a scratch copy, and compare."""
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        pytest.skip("GNU gettext (xgettext) is not installed; CI installs it and runs this check")
    source = tmp_path / "needle"
    shutil.copytree(
        NEEDLE, source, ignore=shutil.ignore_patterns("locale", "tests", "__pycache__", "*.pyc", "*.mo")
    )
    scratch = source / "locale"
    settings.LOCALE_PATHS = [scratch]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORE, keep_pot=True, verbosity=0)
    pot = polib.pofile(str(scratch / "django.pot"))
    in_code = {_key(e) for e in _live(pot)}
    assert len(in_code) > 100, "makemessages found suspiciously few strings"
    done = {_key(e) for e in _done(po)}
    missing = sorted(in_code - done)
    assert not missing, f"{len(missing)} string(s) in the code have no translation ({WORKFLOW}): {missing}"


def _areas_page(client: Any, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/areas/")
    assert response.status_code == 200
    return response.content.decode()


def test_pages_speak_chinese_and_english(world, client_for):
    client = client_for("supervisor")
    page = _areas_page(client, "zh-hans")
    assert '<html lang="zh-hans">' in page
    assert ">区域</a>" in page and ">单位</a>" in page and ">组织统计</a>" in page  # the navigation
    assert ">切换</button>" in page and ">退出登录</button>" in page
    assert ">Areas<" not in page and "Sign out" not in page

    page = _areas_page(client, "en")
    assert '<html lang="en">' in page
    assert ">Areas</a>" in page and ">Units</a>" in page and ">Organization figures</a>" in page
    assert ">Switch</button>" in page and ">Sign out</button>" in page
    assert ">区域</a>" not in page and "退出登录" not in page


def test_model_choices_and_errors_are_translated():
    from django.utils import translation

    from needle.core.errors import PermissionDenied
    from needle.orgs.models import Role, UnitType

    with translation.override("zh-hans"):
        assert str(Role.SUPERVISOR.label) == "督办员"
        assert str(UnitType.RESIDENT_COMMITTEE.label) == "居民委员会"
        assert PermissionDenied().message == "您无权执行此操作。"
    with translation.override("en"):
        assert str(Role.SUPERVISOR.label) == "supervisor"
        assert PermissionDenied().message == "You do not have permission to do this."
