"""Faithful, stateful simulators of Jira Server, PagerDuty and HackerOne.

Each simulator package exports ``create_app(config: SimConfig) -> Starlette``. The simulators
never import the sync code; they may import ``jirasync.jql``.
"""

SIMULATORS = {"jira": 8080, "pagerduty": 8081, "hackerone": 8082}
