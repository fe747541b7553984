"""Jira's error bodies (ErrorCollection) and the exception routes raise to produce them."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

ISSUE_DOES_NOT_EXIST = "Issue Does Not Exist"


class JiraError(Exception):
    """An HTTP error answered with Jira's `{"errorMessages": [...], "errors": {...}}` body."""

    def __init__(
        self,
        status: int,
        messages: list[str] | None = None,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, messages, errors)
        self.status = status
        self.messages = messages or []
        self.errors = errors or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_collection(self.messages, self.errors)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), self.status, headers=self.headers)


def error_collection(
    messages: list[str] | None = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    return {"errorMessages": messages or [], "errors": errors or {}}


def bad_request(message: str) -> JiraError:
    return JiraError(400, [message])


def field_errors(errors: dict[str, str]) -> JiraError:
    return JiraError(400, errors=errors)


def not_found(message: str = ISSUE_DOES_NOT_EXIST) -> JiraError:
    return JiraError(404, [message])


def unauthorized() -> JiraError:
    return JiraError(
        401,
        ["You are not authenticated. Authentication required to perform this operation."],
        headers={"WWW-Authenticate": 'Basic realm="protected-area"'},
    )


def forbidden(message: str) -> JiraError:
    return JiraError(403, [message])


def not_on_screen(field_id: str) -> str:
    return f"Field '{field_id}' cannot be set. It is not on the appropriate screen, or unknown."


def invalid_workflow_action(action: str, key: str) -> JiraError:
    return bad_request(
        f"It seems that you have tried to perform a workflow operation ({action}) that is not "
        f"valid for the current state of this issue ({key}). The likely cause is that somebody "
        "has changed the issue recently, please look at the issue history for details."
    )
