"""Timeline entries the system wrote before codes existed held a sentence in the language of
whoever made the move (a colour's English name on a Chinese page). Where the sentence has a
known form it becomes its code and parameters, worded again at each read in the reader's
language: colours, "received via", callbacks, merges, repeats, routing by a rule. Other old
sentences (the classifier's reasons, call-ins, service corrections) are kept as they were
written: still readable, in the language they were written in.

Colours, receptions and callbacks are rewritten by one UPDATE each; merges, repeats and
routings (whose parameters are read out of the text) row by row, in batches."""

import re

from django.conf import settings
from django.db import migrations
from django.db.models import Case, JSONField, Q, TextField, Value, When
from django.db.models.functions import Substr
from django.utils import translation
from django.utils.translation import gettext

from needle.cases.presenters import event_text

LANGUAGES = ("en", "zh-hans")
# Channel values and their labels' msgids, as models.Channel had them.
CHANNELS = {
    "web": "web form",
    "phone": "phone",
    "api": "REST API",
    "open311": "Open311",
    "staff": "staff",
    "proactive": "proactive task",
}
BATCH = 1000


def _in(language, text, **params):
    with translation.override(language):
        return gettext(text) % params if params else gettext(text)


def _pattern(language, text, *names):
    """A regular expression matching `text` translated, each %(name)s a group."""
    with translation.override(language):
        template = re.escape(gettext(text))
    for name in names:
        template = template.replace(re.escape(f"%({name})s"), f"(?P<{name}>.+?)")
    return re.compile(f"^{template}$")


def _json(value):
    return Value(value, output_field=JSONField())


def colours(CaseEvent):
    names = {"blue": "blue", "yellow": "yellow", "red": "red", "—": ""}
    CaseEvent.objects.filter(kind="colour", code="", note__in=list(names)).update(
        code="colour",
        params=Case(*[When(note=note, then=_json({"colour": c})) for note, c in names.items()]),
        note="",
    )


def receptions(CaseEvent):
    texts = {
        _in(lang, "Received via %(channel)s.", channel=_in(lang, label)): value
        for lang in LANGUAGES
        for value, label in CHANNELS.items()
    }
    CaseEvent.objects.filter(kind="submitted", code="", note__in=list(texts)).update(
        code="received",
        params=Case(*[When(note=text, then=_json({"channel": c})) for text, c in texts.items()]),
        note="",
    )


def callbacks(CaseEvent):
    prefixes = {}
    for lang in LANGUAGES:
        for solved in (True, False):
            for rating in (None, 1, 2, 3, 4, 5):
                text = _in(
                    lang,
                    "Solved: %(solved)s; rating: %(rating)s.",
                    solved=_in(lang, "yes") if solved else _in(lang, "no"),
                    rating=rating or "—",
                )
                prefixes[text] = {"solved": solved, "rating": rating}
    alone = Q(note__in=list(prefixes))
    with_comment = Q()
    for text in prefixes:
        with_comment |= Q(note__startswith=text + " ")
    CaseEvent.objects.filter(alone | with_comment, kind="callback", code="").update(
        code="callback",
        params=Case(
            *[
                When(Q(note=text) | Q(note__startswith=text + " "), then=_json(params))
                for text, params in prefixes.items()
            ]
        ),
        note=Case(
            *[When(note__startswith=text + " ", then=Substr("note", len(text) + 2)) for text in prefixes],
            default=Value(""),
            output_field=TextField(),
        ),
    )


def _rewrite(CaseEvent, kind, read):
    """Row by row: `read(note)` gives (code, params), or None to keep the note."""
    changed = []
    rows = CaseEvent.objects.filter(kind=kind, code="").only("id", "note").order_by("id")
    for event in rows.iterator(chunk_size=BATCH):
        found = read(event.note)
        if found is None:
            continue
        event.code, event.params = found
        event.note = ""
        changed.append(event)
        if len(changed) >= BATCH:
            CaseEvent.objects.bulk_update(changed, ["code", "params", "note"])
            changed = []
    if changed:
        CaseEvent.objects.bulk_update(changed, ["code", "params", "note"])


def merges_repeats_routings(CaseEvent):
    merged_in = [_pattern(lang, "%(number)s merged into this case.", "number") for lang in LANGUAGES]
    routed = [_pattern(lang, "Routed by rule: %(area)s → %(unit)s.", "area", "unit") for lang in LANGUAGES]

    def merge(note):
        if note.isdigit():
            return "merged_into", {"number": note}
        for pattern in merged_in:
            m = pattern.match(note)
            if m:
                return "merged_in", {"number": m["number"]}
        return None

    def routing(note):
        for pattern in routed:
            m = pattern.match(note)
            if m:
                return "routed_rule", {"area": m["area"], "unit": m["unit"]}
        return None

    _rewrite(CaseEvent, "merged", merge)
    _rewrite(CaseEvent, "repeated", lambda note: ("repeated", {"number": note}) if note.isdigit() else None)
    _rewrite(CaseEvent, "routed", routing)


def forwards(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    colours(CaseEvent)
    receptions(CaseEvent)
    callbacks(CaseEvent)
    merges_repeats_routings(CaseEvent)


def backwards(apps, schema_editor):
    """Back to sentences, in the deployment's language, before the codes' columns go."""
    CaseEvent = apps.get_model("cases", "CaseEvent")
    changed = []
    with translation.override(settings.LANGUAGE_CODE):
        for event in CaseEvent.objects.exclude(code="").only("id", "code", "params", "note").iterator(BATCH):
            event.note = event_text(code=event.code, params=event.params, note=event.note)
            event.code, event.params = "", {}
            changed.append(event)
    CaseEvent.objects.bulk_update(changed, ["code", "params", "note"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_on_hold_extensions_withdrawal_event_codes")]

    operations = [migrations.RunPython(forwards, backwards)]
