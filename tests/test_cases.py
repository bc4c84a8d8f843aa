"""The worked cases (shared/cases/README.md) through the real engine, one test per case.

Every `*.json` in `ECF_CASES_DIR` (default `../shared/cases`) is loaded; a case is classified by
its keys (README §2.1). Declaration cases build a home through the product's normal inputs and run
a real cycle; the receipt and the resulting state are compared with every key under `expected`.
Payment cases run through the calculation core (`payment_cases.py`) and every expected figure is
compared exactly. A case that cannot be classified, a calculator or an `expected` key the runner
does not know, fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipelines.cycle import stage_apply, stage_ingest, stage_timeline
from pipelines.home import Home

from case_homes import build_case_home
from conftest import SHARED
from helpers import rows
from payment_cases import compare, run_payment_case

CASES_DIR = Path(os.environ.get("ECF_CASES_DIR") or SHARED / "cases")
KNOWN_EXPECTED = {"http_status", "errors", "body", "state", "api_state_value", "statement", "clawback_statement",
                  "evidence_held", "ineligible_for_funding_reason", "superseded_by", "response_participant_id",
                  "training_status"}


def _load_cases() -> list:
    if not CASES_DIR.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no cases folder at {CASES_DIR}"), id="no-cases")]
    params = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            params.append(pytest.param(case, id=f"{path.stem}:{case.get('name', '?')}"))
    return params


def _kind(case: dict) -> str:
    if "calculator" in case:
        return "payment"
    if "setup" in case and "submission" in case:
        return "declaration"
    raise AssertionError(f"case {case.get('name')!r} is neither a payment case nor a declaration case")


@pytest.mark.parametrize("case", _load_cases())
def test_case(case, tmp_path):
    if _kind(case) == "payment":
        problems = compare(case["expected"], run_payment_case(case))
        assert not problems, "differences:\n" + "\n".join(problems)
        return
    unknown = set(case["expected"]) - KNOWN_EXPECTED
    assert not unknown, f"expected keys the runner does not know: {sorted(unknown)}"
    home = Home(tmp_path / "home")
    ids = build_case_home(home.root, case)
    # The real stages that matter here: ingest, timeline, the ordered apply (publishing is not).
    stage_ingest(home, ids["as_of"])
    stage_timeline(home)
    stage_apply(home)
    actual = _outcome(home, case, ids)
    expected = _with_statement_providers(case["expected"], case["setup"]["submitting_lead_provider"])
    differences = {key: (value, actual.get(key, "<absent>")) for key, value in expected.items()
                   if actual.get(key, "<absent>") != value}
    assert not differences, "differences (expected, actual): " + json.dumps(differences, indent=1, default=str)


def _outcome(home: Home, case: dict, ids: dict) -> dict:
    [(status, body_json)] = rows(home, "SELECT status, body_json FROM receipts r JOIN ingested_files f USING (file_id) "
                                       "WHERE f.family = 'requests'")
    body = json.loads(body_json) if body_json else None
    outcome = {"http_status": status, "errors": body.get("errors") if isinstance(body, dict) else None, "body": body}
    names = {value: key for key, value in ids["declaration_ids"].items()}
    submission = case["submission"]
    if status == 200 and submission.get("action") in (None, "void") and "_raw_body" not in submission:
        attributes = body["data"]["attributes"]
        declaration_id = body["data"]["id"]
        [(state, statement_id, clawback_id, evidence, superseded)] = rows(
            home, """SELECT state, statement_id, clawback_statement_id, evidence_held, superseded_by_id
                     FROM declarations WHERE declaration_id = $id""", {"id": declaration_id})
        outcome.update(state=state, api_state_value=attributes["state"], evidence_held=evidence,
                       statement=_statement(home, statement_id, ids), clawback_statement=_statement(home, clawback_id, ids),
                       ineligible_for_funding_reason=attributes.get("ineligible_for_funding_reason"),
                       superseded_by=names.get(superseded, superseded),
                       response_participant_id=attributes["participant_id"])
    elif status == 200:
        [(state,)] = rows(home, """SELECT split_part(change, ':', 1) FROM lifecycle_history
                                   WHERE entity = 'provider_state' ORDER BY event_seq DESC LIMIT 1""") or [(None,)]
        training = rows(home, """SELECT change FROM lifecycle_history WHERE entity = 'induction_record'
                                 ORDER BY event_seq DESC LIMIT 1""")
        outcome.update(state=state, training_status=_training_status(training, state))
    return outcome


def _with_statement_providers(expected: dict, submitting: str) -> dict:
    """README §5.4: a statement's absent `lead_provider` means the submitting lead provider."""
    normalised = dict(expected)
    for key in ("statement", "clawback_statement"):
        if isinstance(expected.get(key), dict):
            normalised[key] = {"lead_provider": submitting, **expected[key]}
    return normalised


def _training_status(changes: list[tuple], state: str | None) -> str | None:
    for (change,) in changes:
        for part in change.split(","):
            if part.startswith("training_status:"):
                return part.split(":", 1)[1]
    return state


def _statement(home: Home, statement_id: str | None, ids: dict) -> dict | None:
    if statement_id is None:
        return None
    [(cohort, name, lead_provider_id)] = rows(
        home, "SELECT cohort, statement_name, lead_provider_id FROM statements WHERE statement_id = $id",
        {"id": statement_id})
    return {"lead_provider": ids["lead_providers"][lead_provider_id], "cohort": cohort, "name": name}
