"""The live ECF1 API's resource objects, built from the in-memory world.

Every function here is pure: it reads the world (`pipelines/world`) and returns plain Python values
(dicts, lists, strings, booleans, None) whose key order is exactly the order the live serializer
emits (`api.md` §2.2: attributes in declaration order). Turning them into bytes is the caller's job
(`api_export.json_bytes.live_json`: compact, `&<>` escaped). Nothing here does IO or reads a clock:
anything that depends on the current time takes `now` explicitly (the request's `as_of` for a
receipt, the cycle's `as_of` for a snapshot).

Timestamps are kept to the microsecond in the world and only formatted here:

* `rfc3339` — `2022-07-22T11:30:00Z`, UTC, fractions dropped (Ruby `Time#rfc3339` truncates);
* `rfc3339_millis` — `2022-07-22T11:30:00.123Z`, for the partnership `challenged_at` only (ActiveSupport's
  default JSON time encoding, `xmlschema(3)`, truncates to milliseconds);
* `iso_date` — `YYYY-MM-DD`.

Public API
----------
`declaration_resource(world, declaration, version)`                    v1, v2, v3 declarations (§3.2, §3.5)
`participant_resources_v1(world, lead_provider_id, user_id, now)`      v1/v2 list entries of one user (§3.1)
`participant_resource_v1(world, lead_provider_id, user_id, now, ...)`  v1/v2 show / action receipt
`participant_resources_v2`, `participant_resource_v2`                  the same functions (v2 = v1 byte for byte)
`participant_resource_v3(world, lead_provider_id, user_id, now, ...)`  v3 participant (§3.3) / action receipt
`partnership_resource(world, partnership)`                             v3 partnership (§3.7)
`participant_status(record, now)`, `uplift_paid(declaration)`, `dasherise(state)`, `withdrawal_reason(world, reason)`
`rfc3339(dt)`, `rfc3339_millis(dt)`, `iso_date(d)`

Decisions where the spec says **(inferred)** or the world lacks a live column (each is repeated in the
docstring of the function it affects):

* Cohort scope: participants are limited to schedule cohorts with start year > 2020 unless `cohorts` is
  given (§2.4 `FilterCohorts`).
* v1/v2: the order of one user's two entries is not defined live; ECT first, then mentor, then by profile
  creation.
* v3 `ecf_enrolments[]` order is not defined live ("in practice by induction-record age"): ordered by the
  chosen induction record's `created_at`, then profile id.
* `teacher_reference_number_validated`: "an eligibility record exists" is read as the profile having an
  `eligibility_status` or an `eligibility_reason`; a null reason with a status set stands for ECF1's default
  reason `none` (so it validates).
* TRN: the world keeps one TRN per profile and no validation-data TRN, so v1's fallback to validation data
  has nothing to fall back to; v3's top-level `teacher_reference_number` (one teacher profile per user
  live) is the first non-null TRN among the user's profiles.
* Partnership `updated_at`: max of partnership, school and delivery partner; the world has no induction
  coordinator *user* `updated_at` (the fourth live source).
* Partnership `induction_tutor_email`: the school's `induction_tutor_email` (live: the school's contact email;
  nullable, inferred).
* `schedule_identifier` (v1/v2 and v3 enrolments) is the chosen induction record's schedule (declarations.md
  §4.1), not the profile's.
* Action receipts: v1/v2 `profile_id=` shows the acted-on profile without the cohort scope, falling back to the
  provider's latest record in any of its partnerships when none is unchallenged; v3 `visible_only=False` shows
  the acted-on user without the visibility/cohort test.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timezone

from pipelines.world.model import (
    AWAITING_CLAWBACK, CLAWED_BACK, ECT, INELIGIBLE, MENTOR, PAID, PAYABLE, ELIGIBLE, TYPE_FOR_COURSE, VOIDED,
    Declaration, InductionRecord, Partnership, Profile, User,
)
from pipelines.world.world import World, latest_first_key

__all__ = [
    "rfc3339", "rfc3339_millis", "iso_date", "dasherise", "uplift_paid", "participant_status", "withdrawal_reason",
    "declaration_resource", "participant_resources_v1", "participant_resource_v1", "participant_resources_v2",
    "participant_resource_v2", "participant_resource_v3", "partnership_resource", "in_default_cohort_scope",
    "DEFAULT_COHORTS_AFTER",
]

PARTICIPANT_TYPE = "participant"
DECLARATION_TYPE = "participant-declaration"
PARTNERSHIP_TYPE = "partnership"
UPLIFT_PAID_STATES = frozenset({PAID, AWAITING_CLAWBACK, CLAWED_BACK})
FLAG_2025 = "programme_type_changes_2025"


# ---------------------------------------------------------------------------------------------- formatting
def _utc(dt: datetime) -> datetime:
    """A naive datetime is taken to be UTC already (the world keeps aware UTC instants)."""
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _seconds(dt: datetime) -> str:
    return (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}"
            f"T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}")


def rfc3339(dt: datetime | None) -> str | None:
    """`2022-07-22T11:30:00Z`: UTC, no fractional seconds (truncated, never rounded). None stays None."""
    if dt is None:
        return None
    return _seconds(_utc(dt)) + "Z"


def rfc3339_millis(dt: datetime | None) -> str | None:
    """`2022-07-22T11:30:00.123Z`: UTC with exactly three decimals, truncated (ActiveSupport's default
    JSON time encoding, used by the v3 partnership `challenged_at` only). None stays None."""
    if dt is None:
        return None
    dt = _utc(dt)
    return f"{_seconds(dt)}.{dt.microsecond // 1000:03d}Z"


def iso_date(d: date | datetime | None) -> str | None:
    """`YYYY-MM-DD`. A datetime is first taken to UTC. None stays None."""
    if d is None:
        return None
    if isinstance(d, datetime):
        d = _utc(d).date()
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def dasherise(state: str) -> str:
    """The API's spelling of a model state: `awaiting_clawback` → `awaiting-clawback`."""
    return state.replace("_", "-")


