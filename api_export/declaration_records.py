"""Declaration records for a snapshot, column-wise: every declaration's v1, v2 and v3 bytes and CSV
rows at once (they are the bulk of a snapshot: millions at national scale).

The values are `serializers.declaration_resource`'s, computed over whole columns from the
`declarations` table the apply stage writes (with the statement ids, `pipelines.apply.persist`): each
derived value (mentor id, dasherised state, `uplift_paid`, the ineligibility reason) is a polars
expression named after, and documented as, the serializer rule it mirrors; so are each provider's
scopes (`declaration_scopes`: `visibility.declarations_v1_scope` / `declarations_v3_scope`). polars
formats the timestamps (`%Y-%m-%dT%H:%M:%SZ`, truncated as Ruby's `rfc3339`) and encodes each record
as compact JSON with the keys in struct order (`columnar`). tests/test_columnar_records.py holds random
declarations, and tests/test_api_snapshot.py every declaration of the demo, to
`live_json(declaration_resource(…))`, byte for byte.
"""

from __future__ import annotations

import polars as pl

from api_export.columnar import csv_row_expr, escape_json, json_expr, object_table, rfc3339_of
from api_export.serializers import UPLIFT_PAID_STATES
from pipelines.world.model import ECT, ELIGIBLE, INELIGIBLE, LIVE_STATES, PAYABLE, VOIDED
from pipelines.world.visibility import ACTIVE_OR_COMPLETED, CIP, LEAVING
from pipelines.world.world import World

__all__ = ["declaration_frame", "declaration_scopes", "declaration_texts"]

_INSTANTS = ("declaration_date", "updated_at", "created_at")


def declaration_frame(world: World, stored: pl.DataFrame) -> pl.DataFrame:
    """One row per declaration of `stored` (the `declarations` table as `pipelines.apply.persist` writes
    it: the stored fields and the statement ids, naive UTC timestamps), in its order: every attribute
    value (timestamps as UTC datetimes), the hidden keys and the columns `declaration_scopes` reads.

    Everything derived — the mentor id, the dasherised state, the ineligibility reason, `uplift_paid`,
    the provider's name — is polars expressions and joins over whole columns: the declarations are the
    bulk of a snapshot (1.3 M at national scale), and reading them from the world's objects cost about
    5 s where reading the table costs about 1 s."""
    names = {lp.lead_provider_id: lp.name for lp in world.lead_providers.values()}
    # the table holds an empty profile id as NULL; the world's rules look the empty string up as any other
    frame = (stored.with_columns(pl.col("participant_profile_id").fill_null("").alias("profile_id"))
             .join(_profile_types(world), on="profile_id", how="left", maintain_order="left"))
    return frame.select(
        pl.col("declaration_id").alias("id"), pl.col("user_id").alias("participant_id"), "declaration_type",
        "course_identifier", "declaration_date", _mentor_id(), pl.col("state").alias("model_state"),
        pl.col("state").str.replace_all("_", "-", literal=True).alias("state"),  # serializers.dasherise
        "updated_at", "created_at", "delivery_partner_id", "statement_id", "clawback_statement_id",
        _ineligible_for_funding_reason(), _uplift_paid(), "evidence_held",
        pl.col("lead_provider_id").replace_strict(names, default=None, return_dtype=pl.String)
        .alias("lead_provider_name"),
        "cohort", "lead_provider_id", "profile_id",
    ).with_columns(pl.col("updated_at").cast(pl.Int64).alias("updated_us"),
                   *(pl.col(c).dt.replace_time_zone("UTC") for c in _INSTANTS))


def _profile_types(world: World) -> pl.DataFrame:
    return (object_table(list(world.profiles.values()), text=("profile_id", "participant_type"))
            .rename({"participant_type": "profile_type"}))


def declaration_scopes(provider_records: pl.DataFrame, lead_provider_id: str) -> tuple[pl.Expr, pl.Expr]:
    """`visibility.declarations_v1_scope` and `declarations_v3_scope` (every cohort) of one provider as
    filters over `declaration_frame`, from `ParticipantTables.provider_records` (the provider's records in
    any of its partnerships, challenged and relationship ones too):

    * v1/v2: own declarations, or live ones of profiles with an `active`/`completed` record;
    * v3: own declarations, or live ones of profiles with an `active`/`completed` record on a programme
      that is not CIP (`visibility._is_fip`), or dated on or before the latest end of the profile's
      `leaving` records (any leaving record without an end admits every date)."""
    own = provider_records.filter(pl.col("lead_provider_id") == lead_provider_id)
    active = own.filter(pl.col("induction_status").is_in(sorted(ACTIVE_OR_COMPLETED)))
    v1_profiles = active["profile_id"].unique().implode()
    v3_profiles = active.filter(pl.col("training_programme").ne_missing(CIP))["profile_id"].unique().implode()
    limits = (own.filter(pl.col("induction_status") == LEAVING).group_by("profile_id")
              .agg(pl.when(pl.col("end_at").is_null().any()).then(pl.lit(_NO_END, pl.Int64))
                   .otherwise(pl.col("end_at").max()).alias("limit")))
    limit = pl.col("profile_id").replace_strict(limits["profile_id"], limits["limit"], default=None,
                                                return_dtype=pl.Int64)
    leaving_admits = limit.is_not_null() & (pl.col("declaration_date").dt.epoch("us") <= limit)
    is_own, live = pl.col("lead_provider_id") == lead_provider_id, pl.col("model_state").is_in(sorted(LIVE_STATES))
    return (is_own | (live & pl.col("profile_id").is_in(v1_profiles)),
            is_own | (live & (pl.col("profile_id").is_in(v3_profiles) | leaving_admits)))


