"""`Refusal`: an admin request that cannot be done, with an HTTP status and the problems."""

from __future__ import annotations


class Refusal(Exception):
    """400 invalid (each of `errors` says where), 404 unknown, 409 conflicts, 422 not as set up."""

    def __init__(self, status: int, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
