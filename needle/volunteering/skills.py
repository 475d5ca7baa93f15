"""Matching what a member types as their skills ("急救、电脑, first aid plumbing") against the
known skills: each word, or the longest run of space-separated words ("first aid"), against a
skill's name, English name and synonyms, ignoring case. A word that names no known skill stays
only in the text the member wrote."""

from __future__ import annotations

import re

from needle.volunteering.models import Skill

# Separators that always end a skill's name: commas and enumeration commas of both languages,
# semicolons, slashes, newlines. Spaces separate too, unless the words together name a skill.
CHUNKS = re.compile(r"[,，、;；/|\n\r\t]+")


def skill_names(skill: Skill) -> set[str]:
    """Every name a skill is known by, case-folded, inner spaces made single."""
    names = {skill.name, skill.name_en, skill.code, *re.split(r"[\n,，、;；]+", skill.synonyms or "")}
    return {" ".join(n.split()).casefold() for n in names if n and n.strip()}


def _index(known: list[Skill] | None) -> dict[str, Skill]:
    index: dict[str, Skill] = {}
    for skill in known if known is not None else Skill.objects.all():
        for name in skill_names(skill):
            index.setdefault(name, skill)
    return index


def _scan(text: str, index: dict[str, Skill]) -> tuple[list[Skill], list[str]]:
    found: dict[int, Skill] = {}
    unknown: dict[str, None] = {}
    for chunk in CHUNKS.split(text or ""):
        tokens = chunk.split()
        i = 0
        while i < len(tokens):
            for j in range(len(tokens), i, -1):
                skill = index.get(" ".join(tokens[i:j]).casefold())
                if skill is not None:
                    found.setdefault(skill.pk, skill)
                    i = j
                    break
            else:
                unknown.setdefault(tokens[i].casefold(), None)
                i += 1
    return list(found.values()), list(unknown)


def skills_match(text: str, *, known: list[Skill] | None = None) -> list[Skill]:
    """The known skills `text` names, in the order first named, each once."""
    return _scan(text, _index(known))[0]


def unknown_words(text: str, *, known: list[Skill] | None = None) -> list[str]:
    """The words of `text` that name no known skill."""
    return _scan(text, _index(known))[1]
