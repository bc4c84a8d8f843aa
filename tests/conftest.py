"""Shared fixtures: small literal homes built in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.home import Home
from pipelines.prefect_env import configure_prefect

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"

configure_prefect(PROJECT_ROOT / ".prefect")

LEAD_PROVIDERS_CSV = (
    "lead_provider_id,name,slug,vat_chargeable\n"
    "00000000-0000-4000-8000-00000000000a,Alder Learning,alder,true\n"
    "00000000-0000-4000-8000-00000000000b,Birch Institute,birch,false\n"
)


def request_line(path: str = "/api/v3/participant-declarations", submitted_at: str = "2024-10-01T10:00:00Z",
                 method: str = "POST", body: str = '{"data":{"type":"participant-declaration"}}') -> str:
    return (f'{{"method":"{method}","path":"{path}","body":{body},'
            f'"submitted_at":"{submitted_at}"}}')


class HomeBuilder:
    def __init__(self, root: Path):
        self.home = Home(root)
        self.home.create_inbox()

    def write(self, relative: str, text: str) -> Path:
        path = self.home.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def with_providers(self) -> "HomeBuilder":
        self.write("inbox/reference/lead_providers.csv", LEAD_PROVIDERS_CSV)
        return self


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """One real run of the small demo (about a minute), shared by the tests that read its results."""
    from pipelines.demo_home import run_demo

    home = Home(tmp_path_factory.mktemp("demo") / "home")
    summaries = run_demo(home, "small", 2021)
    assert summaries, "the demo ran no cycle"
    return home, summaries


def pytest_collection_modifyitems(items):
    """`./run-tests` runs one pytest-xdist worker per core with `--dist loadgroup`: every test that
    reads the small demo goes to one worker, so the demo runs once per test run (the other worker
    takes the rest meanwhile)."""
    for item in items:
        if "small_demo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("small-demo"))
        if item.nodeid.rpartition("::")[2] != item.name:
            # schemathesis 4 names each API operation's test in `_nodeid`, which pytest 9 no longer reads:
            # every one then has the function's node id, and xdist, which schedules by node id, would
            # silently run only one of them.
            item._id = item.parent.id.child(item.name)


@pytest.fixture
def builder(tmp_path: Path) -> HomeBuilder:
    return HomeBuilder(tmp_path / "home")


@pytest.fixture(autouse=True)
def _no_ambient_home(monkeypatch):
    monkeypatch.delenv("ECF_HOME", raising=False)
    yield
