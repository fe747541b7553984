"""Rules an admin writes: PagerDuty ⇄ Jira (PagerDuty's schema) and HackerOne escalation."""
