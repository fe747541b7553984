"""Jira Server / Data Center: REST client, authentication, webhooks."""

from jirasync.connectors.jira.auth import BearerAuth, OAuth1RsaAuth, basic_auth
from jirasync.connectors.jira.client import JiraClient

__all__ = ["BearerAuth", "JiraClient", "OAuth1RsaAuth", "basic_auth"]
