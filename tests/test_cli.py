"""The `ecf` command line: help, exit codes, and what each command prints."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import EXIT_OK, EXIT_QUARANTINED, EXIT_REFUSED, app

from conftest import request_line

runner = CliRunner()
COMMANDS = ("demo", "cycle", "ingest", "apply", "calculate", "render", "providers", "statements")
LEAF_COMMANDS = [(c,) for c in COMMANDS if c != "statements"] + [("statements", sub) for sub in ("show", "authorise",
                                                                                               "adjust")]


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", LEAF_COMMANDS, ids=" ".join)
def test_every_command_explains_itself(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "--home" in result.output


def test_the_top_level_help_lists_the_commands():
    result = invoke("--help")
    assert all(command in result.output for command in COMMANDS)


def test_cycle_then_providers_json(builder):
    builder.with_providers()
    result = invoke("cycle", "--no-prefect", "--home", str(builder.home.root), "--as-of", "2024-11-01T02:00:00Z")
    assert result.exit_code == EXIT_OK, result.output
    assert "2024-11-01T02:00:00Z" in result.output
    listed = invoke("providers", "--json", "--home", str(builder.home.root))
    assert json.loads(listed.stdout) == [
        {"id": "00000000-0000-4000-8000-00000000000a", "slug": "alder", "name": "Alder Learning"},
        {"id": "00000000-0000-4000-8000-00000000000b", "slug": "birch", "name": "Birch Institute"}]


def test_quarantined_input_gives_exit_code_3_and_names_the_report(builder):
    builder.with_providers()
    builder.write("inbox/providers/alder/batch.jsonl", request_line() + "\nnot json\n")
    result = invoke("cycle", "--no-prefect", "--home", str(builder.home.root), "--as-of", "2024-11-01")
    assert result.exit_code == EXIT_QUARANTINED
    assert "quarantine.jsonl" in result.output


def test_refusals_give_exit_code_2_with_the_reason(builder):
    home = str(builder.home.root)
    assert invoke("cycle", "--no-prefect", "--home", home, "--as-of", "2024-11-01").exit_code == EXIT_OK
    again = invoke("cycle", "--no-prefect", "--home", home, "--as-of", "2024-10-01")
    assert again.exit_code == EXIT_REFUSED
    assert "must be after the last cycle's as_of" in again.output
    bad = invoke("cycle", "--no-prefect", "--home", home, "--as-of", "31/10/2024")
    assert bad.exit_code == 2 and "RFC 3339" in bad.output


def test_providers_before_any_cycle_says_what_to_do(builder):
    result = invoke("providers", "--home", str(builder.home.root))
    assert result.exit_code == EXIT_REFUSED
    assert "run `ecf cycle`" in result.output


def test_ecf_home_environment_variable_chooses_the_home(builder, monkeypatch):
    monkeypatch.setenv("ECF_HOME", str(builder.home.root))
    assert invoke("ingest", "--as-of", "2024-11-01").exit_code == EXIT_OK
    assert builder.home.state_db.exists()
