"""The `ecf` command line: help, exit codes, and what each command prints."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import EXIT_OK, EXIT_QUARANTINED, EXIT_REFUSED, app

from conftest import request_line

runner = CliRunner()
COMMANDS = ("demo", "cycle", "ingest", "apply", "calculate", "render", "publish", "providers", "statements",
            "tokens", "snapshots", "serve")
GROUPS = {"statements": ("show", "authorise", "adjust"), "tokens": ("issue", "list", "revoke"),
          "snapshots": ("list", "prune", "verify")}
LEAF_COMMANDS = [(c,) for c in COMMANDS if c not in GROUPS] + [(g, sub) for g, subs in GROUPS.items() for sub in subs]


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


def test_stages_one_by_one_and_a_statement_without_a_contract(builder):
    """ingest, apply, calculate and render as separate commands; an imported statement whose contract
    version does not exist is not calculated: both calculate and render say so and exit 3."""
    builder.with_providers()
    builder.write("inbox/migration/manifest.csv", "imported_as_of\n2024-10-15T12:00:00Z\n")
    builder.write("inbox/migration/statements.csv",
                  "lead_provider_slug,cohort,statement_name,deadline_on,payment_on,output_fee,status\n"
                  "alder,2024,November 2024,2024-10-31,2024-11-25,true,open\n")
    home = str(builder.home.root)
    assert invoke("calculate", "--home", home).exit_code == EXIT_REFUSED  # no pending cycle yet
    assert invoke("ingest", "--home", home, "--as-of", "2024-11-01T02:00:00Z").exit_code == EXIT_OK
    from pipelines.cycle import stage_timeline

    stage_timeline(builder.home)
    assert invoke("render", "--home", home).exit_code == EXIT_REFUSED  # calculate has not run
    assert invoke("apply", "--home", home).exit_code == EXIT_OK
    calculated = invoke("calculate", "--home", home)
    assert calculated.exit_code == EXIT_QUARANTINED, calculated.output
    assert "1 statements could not be calculated" in calculated.output
    rendered = invoke("render", "--home", home, "--pdf", "none")
    assert rendered.exit_code == EXIT_QUARANTINED, rendered.output
    index = (builder.home.root / "statements" / "index.html").read_text(encoding="utf-8")
    assert "November 2024" in index and "does not exist" in index
    published = invoke("publish", "--home", home)
    assert published.exit_code == EXIT_OK, published.output
    assert "published snapshot 2024-11-01T020000Z" in published.output
    listed = json.loads(invoke("snapshots", "list", "--home", home, "--json").output)
    assert [(s["snapshot_id"], s["current"]) for s in listed] == [("2024-11-01T020000Z", True)]


def test_tokens_issue_list_revoke(builder):
    builder.with_providers()
    home = str(builder.home.root)
    assert invoke("cycle", "--home", home, "--as-of", "2024-11-01T02:00:00Z", "--no-prefect").exit_code == EXIT_OK
    unknown = invoke("tokens", "issue", "oak", "--home", home)
    assert unknown.exit_code == EXIT_REFUSED and "alder" in unknown.output
    issued = invoke("tokens", "issue", "alder", "--home", home, "--label", "Alder's client")
    assert issued.exit_code == EXIT_OK
    token = issued.stdout.strip().splitlines()[-1]
    assert len(token) >= 40 and token.startswith("ecf_")  # never `-…`, which revoke would read as an option
    from api_export.tokens import provider_of_token

    assert provider_of_token(builder.home.tokens, token) == "00000000-0000-4000-8000-00000000000a"
    assert token not in "".join(p.read_text() + p.name for p in builder.home.tokens.iterdir())
    listed = invoke("tokens", "list", "--home", home)
    assert "alder" in listed.output and token not in listed.output
    assert invoke("tokens", "revoke", token, "--home", home).exit_code == EXIT_OK
    assert provider_of_token(builder.home.tokens, token) is None
    assert invoke("tokens", "revoke", token, "--home", home).exit_code == EXIT_REFUSED
    invoke("tokens", "issue", "birch", "--home", home)
    assert invoke("tokens", "revoke", "--lead-provider", "birch", "--home", home).exit_code == EXIT_OK
    assert list(builder.home.tokens.glob("*.json")) == []


def test_serve_refuses_a_home_without_that_snapshot(builder):
    builder.with_providers()
    home = str(builder.home.root)
    refused = invoke("serve", "--home", home)
    assert refused.exit_code == EXIT_REFUSED and "no snapshot is published" in refused.output
    assert invoke("cycle", "--home", home, "--as-of", "2024-11-01T02:00:00Z", "--no-prefect").exit_code == EXIT_OK
    unknown = invoke("serve", "--home", home, "--snapshot", "2020-01-01T000000Z")
    assert unknown.exit_code == EXIT_REFUSED and "ecf snapshots list" in unknown.output
    traversal = invoke("serve", "--home", home, "--snapshot", "../tokens")
    assert traversal.exit_code == EXIT_REFUSED and "is not a snapshot id" in traversal.output


def test_serve_settings_reach_the_app(monkeypatch, tmp_path):
    """`ecf serve` hands its options to each worker through the environment (`serve_app`)."""
    from api_export import serve_app

    monkeypatch.setenv("ECF_SERVE_HOME", str(tmp_path))
    monkeypatch.setenv("ECF_SERVE_SNAPSHOT", "")  # `ecf serve` run by an earlier test sets it in this process
    monkeypatch.setenv("ECF_SERVE_RATE", "0/300")
    monkeypatch.setenv("ECF_SERVE_CACHE_MB", "0")
    assert serve_app._settings() == (tmp_path, None, None, 0)
    monkeypatch.setenv("ECF_SERVE_RATE", "10/60")
    monkeypatch.setenv("ECF_SERVE_CACHE_MB", "64")
    _, _, rate, cache_mb = serve_app._settings()
    assert (rate.limit, rate.period, cache_mb) == (10, 60, 64)
