"""HackerOne's client errors as one exception type the routes raise and the wrapper renders."""

from __future__ import annotations

from starlette.responses import JSONResponse

from jirasync.sim.hackerone.jsonapi import error_body


class H1Error(Exception):
    """An error response: status plus, for 400s, the parameter HackerOne names."""

    def __init__(self, status: int, parameter: str | None = None, detail: str | None = None):
        super().__init__(detail or parameter or str(status))
        self.status = status
        self.parameter = parameter
        self.detail = detail

    def response(self) -> JSONResponse:
        return h1_json(error_body(self.status, self.parameter, self.detail), self.status)


def invalid(parameter: str, detail: str | None = None) -> H1Error:
    return H1Error(400, parameter, detail)


def h1_json(body: object, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status, media_type="application/json; charset=utf-8")
