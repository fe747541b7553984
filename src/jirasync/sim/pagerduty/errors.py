"""PagerDuty's error bodies (`{"error": {"message", "code", "errors"}}`) and the codes we use.

Routes raise `PDError`; the route wrapper turns it into the JSON PagerDuty would answer with,
so client input never reaches a 500.
"""

from __future__ import annotations

from typing import Any

# Codes from PagerDuty's REST error-code table (reference/pagerduty.md §1.4).
INVALID_INPUT = 2001
AUTH_FAILED = 2006
ACCESS_DENIED = 2010
MISSING_ABILITY = 2014
FROM_MISSING = 2016  # as seen with the "From" message in the wild (reference §1.1)
PRODUCT_LIMIT = 2019
RATE_LIMITED = 2020
NOT_FOUND = 2100
ALREADY_RESOLVED = 1001
INVALID_STATUS = 1003
CANNOT_ESCALATE = 1006
NOT_ACKNOWLEDGED = 1012
ASSIGNEE_NOT_FOUND = 1007
REQUESTER_NOT_FOUND = 1008
ESCALATION_POLICY_NOT_FOUND = 1014
INVALID_PRIORITY = 1020
MALFORMED_FROM = 1028


class PDError(Exception):
    """An API error with PagerDuty's status, message, code and detail list."""

    def __init__(
        self, status: int, message: str, code: int, errors: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.errors = errors

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            error["errors"] = self.errors
        return {"error": error}


def invalid(*errors: str) -> PDError:
    """400 "Invalid Input Provided" with the reasons, PagerDuty's most common answer."""
    return PDError(400, "Invalid Input Provided", INVALID_INPUT, list(errors))


def not_found() -> PDError:
    return PDError(404, "Not Found", NOT_FOUND)


def error_body(status: int) -> dict[str, Any]:
    """The body for an injected fault of this status (used by the fault middleware)."""
    messages = {
        400: ("Invalid Input Provided", INVALID_INPUT),
        401: ("Authentication failed", AUTH_FAILED),
        403: ("Access Denied", ACCESS_DENIED),
        404: ("Not Found", NOT_FOUND),
        429: ("Rate Limit Exceeded", RATE_LIMITED),
    }
    message, code = messages.get(status, ("Internal Server Error", 2000))
    return {"error": {"message": message, "code": code}}
