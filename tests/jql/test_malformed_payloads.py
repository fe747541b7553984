"""Issue JSON comes from webhooks: values of the wrong shape must never crash the evaluator."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jirasync.jql import EvalContext, FieldInfo, JqlError, matches, parse, sort_key

KEYS = (
    "id name key value body comments statusCategory type outwardIssue emailAddress votes "
    "watchCount histories items created author field from to fromString"
).split()
FIELDS = (
    "project issuetype status priority resolution assignee labels components fixVersions "
    "summary description comment created updated duedate issuelinks votes watches parent "
    "attachment security customfield_10010 workratio id key"
).split()
QUERIES = (
    "project = A",
    "status != B",
    "statusCategory = done",
    "priority > High",
    "resolution < Fixed",
    "assignee = currentUser()",
    "labels in (a)",
    "component = x",
    "fixVersion > 1.0",
    "summary ~ abc",
    "text ~ abc",
    "comment ~ x",
    "created > -1d",
    "due < now()",
    "issueLinkType = blocks",
    "watchers = 0",
    "parent = A-1",
    "cf[10010] > 3",
    "key > A-1",
    "status was A",
    "status changed from a",
)
CTX = EvalContext(current_user="a", fields=(FieldInfo("customfield_10010", "SP", "number"),))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8),
    st.sampled_from(QUERIES),
    json_values,
)
def test_wrong_shapes_are_absent_values_not_crashes(
    fields: dict[str, Any], query: str, changelog: Any
) -> None:
    issue = {"id": fields.get("id"), "key": fields.get("key"), "fields": fields}
    issue["changelog"] = changelog
    try:
        assert matches(query, issue, CTX) in (True, False)
    except JqlError:
        pass  # e.g. a history clause without a usable changelog: JqlNeedsRemote
    key = sort_key(parse("ORDER BY " + query.split()[0]).order_by, CTX)
    assert isinstance(key(issue), tuple)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["OPS-7", "OPS-10", "10042", "", None, 3, "ops"]),
            st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6),
        ),
        max_size=6,
    )
)
def test_sorting_mixed_shapes_never_crashes(keyed_fields: list[tuple[Any, dict[str, Any]]]) -> None:
    issues = [{"id": "1", "key": key, "fields": fields} for key, fields in keyed_fields]
    order = parse("ORDER BY key, priority DESC, created, fixVersion, summary, cf[10010]")
    assert len(sorted(issues, key=sort_key(order.order_by, CTX))) == len(issues)
