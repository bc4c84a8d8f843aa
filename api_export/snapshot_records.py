"""Everything one snapshot serves, built from the replayed world (`api.md` §8.2, `product.md` §6).

Each *resource set* is one endpoint's records for one provider and version (schools: one cohort,
shared by every provider): the exact bytes of every resource object in the endpoint's default order,
the CSV line of each (v1/v2 CSV endpoints), and the hidden keys the server filters and sorts on, at
full precision (timestamps as integer microseconds since the epoch, UTC). The server never
re-serializes: a list is `{"data":[` + chosen records joined by `,` + `]}`.

Which records an endpoint holds, and in which order, is `pipelines.world.visibility`; the bodies are
`api_export.serializers` and `api_export.read_resources`. Nothing here reads a clock: the
clock-dependent values take the cycle's `as_of`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

import polars as pl

from api_export.columnar import flat_resources
from api_export.declaration_records import declaration_frame, declaration_scopes, declaration_texts
from api_export.json_bytes import live_json
from api_export.participant_records import (
    ParticipantTables, participant_tables, participants_v1, participants_v3, transfer_users, unfunded_mentors,
)
from api_export.timestamps import micros
from api_export.read_resources import delivery_partner_resource, statement_resource, transfer_resource
from api_export.school_records import SchoolTables, partnerships_of, school_tables, schools_of_cohort
from pipelines.world import visibility
from pipelines.world.world import World

__all__ = ["ResourceSet", "resource_sets", "SERVED_VERSIONS"]

# The API versions snapshots hold and the server answers (README "Versioning": a v4 would retire v2).
SERVED_VERSIONS = ("v1", "v2", "v3")


class _AnyCohort:
    """A cohort filter that admits every cohort: the snapshot holds all of them; the server filters."""

    def __contains__(self, year: object) -> bool:
        return True


ANY_COHORT = _AnyCohort()
def csv_header(resource: dict) -> bytes:
    return (",".join(["id", *resource["attributes"]]) + "\n").encode()


@dataclass
class ResourceSet:
    """One endpoint's records for one scope (e.g. `providers/<id>/v3/participants-ecf`).

    `records` are bytes made one by one (`add`: nested resources), or a polars string Series made
    column-wise (`set_flat`, declarations, participants), which the store writes without encoding each
    record on its own; `csv_lines` (v1/v2 CSV endpoints) are always made column-wise."""
    path: str
    columns: dict[str, str]  # hidden key name -> polars dtype name (for an empty set's index)
    records: list[bytes] | pl.Series = field(default_factory=list)
    csv_lines: list[bytes] | pl.Series | None = None
    csv_header: bytes | None = None
    keys: dict[str, list | pl.Series] = field(default_factory=dict)

    def set_flat(self, rows: list[tuple[dict, dict]]) -> None:
        """All the records at once, from (resource, hidden keys) pairs of resources with plain attributes
        (`columnar.flat_resources`: JSON and, for a set with CSV, the CSV rows, made column-wise)."""
        resources = [resource for resource, _ in rows]
        self.records, self.csv_lines = flat_resources(resources, with_csv=self.csv_lines is not None)
        if resources and self.csv_lines is not None:
            self.csv_header = csv_header(resources[0])
        self.keys = {name: [keys[name] for _, keys in rows] for name in self.columns}

    def add(self, resource: dict, **keys: object) -> None:
        """One record (nested resources, e.g. v3 participants; sets without a CSV form)."""
        self.records.append(live_json(resource))
        for name in self.columns:
            self.keys.setdefault(name, []).append(keys[name])


_USER_COLUMNS = {"id": "str", "created_us": "i64", "updated_us": "i64", "full_name": "str", "email": "str"}


def _participants_v1(tables: ParticipantTables, lead_provider_id: str, path: str) -> ResourceSet:
    """v1/v2 participants (§3.1) as *variants*: for each profile and each schedule cohort of its records in
    this provider's unchallenged partnerships, the entry built from the latest record in that cohort, with
    `rank` = that record's place among the profile's variants (higher is later). The server applies a
    cohort filter by keeping, per profile, the highest-ranked variant whose cohort is in the filter — the
    live "filter before latest" (§3.1, inferred) for any comma list, without a file per cohort set.
    Made column-wise (`participant_records.participants_v1`)."""
    out = ResourceSet(path, {"id": "str", "profile_id": "str", "is_ect": "bool", "cohort": "i32", "rank": "i32",
                             "created_us": "i64", "updated_us": "i64"})
    out.records, out.csv_lines, header, out.keys = participants_v1(tables, lead_provider_id)
    out.csv_header = header.encode() if len(out.records) else None
    return out


class _Declarations:
    """Every declaration's records, made once (`declaration_records`); each provider's sets keep the rows
    of its scope (`declaration_records.declaration_scopes`, polars filters)."""

    def __init__(self, world: World, stored: pl.DataFrame, background: Executor):
        """The texts are made on `background` (polars, without the GIL) while the caller goes on reading
        the world (Python): at national scale the two overlap for about 4 s on two cores."""
        self.frame = declaration_frame(world, stored).sort("created_at", "id")  # the lists' order
        self.texts = background.submit(declaration_texts, self.frame)

    def rows_in(self, scope: pl.Expr) -> pl.Series:
        """Which declarations a scope keeps (one boolean a row), worked out once for every version."""
        return self.frame.select(scope.alias("keep"))["keep"]

    def resource_set(self, path: str, keep: pl.Series, version: int, columns: dict[str, str]) -> ResourceSet:
        json, csv = self.texts.result()
        out = ResourceSet(path, columns)
        out.records = json[version].filter(keep)
        if version in csv:
            lines, header = csv[version]
            out.csv_lines = lines.filter(keep)
            out.csv_header = header.encode() if len(out.csv_lines) else None
        out.keys = {name: self.frame[name].filter(keep) for name in columns}
        return out


_DECLARATION_V1_KEYS = {"id": "str", "participant_id": "str", "updated_us": "i64"}
_DECLARATION_V3_KEYS = {"id": "str", "participant_id": "str", "delivery_partner_id": "str", "cohort": "i32",
                        "updated_us": "i64"}


def _participants_v3(tables: ParticipantTables, lead_provider_id: str, as_of: datetime, path: str) -> ResourceSet:
    """v3 participants (§3.3): every user with a chosen (latest unchallenged) record with this provider, in
    any cohort (`participant_records`); `enrolment_cohorts`/`enrolment_statuses` hold each chosen record's
    schedule cohort and training status (aligned), for `filter[cohort]` and `filter[training_status]`."""
    out = ResourceSet(path, {**_USER_COLUMNS, "enrolment_cohorts": "list[i32]", "enrolment_statuses": "list[str]",
                             "from_ids": "list[str]"})
    out.records, out.keys = participants_v3(tables, lead_provider_id, as_of)
    return out


def _transfers(world: World, tables: ParticipantTables, lead_provider_id: str, as_of: datetime,
               path: str) -> ResourceSet:
    """The users in the transfers scope (`participant_records.transfer_users`), each `transfer_resource`."""
    out = ResourceSet(path, {"id": "str", "created_us": "i64", "updated_us": "i64"})
    for user_id in transfer_users(tables, lead_provider_id):
        user = world.users[user_id]
        out.add(transfer_resource(world, lead_provider_id, user_id, as_of), id=user_id,
                created_us=micros(user.created_at), updated_us=micros(user.updated_at))
    return out


def _statements(world: World, lead_provider_id: str, path: str) -> ResourceSet:
    """Every ECF statement of the provider (the show endpoint finds non-output ones too); the list keeps
    `output_fee` ones. Order: `payment_date ASC`, ties by creation then id."""
    out = ResourceSet(path, {"id": "str", "cohort": "i32", "output_fee": "bool", "updated_us": "i64"})
    statements = sorted((s for s in world.statements.values() if s.lead_provider_id == lead_provider_id),
                        key=lambda s: (s.payment_on, s.created_at, s.statement_id))
    out.set_flat([(statement_resource(statement),
                   {"id": statement.statement_id, "cohort": statement.cohort, "output_fee": statement.output_fee,
                    "updated_us": micros(statement.updated_at)}) for statement in statements])
    return out


def _partnerships(tables: SchoolTables, lead_provider_id: str, path: str) -> ResourceSet:
    """Every non-relationship partnership of the provider, any cohort (`school_records.partnerships_of`)."""
    out = ResourceSet(path, {"id": "str", "cohort": "i32", "delivery_partner_id": "str", "created_us": "i64",
                             "updated_us": "i64", "sort_updated_us": "i64"})
    out.records, out.keys = partnerships_of(tables, lead_provider_id)
    return out


def _delivery_partners(world: World, lead_provider_id: str, path: str) -> ResourceSet:
    out = ResourceSet(path, {"id": "str", "name": "str", "cohorts": "list[i32]", "created_us": "i64",
                             "updated_us": "i64"})
    for partner in visibility.visible_delivery_partners(world, lead_provider_id, cohorts=ANY_COHORT):
        resource = delivery_partner_resource(world, lead_provider_id, partner)
        out.add(resource, id=partner.delivery_partner_id, name=partner.name,
                cohorts=[int(year) for year in resource["attributes"]["cohort"]],
                created_us=micros(partner.created_at), updated_us=micros(partner.updated_at))
    return out


def _unfunded_mentors(tables: ParticipantTables, lead_provider_id: str, path: str) -> ResourceSet:
    out = ResourceSet(path, dict(_USER_COLUMNS))
    out.records, out.keys = unfunded_mentors(tables, lead_provider_id)
    return out


def _schools(tables: SchoolTables, cohort: int, path: str) -> ResourceSet:
    """Schools of one `filter[cohort]` year (`school_records.schools_of_cohort`)."""
    out = ResourceSet(path, {"id": "str", "urn": "str", "name": "str", "created_us": "i64", "updated_us": "i64",
                             "sort_updated_us": "i64"})
    out.records, out.keys = schools_of_cohort(tables, cohort)
    return out


def resource_sets(world: World, declarations: pl.DataFrame, as_of: datetime) -> Iterator[ResourceSet]:
    """Every resource set of the snapshot, provider by provider (ordered by id), then the shared schools.
    `declarations`: the world's declarations as the apply stage stored them (`declarations` table).
    Yielded one at a time so the caller can write and drop each."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="declaration-texts") as background:
        yield from _resource_sets(world, declarations, as_of, background)