# ---------------------------------------------------------------------------------------------- declarations
def uplift_paid(declaration: Declaration) -> bool | None:
    """`ParticipantDeclaration::ECF#uplift_paid?` with Ruby's `&&`/`||` value semantics (§3.5):

    `course == "ecf-induction" && type == "started" && state ∈ {paid, awaiting_clawback, clawed_back}
    && (sparsity_uplift || pupil_premium_uplift)`.

    The first three tests give `false` when they fail. The last term is `sparsity_uplift` when that is
    true, otherwise `pupil_premium_uplift` as stored — so a legacy row with `pupil_premium_uplift` NULL
    (and `sparsity_uplift` false or NULL) gives `None` (`"uplift_paid":null`), never coerced to false.
    """
    if not (declaration.course_identifier == "ecf-induction" and declaration.declaration_type == "started"
            and declaration.state in UPLIFT_PAID_STATES):
        return False
    if declaration.sparsity_uplift:
        return True
    return declaration.pupil_premium_uplift


def _ineligible_for_funding_reason(declaration: Declaration) -> str | None:
    """Only for `ineligible` declarations; the reason `duplicate` is shown as `duplicate_declaration`."""
    if declaration.state != INELIGIBLE:
        return None
    reason = declaration.ineligible_reason
    return "duplicate_declaration" if reason == "duplicate" else reason


def _declaration_mentor_id(world: World, declaration: Declaration) -> str | None:
    """ECT declarations only: the mentor user stored on the declaration at submission (§1.6)."""
    profile = world.profiles.get(declaration.profile_id)
    participant_type = profile.participant_type if profile is not None else declaration.participant_type
    return declaration.mentor_user_id if participant_type == ECT else None


