"""Participant records for a snapshot, column-wise: every provider's v1/v2 and v3 `participants-ecf`
bytes (and v1/v2 CSV rows) and hidden keys from a few whole-world tables, read once per snapshot and
joined by polars.

The values are `serializers._v1_entry`'s and `serializers.participant_resource_v3`'s, the scopes
`snapshot_records._participants_v1`'s variants and `visibility.visible_participants_v3` with every cohort;
each derived value (the chosen record, email, mentor id, statuses, the withdrawal and deferral objects,
`updated_at`, the TRN) is a polars expression or join named after, and documented as, the rule it
mirrors. Per-user Python calls into the world (several dict lookups per enrolment at random places in
an 8 GB heap) took about 27 s at national scale; these take about 6 s.
tests/test_columnar_records.py holds random worlds to the serializers one user at a time, and
tests/test_api_snapshot.py every v3 participant of the demo, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

import polars as pl

from api_export.columnar import csv_rows, escaped_json, object_table, rfc3339_of
from api_export.serializers import FLAG_2025, PARTICIPANT_TYPE, iso_date
from api_export.timestamps import micros
from pipelines.world.model import ECT, MENTOR
from pipelines.world.visibility import LEAVING
from pipelines.world.world import World

__all__ = ["ParticipantTables", "participant_tables", "participants_v1", "participants_v3", "unfunded_mentors",
           "transfer_users"]

def _present(column: str) -> pl.Expr:
    """Ruby/Python truthiness of an optional string: set and not empty."""
    return pl.col(column).is_not_null() & (pl.col(column) != "")


@dataclass(frozen=True)
class ParticipantTables:
    """What every provider's participants are made from, read from the world once per snapshot."""
    chosen: pl.DataFrame  # per (provider, profile): the latest unchallenged record, with its enrolment values
    variants: pl.DataFrame  # per (provider, profile, schedule cohort): the same (v1/v2 participants)
    user_profiles: pl.DataFrame  # `World.profiles_of_user`, in its order (`rank`)
    profile_users: pl.DataFrame  # each profile's user through its own identity (`visibility._user_of_profile`)
    users: pl.DataFrame  # per user: the attributes and keys that do not depend on the provider
    states: pl.DataFrame  # per (provider, profile, state): the latest provider state's reason and instant
    map_school_left_fip: bool
    # every record in any partnership (challenged and relationship ones too) with the partnership's provider:
    # `visibility._provider_profiles` for every provider at once (the declaration and transfer scopes)
    provider_records: pl.DataFrame
    leaving_profiles: pl.Series  # profiles with a `leaving` record, with any provider or none


