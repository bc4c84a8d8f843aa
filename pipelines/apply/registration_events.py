"""Applying what schools record (registrations) to the world at its effective instant.

Registrations are school facts keyed by school-side ids (product.md §3). A placement is the school
side of an induction record; provider actions may have moved the participant on to a successor
record, so a later placement row updates the *current* record of that placement's chain, and never
overwrites a provider-set field (training status, schedule) unless the row sets it explicitly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from pipelines.apply.events import Event
from pipelines.calculate.lifecycle import make_submitted_declarations_eligible
from pipelines.instants import as_utc
from pipelines.world.model import (
    Identity, InductionProgramme, InductionRecord, ParticipantIdChange, Partnership, Profile, SchoolCohort, User,
)
from pipelines.world.world import World

DEFAULT_SCHEDULE = "ecf-standard-september"


class RegistrationState:
    """Indexes the registration handlers keep beside the world."""

    def __init__(self) -> None:
        self.current_record_of_placement: dict[str, str] = {}
        self.profiles_by_school_cohort: dict[tuple[str, int], set[str]] = defaultdict(set)

    def follow(self, world: World, placement_id: str) -> InductionRecord | None:
        """The current record of a placement's chain (the placement's record or its latest successor)."""
        record_id = self.current_record_of_placement.get(placement_id)
        return world.records.get(record_id) if record_id else None


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def touch_user(world: World, user_id: str, now: datetime, full_name: str | None = None,
                email: str | None = None) -> User:
    user = world.users.get(user_id)
    if user is None:
        user = User(user_id, full_name or "", email or "", now, now)
        world.users[user_id] = user
    if full_name:
        user.full_name = full_name
    if email and not user.email:
        user.email = email
    user.updated_at = now
    return user


def apply_uplifts(world: World, state: RegistrationState, school_id: str, cohort: int) -> None:
    """Uplift flags are school facts per cohort, copied to the profile (payments.md §4.1)."""
    pupil_premium, sparsity = world.school_uplifts.get((school_id, cohort), (False, False))
    for profile_id in state.profiles_by_school_cohort.get((school_id, cohort), ()):
        profile = world.profiles[profile_id]
        profile.pupil_premium_uplift, profile.sparsity_uplift = pupil_premium, sparsity


def apply_registration(world: World, state: RegistrationState, event: Event) -> None:
    row, now, kind = event.row, event.effective_at, event.kind
    if kind == "participant_identities":
        existing = world.identities.get(row["participant_identity_id"])
        world.add_identity(Identity(row["participant_identity_id"], row["user_id"],
                                    row["external_identifier"] or row["user_id"], row["email"],
                                    existing.created_at if existing else now, now))
        touch_user(world, row["user_id"], now, email=row["email"])
    elif kind == "participant_profiles":
        _apply_profile(world, state, row, now, event.event_seq)
    elif kind == "school_cohorts":
        key = (row["school_id"], row["cohort"])
        existing = world.school_cohorts.get(key)
        world.school_cohorts[key] = SchoolCohort(row["school_id"], row["cohort"], row["induction_programme_choice"],
                                                 row["default_induction_programme_id"],
                                                 existing.created_at if existing else now, now)
    elif kind == "induction_programmes":
        existing = world.programmes.get(row["induction_programme_id"])
        world.add_programme(InductionProgramme(
            row["induction_programme_id"], row["school_id"], row["cohort"], row["training_programme"],
            row["partnership_id"], existing.created_at if existing else now))
    elif kind == "induction_placements":
        _apply_placement(world, state, row, now)
    elif kind == "partnerships":
        existing = world.partnerships.get(row["partnership_id"])
        world.add_partnership(Partnership(
            row["partnership_id"], row["lead_provider_id"], row["delivery_partner_id"], row["school_id"], row["cohort"],
            row["relationship"], row["pending"], existing.challenged_at if existing else None,
            existing.challenge_reason if existing else None, existing.created_at if existing else now, now))
    elif kind == "partnership_challenges":
        partnership = world.partnerships.get(row["partnership_id"])
        if partnership is not None:
            partnership.challenged_at, partnership.challenge_reason = _utc(row["challenged_at"]), row["challenge_reason"]
            partnership.updated_at = now
    elif kind == "participant_id_changes":
        world.participant_id_changes[row["user_id"]].append(
            ParticipantIdChange(row["user_id"], row["from_participant_id"], row["to_participant_id"], now))
        touch_user(world, row["user_id"], now)


def _apply_profile(world: World, state: RegistrationState, row: dict, now: datetime, event_seq: int) -> None:
    existing = world.profiles.get(row["participant_profile_id"])
    identity = world.identities.get(row["participant_identity_id"])
    if identity is None:  # a profile before its identity: the default identity of the user id given
        identity = Identity(row["participant_identity_id"], row["participant_identity_id"],
                            row["participant_identity_id"], "", now, now)
        world.add_identity(identity)
    schedule = row["schedule_identifier"] or (existing.schedule_identifier if existing else DEFAULT_SCHEDULE)
    profile = Profile(
        row["participant_profile_id"], row["participant_identity_id"], row["participant_type"], row["trn"],
        row["cohort"], schedule, row["school_id"], row["eligibility_status"], row["eligibility_reason"],
        row["profile_status"], row["induction_end_on"], False, False,
        existing.created_at if existing else now, now)
    if existing is not None:
        state.profiles_by_school_cohort[(existing.school_id, existing.cohort)].discard(profile.profile_id)
        profile.mentor_completion_on = existing.mentor_completion_on
        profile.mentor_completion_reason = existing.mentor_completion_reason
        profile.cohort_changed_after_payments_frozen = existing.cohort_changed_after_payments_frozen
    world.add_profile(profile)
    _fill_record_schedules(world, profile)
    state.profiles_by_school_cohort[(profile.school_id, profile.cohort)].add(profile.profile_id)
    apply_uplifts(world, state, profile.school_id, profile.cohort)
    touch_user(world, identity.user_id, now, full_name=row["full_name"], email=identity.email)
    if profile.fundable and (existing is None or not existing.fundable):
        make_submitted_declarations_eligible(world, profile.profile_id, now.date(), now, event_seq)


def _fill_record_schedules(world: World, profile: Profile) -> None:
    for record in world.records_of(profile.profile_id):
        if record.schedule_identifier is None:
            record.schedule_identifier = profile.schedule_identifier
        if record.schedule_cohort is None:
            record.schedule_cohort = profile.cohort


def _apply_placement(world: World, state: RegistrationState, row: dict, now: datetime) -> None:
    profile = world.profiles.get(row["participant_profile_id"])
    current = state.follow(world, row["induction_placement_id"])
    if current is None:
        # A placement can land before its profile: the schedule is then filled in when the profile
        # arrives (`_fill_record_schedules`).
        schedule = row["schedule_identifier"] or (profile.schedule_identifier if profile else None)
        cohort = profile.cohort if profile else None
        record = InductionRecord(
            row["induction_placement_id"], row["participant_profile_id"], row["induction_programme_id"],
            as_utc(row["start_at"]), _utc(row["end_at"]), row["induction_status"], row["training_status"] or "active",
            schedule, cohort, row["school_transfer"], row["mentor_profile_id"], row["preferred_identity_id"],
            now, now, "registration", row["induction_placement_id"])
        world.add_record(record)
        state.current_record_of_placement[record.induction_record_id] = record.induction_record_id
    else:
        current.end_at = _utc(row["end_at"])
        current.induction_status = row["induction_status"]
        current.school_transfer = row["school_transfer"]
        current.mentor_profile_id = row["mentor_profile_id"]
        current.preferred_identity_id = row["preferred_identity_id"]
        current.induction_programme_id = row["induction_programme_id"]
        if row["training_status"]:
            current.training_status = row["training_status"]
        if row["schedule_identifier"]:
            current.schedule_identifier = row["schedule_identifier"]
        current.updated_at = now
        world.add_record(current)  # re-index: the programme may have changed
    if profile is not None:
        touch_user(world, world.user_id_of_profile(profile.profile_id), now)