def declaration_resource(world: World, declaration: Declaration, version: int) -> dict:
    """`{"id","type":"participant-declaration","attributes":{…}}` in the shape of API `version` (1, 2 or 3).

    v1 (§3.2): participant_id, declaration_type, course_identifier, eligible_for_payment (true only in
    `eligible`/`payable`, false when `paid`), declaration_date, updated_at, voided (state `voided`), state,
    has_passed.
    v2: participant_id, declaration_type, course_identifier, declaration_date, updated_at, state, has_passed.
    v3 (§3.5): participant_id, declaration_type, course_identifier, declaration_date, mentor_id, state,
    updated_at, created_at, delivery_partner_id, statement_id (billable line item), clawback_statement_id
    (refundable line item), ineligible_for_funding_reason, uplift_paid, evidence_held, has_passed,
    lead_provider_name (the declaring provider, which may be a previous one).
    `state` is dasherised in every version; `has_passed` is always null.
    """
    state = dasherise(declaration.state)
    if version == 1:
        attributes = {
            "participant_id": declaration.user_id,
            "declaration_type": declaration.declaration_type,
            "course_identifier": declaration.course_identifier,
            "eligible_for_payment": declaration.state in (ELIGIBLE, PAYABLE),
            "declaration_date": rfc3339(declaration.declaration_date),
            "updated_at": rfc3339(declaration.updated_at),
            "voided": declaration.state == VOIDED,
            "state": state,
            "has_passed": None,
        }
    elif version == 2:
        attributes = {
            "participant_id": declaration.user_id,
            "declaration_type": declaration.declaration_type,
            "course_identifier": declaration.course_identifier,
            "declaration_date": rfc3339(declaration.declaration_date),
            "updated_at": rfc3339(declaration.updated_at),
            "state": state,
            "has_passed": None,
        }
    elif version == 3:
        provider = world.lead_providers.get(declaration.lead_provider_id)
        attributes = {
            "participant_id": declaration.user_id,
            "declaration_type": declaration.declaration_type,
            "course_identifier": declaration.course_identifier,
            "declaration_date": rfc3339(declaration.declaration_date),
            "mentor_id": _declaration_mentor_id(world, declaration),
            "state": state,
            "updated_at": rfc3339(declaration.updated_at),
            "created_at": rfc3339(declaration.created_at),
            "delivery_partner_id": declaration.delivery_partner_id,
            "statement_id": world.statement_id_of(declaration.declaration_id),
            "clawback_statement_id": world.clawback_statement_id_of(declaration.declaration_id),
            "ineligible_for_funding_reason": _ineligible_for_funding_reason(declaration),
            "uplift_paid": uplift_paid(declaration),
            "evidence_held": declaration.evidence_held,
            "has_passed": None,
            "lead_provider_name": provider.name if provider is not None else None,
        }
    else:
        raise ValueError(f"unknown API version {version!r}: declarations exist in v1, v2 and v3")
    return {"id": str(declaration.declaration_id), "type": DECLARATION_TYPE, "attributes": attributes}


# ---------------------------------------------------------------------------------------------- participants
# `FilterCohorts#cohorts` without `filter[cohort]`: every cohort with start year after this one.
DEFAULT_COHORTS_AFTER = 2020


def in_default_cohort_scope(year: int) -> bool:
    """`FilterCohorts#cohorts` without `filter[cohort]`: every cohort with start year > 2020."""
    return year > DEFAULT_COHORTS_AFTER


def _cohort_ok(year: int, cohorts: Collection[int] | None) -> bool:
    return in_default_cohort_scope(year) if cohorts is None else year in cohorts


def participant_status(record: InductionRecord, now: datetime) -> str | None:
    """v3 `participant_status` against `now` (§3.3, declarations.md §4.1): an end date → `leaving` if it
    is after `now`, else `left`; else a start after `now` → `joining`; else induction status
    active/completed → `active`, withdrawn/changed → `withdrawn`; anything else (`leaving` without an
    end date) → None, as the live `case` falls through to nil."""
    if record.end_at is not None:
        return "leaving" if record.end_at > now else "left"
    if record.start_at > now:
        return "joining"
    if record.induction_status in ("active", "completed"):
        return "active"
    if record.induction_status in ("withdrawn", "changed"):
        return "withdrawn"
    return None


def _v1_status(record: InductionRecord) -> str | None:
    """v1/v2 `status`: active/completed/leaving → active; withdrawn/changed → withdrawn; else null."""
    if record.induction_status in ("active", "completed", "leaving"):
        return "active"
    if record.induction_status in ("withdrawn", "changed"):
        return "withdrawn"
    return None


def withdrawal_reason(world: World, reason: str | None) -> str | None:
    """`ProgrammeTypeMappings.withdrawal_reason`: with `programme_type_changes_2025` on, `school-left-fip`
    is shown as `switched-to-school-led`; with it off every reason passes through unchanged."""
    if world.flag(FLAG_2025) and reason == "school-left-fip":
        return "switched-to-school-led"
    return reason


def _email(world: World, record: InductionRecord, user: User) -> str:
    """The induction record's preferred identity email if present, else the user's email."""
    identity = world.identities.get(record.preferred_identity_id) if record.preferred_identity_id else None
    return identity.email if identity is not None and identity.email else user.email


def _mentor_user_id(world: World, profile: Profile, record: InductionRecord) -> str | None:
    """ECTs only: the user id of the record's mentor profile; always null for mentors."""
    if profile.participant_type != ECT or not record.mentor_profile_id:
        return None
    mentor = world.profiles.get(record.mentor_profile_id)
    identity = world.identities.get(mentor.identity_id) if mentor is not None else None
    return identity.user_id if identity is not None else None