_NO_END = 2**63 - 1  # `visibility._NO_END` in microseconds: no end date admits every declaration date


def _mentor_id() -> pl.Expr:
    """`serializers._declaration_mentor_id`: ECT declarations only (the profile's type, else the
    declaration's own), the mentor user stored on the declaration."""
    is_ect = pl.coalesce("profile_type", "participant_type") == ECT
    return pl.when(is_ect).then(pl.col("mentor_user_id")).alias("mentor_id")


def _ineligible_for_funding_reason() -> pl.Expr:
    """`serializers._ineligible_for_funding_reason`: only for `ineligible`; `duplicate` shown as
    `duplicate_declaration`."""
    reason = pl.col("ineligible_reason")
    return (pl.when(pl.col("state") == INELIGIBLE)
            .then(pl.when(reason == "duplicate").then(pl.lit("duplicate_declaration")).otherwise(reason))
            .alias("ineligible_for_funding_reason"))


def _uplift_paid() -> pl.Expr:
    """`serializers.uplift_paid` with Ruby's `&&`/`||` values: false unless an ecf-induction `started`
    declaration in a paid-like state; then true when `sparsity_uplift`, else `pupil_premium_uplift`
    as stored (NULL stays null)."""
    qualifies = ((pl.col("course_identifier") == "ecf-induction") & (pl.col("declaration_type") == "started")
                 & pl.col("state").is_in(sorted(UPLIFT_PAID_STATES)))
    return (pl.when(~qualifies).then(pl.lit(False))
            .when(pl.col("sparsity_uplift").fill_null(False)).then(pl.lit(True))
            .otherwise(pl.col("pupil_premium_uplift")).alias("uplift_paid"))


def _attributes(version: int) -> list[pl.Expr]:
    stamp = {c: rfc3339_of(pl.col(c)) for c in ("declaration_date", "updated_at", "created_at")}
    common = [pl.col("participant_id"), pl.col("declaration_type"), pl.col("course_identifier")]
    has_passed = pl.lit(None).alias("has_passed")
    if version == 1:
        return [*common, pl.col("model_state").is_in([ELIGIBLE, PAYABLE]).alias("eligible_for_payment"),
                stamp["declaration_date"], stamp["updated_at"], (pl.col("model_state") == VOIDED).alias("voided"),
                pl.col("state"), has_passed]
    if version == 2:
        return [*common, stamp["declaration_date"], stamp["updated_at"], pl.col("state"), has_passed]
    return [*common, stamp["declaration_date"], pl.col("mentor_id"), pl.col("state"), stamp["updated_at"],
            stamp["created_at"], pl.col("delivery_partner_id"), pl.col("statement_id"),
            pl.col("clawback_statement_id"), pl.col("ineligible_for_funding_reason"), pl.col("uplift_paid"),
            pl.col("evidence_held"), has_passed, pl.col("lead_provider_name")]


def declaration_texts(frame: pl.DataFrame) -> tuple[dict[int, pl.Series], dict[int, tuple[pl.Series, str]]]:
    """Each declaration's resource object in the shape of every version (1, 2, 3) as the live service's
    bytes (str), and its v1/v2 CSV row (`\\n`-terminated) with the header row. The five texts are one
    polars `select`, which makes them side by side on every core."""
    texts = frame.select(
        *(json_expr(pl.struct(pl.col("id"), pl.lit("participant-declaration").alias("type"),
                              pl.struct(_attributes(version)).alias("attributes"))).alias(f"json{version}")
          for version in (1, 2, 3)),
        *(csv_row_expr([pl.col("id"), *_attributes(version)]).alias(f"csv{version}") for version in (1, 2)))
    headers = {version: ",".join(["id", *frame.lazy().select(_attributes(version)).collect_schema().names()]) + "\n"
               for version in (1, 2)}
    return ({version: escape_json(texts[f"json{version}"]) for version in (1, 2, 3)},
            {version: (texts[f"csv{version}"], headers[version]) for version in (1, 2)})