def _resource_sets(world: World, declarations: pl.DataFrame, as_of: datetime,
                   background: Executor) -> Iterator[ResourceSet]:
    every_declaration = _Declarations(world, declarations, background)
    participant_sources = participant_tables(world)
    school_sources = school_tables(world)
    for lead_provider_id in sorted(world.lead_providers):
        base = f"providers/{lead_provider_id}"
        v1_scope, v3_scope = declaration_scopes(participant_sources.provider_records, lead_provider_id)
        old_versions = [v for v in (1, 2) if f"v{v}" in SERVED_VERSIONS]
        if old_versions:  # v2 participants are byte-identical to v1 (§3.1): built once, stored once
            participants = _participants_v1(participant_sources, lead_provider_id, "")
            for version in old_versions:
                yield replace(participants, path=f"{base}/v{version}/participants-ecf")
            del participants
        rows_v1 = every_declaration.rows_in(v1_scope)
        for version in old_versions:
            yield every_declaration.resource_set(f"{base}/v{version}/participant-declarations", rows_v1,
                                                 version, _DECLARATION_V1_KEYS)
        yield _participants_v3(participant_sources, lead_provider_id, as_of, f"{base}/v3/participants-ecf")
        yield _transfers(world, participant_sources, lead_provider_id, as_of, f"{base}/v3/participants-ecf-transfers")
        yield every_declaration.resource_set(
            f"{base}/v3/participant-declarations",
            every_declaration.rows_in(v3_scope),
            3, _DECLARATION_V3_KEYS)
        yield _statements(world, lead_provider_id, f"{base}/v3/statements")
        yield _partnerships(school_sources, lead_provider_id, f"{base}/v3/partnerships-ecf")
        yield _delivery_partners(world, lead_provider_id, f"{base}/v3/delivery-partners")
        yield _unfunded_mentors(participant_sources, lead_provider_id, f"{base}/v3/unfunded-mentors-ecf")
    for cohort in sorted(world.cohorts):
        yield _schools(school_sources, cohort, f"shared/v3/schools-ecf/cohort={cohort}")
