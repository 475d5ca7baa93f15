"""Chinese labels end in a full-width colon: "代码：X", never "代码: X". The colon is the
language's (`{% colon %}`, `needle.core.i18n.labelled`), so a template never writes one after a
translated label, and no Chinese translation carries an ASCII colon."""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.template import Context, Template
from django.utils import translation

from needle.core.i18n import labelled

NEEDLE = Path(__file__).resolve().parents[2]
PO = NEEDLE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# A colon and a space right after a template tag, a variable or a closing element: the colon of
# a label written into the template instead of `{% colon %}`.
AFTER_LABEL = re.compile(r"(%\}|\}\}|</(?:strong|b|dt|th|label)>):\s")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Inside a translated sentence the colon is the translation's.
SENTENCE = re.compile(r"\{% blocktranslate.*?\{% endblocktranslate %\}")


def test_templates_put_no_colon_of_their_own_after_a_label():
    found = [
        f"{path.relative_to(NEEDLE)}:{n}"
        for path in NEEDLE.rglob("templates/**/*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if AFTER_LABEL.search(SENTENCE.sub("", line))
    ]
    assert not found, f"write {{% colon %}} (needle.core.templatetags.labels) after a label: {found}"


def test_chinese_translations_use_the_full_width_colon():
    wrong = []
    for entry in polib.pofile(str(PO)):
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            if CJK.search(text) and re.search(r":(\s|$)", text):
                wrong.append((entry.msgid, text))
    assert not wrong, f"ASCII colons in Chinese: {wrong}"


def test_the_colon_follows_the_language():
    template = Template('{% load i18n labels %}{% translate "Code" %}{% colon %}110')
    with translation.override("zh-hans"):
        assert template.render(Context()) == "代码：110"
        assert labelled("20261204000001", "无法受理") == "20261204000001：无法受理"
    with translation.override("en"):
        assert template.render(Context()) == "Code: 110"
        assert labelled("20261204000001", "refused") == "20261204000001: refused"
