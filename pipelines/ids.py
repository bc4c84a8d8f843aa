"""Deterministic ids of what the product creates (product.md §4, "Deterministic ids").

`declaration_id_for` turns a declaration request's provenance into the id of the declaration it
creates. The demo generator uses the same function to void, in a later month's batch, declarations
it made in an earlier one, so the two can never disagree.
"""

from __future__ import annotations

import uuid

# Namespace of every declaration id the product creates from a request line.
DECLARATION_NAMESPACE = uuid.UUID("5b1f6a0e-7c0d-4d7e-9a51-0e4c1f2d3a6b")


def declaration_id_for(provider_slug: str, file_sha256: str, line_number: int) -> str:
    """The id of the declaration created by line `line_number` of a request batch.

    `provider_slug` is the batch's provider folder (`inbox/providers/<slug>/`), `file_sha256` the
    lowercase hex SHA-256 of the batch file's bytes, and `line_number` the 1-based line of the
    request in that file (blank lines count, as in the raw layer). The id is
    `str(uuid5(DECLARATION_NAMESPACE, f"declaration:{provider_slug}:{file_sha256}:{line_number}"))`.
    """
    return str(uuid.uuid5(DECLARATION_NAMESPACE, f"declaration:{provider_slug}:{file_sha256}:{line_number}"))


# Namespace of the other rows the product creates (statements, induction records, partnerships…).
PRODUCT_NAMESPACE = uuid.UUID("0f3c2d7e-9b1a-4e55-8c61-2a9d4b7e1c30")


def statement_id_for(lead_provider_id: str, cohort: int, statement_name: str) -> str:
    """A statement is named by (provider, cohort, statement name) (product.md §4)."""
    return str(uuid.uuid5(PRODUCT_NAMESPACE, f"statement:{lead_provider_id}:{cohort}:{statement_name}"))


def event_id_for(role: str, event_seq_key: str) -> str:
    """A row created by a timeline event: `event_seq_key` is the event's provenance
    (folder:file_sha256:line for inputs), `role` says which of its rows this is."""
    return str(uuid.uuid5(PRODUCT_NAMESPACE, f"{role}:{event_seq_key}"))
