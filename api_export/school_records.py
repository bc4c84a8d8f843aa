"""School and partnership records for a snapshot, column-wise: the shared `schools-ecf` sets (one per
cohort) and each provider's `partnerships-ecf` set from a few whole-world tables, read once per snapshot.

The values are `read_resources.school_resource`'s and `serializers.partnership_resource`'s, the scopes
`visibility.visible_schools` and `visibility.visible_partnerships` (every cohort); each derived value is a
polars expression named after, and documented as, the rule it mirrors. One serializer call per school and
cohort took about 3 s at national scale (19,000 schools, 6 cohorts). tests/test_columnar_records.py holds
random worlds to the serializers record by record, and tests/test_api_snapshot.py the demo's.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from api_export.columnar import escaped_json, object_table, rfc3339_of
from api_export.read_resources import CHOICE_2025
from api_export.serializers import FLAG_2025, PARTNERSHIP_TYPE
from pipelines.world.world import World

__all__ = ["SchoolTables", "school_tables", "schools_of_cohort", "partnerships_of"]


@dataclass(frozen=True)
class SchoolTables:
    schools: pl.DataFrame  # every school, with `any_cohort_updated_us` (its school cohorts' latest, any cohort)
    school_cohorts: pl.DataFrame  # per (school, cohort): the programme choice as shown, `updated_at`
    partnerships: pl.DataFrame  # every partnership with the school's and delivery partner's values
    map_2025: bool


def school_tables(world: World) -> SchoolTables:
    schools = object_table(list(world.schools.values()),
                           text=("school_id", "urn", "name", "induction_tutor_name", "induction_tutor_email"),
                           instants=("created_at", "updated_at"), flags=("eligible", "cip_only"))
    keys = list(world.school_cohorts)
    school_cohorts = pl.DataFrame(
        {"school_id": [school_id for school_id, _ in keys], "cohort": [cohort for _, cohort in keys]},
        schema={"school_id": pl.String, "cohort": pl.Int32},
    ).hstack(object_table(list(world.school_cohorts.values()), text=("induction_programme_choice",),
                          instants=("updated_at",)).rename({"updated_at": "cohort_updated_at"}))
    partnerships = object_table(list(world.partnerships.values()),
                                text=("partnership_id", "lead_provider_id", "delivery_partner_id", "school_id",
                                      "challenge_reason"),
                                instants=("challenged_at", "created_at", "updated_at"),
                                flags=("relationship",), integers=("cohort",))
    partners = object_table(list(world.delivery_partners.values()), text=("delivery_partner_id", "name"),
                            instants=("updated_at",)).rename({"name": "delivery_partner_name",
                                                              "updated_at": "partner_updated_at"})
    latest_cohort_stamp = school_cohorts.group_by("school_id").agg(
        pl.col("cohort_updated_at").max().alias("any_cohort_updated_us"))
    return SchoolTables(
        schools.join(latest_cohort_stamp, on="school_id", how="left", maintain_order="left"),
        school_cohorts,
        partnerships.join(schools.select("school_id", "urn", "induction_tutor_name", "induction_tutor_email",
                                         pl.col("updated_at").alias("school_updated_at")),
                          on="school_id", how="left", maintain_order="left")
        .join(partners, on="delivery_partner_id", how="left", maintain_order="left"),
        world.flag(FLAG_2025))


def _unchallenged() -> pl.Expr:
    """`Partnership.unchallenged`: neither challenged nor given a challenge reason."""
    return pl.col("challenged_at").is_null() & pl.col("challenge_reason").is_null()


def schools_of_cohort(tables: SchoolTables, cohort: int) -> tuple[pl.Series, dict[str, pl.Series]]:
    """The `schools-ecf` records for one `filter[cohort]` year (a cohort the world knows) and their keys:
    `visibility.visible_schools` (eligible and not CIP only, or in an unchallenged non-relationship
    partnership of the cohort; `created_at ASC`, ties by id) with `read_resources.school_resource`'s
    attributes. `updated_us` is the filter key (the school or any of its school cohorts, any cohort),
    `sort_updated_us` the raw `schools.updated_at`."""
    of_cohort = tables.partnerships.filter(pl.col("cohort") == cohort, _unchallenged())
    partnered = of_cohort.filter(~pl.col("relationship"))["school_id"].unique()
    in_partnership = of_cohort["school_id"].unique()  # `school_in_partnership`: relationship ones count
    choices = tables.school_cohorts.filter(pl.col("cohort") == cohort).drop("cohort")
    eligible = pl.col("eligible") & ~pl.col("cip_only")
    frame = (tables.schools.filter(eligible | pl.col("school_id").is_in(partnered.implode()))
             .sort("created_at", "school_id")
             .join(choices, on="school_id", how="left", maintain_order="left"))
    # `programme_choice`: unset (or empty) is `not_yet_known`; the 2025 names while the flag is on
    choice = pl.coalesce(pl.when(pl.col("induction_programme_choice") != "").then("induction_programme_choice"),
                         pl.lit("not_yet_known"))
    if tables.map_2025:
        choice = choice.replace(CHOICE_2025)
    attributes = pl.struct(
        pl.col("name"), pl.col("urn"), pl.lit(str(cohort)).alias("cohort"),
        pl.col("school_id").is_in(in_partnership.implode()).alias("in_partnership"),
        choice.alias("induction_programme_choice"), rfc3339_of(pl.col("created_at")).alias("created_at"),
        rfc3339_of(pl.max_horizontal("updated_at", "cohort_updated_at")).alias("updated_at"))
    records = escaped_json(frame, pl.struct(pl.col("school_id").alias("id"), pl.lit("school").alias("type"),
                                            attributes.alias("attributes")))
    keys = frame.select(pl.col("school_id").alias("id"), "urn", "name", pl.col("created_at").alias("created_us"),
                        pl.max_horizontal("updated_at", "any_cohort_updated_us").alias("updated_us"),
                        pl.col("updated_at").alias("sort_updated_us"))
    return records, keys.to_dict()


def partnerships_of(tables: SchoolTables, lead_provider_id: str) -> tuple[pl.Series, dict[str, pl.Series]]:
    """The provider's `partnerships-ecf` records and keys: `visibility.visible_partnerships` (not
    relationship partnerships, challenged ones included, any cohort; `created_at ASC`, ties by id) with
    `serializers.partnership_resource`'s attributes. `updated_us` is the filter key (the latest of the
    partnership, its school and its delivery partner, as the serialized `updated_at`), `sort_updated_us`
    the raw `partnerships.updated_at`."""
    frame = (tables.partnerships.filter(pl.col("lead_provider_id") == lead_provider_id, ~pl.col("relationship"))
             .sort("created_at", "partnership_id"))
    updated = pl.max_horizontal("updated_at", "school_updated_at", "partner_updated_at")
    # `rfc3339_millis`: UTC with exactly three decimals, truncated (challenged_at only)
    challenged_at = pl.col("challenged_at").cast(pl.Datetime("us", "UTC"))
    millis = (challenged_at.dt.strftime("%Y-%m-%dT%H:%M:%S.") + (challenged_at.dt.microsecond() // 1000)
              .cast(pl.String).str.zfill(3) + pl.lit("Z"))
    attributes = pl.struct(
        pl.col("cohort").cast(pl.String), "urn", "school_id", "delivery_partner_id", "delivery_partner_name",
        pl.when(pl.col("challenge_reason").is_not_null()).then(pl.lit("challenged")).otherwise(pl.lit("active"))
        .alias("status"),  # `Partnership.challenged`: the model's own test
        pl.col("challenge_reason").alias("challenged_reason"), millis.alias("challenged_at"),
        "induction_tutor_name", "induction_tutor_email", rfc3339_of(pl.col("created_at")).alias("created_at"),
        rfc3339_of(updated).alias("updated_at"))
    records = escaped_json(frame, pl.struct(pl.col("partnership_id").alias("id"),
                                            pl.lit(PARTNERSHIP_TYPE).alias("type"), attributes.alias("attributes")))
    keys = frame.select(pl.col("partnership_id").alias("id"), "cohort", "delivery_partner_id",
                        pl.col("created_at").alias("created_us"), updated.alias("updated_us"),
                        pl.col("updated_at").alias("sort_updated_us"))
    return records, keys.to_dict()
