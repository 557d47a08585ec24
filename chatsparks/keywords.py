"""Keyword matching for comment triggers and the inbox's routing rules: whole words, any
case, any punctuation, with or without accents, Thai included, emoji as words of their own.

Both keywords and comments go through one ``tokens()``: Unicode NFKC and casefold; Latin
accents stripped (Vietnamese and Indonesian shoppers often type without them, so "gia" must
find "giá"), but Thai's combining vowels kept, since they are the word; punctuation dropped;
an emoji or other symbol is a token by itself; Thai runs are split into words with
PyThaiNLP's dictionary segmenter (newmm), because Thai is written without spaces.

Matching a token sequence is one Aho-Corasick pass (pyahocorasick) over the tokens joined
with a separator that no token contains, with each keyword stored as ``sep + tokens + sep``:
a hit can only start and end on token boundaries, so "price" finds "price?" but not "pricey",
and "how much" matches only as two whole words. The automaton is built once per trigger set
and reused for every comment: no query per trigger per comment.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick

_SEP = "\x1f"  # unit separator: never produced by tokens()
_THAI = re.compile(r"[\u0e00-\u0e7f]+")
# A word is a run of letters, digits or marks; any other non-space, non-punctuation
# character (emoji, currency, other symbols) is a word of its own.
_TOKEN = re.compile(r"[\w\u0e00-\u0e7f]+|[^\w\s]", re.UNICODE)


def _strip_latin_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and kept[-1] < "\u0250":
            continue  # an accent on a Latin letter
        kept.append(char)
    # đ/Đ has no decomposition but is typed as d without accents.
    return unicodedata.normalize("NFC", "".join(kept)).replace("đ", "d")


def _segment_thai(run: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    return [word for word in word_tokenize(run, engine="newmm", keep_whitespace=False) if word]


# Emoji presentation selectors, joiners and skin tones: "👍🏽" and "❤️" are "👍" and "❤".
_EMOJI_DECORATION = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
_THAI_OR_NOT = re.compile(r"[\u0e00-\u0e7f]+|[^\u0e00-\u0e7f]+")


def tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _strip_latin_accents(_EMOJI_DECORATION.sub("", text))
    out: list[str] = []
    for token in _TOKEN.findall(text):
        if unicodedata.category(token[0]).startswith("P"):
            continue
        if not _THAI.search(token):
            out.append(token)
            continue
        for run in _THAI_OR_NOT.findall(token):
            out.extend(_segment_thai(run) if _THAI.match(run) else [run])
    return out


def _pattern(words: list[str]) -> str:
    return _SEP + _SEP.join(words) + _SEP


@dataclass
class KeywordMatcher[P]:
    """Finds which payloads' keywords occur in a text. Build once, match many."""

    automaton: "ahocorasick.Automaton" = field(repr=False)
    size: int

    @classmethod
    def build(cls, keywords: Iterable[tuple[str, P]]) -> "KeywordMatcher[P]":
        automaton = ahocorasick.Automaton()
        size = 0
        for keyword, payload in keywords:
            words = tokens(keyword)
            if not words:
                continue
            pattern = _pattern(words)
            existing = automaton.get(pattern, None)
            payloads = existing if existing is not None else []
            payloads.append(payload)
            automaton.add_word(pattern, payloads)
            size += 1
        if size:
            automaton.make_automaton()
        return cls(automaton=automaton, size=size)

    def match(self, text: str) -> list[P]:
        """Payloads whose keyword appears in ``text`` as whole words, in order of appearance."""
        if not self.size:
            return []
        words = tokens(text)
        if not words:
            return []
        found: list[P] = []
        for _end, payloads in self.automaton.iter(_pattern(words)):
            for payload in payloads:
                if payload not in found:
                    found.append(payload)
        return found


def is_question(text: str) -> bool:
    """The "question mark" trigger: the comment ends with ? or its full-width form."""
    return text.rstrip().endswith(("?", "？"))


def warm_up() -> None:
    """Load the Thai dictionary now rather than on the first Thai comment (~0.3 s)."""
    _segment_thai("ราคา")
