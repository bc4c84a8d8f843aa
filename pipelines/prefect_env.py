"""The environment Prefect needs here (engineering.md): no network, no ~/.prefect, patient start-up.

Applied by the CLI before Prefect is imported, and by the tests and `.ci/run`; values the user
has set win.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def prefect_environment(prefect_home: Path) -> dict[str, str]:
    return {
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }


def configure_prefect(prefect_home: Path | None = None) -> None:
    for name, value in prefect_environment(prefect_home or PROJECT_ROOT / ".prefect").items():
        os.environ.setdefault(name, value)
