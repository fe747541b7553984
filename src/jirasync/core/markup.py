"""HackerOne markdown → Jira wiki markup (the `{{details_jira}}` variable).

HackerOne's own integration pastes markdown into Jira, where it renders as noise (its FAQ).
mistune parses the markdown; this module only writes the Jira side of each node.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import mistune

_parse = mistune.create_markdown(renderer=None, plugins=["strikethrough", "table", "url"])
# Characters that start Jira formatting or macros inside plain text.
_SPECIAL = re.compile(r"([{}\[\]|*_^~+])")

Token = Mapping[str, Any]


def markdown_to_jira(markdown: str) -> str:
    tokens = _parse(markdown)
    assert isinstance(tokens, list)
    return _blocks(tokens, depth=0).strip() + "\n" if markdown.strip() else ""


def _blocks(tokens: Iterable[Token], depth: int, bullet: str = "") -> str:
    return "".join(_block(t, depth, bullet) for t in tokens)


def _block(token: Token, depth: int, bullet: str) -> str:
    kind = token["type"]
    children = token.get("children") or []
    if kind == "paragraph":
        return _inline(children) + "\n\n"
    if kind == "heading":
        return f"h{token['attrs']['level']}. {_inline(children)}\n\n"
    if kind == "block_code":
        info = (token.get("attrs") or {}).get("info") or ""
        opening = f"{{code:{info.split()[0]}}}" if info else "{noformat}"
        closing = "{code}" if info else "{noformat}"
        return f"{opening}\n{token['raw'].rstrip()}\n{closing}\n\n"
    if kind == "block_quote":
        return "{quote}\n" + _blocks(children, depth).strip() + "\n{quote}\n\n"
    if kind == "list":
        mark = "#" if token["attrs"].get("ordered") else "*"
        return _blocks(children, depth + 1, bullet + mark) + ("\n" if depth == 0 else "")
    if kind == "list_item":
        return _list_item(children, depth, bullet)
    if kind == "thematic_break":
        return "----\n\n"
    if kind == "table":
        return _table(children) + "\n"
    if kind == "block_html":
        return _escape(token.get("raw", "")) + "\n\n"
    if kind == "blank_line":
        return ""
    return _inline(children) if children else _escape(token.get("raw", ""))


def _list_item(children: Iterable[Token], depth: int, bullet: str) -> str:
    head, nested = "", ""
    for child in children:
        if child["type"] == "list":
            nested += _block(child, depth, bullet)
        elif child["type"] in ("block_text", "paragraph"):
            head += _inline(child.get("children") or [])
        else:
            head += _block(child, depth, bullet).strip()
    return f"{bullet} {head}\n{nested}"


def _table(parts: Iterable[Token]) -> str:
    lines = []
    for part in parts:
        rows = [part] if part["type"] == "table_head" else part.get("children") or []
        for row in rows:
            cells = [_inline(c.get("children") or []) for c in row.get("children") or []]
            sep = "||" if part["type"] == "table_head" else "|"
            lines.append(sep + sep.join(cells) + sep)
    return "\n".join(lines) + "\n"


def _inline(tokens: Iterable[Token]) -> str:
    return "".join(_span(t) for t in tokens)


def _span(token: Token) -> str:
    kind = token["type"]
    children = token.get("children") or []
    if kind == "text":
        return _escape(token["raw"])
    if kind == "strong":
        return f"*{_inline(children)}*"
    if kind == "emphasis":
        return f"_{_inline(children)}_"
    if kind == "strikethrough":
        return f"-{_inline(children)}-"
    if kind == "codespan":
        return "{{" + str(token["raw"]) + "}}"
    if kind == "link":
        url = token["attrs"]["url"]
        text = _inline(children)
        return f"[{text}|{url}]" if text and text != _escape(url) else f"[{url}]"
    if kind == "image":
        return f"!{token['attrs']['url']}!"
    if kind == "linebreak":
        return "\\\\\n"
    if kind == "softbreak":
        return "\n"
    if kind == "inline_html":
        return _escape(token.get("raw", ""))
    return _inline(children) if children else _escape(token.get("raw", ""))


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)
