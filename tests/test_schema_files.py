"""The versioned schema files stay in step with the input registry."""

from __future__ import annotations

from pipelines.state.database import MIGRATIONS, migration_files
from pipelines.state.ddl import inputs_migration_sql


def test_the_inputs_migration_is_the_registry_rendered():
    assert (MIGRATIONS / "002_inputs.sql").read_text(encoding="utf-8") == inputs_migration_sql(), (
        "regenerate with: python -m pipelines.state.ddl > sql/migrations/002_inputs.sql")


def test_migrations_are_numbered_without_gaps():
    assert [version for version, _ in migration_files()] == list(range(1, len(migration_files()) + 1))


def test_the_input_formats_document_is_the_registry_rendered():
    from pipelines.ingest.docs import inputs_markdown
    from pipelines.prefect_env import PROJECT_ROOT

    assert (PROJECT_ROOT / "docs" / "inputs.md").read_text(encoding="utf-8") == inputs_markdown(), (
        "regenerate with: python -m pipelines.ingest.docs > docs/inputs.md")
