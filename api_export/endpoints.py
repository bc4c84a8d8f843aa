"""Every GET endpoint of v1, v2 and v3: which records a request gets, in which order (`api.md` §3, §8.4).

Pure functions over a resource set's index (`snapshot_records`: one row per record, in the endpoint's
default order, with the hidden keys): `select_list` answers a list request with the row numbers of
the records, in response order, before paging; `select_show` answers a show request with one row
number or None (the 404). Query values arrive parsed by `query_params`.

Each endpoint's rules are in one `Endpoint` entry (`ENDPOINTS`), named after the spec's sections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from api_export.query_params import (
    BAD_TRAINING_STATUS, FILTER_NOT_HASH, BadQuery, comma_list, required_filter, sort_fields, updated_since_micros,
)
from api_export.serializers import DEFAULT_COHORTS_AFTER
from pipelines.world.visibility import TRAINING_STATUSES

__all__ = ["Endpoint", "ENDPOINTS", "check_filters", "select_list", "select_show", "cohort_years"]

_USER_SORT = {"id": "id", "full_name": "full_name", "email": "email", "created_at": "created_us",
              "updated_at": "updated_us"}


@dataclass(frozen=True)
class Endpoint:
    """One endpoint's read rules.

    `folder`: the resource set's folder name. `updated_since`: ">=", ">" or None (not a filter here).
    `order_switch`: `updated_since` switches the order to the filter key (v1/v2 participants, transfers).
    `default_cohorts`: without `filter[cohort]`, only cohorts after 2020 (`FilterCohorts`, §2.4).
    `sort`: v3 sort field → index column (None: `sort` ignored). `csv`: has a `.csv` form."""
    name: str
    folder: str
    type: str
    updated_since: str | None = ">="
    order_switch: bool = False
    default_cohorts: bool = False
    sort: dict[str, str] | None = None
    csv: bool = False
    filters: tuple[str, ...] = field(default=())


def cohort_years(values: list[str] | None) -> list[int] | None:
    """`filter[cohort]` as start years; values that are not whole numbers match nothing."""
    if values is None:
        return None
    return [int(v) for v in values if v.strip().isascii() and v.strip().isdigit()]


# ---------------------------------------------------------------------------------------------- rules
def _cohort_scope(index: pl.DataFrame, column: str, filters: dict, default_cohorts: bool) -> pl.DataFrame:
    years = cohort_years(comma_list(filters.get("cohort")))
    if years is not None:
        return index.filter(pl.col(column).is_in(years))
    return index.filter(pl.col(column) > DEFAULT_COHORTS_AFTER) if default_cohorts else index


def _since(index: pl.DataFrame, endpoint: Endpoint, since: int | None) -> pl.DataFrame:
    if since is None:
        return index
    key = pl.col("updated_us")
    return index.filter(key > since if endpoint.updated_since == ">" else key >= since)


def _participants_v1_scope(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    """§3.1: the cohort filter first (default: after 2020), then per profile the latest variant left."""
    scoped = _cohort_scope(index, "cohort", filters, default_cohorts=True)
    return scoped.filter(pl.col("rank") == pl.col("rank").max().over("profile_id"))


def _exact(index: pl.DataFrame, filters: dict, name: str) -> pl.DataFrame:
    """A single-value filter (`filter[name]=value`, matched exactly); absent or empty: no filter."""
    value = filters.get(name)
    if isinstance(value, str) and value:
        return index.filter(pl.col(name) == value)
    return index


def _any_of(index: pl.DataFrame, filters: dict, name: str) -> pl.DataFrame:
    """A comma-list filter (`filter[name]=a,b`); absent or empty: no filter."""
    values = comma_list(filters.get(name))
    return index.filter(pl.col(name).is_in(values)) if values is not None else index


def _participants_v3_scope(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    """§3.3: users with a chosen enrolment record in the cohort filter (default after 2020) and, with
    `filter[training_status]`, of that training status (the same record); `from_participant_id` exact."""
    status = filters.get("training_status") or None  # checked by `check_filters`
    years = cohort_years(comma_list(filters.get("cohort")))
    pairs = index.select("row", "enrolment_cohorts", "enrolment_statuses").explode(
        "enrolment_cohorts", "enrolment_statuses")
    pairs = pairs.filter(pl.col("enrolment_cohorts").is_in(years) if years is not None
                         else pl.col("enrolment_cohorts") > DEFAULT_COHORTS_AFTER)
    if status is not None:
        pairs = pairs.filter(pl.col("enrolment_statuses") == status)
    scoped = index.filter(pl.col("row").is_in(pairs["row"].unique().implode()))
    from_id = filters.get("from_participant_id")
    if isinstance(from_id, str) and from_id:
        scoped = scoped.filter(pl.col("from_ids").list.contains(from_id))
    return scoped


def _declarations_v1_scope(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    """§3.2: `participant_id` a single exact user id."""
    return _exact(index, filters, "participant_id")


def _declarations_v3_scope(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    """§3.5: cohort (the declaration's own; no default), participant_id and delivery_partner_id lists."""
    scoped = _cohort_scope(index, "cohort", filters, default_cohorts=False)
    return _any_of(_any_of(scoped, filters, "participant_id"), filters, "delivery_partner_id")


def _statements_scope(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    """§3.6: output-fee statements in the cohort filter (default after 2020); `type` other than `ecf`
    (or empty) gives nothing."""
    statement_type = filters.get("type")
    if statement_type not in (None, "", "ecf"):
        return index.clear()
    return _cohort_scope(index.filter(pl.col("output_fee")), "cohort", filters, default_cohorts=True)


def _partnerships_scope(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    """§3.7: cohort (default after 2020), delivery_partner_id list."""
    return _any_of(_cohort_scope(index, "cohort", filters, default_cohorts=True), filters, "delivery_partner_id")


def _delivery_partners_scope(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    """§3.8: a relationship with this provider in a cohort of the filter (default after 2020)."""
    years = cohort_years(comma_list(filters.get("cohort")))
    keep = (pl.col("cohorts").list.eval(pl.element().is_in(years)).list.any() if years is not None
            else pl.col("cohorts").list.max() > DEFAULT_COHORTS_AFTER)
    return index.filter(keep.fill_null(False))


def _schools_scope(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    """§3.9: `urn` exact (the cohort chose the resource set already)."""
    return _exact(index, filters, "urn")


def _all(index: pl.DataFrame, filters: dict) -> pl.DataFrame:
    return index


_SCOPES = {
    "participants-v1": _participants_v1_scope,
    "declarations-v1": _declarations_v1_scope,
    "participants-v3": _participants_v3_scope,
    "transfers": _all,
    "declarations-v3": _declarations_v3_scope,
    "statements": _statements_scope,
    "partnerships": _partnerships_scope,
    "delivery-partners": _delivery_partners_scope,
    "schools": _schools_scope,
    "unfunded-mentors": _all,
}

ENDPOINTS = {
    "participants-v1": Endpoint("participants-v1", "participants-ecf", "participant", order_switch=True,
                                default_cohorts=True, csv=True, filters=("cohort", "updated_since")),
    "declarations-v1": Endpoint("declarations-v1", "participant-declarations", "participant-declaration",
                                updated_since=">", csv=True, filters=("participant_id", "updated_since")),
    "participants-v3": Endpoint("participants-v3", "participants-ecf", "participant", default_cohorts=True,
                                sort=_USER_SORT,
                                filters=("cohort", "updated_since", "training_status", "from_participant_id")),
    "transfers": Endpoint("transfers", "participants-ecf-transfers", "participant-transfer", order_switch=True,
                          filters=("updated_since",)),
    "declarations-v3": Endpoint("declarations-v3", "participant-declarations", "participant-declaration",
                                filters=("cohort", "participant_id", "delivery_partner_id", "updated_since")),
    "statements": Endpoint("statements", "statements", "statement", default_cohorts=True,
                           filters=("cohort", "type", "updated_since")),
    "partnerships": Endpoint("partnerships", "partnerships-ecf", "partnership", default_cohorts=True,
                             sort={"id": "id", "cohort": "cohort", "created_at": "created_us",
                                   "updated_at": "sort_updated_us"},
                             filters=("cohort", "delivery_partner_id", "updated_since")),
    "delivery-partners": Endpoint("delivery-partners", "delivery-partners", "delivery-partner", updated_since=None,
                                  default_cohorts=True, sort={"id": "id", "name": "name", "created_at": "created_us",
                                                              "updated_at": "updated_us"},
                                  filters=("cohort",)),
    "schools": Endpoint("schools", "schools-ecf", "school",
                        sort={"id": "id", "name": "name", "urn": "urn", "created_at": "created_us",
                              "updated_at": "sort_updated_us"},
                        filters=("cohort", "urn", "updated_since")),
    "unfunded-mentors": Endpoint("unfunded-mentors", "unfunded-mentors-ecf", "unfunded-mentor", sort=_USER_SORT,
                                 filters=("updated_since",)),
}


# ---------------------------------------------------------------------------------------------- requests
def check_filters(endpoint: Endpoint, params: dict) -> tuple[dict, int | None]:
    """The live checks, in the live order (§8.4 step 3): `filter` is a hash; the schools' required
    `cohort`; `updated_since`; `training_status` (in the scope function). Returns (filters, since)."""
    filters = params.get("filter", {})
    if not isinstance(filters, dict):
        raise BadQuery(FILTER_NOT_HASH)
    if endpoint.name == "schools" and "cohort" not in filters:
        raise BadQuery(required_filter("cohort"))
    since = updated_since_micros(filters.get("updated_since")) if endpoint.updated_since else None
    status = filters.get("training_status")
    if endpoint.name == "participants-v3" and status not in (None, "") and status not in TRAINING_STATUSES:
        raise BadQuery(BAD_TRAINING_STATUS)
    return filters, since


def select_list(endpoint: Endpoint, index: pl.DataFrame, params: dict) -> pl.Series:
    """The row numbers of a list response, in order, before paging. Raises BadQuery (400)."""
    filters, since = check_filters(endpoint, params)
    scoped = _since(_SCOPES[endpoint.name](index, filters), endpoint, since)
    if since is not None and endpoint.order_switch:
        scoped = scoped.sort("updated_us", maintain_order=True)
    elif endpoint.sort is not None:
        fields = [(endpoint.sort[name], descending) for name, descending in sort_fields(params.get("sort"))
                  if name in endpoint.sort]
        if fields:
            scoped = scoped.sort([c for c, _ in fields], descending=[d for _, d in fields], maintain_order=True)
    return scoped["row"]


def select_show(endpoint: Endpoint, index: pl.DataFrame, params: dict, record_id: str) -> int | None:
    """The row of a show response, or None (404). Raises BadQuery (400) for the filter checks.

    v1/v2 participants and declarations look the id up inside the list scope with the filters given
    (§3.1, §3.2; the ECT entry when a user has two); v3 participants inside the cohort scope; the
    other v3 endpoints among everything of the provider (statements: non-output ones too; delivery
    partners: any cohort); schools inside the cohort's list with its `urn` filter."""
    filters, since = check_filters(endpoint, params)
    if endpoint.name in ("participants-v1", "declarations-v1"):
        candidates = _since(_SCOPES[endpoint.name](index, filters), endpoint, since)
    elif endpoint.name in ("participants-v3", "schools"):
        candidates = _SCOPES[endpoint.name](index, filters)
    else:
        candidates = index
    found = candidates.filter(pl.col("id") == record_id)
    if endpoint.name == "participants-v1" and found.height > 1:
        found = found.sort("is_ect", descending=True, maintain_order=True)
    return int(found["row"][0]) if found.height else None