def participant_tables(world: World) -> ParticipantTables:
    profiles = list(world.profiles.values())
    profile_frame = object_table(
        profiles, text=("profile_id", "identity_id", "participant_type", "trn", "eligibility_status",
                        "eligibility_reason", "mentor_completion_reason"),
        instants=("created_at", "updated_at"), flags=("pupil_premium_uplift", "sparsity_uplift"))
    profile_frame = profile_frame.rename({"created_at": "profile_created_at", "updated_at": "profile_updated_at"})
    profile_frame = profile_frame.with_columns(
        pl.Series("induction_end_date", [iso_date(v) for v in map(attrgetter("induction_end_on"), profiles)],
                  pl.String),
        pl.Series("mentor_funding_end_date", [iso_date(v) for v in map(attrgetter("mentor_completion_on"), profiles)],
                  pl.String),
        pl.Series("cohort_changed_after_payments_frozen",
                  [bool(v) for v in map(attrgetter("cohort_changed_after_payments_frozen"), profiles)], pl.Boolean))
    identities = object_table(list(world.identities.values()), text=("identity_id", "user_id", "email"),
                        instants=("updated_at",)).rename({"updated_at": "identity_updated_at"})
    users = object_table(list(world.users.values()), text=("user_id", "full_name", "email"),
                   instants=("created_at", "updated_at"))
    profile_users = (profile_frame.select("profile_id", "identity_id")
                     .join(identities.select("identity_id", "user_id", "identity_updated_at"), on="identity_id",
                           how="inner")
                     .select("profile_id", "user_id", "identity_updated_at"))

    # `profiles_of_user` and the user's identities, from the world's indexes (their order is the live order).
    known_users = world.users.keys()
    user_identities = [(user_id, identity_id) for user_id, identity_ids in world.identities_by_user.items()
                       if user_id in known_users for identity_id in identity_ids]
    by_identity = world.profiles_by_identity
    pairs = [(user_id, profile_id) for user_id, identity_id in user_identities
             for profile_id in by_identity.get(identity_id, ())]
    user_profiles = pl.DataFrame({"user_id": [u for u, _ in pairs], "profile_id": [p for _, p in pairs]},
                                 schema={"user_id": pl.String, "profile_id": pl.String}).with_row_index("rank")
    user_identity_frame = pl.DataFrame({"user_id": [u for u, _ in user_identities],
                                        "identity_id": [i for _, i in user_identities]},
                                       schema={"user_id": pl.String, "identity_id": pl.String})

    records = object_table(list(world.records.values()),
                     text=("induction_record_id", "profile_id", "induction_programme_id", "induction_status",
                           "training_status", "schedule_identifier", "mentor_profile_id", "preferred_identity_id"),
                     instants=("start_at", "end_at", "created_at", "updated_at"), flags=("school_transfer",),
                     integers=("schedule_cohort",)).with_row_index("ordinal")
    records = records.rename({"created_at": "record_created_at", "updated_at": "record_updated_at"})
    programmes = object_table(list(world.programmes.values()),
                              text=("induction_programme_id", "school_id", "partnership_id", "training_programme"),
                        integers=("cohort",))
    partnerships = object_table(list(world.partnerships.values()),
                          text=("partnership_id", "lead_provider_id", "delivery_partner_id", "challenge_reason"),
                          instants=("challenged_at",))
    schools = object_table(list(world.schools.values()), text=("school_id", "urn"))
    candidates = _enrolment_values(_unchallenged_records(records, programmes, partnerships), profile_frame,
                                   identities, users, profile_users, schools, user_profiles)

    states = [state for held in world.provider_states.values() for state in held]
    state_frame = (object_table(states, text=("profile_id", "lead_provider_id", "state", "reason"),
                                instants=("created_at",))
                   .rename({"created_at": "state_at"}).with_row_index("ordinal")
                   # `_provider_state_object`: the latest by creation, ties to the one recorded last
                   .sort("state_at", "ordinal", descending=True)
                   .unique(["lead_provider_id", "profile_id", "state"], keep="first", maintain_order=True)
                   .drop("ordinal"))
    return ParticipantTables(_chosen(candidates), _variants(candidates), user_profiles,
                             profile_users.select("profile_id", "user_id"),
                             _user_values(world, users, profile_frame, user_profiles, user_identity_frame, identities,
                                          records),
                             state_frame, world.flag(FLAG_2025), _provider_records(records, programmes, partnerships),
                             records.filter(pl.col("induction_status") == LEAVING)["profile_id"].unique())


def _provider_records(records: pl.DataFrame, programmes: pl.DataFrame, partnerships: pl.DataFrame) -> pl.DataFrame:
    """`World.provider_of_record` for every record that has one (its programme's partnership's provider)."""
    return (records.select("profile_id", "induction_programme_id", "induction_status", "end_at", "school_transfer")
            .join(programmes.select("induction_programme_id", "partnership_id", "training_programme"),
                  on="induction_programme_id", how="inner")
            .join(partnerships.select("partnership_id", "lead_provider_id"), on="partnership_id", how="inner")
            .drop("induction_programme_id", "partnership_id"))


def transfer_users(tables: ParticipantTables, lead_provider_id: str) -> pl.Series:
    """`visibility.transfer_users` (api.md §3.4, `TransfersQuery`): the users of profiles with a record in
    this provider's partnerships that is a school transfer or `leaving`, and a `leaving` record with any
    provider; a profile's user through its own identity; `users.created_at ASC`, ties by user id."""
    own = tables.provider_records.filter(pl.col("lead_provider_id") == lead_provider_id,
                                         pl.col("school_transfer") | (pl.col("induction_status") == LEAVING))
    profiles = own.filter(pl.col("profile_id").is_in(tables.leaving_profiles.implode()))["profile_id"].unique()
    users = tables.profile_users.filter(pl.col("profile_id").is_in(profiles.implode()))["user_id"].unique()
    return (tables.users.filter(pl.col("user_id").is_in(users.implode()))
            .sort("created_at", "user_id")["user_id"])


