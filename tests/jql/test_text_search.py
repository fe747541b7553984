"""`~` and `!~`: terms ANDed, case-insensitive, stemming, stop words, phrases, wildcards."""

from typing import Any

import pytest

from jirasync.jql import EvalContext, FieldInfo, JqlError, matches
from jirasync.jql.text import analyze, stem

# summary: "Database connections failing on windows hosts"
# description: "The primary database rejects new connections."
# comment: "Restarted the pooler, still broken"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("summary ~ database", True),
        ("summary ~ DATABASE", True),
        ("summary ~ window", True),  # stemming: windows → window
        ("summary ~ connection", True),
        ("summary ~ fail", True),  # failing → fail
        ("summary ~ win", False),  # not a substring search
        ('summary ~ "win*"', True),
        ('summary ~ "w?ndows"', True),
        ('summary ~ "data*"', True),
        ("summary ~ 'database hosts'", True),  # terms are ANDed
        ("summary ~ 'database printer'", False),
        ("summary ~ 'database OR printer'", True),
        ("summary ~ 'database -windows'", False),
        ("summary ~ 'database NOT printer'", True),
        ('summary ~ "\\"connections failing\\""', True),  # phrase
        ('summary ~ "\\"failing connections\\""', False),  # phrase order matters
        ('summary ~ "the database"', True),  # stop words are ignored
        ('summary ~ "roam~"', False),  # fuzzy accepted, treated as the plain term
        ('summary ~ "hosts^2"', True),  # boosts are ignored
        ("summary !~ printer", True),
        ("summary !~ database", False),
        ("description ~ primary", True),
        ("description ~ reject", True),
        ("comment ~ restart", True),
        ("comment ~ pooler", True),
        ("comment ~ database", False),
        ("text ~ pooler", True),
        ("text ~ 'primary windows'", True),  # terms may come from different fields
        ("text ~ printer", False),
        ("environment ~ anything", False),
        ("environment !~ anything", False),  # !~ never matches an empty field
        ("environment ~ EMPTY", True),
        ("summary !~ EMPTY", True),
    ],
)
def test_text_search(query: str, expected: bool, issue_factory: Any) -> None:
    assert matches(query, issue_factory()) is expected


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("windows", "window"),
        ("queries", "query"),
        ("running", "run"),
        ("failed", "fail"),
        ("classes", "class"),
        ("boxes", "box"),
        ("status", "status"),
        ("pass", "pass"),
        ("jira's", "jira"),
        ("bus", "bus"),
    ],
)
def test_stemmer(word: str, root: str) -> None:
    assert stem(word) == root


def test_analyzer_drops_stop_words_and_punctuation() -> None:
    assert analyze("The DB-primary is down, isn't it?").words == ("db", "primary", "down", "isn't")


def test_leading_wildcards_are_rejected(issue_factory: Any) -> None:
    with pytest.raises(JqlError, match="wildcard"):
        matches('summary ~ "*base"', issue_factory())


@pytest.mark.parametrize("query", ["summary = database", "summary in (a)", "status ~ open"])
def test_text_operators_only_on_text_fields(query: str, issue_factory: Any) -> None:
    with pytest.raises(JqlError, match="is not supported by the"):
        matches(query, issue_factory())


def test_text_custom_fields_are_searched(issue_factory: Any) -> None:
    catalogue = (
        FieldInfo(
            "customfield_10050",
            "Root cause",
            "string",
            custom="com.atlassian.jira.plugin.system.customfieldtypes:textarea",
        ),
    )
    ctx = EvalContext(fields=catalogue)
    issue = issue_factory(customfield_10050="Expired TLS certificates")
    assert matches('"Root cause" ~ certificate', issue, ctx) is True
    assert matches("cf[10050] ~ tls", issue, ctx) is True
    assert matches("text ~ certificate", issue, ctx) is True
    assert matches("text ~ certificate", issue) is False  # unknown to the catalogue
