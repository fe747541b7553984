"""PagerDuty: REST API v2 client and its authentication."""

from jirasync.connectors.pagerduty.auth import ApiKeyAuth, OAuthTokenAuth
from jirasync.connectors.pagerduty.client import (
    IncidentUpdate,
    NewIncident,
    PagerDutyClient,
    PagingCapReached,
)

__all__ = [
    "ApiKeyAuth",
    "IncidentUpdate",
    "NewIncident",
    "OAuthTokenAuth",
    "PagerDutyClient",
    "PagingCapReached",
]
