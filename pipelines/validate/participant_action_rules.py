"""The live checks of the participant action endpoints (`declarations.md` §4.2–§4.4).

* `check_withdraw`, `check_defer`, `check_resume` — `PUT /api/v{n}/participants/ecf/{id}/{action}`
  (`WithdrawParticipant`, `DeferParticipant`, `ResumeParticipant`): §4.3's checks in its order and
  gating. Accepted → `ActionAccepted`: the resolved user and profile, the provider's latest induction
  record (the one the action closes and copies), the new training status (also the
  participant-profile state to write) and the reason as sent.
* `check_change_schedule` — `PUT /api/v{n}/participants/ecf/{id}/change-schedule` (`ChangeSchedule`):
  §4.4's checks 1–10 and quirks. Accepted → `ScheduleChangeAccepted`.

All four are pure (they read the world, never change it) and take `now`, the request's effective
instant (used for `payments_frozen?` in the change-schedule cohort rules). `participant_id` is the
path `{id}`; `attributes` is `data.attributes` after the permit list (scalars as sent).

Resolution (`declarations.md` §1.1): identity = `World.resolve_identity(participant_id, course)`,
profile = `World.resolve_profile(identity, course)` (the identity's first active-record profile of
the course's type). "Course recognised" asks whether the identity's *user* has an active-record
profile of that course (`World.user_has_active_profile_for_course`). "The provider's induction
record" is `Induction::FindBy` with the provider: `World.latest_provider_record` over every record
whose programme's partnership is the provider's, challenged or not.

§4.3, in order (errors accumulate; "gated" = only when nothing failed before):

1. identity not resolved → `participant_id` "not recognised";
2. gated: course not recognised for the user → `course_identifier` (not recognised);
3. course blank → `course_identifier` "Enter a '#/course_identifier' value…" (a missing course gets
   both course messages, joined);
4. gated: profile not resolved, or the provider has no induction record for it →
   `participant_id` "not recognised";
5. withdraw (only when the profile resolved) and defer (always): reason blank → "must be present";
   reason not in the list (§4.2) → "must be a valid reason" (a missing reason gets both);
6. defer: latest record `deferred` → "already deferred"; withdraw, defer: latest record
   `withdrawn` → "already withdrawn"; resume: latest record `active` → "already active"
   (title `participant_profile`). So resume works from `deferred` *and* `withdrawn`.

Withdrawal reasons depend on the database flag `programme_type_changes_2025`
(`World.flag`): on → `switched-to-school-led` is accepted and `school-left-fip` is not; off → the
reverse. The reason is carried as sent.

§4.4 (change schedule), in order:

1. identity not resolved → `participant_id` "not recognised";
2. gated: course not recognised; then course blank (as §4.3);
3. gated: profile not resolved or no provider induction record → `participant_id` "not recognised";
4. `schedule_identifier` blank → `schedule_identifier` "must be present…";
5. the provider's latest record is `withdrawn` → `participant_id` "Cannot perform actions on a
   withdrawn participant";
6. each of the profile's declarations (any provider) in submitted/eligible/payable/paid — less, for a
   participant already moved out of a frozen cohort (`cohort_changed_after_payments_frozen`), those
   whose cohort has `payments_frozen_at` set — must fit the new schedule's milestone of its type:
   `declaration_date <= start 00:00Z` or `declaration_date > milestone_date 23:59:59.999999Z` →
   `schedule_identifier` "would invalidate existing declarations" (the `<=` quirk: a declaration dated
   exactly at the new start midnight blocks). **Quirk**: when the new schedule has no milestone for a
   declaration's type the live lookup raises `RecordNotFound` and the whole answer is **404**
   `{"error":"Resource not Found"}`, whatever else failed. Skipped when the new schedule is unknown, and
   entirely for an allowed frozen-cohort move;
7. the new schedule is the profile's schedule and the provider's latest record already carries it
   (or there is no record) → "Selected schedule is already on the profile";
8. the course is not one the new schedule permits (`ecf-replacement-*`, `Finance::Schedule::Mentor`:
   `ecf-mentor` only; the others, `Finance::Schedule::ECF`: `ecf-induction` and `ecf-mentor`) → "Selected
   schedule is not valid for the course" (live `PERMITTED_COURSE_IDENTIFIERS.include?`, so an unknown
   course fails here too);
9. unless an allowed frozen-cohort move: any of step 6's declarations, a provider record, and a target
   cohort other than that record's schedule cohort → `cohort` "You cannot change the '#/cohort' field";
10. no active (unchallenged, not pending) partnership of the provider with the school of its latest
    record for the target cohort — a relationship partnership counts only when just the schedule
    identifier changes within the record's cohort → `cohort` "…do not have a partnership…".

Target cohort: `cohort` cast as `attribute :cohort, :integer` (`partnership_rules.rails_integer`:
`"2025"` → 2025; `""`/missing → the default; `"abc"` → 0, which names no cohort). Default: the cohort
of the provider's latest record's school cohort (its programme's cohort), else the profile's schedule
cohort, else `Cohort.current` — the latest cohort whose academic year has started **(inferred)**. The
new schedule is `(schedule_identifier, target cohort)` in `World.schedules` (the seed data has no
`identifier_alias`, and the world keeps none).

**Quirk**: an unknown but non-blank `schedule_identifier` passes checks 1–10 (6–8 are skipped) and the
live save then fails → 422 `{"title":"Invalid action","detail":"Validation failed: Schedule must exist"}`.

What the save changes (§4.4 "On success": the profile, its school cohort if the cohort changed, and the
provider's induction record). Within a cohort the record keeps its programme. When the cohort changes,
the profile moves to the target school cohort (at the school of the provider's latest record) and the
record into that school cohort's default programme — the live `ChangeSchedule#induction_programme`
**(inferred)**. Two more saves can then fail the way the schedule does (`ActiveRecord::RecordInvalid`
rendered as `Invalid action`) **(inferred)**: no target school cohort → "Validation failed: School
cohort must exist"; no default programme → "Validation failed: Induction programme must exist".

Frozen-cohort moves (`declarations.md` §4.4 rows 6 and 9, §5; `cohorts.payments_frozen_at`). A move is
*allowed* when either

* the participant continues training out of a frozen cohort: target cohort 2024
  (`DESTINATION_FROM_FROZEN_COHORT`), the profile's schedule cohort has `payments_frozen_at` set, the
  profile has a billable (eligible/payable/paid) declaration of a type other than `completed` and no
  billable `completed` one, and its training is unfinished (ECT: no induction completion date; mentor:
  no mentor completion date — the live scope exists for both types); or
* the participant goes back to its frozen original cohort: the profile is flagged
  `cohort_changed_after_payments_frozen`, the target cohort's payments are frozen now
  (`payments_frozen_at <= now`), the profile has no submitted/eligible/payable/paid declaration in its
  current schedule cohort and has a billable declaration in the target cohort.

An allowed move skips checks 6 and 9; when it changes the cohort, the profile's
`cohort_changed_after_payments_frozen` flag toggles (`ScheduleChangeAccepted.cohort_changed_after_payments_frozen`
is the new value).

**Deliberate differences from the live service** (`product.md` §5):

* An unknown target cohort (e.g. `cohort: "2030"`) with the allowed-move test: the live test reads the
  start year of the missing cohort (a crash, 500). The product treats it as "not an allowed move",
  so the request gets its ordinary 422 (check 10 always fails for a cohort that does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Any

from pipelines.validate.envelope import (
    ALREADY_WITHDRAWN, COURSE_MISSING, COURSE_NOT_RECOGNISED, NOT_FOUND, PARTICIPANT_NOT_RECOGNISED, REASON_INVALID,
    REASON_MISSING, ErrorCollector, Response, invalid_action,
)
from pipelines.validate.partnership_rules import rails_integer
from pipelines.validate.request_body import is_blank
from pipelines.world.model import (
    BILLABLE_LINE_STATES, ECT, LIVE_STATES, Declaration, Identity, InductionRecord, Partnership, Profile, Schedule,
)
from pipelines.world.world import World

__all__ = [
    "ACTIVE", "ALREADY_ACTIVE", "ALREADY_DEFERRED", "ActionAccepted", "CANNOT_CHANGE_COHORT", "DEFERRAL_REASONS",
    "DEFERRED", "DESTINATION_FROM_FROZEN_COHORT", "NO_PARTNERSHIP_FOR_COHORT", "SCHEDULE_ALREADY_ON_PROFILE",
    "SCHEDULE_INVALIDATES_DECLARATIONS", "SCHEDULE_INVALID_FOR_COURSE", "SCHEDULE_MISSING", "SCHEDULE_MUST_EXIST",
    "ScheduleChangeAccepted", "WITHDRAWN", "WITHDRAWN_PARTICIPANT", "check_change_schedule", "check_defer",
    "check_resume", "check_withdraw", "withdrawal_reasons",
]

ACTIVE, DEFERRED, WITHDRAWN = "active", "deferred", "withdrawn"

# --- messages (config/locales/en.yml) -------------------------------------------------------------
ALREADY_DEFERRED = "The participant is already deferred"
ALREADY_ACTIVE = "The participant is already active"
SCHEDULE_MISSING = "The property '#/schedule_identifier' must be present and correspond to a valid schedule"
WITHDRAWN_PARTICIPANT = "Cannot perform actions on a withdrawn participant"
SCHEDULE_INVALIDATES_DECLARATIONS = "Changing schedule would invalidate existing declarations. Please void them first."
SCHEDULE_ALREADY_ON_PROFILE = "Selected schedule is already on the profile"
SCHEDULE_INVALID_FOR_COURSE = "Selected schedule is not valid for the course"
CANNOT_CHANGE_COHORT = "You cannot change the '#/cohort' field"
NO_PARTNERSHIP_FOR_COHORT = (
    "You cannot change a participant to this cohort as you do not have a partnership with the school for the "
    "cohort. Contact the DfE for assistance.")
SCHEDULE_MUST_EXIST = "Validation failed: Schedule must exist"
SCHOOL_COHORT_MUST_EXIST = "Validation failed: School cohort must exist"
INDUCTION_PROGRAMME_MUST_EXIST = "Validation failed: Induction programme must exist"

# --- reasons (§4.2) -------------------------------------------------------------------------------
_WITHDRAW_REASONS = ("left-teaching-profession", "moved-school", "mentor-no-longer-being-mentor", "school-left-fip",
                     "other")
DEFERRAL_REASONS = ("bereavement", "long-term-sickness", "parental-leave", "career-break", "other")
PROGRAMME_TYPE_CHANGES_FLAG = "programme_type_changes_2025"

# Schedule families and the courses they permit (`Finance::Schedule::ECF` / `::Mentor`).
_ECF_COURSES = ("ecf-induction", "ecf-mentor")
_MENTOR_SCHEDULE_COURSES = ("ecf-mentor",)

DESTINATION_FROM_FROZEN_COHORT = 2024


def withdrawal_reasons(world: World) -> tuple[str, ...]:
    """`WITHDRAW_REASONS` through `ProgrammeTypeMappings`: with the flag on, `school-left-fip` is
    replaced by `switched-to-school-led`."""
    if not world.flag(PROGRAMME_TYPE_CHANGES_FLAG):
        return _WITHDRAW_REASONS
    return tuple("switched-to-school-led" if reason == "school-left-fip" else reason for reason in _WITHDRAW_REASONS)


# --- decisions ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActionAccepted:
    """Withdraw, defer or resume passed: write the provider state `new_training_status` (with `reason`)
    and close `record` with a copy carrying the new training status."""
    user_id: str
    profile: Profile
    record: InductionRecord  # the provider's latest induction record
    new_training_status: str  # active, deferred or withdrawn (also the participant-profile state)
    reason: Any  # as sent (withdraw, defer); None for resume


@dataclass(frozen=True)
class ScheduleChangeAccepted:
    """Change schedule passed. The save (§4.4 "On success"): the profile takes `schedule` (and `cohort`);
    `record` (the provider's latest induction record) is closed and copied with the new schedule into
    `induction_programme_id`. Within the cohort that is `record`'s own programme. When the cohort
    changes, the profile moves to the school cohort (`school_id`, `cohort`) and the copy goes into that
    school cohort's default programme **(inferred** from `ChangeSchedule#induction_programme`)."""
    user_id: str
    profile: Profile
    record: InductionRecord
    schedule: Schedule  # the new schedule
    cohort: int  # the target cohort (== schedule.cohort)
    cohort_changes: bool  # target cohort differs from the profile's schedule cohort
    school_id: str  # the school of `record` (whose school cohort the profile moves to)
    induction_programme_id: str  # the programme of the new induction record
    frozen_cohort_move: bool  # an allowed frozen-cohort move (checks 6 and 9 skipped)
    cohort_changed_after_payments_frozen: bool  # the profile flag's new value


# --- shared steps ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Resolved:
    identity: Identity | None
    profile: Profile | None
    record: InductionRecord | None  # the provider's latest induction record for the profile


def _resolve(world: World, lead_provider_id: str, participant_id: Any, course: Any) -> _Resolved:
    identity = world.resolve_identity(participant_id, course)
    profile = world.resolve_profile(identity, course)
    record = world.latest_provider_record(profile.profile_id, lead_provider_id) if profile else None
    return _Resolved(identity, profile, record)


def _check_participant(world: World, resolved: _Resolved, course: Any, errors: ErrorCollector) -> None:
    """§4.3 steps 1–4 (§4.4 checks 1–3): identity, course recognised (gated), course present,
    profile and provider induction record (gated)."""
    if resolved.identity is None:
        errors.add("participant_id", PARTICIPANT_NOT_RECOGNISED)
    if not errors and not world.user_has_active_profile_for_course(resolved.identity.user_id, course):
        errors.add("course_identifier", COURSE_NOT_RECOGNISED)
    if is_blank(course):
        errors.add("course_identifier", COURSE_MISSING)
    if not errors and (resolved.profile is None or resolved.record is None):
        errors.add("participant_id", PARTICIPANT_NOT_RECOGNISED)


def _check_reason(reason: Any, allowed: tuple[str, ...], errors: ErrorCollector) -> None:
    if is_blank(reason):
        errors.add("reason", REASON_MISSING)
    if not isinstance(reason, str) or reason not in allowed:
        errors.add("reason", REASON_INVALID)


def _training_status(resolved: _Resolved) -> str | None:
    return resolved.record.training_status if resolved.profile and resolved.record else None


def _accepted(resolved: _Resolved, errors: ErrorCollector, new_status: str, reason: Any) -> ActionAccepted | Response:
    if errors:
        return errors.response(422)
    return ActionAccepted(resolved.identity.user_id, resolved.profile, resolved.record, new_status, reason)


# --- withdraw / defer / resume (§4.3) -------------------------------------------------------------

def check_withdraw(world: World, lead_provider_id: str, participant_id: Any, attributes: dict[str, Any],
                   now: datetime) -> ActionAccepted | Response:
    """`WithdrawParticipant`: reason checked only when the profile resolved; refused when the
    provider's latest record is already `withdrawn` (works from `active` and `deferred`)."""
    course, reason = attributes.get("course_identifier"), attributes.get("reason")
    resolved = _resolve(world, lead_provider_id, participant_id, course)
    errors = ErrorCollector()
    _check_participant(world, resolved, course, errors)
    if resolved.profile is not None:
        _check_reason(reason, withdrawal_reasons(world), errors)
    if _training_status(resolved) == WITHDRAWN:
        errors.add("participant_profile", ALREADY_WITHDRAWN)
    return _accepted(resolved, errors, WITHDRAWN, reason)


def check_defer(world: World, lead_provider_id: str, participant_id: Any, attributes: dict[str, Any],
                now: datetime) -> ActionAccepted | Response:
    """`DeferParticipant`: reason always checked; works only from `active`."""
    course, reason = attributes.get("course_identifier"), attributes.get("reason")
    resolved = _resolve(world, lead_provider_id, participant_id, course)
    errors = ErrorCollector()
    _check_participant(world, resolved, course, errors)
    _check_reason(reason, DEFERRAL_REASONS, errors)
    status = _training_status(resolved)
    if status == DEFERRED:
        errors.add("participant_profile", ALREADY_DEFERRED)
    if status == WITHDRAWN:
        errors.add("participant_profile", ALREADY_WITHDRAWN)
    return _accepted(resolved, errors, DEFERRED, reason)


def check_resume(world: World, lead_provider_id: str, participant_id: Any, attributes: dict[str, Any],
                 now: datetime) -> ActionAccepted | Response:
    """`ResumeParticipant`: no reason; refused only when already `active`, so a `withdrawn`
    participant can be resumed (the locale's "Cannot resume a withdrawn participant" is unused)."""
    course = attributes.get("course_identifier")
    resolved = _resolve(world, lead_provider_id, participant_id, course)
    errors = ErrorCollector()
    _check_participant(world, resolved, course, errors)
    if _training_status(resolved) == ACTIVE:
        errors.add("participant_profile", ALREADY_ACTIVE)
    return _accepted(resolved, errors, ACTIVE, None)


# --- change schedule (§4.4) -----------------------------------------------------------------------

def _start_of_day(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _end_of_day(day) -> datetime:
    return datetime.combine(day, time.max, tzinfo=timezone.utc)


def _payments_frozen(world: World, cohort: int, now: datetime) -> bool:
    """`Cohort#payments_frozen?`: frozen-at set and now at or after it."""
    record = world.cohorts.get(cohort)
    return record is not None and record.payments_frozen_at is not None and now >= record.payments_frozen_at


def _frozen_at_set(world: World, cohort: int) -> bool:
    record = world.cohorts.get(cohort)
    return record is not None and record.payments_frozen_at is not None


def current_cohort(world: World, now: datetime) -> int | None:
    """`Cohort.current` **(inferred)**: the latest cohort whose academic year has started."""
    started = [year for year, cohort in world.cohorts.items() if cohort.academic_year_start_on <= now.date()]
    return max(started, default=None)


def _profile_declarations(world: World, user_id: str, profile: Profile) -> list[Declaration]:
    return [d for d in world.declarations_of_user(user_id) if d.profile_id == profile.profile_id]


def _applicable_declarations(world: World, declarations: list[Declaration], profile: Profile) -> list[Declaration]:
    """The profile's submitted/eligible/payable/paid declarations, less the frozen-cohort ones of a
    participant already moved out of a frozen cohort."""
    live = [d for d in declarations if d.state in LIVE_STATES]
    if profile.cohort_changed_after_payments_frozen:
        live = [d for d in live if not _frozen_at_set(world, d.cohort)]
    return live


def _continues_training_out_of_frozen_cohort(world: World, profile: Profile, declarations: list[Declaration],
                                             target: int) -> bool:
    """`eligible_to_change_cohort_and_continue_training?`."""
    if target != DESTINATION_FROM_FROZEN_COHORT or not _frozen_at_set(world, profile.cohort):
        return False
    finished = profile.induction_end_on if profile.participant_type == ECT else profile.mentor_completion_on
    if finished is not None:
        return False
    billable = [d for d in declarations if d.state in BILLABLE_LINE_STATES]
    if any(d.declaration_type == "completed" for d in billable):
        return False
    return any(d.declaration_type != "completed" for d in billable)


def _returns_to_frozen_original_cohort(world: World, profile: Profile, declarations: list[Declaration],
                                       target: int, now: datetime) -> bool:
    """`eligible_to_change_cohort_back_to_their_payments_frozen_original?`."""
    if not profile.cohort_changed_after_payments_frozen or not _payments_frozen(world, target, now):
        return False
    if any(d.cohort == profile.cohort and d.state in LIVE_STATES for d in declarations):
        return False
    return any(d.cohort == target and d.state in BILLABLE_LINE_STATES for d in declarations)


def _allowed_frozen_cohort_move(world: World, profile: Profile, declarations: list[Declaration],
                                target: int | None, now: datetime) -> bool:
    if target is None:  # deliberate difference: the live test would crash on the missing cohort
        return False
    return (_continues_training_out_of_frozen_cohort(world, profile, declarations, target)
            or _returns_to_frozen_original_cohort(world, profile, declarations, target, now))


def _target_cohort(world: World, raw_cohort: Any, resolved: _Resolved, now: datetime) -> int | None:
    """`ChangeSchedule#cohort`: the sent cohort if it casts to an integer (None when no such cohort),
    else the default."""
    sent = rails_integer(raw_cohort)
    if sent is not None:
        return sent if sent in world.cohorts else None
    if resolved.record is not None:
        programme = world.programmes.get(resolved.record.induction_programme_id)
        if programme is not None:
            return programme.cohort
    if resolved.profile is not None:
        return resolved.profile.cohort
    return current_cohort(world, now)


def _invalidated_by(schedule: Schedule, declaration: Declaration) -> bool | None:
    """Check 6 for one declaration: True if the new schedule's milestone does not admit it; None when
    the schedule has no milestone of its type (the live `find_by!` → 404)."""
    milestone = schedule.milestones.get(declaration.declaration_type)
    if milestone is None:
        return None
    if declaration.declaration_date <= _start_of_day(milestone.start_on):
        return True
    return milestone.end_on is not None and _end_of_day(milestone.end_on) < declaration.declaration_date


def _school_of(world: World, record: InductionRecord | None) -> str | None:
    programme = world.programmes.get(record.induction_programme_id) if record else None
    return programme.school_id if programme else None


def _school_partnership(world: World, lead_provider_id: str, school_id: str | None, target: int | None,
                        record: InductionRecord | None, schedule: Schedule | None) -> Partnership | None:
    """Check 10: the provider's active non-relationship partnership with the school for the target
    cohort; or, when only the schedule identifier changes within the record's cohort, any active one."""
    if school_id is None or target is None:
        return None
    active = sorted((p for p in world.partnerships_of_school_cohort(school_id, target)
                     if p.lead_provider_id == lead_provider_id and p.unchallenged and not p.pending),
                    key=lambda p: p.partnership_id)
    normal = [p for p in active if not p.relationship]
    if normal:
        return normal[0]
    identifier_only = (target == record.schedule_cohort and
                       (schedule is None or (schedule.identifier, schedule.cohort)
                        != (record.schedule_identifier, record.schedule_cohort)))
    return active[0] if identifier_only and active else None


def check_change_schedule(world: World, lead_provider_id: str, participant_id: Any, attributes: dict[str, Any],
                          now: datetime) -> ScheduleChangeAccepted | Response:
    """`ChangeSchedule` (§4.4): checks 1–10 in order, then the save's own failures."""
    course = attributes.get("course_identifier")
    raw_identifier = attributes.get("schedule_identifier")
    resolved = _resolve(world, lead_provider_id, participant_id, course)
    identity, profile, record = resolved.identity, resolved.profile, resolved.record
    target = _target_cohort(world, attributes.get("cohort"), resolved, now)
    schedule = world.schedules.get((raw_identifier, target)) if isinstance(raw_identifier, str) else None
    declarations = _profile_declarations(world, identity.user_id, profile) if profile else []
    applicable = _applicable_declarations(world, declarations, profile) if profile else []
    frozen_move = profile is not None and _allowed_frozen_cohort_move(world, profile, declarations, target, now)

    errors = ErrorCollector()
    _check_participant(world, resolved, course, errors)  # 1–3
    if is_blank(raw_identifier):  # 4
        errors.add("schedule_identifier", SCHEDULE_MISSING)
    if profile is not None and record is not None and record.training_status == WITHDRAWN:  # 5
        errors.add("participant_id", WITHDRAWN_PARTICIPANT)
    if profile is not None and schedule is not None and not frozen_move:  # 6
        for declaration in applicable:
            invalid = _invalidated_by(schedule, declaration)
            if invalid is None:
                return Response(404, NOT_FOUND)
            if invalid:
                errors.add("schedule_identifier", SCHEDULE_INVALIDATES_DECLARATIONS)
    if (profile is not None and schedule is not None  # 7
            and (schedule.identifier, schedule.cohort) == (profile.schedule_identifier, profile.cohort)
            and (record is None or (record.schedule_identifier, record.schedule_cohort)
                 == (schedule.identifier, schedule.cohort))):
        errors.add("schedule_identifier", SCHEDULE_ALREADY_ON_PROFILE)
    if schedule is not None:  # 8
        permitted = _MENTOR_SCHEDULE_COURSES if schedule.is_replacement else _ECF_COURSES
        if course not in permitted:
            errors.add("schedule_identifier", SCHEDULE_INVALID_FOR_COURSE)
    if (profile is not None and not frozen_move and applicable and record is not None  # 9
            and record.schedule_cohort != target):
        errors.add("cohort", CANNOT_CHANGE_COHORT)
    school_id = _school_of(world, record)
    partnership = _school_partnership(world, lead_provider_id, school_id, target, record, schedule) if profile else None
    if profile is not None and partnership is None:  # 10
        errors.add("cohort", NO_PARTNERSHIP_FOR_COHORT)
    if errors:
        return errors.response(422)
    return _saved(world, identity, profile, record, schedule, target, school_id, partnership, frozen_move)


def _saved(world: World, identity: Identity, profile: Profile, record: InductionRecord, schedule: Schedule | None,
           target: int, school_id: str, partnership: Partnership,
           frozen_move: bool) -> ScheduleChangeAccepted | Response:
    """The live save, in its order: the profile's new schedule (must exist); for a cohort change, the
    profile's target school cohort (must exist) and the new record's programme (must exist)."""
    if schedule is None:
        return Response(422, invalid_action(SCHEDULE_MUST_EXIST))
    cohort_changes = schedule.cohort != profile.cohort
    programme_id = record.induction_programme_id
    if cohort_changes:
        school_cohort = world.school_cohorts.get((school_id, target))
        if school_cohort is None:
            return Response(422, invalid_action(SCHOOL_COHORT_MUST_EXIST))
        programme_id = (record.induction_programme_id if partnership.relationship
                        else school_cohort.default_induction_programme_id)
        if programme_id is None or programme_id not in world.programmes:
            return Response(422, invalid_action(INDUCTION_PROGRAMME_MUST_EXIST))
    flag = profile.cohort_changed_after_payments_frozen
    if cohort_changes and frozen_move:
        flag = not flag
    return ScheduleChangeAccepted(identity.user_id, profile, record, schedule, schedule.cohort, cohort_changes,
                                  school_id, programme_id, frozen_move, flag)
