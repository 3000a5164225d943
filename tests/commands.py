"""Running `mailbot` commands in the test process (click's CliRunner) and checking the exit code."""

from __future__ import annotations

from click.testing import CliRunner, Result

from mailbot.cli import main


def call(cli: CliRunner, *args: str, code: int = 0) -> Result:
    """Run `mailbot ARGS`; its result, once the exit code is `code` (else the output is shown)."""
    result = cli.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result
