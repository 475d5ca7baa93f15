"""Text into tokens, the same way everywhere in intel: jieba words for Chinese, words for English.

jieba loads its dictionary (shipped inside the wheel) on first use, about a second; nothing is
downloaded. `tokens()` keeps words of Chinese characters, Latin words and numbers, lower-cased,
and drops one-character punctuation and whitespace.
"""

from __future__ import annotations

import logging
import re
import threading

import jieba

jieba.setLogLevel(logging.WARNING)
_lock = threading.Lock()
_ready = False
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")


def _ensure() -> None:
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                jieba.initialize()
                _ready = True


def tokens(text: str) -> list[str]:
    """Words of `text`: jieba segments Chinese runs, Latin words and numbers stay whole."""
    _ensure()
    return [w.lower() for w in jieba.lcut(text or "") if _WORD.fullmatch(w)]


def joined(text: str) -> str:
    """`tokens()` joined by spaces: the input that a whitespace-splitting vectorizer expects."""
    return " ".join(tokens(text))
