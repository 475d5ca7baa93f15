"""The service search: the one answer to "which service is this?" for every intake (the report
form and its live search, staff intake, the API's catalog).

What a resident types is matched against each service's names, synonyms (the words residents
use, both languages), keywords, code and category, and weighed with the classifier's guesses
for the typed words; the best match comes first. Chinese has no spaces, so a term counts when
it is found inside what was typed ("路灯不亮" holds 路灯) or what was typed is found inside
a term (a first character or two); English is compared word by word.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from needle.cases.catalog import remembered
from needle.cases.models import Service
from needle.core.errors import ValidationFailed
from needle.orgs.permissions import Actor, has_perm_anywhere

SEARCH_TEXT = 100  # characters of one search
SEARCH_HITS = 30  # services one search returns at most

# What a term of each kind counts when it is typed whole; a classifier guess counts like a
# synonym at the model's confidence.
WEIGHTS = {"code": 12.0, "name": 10.0, "synonym": 8.0, "keyword": 6.0, "category": 3.0}
GUESS_WEIGHT = 8.0
# Further terms that match whole add this share of their weight: a text that names the matter
# twice ("油烟 噪音") prefers the service that knows both words.
ALSO = 0.25
# Matches scoring under this share of the best are left out: "street light" finds the street
# lights, not every service with a "light" or a "street" in some word.
FLOOR = 0.25

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PIECES = re.compile(r"[\s,，、;；.。!！?？:：/|()（）\[\]【】\"“”'‘’<>《》]+")
_LIST = re.compile(r"[,，、;；\n]+")
_KEYWORDS = re.compile(r"[\s,，、;；]+")
_WORD = re.compile(r"[a-z0-9]+")
# English words that tell nothing about the service.
_STOP = frozenset({
    "a", "an", "and", "are", "at", "by", "for", "from", "has", "have", "in", "is", "it", "its",
    "my", "no", "not", "of", "on", "or", "other", "our", "the", "there", "to", "was", "with",
})  # fmt: skip


def synonym_words(text: str) -> list[str]:
    """The items of a synonyms list (commas, Chinese commas, semicolons or new lines)."""
    return [w.strip() for w in _LIST.split(text) if w.strip()]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


@dataclass(frozen=True)
class Term:
    shown: str  # as written in the catalog
    text: str  # normalized
    weight: float
    latin: tuple[str, ...]  # its English words, for a term without Chinese
    exact: bool = False  # counts only when typed as it is (a code)


def _term(shown: str, kind: str) -> Term | None:
    text = _norm(shown)
    if not text:
        return None
    if kind == "code":
        return Term(shown, text, WEIGHTS[kind], (), exact=True)
    latin = () if _CJK.search(text) else tuple(w for w in _WORD.findall(text) if w not in _STOP)
    if not _CJK.search(text) and not latin:
        return None
    return Term(shown.strip(), text, WEIGHTS[kind], latin)


def _terms(service: Service) -> tuple[Term, ...]:
    category = service.category
    found = [
        _term(service.code, "code"),
        _term(service.name, "name"),
        _term(service.name_en, "name"),
        *(_term(w, "synonym") for w in synonym_words(service.synonyms)),
        *(_term(w, "synonym") for w in synonym_words(service.synonyms_en)),
        *(_term(w, "keyword") for w in _KEYWORDS.split(service.keywords)),
        _term(category.name, "category"),
        _term(category.name_en, "category"),
    ]
    best: dict[str, Term] = {}
    for term in found:
        if term is not None and (term.text not in best or best[term.text].weight < term.weight):
            best[term.text] = term
    return tuple(best.values())


@dataclass(frozen=True)
class Query:
    pieces: tuple[str, ...]  # the typed text cut at spaces and punctuation, normalized
    latin: frozenset[str]  # its English words

    @classmethod
    def of(cls, text: str) -> Query:
        pieces = tuple(p for p in _PIECES.split(_norm(text)) if p)
        latin = frozenset(w for p in pieces for w in _WORD.findall(p) if w not in _STOP)
        return cls(pieces, latin)


def _latin_quality(term: Term, query: Query) -> float:
    typed = query.latin
    if not typed or not term.latin:
        return 0.0
    if set(term.latin) <= typed:
        return 1.0 if set(term.latin) == typed else 0.8
    hits = 0.0
    for word in term.latin:
        if word in typed:
            hits += 1.0
        elif any(len(t) >= 3 and word.startswith(t) for t in typed):
            hits += 0.7  # the start of a word: "elev", "garb"
    return 0.6 * hits / len(term.latin)


def _cjk_quality(term: Term, query: Query) -> float:
    best = 0.0
    for piece in query.pieces:
        if term.text == piece:
            return 1.0
        if term.text in piece:
            # A single character inside a longer text is weak evidence.
            best = max(best, 0.8 * min(1.0, len(term.text) / 2))
        elif piece in term.text and _CJK.search(piece):
            best = max(best, 0.5 * len(piece) / len(term.text))
    return best


def quality(term: Term, query: Query) -> float:
    """How well the typed text matches one term, from 0 (not at all) to 1 (typed as it is)."""
    if term.exact:
        return 1.0 if term.text in query.pieces else 0.0
    if term.latin:
        return _latin_quality(term, query)
    return _cjk_quality(term, query)


@dataclass(frozen=True)
class ServiceHit:
    service: Service
    score: float
    matched: str  # the catalog's word that matched best ("" when only the classifier guessed)


def score(matches: Iterable[tuple[Term, float]]) -> tuple[float, str]:
    """A service's score from its terms' qualities, and the term that matched best: the best
    match, and a share of every other whole match."""
    top, best, whole, top_whole = 0.0, "", 0.0, False
    for term, q in matches:
        points = q * term.weight
        if q >= 0.8:
            whole += points
        if points > top:
            top, best, top_whole = points, term.shown, q >= 0.8
    if not best:
        return 0.0, ""
    return top + ALSO * (whole - top if top_whole else whole), best


@dataclass(frozen=True)
class _Index:
    """The services one may choose, in catalog order, and their terms, looked up by the
    characters (Chinese) and words (English) they hold: a search weighs only the terms that
    share something with what was typed."""

    services: list[Service]
    position: dict[str, int]  # service code -> position
    terms: list[tuple[int, Term]]  # (position of the service, term)
    by_char: dict[str, list[int]]
    by_word: dict[str, list[int]]
    by_code: dict[str, list[int]]

    @classmethod
    def of(cls, services: list[Service]) -> _Index:
        index = cls(services, {s.code: i for i, s in enumerate(services)}, [], {}, {}, {})
        for position, service in enumerate(services):
            for term in _terms(service):
                n = len(index.terms)
                index.terms.append((position, term))
                if term.exact:
                    index.by_code.setdefault(term.text, []).append(n)
                    continue
                for key in set(_CJK.findall(term.text)):
                    index.by_char.setdefault(key, []).append(n)
                for key in set(term.latin):
                    index.by_word.setdefault(key, []).append(n)
        return index

    def candidates(self, query: Query) -> set[int]:
        found: set[int] = set()
        for piece in query.pieces:
            found.update(self.by_code.get(piece, ()))
            for char in set(_CJK.findall(piece)):
                found.update(self.by_char.get(char, ()))
        for typed in query.latin:
            found.update(self.by_word.get(typed, ()))
            if len(typed) >= 3:
                for word, ids in self.by_word.items():
                    if word.startswith(typed):
                        found.update(ids)
        return found


def _index(public_only: bool) -> _Index:
    """The index of the catalog, remembered per process and catalog version (catalog.py). Its
    services are shared between requests: read-only."""

    def load() -> _Index:
        qs = Service.objects.filter(active=True).select_related("category").prefetch_related("attributes")
        if public_only:
            qs = qs.filter(public=True)
        return _Index.of(list(qs.order_by("category__order", "category__code", "code")))

    return remembered(("service-search", public_only), load)


@functools.cache
def _guesser(name: str) -> Callable[..., list[tuple[str, float]]]:
    return import_string(name)


def _guesses(text: str) -> dict[str, float]:
    """The classifier's likeliest services for the text (service code -> confidence). The
    classifier lives in intel, which comes after cases: settings name its function."""
    name = settings.NEEDLE_SERVICE_GUESSER
    if not name:
        return {}
    return dict(_guesser(name)(text=text))


def may_use_staff_catalog(actor: Actor) -> bool:
    """Services that are not public are chosen by those who take requests in."""
    return has_perm_anywhere(actor, "cases.intake")


def service_search(
    *, actor: Actor, text: str, staff: bool = False, limit: int = SEARCH_HITS
) -> list[ServiceHit]:
    """Active services matching `text`, the best match first (ties in catalog order). With
    `staff`, services that are not public too, for whoever may take requests in."""
    if len(text) > SEARCH_TEXT:
        raise ValidationFailed(fields={"search": _("At most %(n)d characters.") % {"n": SEARCH_TEXT}})
    query = Query.of(text)
    if not query.pieces:
        return []
    index = _index(public_only=not (staff and may_use_staff_catalog(actor)))
    matches: dict[int, list[tuple[Term, float]]] = {}
    for n in index.candidates(query):
        position, term = index.terms[n]
        q = quality(term, query)
        if q:
            matches.setdefault(position, []).append((term, q))
    points = {position: score(found) for position, found in matches.items()}
    for code, confidence in _guesses(text.strip()).items():
        guessed = index.position.get(code)
        if guessed is not None:
            before, matched = points.get(guessed, (0.0, ""))
            points[guessed] = (before + GUESS_WEIGHT * confidence, matched)
    best = max((p for p, _matched in points.values()), default=0.0)
    ranked = sorted(
        (-p, position, matched) for position, (p, matched) in points.items() if p > 0 and p >= FLOOR * best
    )
    return [
        ServiceHit(index.services[position], round(-p, 3), matched) for p, position, matched in ranked[:limit]
    ]