def _unchallenged_records(records: pl.DataFrame, programmes: pl.DataFrame, partnerships: pl.DataFrame) -> pl.DataFrame:
    """Every record in an unchallenged partnership (`Partnership.unchallenged`), with the partnership's
    provider, latest first: `latest_first_key` (open-ended, start, creation) descending, ties to the first
    in the world's order (as `max` keeps the first of equals)."""
    unchallenged = partnerships.filter(pl.col("challenged_at").is_null() & pl.col("challenge_reason").is_null())
    return (records.join(programmes.rename({"cohort": "programme_cohort"}), on="induction_programme_id", how="inner")
            .join(unchallenged.select("partnership_id", "lead_provider_id", "delivery_partner_id"),
                  on="partnership_id", how="inner")
            .sort(pl.col("end_at").is_null(), "start_at", "record_created_at", "ordinal",
                  descending=[True, True, True, False]))


def _chosen(candidates: pl.DataFrame) -> pl.DataFrame:
    """`World.latest_provider_record(…, unchallenged_only=True)` for every provider and profile at once."""
    return candidates.unique(["lead_provider_id", "profile_id"], keep="first", maintain_order=True)


def _variants(candidates: pl.DataFrame) -> pl.DataFrame:
    """`snapshot_records._participants_v1`'s variants: per provider, profile and schedule cohort, the latest
    record (`serializers._v1_record` with that one cohort), with `rank`, its place among the profile's
    variants from the earliest (`latest_first_key` ascending; ties in the order the cohorts first appear
    among the profile's records in the world's order)."""
    group = ["lead_provider_id", "profile_id", "schedule_cohort"]
    firsts = candidates.group_by(group).agg(pl.col("ordinal").min().alias("first_ordinal"))
    latest = (candidates.unique(group, keep="first", maintain_order=True)
              .join(firsts, on=group, how="left", nulls_equal=True))
    return (latest.sort(pl.col("end_at").is_null(), "start_at", "record_created_at", "first_ordinal")
            .with_columns(rank=pl.int_range(pl.len(), dtype=pl.Int32).over("lead_provider_id", "profile_id")))


def _enrolment_values(candidates: pl.DataFrame, profiles: pl.DataFrame, identities: pl.DataFrame, users: pl.DataFrame,
                      profile_users: pl.DataFrame, schools: pl.DataFrame,
                      user_profiles: pl.DataFrame) -> pl.DataFrame:
    """Each candidate record's values that do not depend on the provider or the clock: the v3 enrolment's
    (`serializers._enrolment`) and the v1/v2 entry's (`serializers._v1_entry`)."""
    with_user = candidates.join(user_profiles.select("profile_id", "user_id"), on="profile_id", how="left")
    frame = (with_user
             .join(profiles, on="profile_id", how="left")  # a record of an unknown profile still names its mentor
             .join(users.select("user_id", pl.col("email").alias("user_email")), on="user_id", how="left")
             .join(identities.select(pl.col("identity_id").alias("preferred_identity_id"),
                                     pl.col("email").alias("preferred_email")), on="preferred_identity_id", how="left")
             .join(profile_users.select(pl.col("profile_id").alias("mentor_profile_id"),
                                        pl.col("user_id").alias("mentor_user_id")), on="mentor_profile_id", how="left")
             # v1/v2 name the user through the profile's own identity (`_v1_entry`)
             .join(profile_users.rename({"user_id": "identity_user_id"}), on="profile_id", how="left")
             .join(users.select(pl.col("user_id").alias("identity_user_id"),
                                pl.col("email").alias("identity_user_email")), on="identity_user_id", how="left")
             .join(schools, on="school_id", how="left"))
    is_ect, is_mentor = pl.col("participant_type") == ECT, pl.col("participant_type") == MENTOR
    reason = pl.col("eligibility_reason")
    return frame.with_columns(
        # `_email`: the record's preferred identity's email when it has one, else the user's
        pl.when(_present("preferred_email")).then(pl.col("preferred_email")).otherwise(pl.col("user_email"))
        .alias("email"),
        pl.when(_present("preferred_email")).then(pl.col("preferred_email")).otherwise(pl.col("identity_user_email"))
        .alias("v1_email"),
        # `_mentor_user_id`: ECTs only, the user of the record's mentor profile
        pl.when(is_ect & _present("mentor_profile_id")).then(pl.col("mentor_user_id")).alias("mentor_id"),
        # `_school_urn_and_cohort`: the programme's school's URN and cohort (as text)
        pl.col("programme_cohort").cast(pl.String).alias("cohort"),
        # `_trn_validated`: null without a TRN, else an eligibility record exists and is not `different_trn`
        pl.when(pl.col("trn").is_null()).then(None)
        .otherwise((pl.col("eligibility_status").is_not_null() | reason.is_not_null())
                   & ~(reason == "different_trn").fill_null(False)).alias("teacher_reference_number_validated"),
        # `_eligible_for_funding`
        pl.when(pl.col("eligibility_status") == "eligible").then(True)
        .when(pl.col("eligibility_status") == "ineligible").then(False).alias("eligible_for_funding"),
        pl.when(is_mentor).then(pl.col("mentor_completion_reason")).alias("mentor_ineligible_for_funding_reason"),
    )