def _school_urn_and_cohort(world: World, record: InductionRecord) -> tuple[str | None, str | None]:
    """From the record's programme's school cohort: the school's URN and the cohort start year as a string."""
    programme = world.programmes.get(record.induction_programme_id)
    if programme is None:
        return None, None
    school = world.schools.get(programme.school_id)
    return (school.urn if school is not None else None), str(programme.cohort)


def _trn_validated(profile: Profile) -> bool | None:
    """Null when there is no TRN; otherwise true iff an eligibility record exists whose reason is not
    `different_trn`. (inferred) The world has no separate eligibility record: one "exists" when the
    profile has an eligibility status or reason, and a null reason stands for ECF1's default `none`."""
    if profile.trn is None:
        return None
    has_record = profile.eligibility_status is not None or profile.eligibility_reason is not None
    return has_record and profile.eligibility_reason != "different_trn"


def _eligible_for_funding(profile: Profile) -> bool | None:
    """`eligible` → true, `ineligible` → false, anything else (matched, manual_check, none) → null."""
    if profile.eligibility_status == "eligible":
        return True
    if profile.eligibility_status == "ineligible":
        return False
    return None


def _v1_record(world: World, profile_id: str, lead_provider_id: str,
               cohorts: Collection[int] | None) -> InductionRecord | None:
    """§3.1 scope: the latest record in one of the provider's *unchallenged* partnerships whose schedule
    cohort is in the cohort filter — the filter is applied before "latest" is chosen."""
    records = [r for r in world.provider_records(profile_id, lead_provider_id)
               if world.partnership_of_record(r).unchallenged and _cohort_ok(r.schedule_cohort, cohorts)]
    return max(records, key=latest_first_key, default=None)


def _v1_entry(world: World, user: User, profile: Profile, record: InductionRecord) -> dict:
    identity = world.identities[profile.identity_id]
    school_urn, cohort = _school_urn_and_cohort(world, record)
    attributes = {
        "email": _email(world, record, user),
        "full_name": user.full_name,
        "mentor_id": _mentor_user_id(world, profile, record),
        "school_urn": school_urn,
        "participant_type": profile.participant_type,
        "cohort": cohort,
        "status": _v1_status(record),
        "teacher_reference_number": profile.trn,
        "teacher_reference_number_validated": _trn_validated(profile),
        "eligible_for_funding": _eligible_for_funding(profile),
        "pupil_premium_uplift": profile.pupil_premium_uplift,
        "sparsity_uplift": profile.sparsity_uplift,
        "training_status": record.training_status,
        "training_record_id": profile.profile_id,
        "schedule_identifier": record.schedule_identifier,
        "updated_at": rfc3339(max(profile.updated_at, user.updated_at, identity.updated_at, record.updated_at)),
    }
    return {"id": str(identity.user_id), "type": PARTICIPANT_TYPE, "attributes": attributes}


def _entry_order(profile: Profile) -> tuple:
    return (profile.participant_type != ECT, profile.created_at, profile.profile_id)


def participant_resources_v1(world: World, lead_provider_id: str, user_id: str, now: datetime, *,
                             cohorts: Collection[int] | None = None) -> list[dict]:
    """The v1/v2 list entries of one user: one flat object per ECT or mentor profile that has a latest
    induction record in one of this provider's unchallenged partnerships with its schedule cohort in
    `cohorts` (default: every cohort after 2020), `id` = user id (§3.1). Withdrawn participants are
    included. `[]` when the user is not visible to the provider.

    Attributes, in order: email, full_name, mentor_id, school_urn, participant_type, cohort, status,
    teacher_reference_number, teacher_reference_number_validated, eligible_for_funding,
    pupil_premium_uplift, sparsity_uplift, training_status, training_record_id, schedule_identifier,
    updated_at (max of the profile, user, the profile's identity and the record).

    (inferred) The live order of a user's two entries is not defined; here ECT first, then mentor (then
    profile creation). `now` is accepted for symmetry with v3: nothing in v1/v2 depends on the clock.
    """
    user = world.users.get(user_id)
    if user is None:
        return []
    entries = []
    for profile in sorted(world.profiles_of_user(user_id), key=_entry_order):
        record = _v1_record(world, profile.profile_id, lead_provider_id, cohorts)
        if record is not None:
            entries.append(_v1_entry(world, user, profile, record))
    return entries


