"""schemathesis over the project's own OpenAPI description (`/openapi.json`): whatever the generated
paths, filters, pages and sorts, the server never answers with a server error, and every answer is
one of the documented statuses with the documented content type."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from api_export.server import create_app
from api_export.snapshot_store import write_snapshot
from api_export.tokens import issue_token

from test_api_server import A, AS_OF, literal_sets

def _literal_home() -> tuple[Path, str]:
    """A literal snapshot in a temporary home, made at import: schemathesis reads the schema when the
    module is collected (its fixture-based loader does not run under this pytest)."""
    root = Path(tempfile.mkdtemp(prefix="ecf-fuzz-")) / "home"
    atexit.register(shutil.rmtree, root.parent, True)
    write_snapshot(root / "snapshots", "2025-03-01T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    return root, issue_token(root / "tokens", A, "alder", AS_OF).token


HOME, TOKEN = _literal_home()
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(HOME, rate=None))


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_documented_answers(case):
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, (case.formatted_path, case.query, response.text)
    if case.method.lower() != case.operation.method.lower():
        return  # an undocumented method (schemathesis tries some): only "no server error" applies
    documented = case.operation.definition.raw["responses"]
    assert str(response.status_code) in documented, (case.method, case.formatted_path, case.query, response.status_code)
    if response.status_code in (200, 400, 401, 404, 405):
        wanted = list(documented[str(response.status_code)]["content"])
        assert response.headers["content-type"][0] in wanted