def _user_values(world: World, users: pl.DataFrame, profiles: pl.DataFrame, user_profiles: pl.DataFrame,
                 user_identities: pl.DataFrame, identities: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Per user: `updated_at` (the latest of the user, its identities, its profiles and every record of
    those profiles, any provider), the first non-null TRN of its profiles, and the id changes (newest
    first) with the sorted `from_ids` key."""
    profile_stamps = user_profiles.join(profiles.select("profile_id", pl.col("profile_updated_at").alias("updated_at"),
                                                        "trn"), on="profile_id", how="inner")
    record_stamps = (records.group_by("profile_id").agg(pl.col("record_updated_at").max().alias("updated_at"))
                     .join(user_profiles.select("profile_id", "user_id"), on="profile_id", how="inner"))
    identity_stamps = user_identities.join(identities.select("identity_id", pl.col("identity_updated_at")
                                                             .alias("updated_at")), on="identity_id",
                                           how="inner")
    stamps = (pl.concat([users.select("user_id", "updated_at"), identity_stamps.select("user_id", "updated_at"),
                         profile_stamps.select("user_id", "updated_at"), record_stamps.select("user_id", "updated_at")])
              .group_by("user_id").agg(pl.col("updated_at").max().alias("participant_updated_at")))
    trns = (profile_stamps.sort("rank").group_by("user_id")
            .agg(pl.col("trn").drop_nulls().first().alias("teacher_reference_number")))
    # `read_resources.unfunded_mentor_resource`: the first TRN by the profiles' creation
    mentor_trns = (profile_stamps.join(profiles.select("profile_id", "profile_created_at"), on="profile_id")
                   .sort("profile_created_at", "profile_id").group_by("user_id")
                   .agg(pl.col("trn").drop_nulls().first().alias("mentor_trn")))
    changes = [change for held in world.participant_id_changes.values() for change in held]
    change_frame = object_table(changes, text=("user_id", "from_participant_id", "to_participant_id"),
                          instants=("changed_at",))
    change_lists = (change_frame.sort("changed_at", descending=True, maintain_order=True)  # newest first, stable
                    .group_by("user_id", maintain_order=True)
                    .agg(pl.struct("from_participant_id", "to_participant_id",
                                   rfc3339_of(pl.col("changed_at")).alias("changed_at"))
                         .alias("participant_id_changes"),
                         pl.col("from_participant_id").unique().sort().alias("from_ids")))
    return (users.join(stamps, on="user_id", how="left").join(trns, on="user_id", how="left")
            .join(mentor_trns, on="user_id", how="left").join(change_lists, on="user_id", how="left"))


def participants_v3(tables: ParticipantTables, lead_provider_id: str, as_of: datetime) -> tuple[pl.Series, dict]:
    """The provider's v3 participants (`visibility.visible_participants_v3` with every cohort, in its order)
    as the live bytes, and their hidden keys (`snapshot_records._participants_v3`)."""
    chosen = tables.chosen.filter(pl.col("lead_provider_id") == lead_provider_id)
    # visible: a user (known, through the profile's own identity) with a chosen record with this provider
    visible = (chosen.select("profile_id").join(tables.profile_users, on="profile_id", how="inner")
               .select("user_id").unique())
    states = tables.states.filter(pl.col("lead_provider_id") == lead_provider_id)
    enrolments = (tables.user_profiles.join(visible, on="user_id", how="semi")
                  .join(chosen.drop("user_id"), on="profile_id", how="inner")
                  .join(_state(states, "withdrawn"), on="profile_id", how="left")
                  .join(_state(states, "deferred"), on="profile_id", how="left"))
    now = micros(as_of)
    mapped = pl.col("withdrawn_reason")
    if tables.map_school_left_fip:  # `serializers.withdrawal_reason`
        mapped = pl.when(mapped == "school-left-fip").then(pl.lit("switched-to-school-led")).otherwise(mapped)
    enrolment = pl.struct(
        pl.col("profile_id").alias("training_record_id"), "email", "mentor_id", pl.col("urn").alias("school_urn"),
        "participant_type", "cohort", "training_status", _participant_status(now),
        "teacher_reference_number_validated", "eligible_for_funding", "pupil_premium_uplift", "sparsity_uplift",
        "schedule_identifier", "delivery_partner_id",
        pl.when((pl.col("training_status") == "withdrawn") & pl.col("withdrawn_at").is_not_null())
        .then(pl.struct(mapped.alias("reason"), rfc3339_of(pl.col("withdrawn_at")).alias("date"))).alias("withdrawal"),
        pl.when((pl.col("training_status") == "deferred") & pl.col("deferred_at").is_not_null())
        .then(pl.struct(pl.col("deferred_reason").alias("reason"), rfc3339_of(pl.col("deferred_at")).alias("date")))
        .alias("deferral"),
        rfc3339_of(pl.col("profile_created_at")).alias("created_at"), "induction_end_date", "mentor_funding_end_date",
        "cohort_changed_after_payments_frozen", "mentor_ineligible_for_funding_reason",
    ).alias("enrolment")
    lists = (enrolments.sort("user_id", "record_created_at", "profile_id")  # enrolment order: the record's creation
             .group_by("user_id", maintain_order=True).agg(enrolment.alias("ecf_enrolments")))
    aligned = (enrolments.sort("rank").group_by("user_id", maintain_order=True)  # the user's profiles' order
               .agg(pl.col("schedule_cohort").fill_null(0).alias("enrolment_cohorts"),
                    pl.col("training_status").alias("enrolment_statuses")))
    frame = (visible.join(tables.users, on="user_id", how="inner")
             .join(lists, on="user_id", how="left").join(aligned, on="user_id", how="left")
             .sort("created_at", "user_id"))  # `visibility._users_in_order`
    frame = frame.with_columns(*(pl.col(name).fill_null(pl.lit([], dtype=frame.schema[name]))
                                 for name in ("ecf_enrolments", "participant_id_changes", "enrolment_cohorts",
                                              "enrolment_statuses", "from_ids")))
    attributes = pl.struct("full_name", "teacher_reference_number",
                           rfc3339_of(pl.col("participant_updated_at")).alias("updated_at"), "ecf_enrolments",
                           "participant_id_changes")
    records = escaped_json(frame, pl.struct(pl.col("user_id").alias("id"), pl.lit(PARTICIPANT_TYPE).alias("type"),
                                            attributes.alias("attributes")))
    keys = {"id": frame["user_id"], "created_us": frame["created_at"], "updated_us": frame["updated_at"],
            "full_name": frame["full_name"], "email": frame["email"], "enrolment_cohorts": frame["enrolment_cohorts"],
            "enrolment_statuses": frame["enrolment_statuses"], "from_ids": frame["from_ids"]}
    return records, keys


def _state(states: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The provider's latest state of `kind` per profile (`serializers._provider_state_object`)."""
    return states.filter(pl.col("state") == kind).select(
        "profile_id", pl.col("reason").alias(f"{kind}_reason"), pl.col("state_at").alias(f"{kind}_at"))


def _participant_status(now: int) -> pl.Expr:
    """`serializers.participant_status` against `now`: an end → leaving (after now) or left; a start after
    now → joining; induction status active/completed → active, withdrawn/changed → withdrawn; else null."""
    status = pl.col("induction_status")
    return (pl.when(pl.col("end_at").is_not_null()).then(pl.when(pl.col("end_at") > now).then(pl.lit("leaving"))
                                                         .otherwise(pl.lit("left")))
            .when(pl.col("start_at") > now).then(pl.lit("joining"))
            .when(status.is_in(["active", "completed"])).then(pl.lit("active"))
            .when(status.is_in(["withdrawn", "changed"])).then(pl.lit("withdrawn"))
            .alias("participant_status"))


def participants_v1(tables: ParticipantTables, lead_provider_id: str) -> tuple[pl.Series, pl.Series, str, dict]:
    """The provider's v1/v2 participant variants (`snapshot_records._participants_v1`) as the live bytes
    (`serializers._v1_entry`), their CSV rows, the CSV header row and their hidden keys. Order: the user's
    creation and id, ECT before mentor, the profile's creation and id, the cohort (null as 0), the rank."""
    frame = (tables.variants.filter(pl.col("lead_provider_id") == lead_provider_id)
             .join(tables.users.select(pl.col("user_id").alias("identity_user_id"), "full_name",
                                       pl.col("created_at").alias("user_created_at"),
                                       pl.col("updated_at").alias("user_updated_at")),
                   on="identity_user_id", how="inner")
             .with_columns(pl.col("schedule_cohort").fill_null(0).alias("cohort_key"))
             .sort("user_created_at", "identity_user_id", pl.col("participant_type") != ECT, "profile_created_at",
                   "profile_id", "cohort_key", "rank"))
    status = pl.col("induction_status")
    updated = pl.max_horizontal("profile_updated_at", "user_updated_at", "identity_updated_at", "record_updated_at")
    attributes = [
        pl.col("v1_email").alias("email"), pl.col("full_name"), pl.col("mentor_id"), pl.col("urn").alias("school_urn"),
        pl.col("participant_type"), pl.col("cohort"),
        # `serializers._v1_status`
        pl.when(status.is_in(["active", "completed", "leaving"])).then(pl.lit("active"))
        .when(status.is_in(["withdrawn", "changed"])).then(pl.lit("withdrawn")).alias("status"),
        pl.col("trn").alias("teacher_reference_number"),
        *(pl.col(name) for name in ("teacher_reference_number_validated", "eligible_for_funding",
                                    "pupil_premium_uplift", "sparsity_uplift", "training_status")),
        pl.col("profile_id").alias("training_record_id"), pl.col("schedule_identifier"),
        rfc3339_of(updated).alias("updated_at"),
    ]
    records = escaped_json(frame, pl.struct(pl.col("identity_user_id").alias("id"),
                                            pl.lit(PARTICIPANT_TYPE).alias("type"),
                                            pl.struct(attributes).alias("attributes")))
    lines = csv_rows(frame, [pl.col("identity_user_id"), *attributes])
    header = ",".join(["id", *frame.lazy().select(attributes).collect_schema().names()]) + "\n"
    keys = {"id": frame["identity_user_id"], "profile_id": frame["profile_id"],
            "is_ect": frame["participant_type"] == ECT, "cohort": frame["cohort_key"], "rank": frame["rank"],
            "created_us": frame["user_created_at"], "updated_us": frame["user_updated_at"]}
    return records, lines, header, keys


def unfunded_mentors(tables: ParticipantTables, lead_provider_id: str) -> tuple[pl.Series, dict]:
    """The provider's unfunded mentors (`visibility.unfunded_mentors`: the users of mentor profiles named on
    the provider's chosen records that have no chosen record of their own, in `_users_in_order`) as the
    live bytes (`read_resources.unfunded_mentor_resource`), and their hidden keys."""
    chosen = tables.chosen.filter(pl.col("lead_provider_id") == lead_provider_id)
    named = chosen.filter(_present("mentor_profile_id")).select(pl.col("mentor_profile_id").alias("profile_id"))
    mentors = (named.join(chosen.select("profile_id"), on="profile_id", how="anti")
               .join(tables.profile_users, on="profile_id", how="inner").select("user_id").unique())
    frame = mentors.join(tables.users, on="user_id", how="inner").sort("created_at", "user_id")
    attributes = pl.struct("full_name", "email", pl.col("mentor_trn").alias("teacher_reference_number"),
                           rfc3339_of(pl.col("created_at")).alias("created_at"),
                           rfc3339_of(pl.col("updated_at")).alias("updated_at"))
    records = escaped_json(frame, pl.struct(pl.col("user_id").alias("id"), pl.lit("unfunded-mentor").alias("type"),
                                            attributes.alias("attributes")))
    keys = {"id": frame["user_id"], "created_us": frame["created_at"], "updated_us": frame["updated_at"],
            "full_name": frame["full_name"], "email": frame["email"]}
    return records, keys
