"""jirasync: two-way sync between Jira Server / Data Center, PagerDuty and HackerOne."""

__version__ = "0.1.0"
