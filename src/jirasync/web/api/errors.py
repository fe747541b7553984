"""One error shape for the whole API, PagerDuty's (`{"error": {"message", "errors"}}`), so the
PagerDuty-compatible rules API and the rest answer alike. Validation problems are 400 with one
line per problem saying where (`rule.config.services: List should have at least 1 item`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from jirasync.admin.errors import Refusal
from jirasync.core.errors import RemoteError
from jirasync.sync.connections import UnusableConnection
from jirasync.sync.executor import Impossible


class ErrorDetail(BaseModel):
    message: str
    errors: list[str] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Invalid input: `errors` says what and where.",
    401: "No credentials, or credentials that are not valid.",
    403: "Not allowed: a viewer asked for a change, or the CSRF token is missing.",
    404: "Not found.",
    409: "Conflicts with what exists.",
    422: "Cannot be done as configured (the message says why).",
    429: "Too many failed logins; try again after `Retry-After` seconds.",
    502: "The remote system refused or failed; the message is the remote's own.",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in _DESCRIPTIONS.items()
}


def error(
    status: int,
    message: str,
    errors: list[str] | None = None,
    retry_after: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    body = {"message": message} if errors is None else {"message": message, "errors": errors}
    extra = {**(headers or {}), **({"Retry-After": retry_after} if retry_after else {})}
    return JSONResponse({"error": body}, status_code=status, headers=extra or None)


class ApiError(HTTPException):
    """Raised by routes: answered as `{"error": {"message": ...}}` with this status."""

    def __init__(self, status: int, message: str, errors: list[str] | None = None) -> None:
        super().__init__(status, message)
        self.errors = errors


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(RemoteError, _remote)
    app.add_exception_handler(UnusableConnection, _unusable)
    app.add_exception_handler(Impossible, _unusable)
    app.add_exception_handler(Refusal, _refused)


async def _http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, HTTPException)
    messages = {404: "Record not found", 405: "Method not allowed"}
    message = exc.detail if isinstance(exc.detail, str) else messages.get(exc.status_code, "Error")
    if exc.status_code == 404 and exc.detail == "Not Found":
        message = messages[404]
    headers = dict(exc.headers or {})
    return error(exc.status_code, message, getattr(exc, "errors", None), headers=headers)


async def _invalid(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    problems = list(exc.errors())
    if any(p.get("type") == "json_invalid" for p in problems):
        return error(400, "Malformed json")
    return error(400, "Invalid Input Provided", [_where(p) for p in problems])


async def _refused(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, Refusal)
    return error(exc.status, exc.message, exc.errors)


async def _remote(request: Request, exc: Exception) -> Any:
    return error(502, str(exc))


async def _unusable(request: Request, exc: Exception) -> Any:
    return error(422, str(exc))


def _where(problem: Any) -> str:
    loc = [str(part) for part in problem.get("loc", ())]
    if loc and loc[0] == "body":
        loc = loc[1:]
    place = ".".join(loc) or "body"
    return f"{place}: {problem.get('msg', 'invalid')}"