def participant_resource_v1(world: World, lead_provider_id: str, user_id: str, now: datetime,
                            course_identifier: str | None = None, *, profile_id: str | None = None,
                            cohorts: Collection[int] | None = None) -> dict | None:
    """One v1/v2 participant object, or None (the live 404).

    * Show (`GET …/participants/ecf/{id}`): the user's list entry; the ECT one when there are two.
    * `course_identifier` (`ecf-induction` / `ecf-mentor`): the entry of that profile type.
    * `profile_id` (a participant action's receipt: the acted-on profile): that profile's entry. (inferred)
      The live action answer serializes the provider's relevant induction record of the profile, with no
      cohort filter; so the cohort filter is not applied, and when the profile has no record in an
      unchallenged partnership the provider's latest record in any of its partnerships is used.
    """
    user = world.users.get(user_id)
    if user is None:
        return None
    if profile_id is not None:
        profile = world.profiles.get(profile_id)
        if profile is None or world.identities[profile.identity_id].user_id != user_id:
            return None
        record = (world.latest_provider_record(profile_id, lead_provider_id, unchallenged_only=True)
                  or world.latest_provider_record(profile_id, lead_provider_id))
        return _v1_entry(world, user, profile, record) if record is not None else None
    entries = participant_resources_v1(world, lead_provider_id, user_id, now, cohorts=cohorts)
    if course_identifier is not None:
        wanted = TYPE_FOR_COURSE.get(course_identifier)
        return next((e for e in entries if e["attributes"]["participant_type"] == wanted), None)
    return next((e for e in entries if e["attributes"]["participant_type"] == ECT), entries[0] if entries else None)


# v2 participants are byte-identical to v1 (same controller, query and serializer: §3.1).
participant_resources_v2 = participant_resources_v1
participant_resource_v2 = participant_resource_v1


def _provider_state_object(world: World, profile: Profile, lead_provider_id: str, state: str,
                           map_reason: bool) -> dict | None:
    """`{"reason","date"}` from this provider's latest profile state of kind `state`, or None."""
    states = [s for s in world.provider_states.get((profile.profile_id, lead_provider_id), ()) if s.state == state]
    if not states:
        return None
    latest = max(reversed(states), key=lambda s: s.created_at)  # ties: the one recorded last
    reason = withdrawal_reason(world, latest.reason) if map_reason else latest.reason
    return {"reason": reason, "date": rfc3339(latest.created_at)}


def _enrolment(world: World, user: User, profile: Profile, record: InductionRecord, lead_provider_id: str,
               now: datetime) -> dict:
    school_urn, cohort = _school_urn_and_cohort(world, record)
    partnership = world.partnership_of_record(record)
    withdrawal = (_provider_state_object(world, profile, lead_provider_id, "withdrawn", map_reason=True)
                  if record.training_status == "withdrawn" else None)
    deferral = (_provider_state_object(world, profile, lead_provider_id, "deferred", map_reason=False)
                if record.training_status == "deferred" else None)
    return {
        "training_record_id": profile.profile_id,
        "email": _email(world, record, user),
        "mentor_id": _mentor_user_id(world, profile, record),
        "school_urn": school_urn,
        "participant_type": profile.participant_type,
        "cohort": cohort,
        "training_status": record.training_status,
        "participant_status": participant_status(record, now),
        "teacher_reference_number_validated": _trn_validated(profile),
        "eligible_for_funding": _eligible_for_funding(profile),
        "pupil_premium_uplift": profile.pupil_premium_uplift,
        "sparsity_uplift": profile.sparsity_uplift,
        "schedule_identifier": record.schedule_identifier,
        "delivery_partner_id": partnership.delivery_partner_id if partnership is not None else None,
        "withdrawal": withdrawal,
        "deferral": deferral,
        "created_at": rfc3339(profile.created_at),
        "induction_end_date": iso_date(profile.induction_end_on),
        "mentor_funding_end_date": iso_date(profile.mentor_completion_on),
        "cohort_changed_after_payments_frozen": bool(profile.cohort_changed_after_payments_frozen),
        "mentor_ineligible_for_funding_reason": profile.mentor_completion_reason if profile.participant_type == MENTOR
        else None,
    }


