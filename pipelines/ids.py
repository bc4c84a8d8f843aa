"""Deterministic ids of what the product creates (product.md §4, "Deterministic ids").

`declaration_id_for` turns a declaration request's provenance into the id of the declaration it
creates. The demo generator uses the same function to void, in a later month's batch, declarations
it made in an earlier one, so the two can never disagree.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

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


_ACCEPTABLE_UUID = re.compile(r"(\{)?(?:[a-fA-F0-9]{4}-?){8}(?(1)\})\Z")


def canonical_uuid(value: Any) -> str | None:
    """Rails' PostgreSQL `uuid` cast (`OID::Uuid`): `value.to_s`, accepted when it is 32 hex digits
    with an optional hyphen after each group of four, optionally in braces; returned canonical
    (lower case, 8-4-4-4-12). Anything else → None (a lookup by it finds nothing). The live service
    compares every id in a path or body this way, so `ABC…` finds `abc…`."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value)  # no bool/number text is UUID-shaped, in Ruby or Python spelling
    if not _ACCEPTABLE_UUID.match(text):
        return None
    digits = text.replace("{", "").replace("}", "").replace("-", "").lower()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def lookup_keys(value: Any) -> tuple[str, ...]:
    """The keys to look an id up by: as sent, then in canonical UUID form when that differs."""
    if not isinstance(value, str) or not value:
        return ()
    canonical = canonical_uuid(value)
    return (value,) if canonical in (None, value) else (value, canonical)
