"""HackerOne markdown becomes Jira wiki markup, node by node."""

from __future__ import annotations

import pytest

from jirasync.core.markup import markdown_to_jira

CASES = [
    ("# Title", "h1. Title\n"),
    ("### Deep", "h3. Deep\n"),
    ("**bold** and _it_ and ~~gone~~", "*bold* and _it_ and -gone-\n"),
    ("call `rm -rf /`", "call {{rm -rf /}}\n"),
    ("[docs](https://x.test/a_b)", "[docs|https://x.test/a_b]\n"),
    ("see https://x.test/", "see [https://x.test/]\n"),
    ("![shot](https://x.test/i.png)", "!https://x.test/i.png!\n"),
    ("- a\n- b\n  - c", "* a\n* b\n** c\n"),
    ("1. one\n2. two\n   - sub", "# one\n# two\n#* sub\n"),
    ("```js\nalert(1)\n```", "{code:js}\nalert(1)\n{code}\n"),
    ("```\nraw {x}\n```", "{noformat}\nraw {x}\n{noformat}\n"),
    ("> quoted\n> more", "{quote}\nquoted\nmore\n{quote}\n"),
    ("| h1 | h2 |\n|---|---|\n| a | b_c |", "||h1||h2||\n|a|b\\_c|\n"),
    ("---", "----\n"),
    ("plain {braces} [brackets] a|b *star*", "plain \\{braces\\} \\[brackets\\] a\\|b _star_\n"),
    ("line  \nbreak", "line\\\\\nbreak\n"),
    ("", ""),
]


@pytest.mark.parametrize(("markdown", "jira"), CASES)
def test_markdown_to_jira(markdown: str, jira: str) -> None:
    assert markdown_to_jira(markdown) == jira
