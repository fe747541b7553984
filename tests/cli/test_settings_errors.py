"""A setting that cannot be used stops the server at once with what is wrong and where, not
a traceback, and never echoes the value given (it may be a secret)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from jirasync.cli import app


def test_incomplete_single_sign_on_stops_serve_with_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JIRASYNC_OIDC__ENABLED", "true")
    monkeypatch.setenv("JIRASYNC_OIDC__CLIENT_SECRET", "never-echo-this-secret")
    result = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 2
    output = result.output
    assert (
        "jirasync cannot start: oidc: Value error, OIDC sign-on is enabled but incomplete" in output
    )
    assert "JIRASYNC_OIDC__ISSUER" in output and "Traceback" not in output
    assert "never-echo-this-secret" not in output
