"""Text search (`~`, `!~`) the way Jira's default English Lucene analyzer behaves.

Terms are ANDed, case-insensitive, stemmed (`windows` finds `window`), stop words ignored;
`"quoted phrases"` must appear in order; `win*` and `te?t` are wildcards (not at the start);
`OR`, `NOT`, `+`, `-` work between terms; fuzzy `~2` and boosts `^3` are accepted and ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jirasync.jql.errors import JqlError

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_QUERY_PART = re.compile(r'([+-]?)"([^"]*)"(?:~\d+)?|(\S+)')


def stem(word: str) -> str:
    """A light English stemmer: enough for plurals, -ing, -ed, possessives."""
    word = re.sub(r"['’]s$", "", word)
    if len(word) <= 3:
        return word
    for suffix, replacement in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("xes", "x"),
        ("ing", ""),
        ("ed", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and not (suffix == "s" and word.endswith(("ss", "us", "is"))):
            root = word[: -len(suffix)] + replacement
            if len(root) >= 3:
                return _undouble(root) if suffix in ("ing", "ed") else root
    return word


def _undouble(root: str) -> str:
    # running → runn → run; but keep "ll"/"ss"/"zz" endings like "install", "pass".
    if len(root) > 3 and root[-1] == root[-2] and root[-1] not in "lsz":
        return root[:-1]
    return root


@dataclass(frozen=True, slots=True)
class Document:
    """An analyzed field value: raw lowercase words and their stems, in order."""

    words: tuple[str, ...]
    stems: tuple[str, ...]
    stem_set: frozenset[str]


@lru_cache(maxsize=8192)
def analyze(text: str) -> Document:
    words = tuple(w for w in (m.group(0).lower() for m in _WORD.finditer(text)))
    kept = tuple(w for w in words if w not in STOP_WORDS)
    stems = tuple(stem(w) for w in kept)
    return Document(kept, stems, frozenset(stems))


# ---- the query side -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One term or phrase of a text query; `required=False` marks an excluded term."""

    stems: tuple[str, ...]
    wildcard: re.Pattern[str] | None = None
    required: bool = True

    def found_in(self, doc: Document) -> bool:
        if self.wildcard is not None:
            return any(self.wildcard.fullmatch(w) for w in doc.words)
        if len(self.stems) == 1:
            return self.stems[0] in doc.stem_set
        return _contains_run(doc.stems, self.stems)


def _contains_run(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


@dataclass(frozen=True, slots=True)
class TextQuery:
    """Alternatives (split by OR), each a list of terms that must all hold."""

    alternatives: tuple[tuple[Term, ...], ...]

    def matches(self, docs: list[Document]) -> bool:
        return any(all(_term_holds(t, docs) for t in alt) for alt in self.alternatives if alt)


def _term_holds(term: Term, docs: list[Document]) -> bool:
    found = any(term.found_in(d) for d in docs)
    return found if term.required else not found


@lru_cache(maxsize=1024)
def compile_text_query(query: str) -> TextQuery:
    alternatives: list[tuple[Term, ...]] = []
    current: list[Term] = []
    negate_next = False
    for match in _QUERY_PART.finditer(query):
        sign, phrase, word = match.groups()
        if word in ("OR", "||"):
            alternatives.append(tuple(current))
            current = []
            continue
        if word in ("AND", "&&"):
            continue
        if word in ("NOT", "!"):
            negate_next = True
            continue
        term = _phrase(phrase) if phrase is not None else _word_term(word)
        if term is not None:
            excluded = negate_next or sign == "-" or (word or "").startswith("-")
            current.append(Term(term.stems, term.wildcard, required=not excluded))
        negate_next = False
    alternatives.append(tuple(current))
    return TextQuery(tuple(alternatives))


def _phrase(phrase: str) -> Term | None:
    doc = analyze(phrase)
    return Term(doc.stems) if doc.stems else None


def _word_term(word: str) -> Term | None:
    word = re.sub(r"(~\d*(\.\d+)?|\^\d+(\.\d+)?)$", "", word.lstrip("+-!"))
    if not word:
        return None
    if "*" in word or "?" in word:
        return _wildcard(word)
    doc = analyze(word)
    if not doc.stems:
        return None
    # "foo-bar" or "foo.bar" analyze to several words: treat them as a phrase like Lucene.
    return Term(doc.stems)


def _wildcard(word: str) -> Term:
    if word[0] in "*?":
        raise JqlError(
            f"The text query '{word}' is not valid: a term may not start with a wildcard "
            "('*' or '?')."
        )
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in word.lower())
    return Term((), re.compile(pattern))
