"""The statement_cycle flow under Prefect's test harness runs the same stages as the plain path."""

from __future__ import annotations

import pytest

from conftest import request_line
from helpers import rows

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


def test_statement_cycle_flow_runs_every_stage(prefect_harness, builder):
    from pipelines.flows import statement_cycle

    builder.with_providers()
    builder.write("inbox/providers/alder/batch.jsonl", request_line() + "\nnot json\n")
    result = statement_cycle(str(builder.home.root), "2024-11-01T02:00:00Z")
    assert result["as_of"] == "2024-11-01T02:00:00Z"
    assert result["rows_quarantined"] == 1
    assert rows(builder.home, "SELECT status, stages_done FROM cycles") == [
        ("complete", ["ingest", "timeline", "apply", "calculate", "render", "publish"])]
    assert builder.home.warehouse_db.exists()
    assert (builder.home.root / result["cycle_folder"] / "summary.json").exists()