def participant_resource_v3(world: World, lead_provider_id: str, user_id: str, now: datetime, *,
                            cohorts: Collection[int] | None = None, visible_only: bool = True) -> dict | None:
    """The v3 participant (one object per user, §3.3), or None when the user is not visible: no profile
    has a latest record in this provider's unchallenged partnerships with its schedule cohort in
    `cohorts` (default: every cohort after 2020; "latest" is chosen over all cohorts, the filter after).

    Attributes: full_name, teacher_reference_number, updated_at, ecf_enrolments, participant_id_changes.

    * `ecf_enrolments`: one object per profile with a latest unchallenged induction record with this
      provider (21 keys, §3.3). `participant_status` is computed against `now`. `withdrawal` /
      `deferral` are set only when the record's training status is withdrawn / deferred and this provider
      recorded such a state (its latest one; withdrawal reasons through the 2025 mapping).
      (inferred) Order: by the chosen record's `created_at`, then profile id.
    * `participant_id_changes`: newest first.
    * `updated_at`: max over the user, all the user's identities and profiles, and every induction record
      of those profiles (any provider).
    * `teacher_reference_number`: (inferred) the first non-null TRN among the user's profiles (live: the
      user's single teacher profile; no fallback to validation data).

    `visible_only=False` (for a participant action's receipt, inferred: the live action answer serializes
    the acted-on user without the list's cohort scope) builds the object for any known user, even when no
    enrolment is in `cohorts` (or there is none at all: `ecf_enrolments` is then `[]`).
    """
    user = world.users.get(user_id)
    if user is None:
        return None
    profiles = world.profiles_of_user(user_id)
    chosen = []
    for profile in profiles:
        record = world.latest_provider_record(profile.profile_id, lead_provider_id, unchallenged_only=True)
        if record is not None:
            chosen.append((profile, record))
    if visible_only and not any(_cohort_ok(record.schedule_cohort, cohorts) for _, record in chosen):
        return None
    chosen.sort(key=lambda pair: (pair[1].created_at, pair[0].profile_id))

    identities = [world.identities[i] for i in world.identities_by_user.get(user_id, ())]
    records = [r for profile in profiles for r in world.records_of(profile.profile_id)]
    updated_at = max([user.updated_at, *(i.updated_at for i in identities), *(p.updated_at for p in profiles),
                      *(r.updated_at for r in records)])
    changes = sorted(world.participant_id_changes.get(user_id, ()), key=lambda c: c.changed_at, reverse=True)
    attributes = {
        "full_name": user.full_name,
        "teacher_reference_number": next((p.trn for p in profiles if p.trn is not None), None),
        "updated_at": rfc3339(updated_at),
        "ecf_enrolments": [_enrolment(world, user, profile, record, lead_provider_id, now)
                           for profile, record in chosen],
        "participant_id_changes": [
            {"from_participant_id": c.from_participant_id, "to_participant_id": c.to_participant_id,
             "changed_at": rfc3339(c.changed_at)}
            for c in changes],
    }
    return {"id": str(user_id), "type": PARTICIPANT_TYPE, "attributes": attributes}


# ---------------------------------------------------------------------------------------------- partnerships
def partnership_resource(world: World, partnership: Partnership) -> dict:
    """The v3 partnership (§3.7): cohort, urn, school_id, delivery_partner_id, delivery_partner_name,
    status (`challenged` when `challenge_reason` is set, the model's own test), challenged_reason,
    challenged_at (**milliseconds**, §2.2), induction_tutor_name, induction_tutor_email, created_at,
    updated_at.

    `updated_at` is the max of the partnership, its school and its delivery partner. The live fourth
    source, the school's induction coordinator *user*, is not in the world (its name and email are kept on
    the school), so it cannot contribute. `induction_tutor_email` is the school's tutor email (live: the
    school's contact email, nullable (inferred)).
    """
    school = world.schools[partnership.school_id]
    delivery_partner = world.delivery_partners.get(partnership.delivery_partner_id)
    sources = [partnership.updated_at, school.updated_at]
    if delivery_partner is not None:
        sources.append(delivery_partner.updated_at)
    attributes = {
        "cohort": str(partnership.cohort),
        "urn": school.urn,
        "school_id": school.school_id,
        "delivery_partner_id": partnership.delivery_partner_id,
        "delivery_partner_name": delivery_partner.name if delivery_partner is not None else None,
        "status": "challenged" if partnership.challenged else "active",
        "challenged_reason": partnership.challenge_reason,
        "challenged_at": rfc3339_millis(partnership.challenged_at),
        "induction_tutor_name": school.induction_tutor_name,
        "induction_tutor_email": school.induction_tutor_email,
        "created_at": rfc3339(partnership.created_at),
        "updated_at": rfc3339(max(sources)),
    }
    return {"id": str(partnership.partnership_id), "type": PARTNERSHIP_TYPE, "attributes": attributes}
