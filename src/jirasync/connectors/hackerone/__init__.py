"""HackerOne: customer API v1 client, its authentication and JSON:API readers."""

from jirasync.connectors.hackerone.client import ActivityPage, ApiTokenAuth, HackerOneClient
from jirasync.connectors.hackerone.jsonapi import attribute, attributes, related, related_list

__all__ = [
    "ActivityPage",
    "ApiTokenAuth",
    "HackerOneClient",
    "attribute",
    "attributes",
    "related",
    "related_list",
]
