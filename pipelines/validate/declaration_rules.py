"""Declaration rules: `POST participant-declarations` and `PUT participant-declarations/{id}/void`.

Pure functions over a `World` (no IO, no mutation). `check_declaration` applies the live
validation pipeline of `declarations.md` §1.2 (steps 0–14, in order, with the gating of 12–14) and,
on success, decides what the live service would store (§1.3 TRN duplicate, §1.4 evidence nulling,
§1.6 state, statement, delivery partner, mentor, uplifts). `check_void` applies §2.1. Each returns
either an "accepted" record for the lifecycle functions to apply, or the exact `Response`.

"Now" is the request's effective instant (`product.md` §4): the future-date check (step 5), the
withdrawal check (step 2 reads the world as it stands) and "today" (`now`'s UTC date) for the
next output-fee statement (step 8, the attached statement, the clawback statement).

Reading `declaration_date` (§1.1, steps 3 and 6). The live service keeps the raw value for the
step-6 pattern and type-casts a copy (`ActiveModel::Type::DateTime`) for everything else:

* a string matching the RFC 3339 pattern (case-insensitive; optional fraction `[.,]digits`,
  optional zone `Z`, `±HH`, `±HHMM`, `±HH:MM`; no zone = UTC) is cast with Ruby's `Time.utc`
  rules: month 1–12, day 1–31 with Ruby's month-end normalisation (`2024-04-31` → `2024-05-01`,
  `2023-02-30` → `2023-03-02`), hour 0–24 (24 only as `24:00:00`), minute 0–59, second 0–60
  (60 rolls over); the fraction is truncated to microseconds. Anything else (month 19, day 32,
  minute 60) casts to nothing → step 3 *and* step 6;
* a string that does not match the pattern gets step 6; its cast follows Ruby's lenient parser
  only for ISO-like forms (`YYYY-M-D`, optionally followed by `T` or spaces and `H:MM[:SS[.frac]]`,
  optionally a zone `Z`/`UTC`/`GMT`/`±HH[[:]MM]`) so that steps 5 and 7 still fire for them as
  live; any other string is treated as not castable (step 3 as well) — an approximation of
  `Date._parse`, which accepts many more forms;
* blank (absent, null, `false`, empty or whitespace-only) → step 3 only.

Deliberate differences from the live service (`product.md` §5: each live crash path gets a clear
422 or 400 instead):

1. **Step 2 with a blank declaration date** (profile resolved, the submitting provider's latest
   participant-profile state is `withdrawn`, the date blank after type-casting): live raises
   `ArgumentError`, which `Api::ApiController` turns into 400; the product gives that very body,
   `{"errors":[{"title":"Bad request","detail":"comparison of ActiveSupport::TimeWithZone with nil failed"}]}`
   (§1.2 notes), for every blank or non-castable date, including the non-string values of 3.
2. **Step 2 with no induction record** of the submitting provider starting on/before the
   declaration date (live: `nil.training_status_active?` → 500): the product treats "no record"
   as "not actively training with this provider at that date" and gives the step-2 422
   (`participant_id`, "This participant withdrew from this course on …"), as for a record whose
   training status is not `active`.
3. **A non-string `declaration_date`** (a JSON number or `true`/`false`): live keeps the value
   uncast and then raises (a number: 400 `comparison of Integer with ActiveSupport::TimeWithZone
   failed`; `true`: 500; `false` counts as blank). The product treats every non-string value as
   blank after type-casting (step 3, `Enter a '#/declaration_date'.`) and, unless it is `false`
   (blank as sent), also as not matching the RFC 3339 pattern (step 6, `Enter a valid RCF3339
   '#/declaration_date'.`).
4. **A TRN duplicate with no open output-fee statement** (only reachable for a participant who is
   not fundable, since step 8 already refuses a fundable one): live fails while attaching the
   `ineligible` line item (500, rolled back, §1.6 point 3). The product answers 422 with the
   step-8 error (`cohort`: "You cannot submit or void declarations for the {cohort} cohort. …")
   and stores nothing. The same answer is used, defensively, if an `eligible` declaration ever
   found no statement (not reachable: step 8 runs for every fundable participant).

Smaller normalisations: a non-string `evidence_held` that passes validation (only possible when
blank, i.e. `false`, for a 2025 `started`) is stored as null; a non-string `participant_id`,
`declaration_type` or `course_identifier` matches nothing (no identity, milestone, slot or course).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from pipelines.instants import as_utc, rfc3339
from pipelines.validate.envelope import (
    COURSE_NOT_RECOGNISED, NOT_FOUND, PARTICIPANT_NOT_RECOGNISED, ErrorCollector, Response, bad_request,
    cohort_closed, invalid_action,
)
from pipelines.validate.request_body import is_blank
from pipelines.world.model import (
    AWAITING_CLAWBACK, BILLABLE_LINE_STATES, ECT, ELIGIBLE, INELIGIBLE, PAID, PAYABLE, SUBMITTED, VOIDED,
    Declaration, Profile,
)
from pipelines.world.world import World

__all__ = [
    "DeclarationAccepted", "VoidAccepted", "cast_declaration_date", "check_declaration", "check_void",
    "matches_rfc3339",
]

UTC = timezone.utc

# --- messages (config/locales/en.yml), exactly as the live service sends them ------------------

NPQ_NOT_SUPPORTED = "NPQ Courses are no longer supported"
WITHDRAWN_BEFORE = ("This participant withdrew from this course on {withdrawal_date}. "
                    "Enter a '#/declaration_date' that's on or before the withdrawal date.")
DATE_MISSING = "Enter a '#/declaration_date'."
TYPE_MISSING = "Enter a '#/declaration_type'."
DATE_IN_FUTURE = "The '#/declaration_date' value cannot be a future date. Check the date and try again."
DATE_INVALID = "Enter a valid RCF3339 '#/declaration_date'."  # sic: RCF3339
DATE_BEFORE_MILESTONE_START = "Enter a '#/declaration_date' that's on or after the milestone start."
DATE_AFTER_MILESTONE_END = "Enter a '#/declaration_date' that's before the milestone end date."
TYPE_NOT_IN_SCHEDULE = "The property '#/declaration_type' does not exist for this schedule."
SLOT_TAKEN = "A declaration has already been submitted that will be, or has been, paid for this event"
MENTOR_RETAINED_NOT_FUNDED = (
    "You cannot send retained or extended declarations for participants who began their mentor training "
    "after June 2025. Resubmit this declaration with either a started or completed declaration.")
EVIDENCE_MISSING = "Enter a '#/evidence_held' value for this participant."
EVIDENCE_INVALID = "Enter an available '#/evidence_held' type for this participant's event and course."
# The live ArgumentError text of step 2 with a blank date (§1.2 notes), answered as 400.
STEP_2_BLANK_DATE = "comparison of ActiveSupport::TimeWithZone with nil failed"

# void (§2.1)
ALREADY_VOIDED = "This declaration has already been voided."
CLAWED_BACK_VIEW_ONLY = "This declaration has been clawed-back, so you can only view it."
CLAWBACK_PREFIX = "Participant declaration "
CLAWBACK_ALREADY_REFUNDED = CLAWBACK_PREFIX + "will or has been be refunded"  # sic
CLAWBACK_NOT_PAID = CLAWBACK_PREFIX + "must be paid before it can be clawed back"

# --- titles ---------------------------------------------------------------------------------------

PARTICIPANT_ID, DECLARATION_DATE, DECLARATION_TYPE = "participant_id", "declaration_date", "declaration_type"
COURSE_IDENTIFIER, EVIDENCE_HELD, COHORT, BASE = "course_identifier", "evidence_held", "cohort", "base"

# --- §1.4 evidence tables ---------------------------------------------------------------------------

_BASIC_EVIDENCE = frozenset({"training-event-attended", "self-study-material-completed", "other"})
_DETAILED_BASIC = frozenset({"training-event-attended", "self-study-material-completed",
                             "materials-engaged-with-offline", "other"})
_ENGAGEMENT = frozenset({"75-percent-engagement-met", "75-percent-engagement-met-reduced-induction"})
_ECT_DETAILED: dict[str, frozenset[str]] = {
    **{t: _DETAILED_BASIC for t in ("started", "retained-1", "retained-3", "retained-4",
                                    "extended-1", "extended-2", "extended-3")},
    "retained-2": _ENGAGEMENT,
    "completed": _ENGAGEMENT | {"one-term-induction"},
}
_MENTOR_DETAILED: dict[str, frozenset[str]] = {"started": _DETAILED_BASIC, "completed": _ENGAGEMENT}

_VOIDABLE = frozenset({SUBMITTED, ELIGIBLE, PAYABLE, INELIGIBLE})
_IDENTICAL_STATES = frozenset({SUBMITTED}) | BILLABLE_LINE_STATES  # `submitted.or(billable)`


# --- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeclarationAccepted:
    user_id: str                 # the resolved user id (response participant_id)
    profile: Profile
    declaration_type: str
    declaration_date: datetime   # UTC, microsecond precision
    declaration_date_text: str   # as sent
    course_identifier: str
    evidence_held: str | None    # after the §1.4 nulling rule
    cohort: int                  # the profile's schedule cohort
    state: str                   # submitted | eligible | ineligible
    superseded_by_id: str | None  # TRN duplicate (§1.3)
    statement_id: str | None     # next open output-fee statement (eligible or ineligible only)
    delivery_partner_id: str | None  # submitting provider's latest record starting by the date (§1.6)
    mentor_user_id: str | None       # ECTs only, same record's mentor (the mentor profile's user id)
    pupil_premium_uplift: bool
    sparsity_uplift: bool


@dataclass(frozen=True)
class VoidAccepted:
    declaration: Declaration
    clawback_statement_id: str | None  # set when the declaration was paid: the refundable line item goes there
    new_state: str                     # voided or awaiting_clawback


# --- declaration_date ------------------------------------------------------------------------------

# `DeclarationDateValidator::RFC3339_DATE_REGEX`, Ruby `\z` → Python `\Z`, ASCII digits only.
_RFC3339 = re.compile(
    r"\A(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([.,]\d+)?(Z|([+-])(\d{2})(:?\d{2})?)?\Z",
    re.IGNORECASE | re.ASCII)
# ISO-like forms Ruby's lenient parser also casts (the RFC form above is a subset).
_ISO_LIKE = re.compile(
    r"\A\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})([.,]\d+)?)?)?"
    r"\s*(?:([Zz]|UTC|GMT)|([+-])(\d{2})(?::?(\d{2}))?)?\s*\Z",
    re.ASCII)


def matches_rfc3339(raw: Any) -> bool:
    """Step 6's pattern, applied to the value as sent."""
    return isinstance(raw, str) and _RFC3339.match(raw) is not None


def _ruby_time_utc(year: int, month: int, day: int, hour: int, minute: int, second: int,
                   fraction: str | None, offset_seconds: int) -> datetime | None:
    """Ruby `Time.utc(...)` argument rules, then the zone offset; None where Ruby raises."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour <= 24 and 0 <= minute <= 59
            and 0 <= second <= 60):
        return None
    if hour == 24 and (minute or second):
        return None
    if year < 1:
        return None  # outside Python's calendar (Ruby would accept year 0; not a real declaration date)
    digits = (fraction or "")[1:]
    microseconds = int((digits + "000000")[:6]) if digits else 0
    try:
        # Ruby normalises a day past the month's end into the next month (Apr 31 → May 1).
        instant = datetime(year, month, 1, tzinfo=UTC) + timedelta(
            days=day - 1, hours=hour, minutes=minute, seconds=second, microseconds=microseconds)
        return instant - timedelta(seconds=offset_seconds)
    except OverflowError:
        return None


def _offset(sign: str | None, hours: str | None, minutes: str | None) -> int:
    if not sign:
        return 0
    seconds = int(hours) * 3600 + int((minutes or "0").lstrip(":") or 0) * 60
    return -seconds if sign == "-" else seconds


def cast_declaration_date(raw: Any) -> datetime | None:
    """The type-cast `declaration_date` (UTC, microseconds), or None when it is blank after casting."""
    if not isinstance(raw, str) or is_blank(raw):
        return None  # blank, or a non-string value (deliberate difference 3)
    match = _RFC3339.match(raw)
    if match:
        year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
        offset = _offset(match.group(9), match.group(10), match.group(11))
        return _ruby_time_utc(year, month, day, hour, minute, second, match.group(7), offset)
    match = _ISO_LIKE.match(raw)
    if match:
        year, month, day = (int(match.group(i)) for i in range(1, 4))
        hour, minute, second = (int(match.group(i) or 0) for i in range(4, 7))
        offset = _offset(match.group(9), match.group(10), match.group(11))
        return _ruby_time_utc(year, month, day, hour, minute, second, match.group(7), offset)
    return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# --- helpers ---------------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    """A string attribute as a lookup key; non-strings match nothing."""
    return value if isinstance(value, str) else None


def _starts_with_npq(course: Any) -> bool:
    """`course_identifier.to_s.starts_with?("npq-")`."""
    return isinstance(course, str) and course.startswith("npq-")


def _detailed_evidence(world: World, cohort: int) -> bool:
    record = world.cohorts.get(cohort)
    return bool(record and record.detailed_evidence_types)


def _mentor_funding(world: World, cohort: int) -> bool:
    record = world.cohorts.get(cohort)
    return bool(record and record.mentor_funding)


def _stored_evidence(detailed: bool, declaration_type: Any, evidence: Any) -> str | None:
    """§1.4: before detailed evidence types, a `started` declaration's evidence is discarded."""
    if not detailed and declaration_type == "started":
        return None
    return evidence if isinstance(evidence, str) else None


def _evidence_error(profile: Profile, detailed: bool, declaration_type: Any, evidence: Any) -> str | None:
    """§1.4 (`EvidenceHeldValidator`): the step-14 message, or None."""
    if not detailed:
        if declaration_type == "started":
            return None
        allowed: frozenset[str] = _BASIC_EVIDENCE
    else:
        if declaration_type == "started" and is_blank(evidence):
            return None
        table = _ECT_DETAILED if profile.participant_type == ECT else _MENTOR_DETAILED
        allowed = table.get(declaration_type, frozenset()) if isinstance(declaration_type, str) else frozenset()
    if is_blank(evidence):
        return EVIDENCE_MISSING
    if not isinstance(evidence, str) or evidence not in allowed:
        return EVIDENCE_INVALID
    return None


def _relevant_record_links(world: World, profile: Profile, lead_provider_id: str,
                           declaration_date: datetime | None) -> tuple[str | None, str | None]:
    """§1.6: from the submitting provider's latest induction record starting on/before the date, its
    delivery partner and (ECTs only) its mentor's user id."""
    if declaration_date is None:
        return None, None
    record = world.latest_provider_record_starting_by(profile.profile_id, lead_provider_id, declaration_date)
    if record is None:
        return None, None
    partnership = world.partnership_of_record(record)
    delivery_partner_id = partnership.delivery_partner_id if partnership else None
    mentor_user_id = None
    if profile.participant_type == ECT and record.mentor_profile_id:
        mentor = world.profiles.get(record.mentor_profile_id)
        if mentor is not None and mentor.identity_id in world.identities:
            mentor_user_id = world.user_id_of_profile(mentor.profile_id)
    return delivery_partner_id, mentor_user_id


def _identical_declaration(world: World, user_id: str, profile: Profile, lead_provider_id: str,
                           course: Any, declaration_type: Any, declaration_date: datetime | None,
                           delivery_partner_id: str | None, mentor_user_id: str | None,
                           evidence_held: str | None) -> Declaration | None:
    """`RecordDeclaration#existing_declaration`: the profile's submitted-or-billable declaration with
    the same course, date, type, provider, delivery partner, mentor, user and evidence (§1.2.1)."""
    if declaration_date is None:
        return None
    found = [d for d in world.declarations_of_user(user_id)
             if d.profile_id == profile.profile_id and d.state in _IDENTICAL_STATES
             and d.course_identifier == course and d.declaration_type == declaration_type
             and d.declaration_date == declaration_date and d.lead_provider_id == lead_provider_id
             and d.delivery_partner_id == delivery_partner_id and d.mentor_user_id == mentor_user_id
             and d.user_id == user_id and d.evidence_held == evidence_held]
    return min(found, key=lambda d: (d.created_at, d.declaration_id), default=None)


def _has_declaring_record(world: World, profile: Profile, lead_provider_id: str) -> bool:
    """Step 13b: any record of the profile in a partnership of the provider carrying the profile's
    current schedule (status, dates and challenges are not looked at)."""
    return any(record.schedule_identifier == profile.schedule_identifier
               and record.schedule_cohort == profile.cohort
               for record in world.provider_records(profile.profile_id, lead_provider_id))


def _trn_duplicate(world: World, user_id: str, profile: Profile, course: str,
                   declaration_type: str) -> Declaration | None:
    """§1.3 through `World.trn_duplicate_of`, asked about the would-be declaration (a probe that is
    never stored): another user's oldest live, unsuperseded declaration with the same TRN."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    probe = Declaration(
        declaration_id="", lead_provider_id="", user_id=user_id, profile_id=profile.profile_id,
        participant_type=profile.participant_type, course_identifier=course, declaration_type=declaration_type,
        declaration_date=epoch, declaration_date_text="", cohort=profile.cohort, state=SUBMITTED,
        evidence_held=None, delivery_partner_id=None, mentor_user_id=None, pupil_premium_uplift=False,
        sparsity_uplift=False, superseded_by_id=None, ineligible_reason=None, created_at=epoch, updated_at=epoch)
    return world.trn_duplicate_of(probe, profile.trn)


def _cohort_closed_response(cohort: int) -> Response:
    errors = ErrorCollector()
    errors.add(COHORT, cohort_closed(cohort))
    return errors.response(422)


# --- POST participant-declarations ------------------------------------------------------------------

def check_declaration(world: World, lead_provider_id: str, attributes: dict,
                      now: datetime) -> DeclarationAccepted | Response:
    """`RecordDeclaration`: §1.2 steps 0–14 in order, then what a successful submission stores."""
    now = as_utc(now)
    today = now.date()
    course = attributes.get("course_identifier")
    errors = ErrorCollector()

    # 0. NPQ courses: record and halt.
    if _starts_with_npq(course):
        errors.add(COURSE_IDENTIFIER, NPQ_NOT_SUPPORTED)
        return errors.response(422)

    identity = world.resolve_identity(attributes.get("participant_id"), course)
    profile = world.resolve_profile(identity, course)
    raw_date = attributes.get("declaration_date")
    declaration_date = cast_declaration_date(raw_date)
    raw_type = attributes.get("declaration_type")
    declaration_type = _text(raw_type)
    evidence = attributes.get("evidence_held")

    # 1. identity
    if identity is None:
        errors.add(PARTICIPANT_ID, PARTICIPANT_NOT_RECOGNISED)

    # 2. withdrawn by the submitting provider, dated at or after the withdrawal
    if profile is not None:
        latest_state = world.latest_provider_state(profile.profile_id, lead_provider_id)
        if latest_state is not None and latest_state.state == "withdrawn":
            if declaration_date is None:
                return Response(400, bad_request(STEP_2_BLANK_DATE))  # deliberate difference 1
            withdrawn_at = as_utc(latest_state.created_at)
            if withdrawn_at <= declaration_date:
                record = world.latest_provider_record_starting_by(
                    profile.profile_id, lead_provider_id, declaration_date)
                if record is None or record.training_status != "active":  # None: deliberate difference 2
                    errors.add(PARTICIPANT_ID, WITHDRAWN_BEFORE.format(withdrawal_date=rfc3339(withdrawn_at)))

    # 3. date present after type-casting
    if declaration_date is None:
        errors.add(DECLARATION_DATE, DATE_MISSING)
    # 4. type present
    if is_blank(raw_type):
        errors.add(DECLARATION_TYPE, TYPE_MISSING)
    # 5. not in the future
    if declaration_date is not None and declaration_date > now:
        errors.add(DECLARATION_DATE, DATE_IN_FUTURE)
    # 6. RFC 3339 as sent, and castable
    if not is_blank(raw_date) and (not matches_rfc3339(raw_date) or declaration_date is None):
        errors.add(DECLARATION_DATE, DATE_INVALID)

    schedule = world.schedule_of(profile) if profile is not None else None
    milestone = schedule.milestones.get(declaration_type) if schedule is not None and declaration_type else None

    # 7. milestone window (§1.5)
    if milestone is not None and declaration_date is not None:
        if declaration_date < _midnight(milestone.start_on):
            errors.add(DECLARATION_DATE, DATE_BEFORE_MILESTONE_START)
        if milestone.end_on is not None and _midnight(milestone.end_on + timedelta(days=1)) <= declaration_date:
            errors.add(DECLARATION_DATE, DATE_AFTER_MILESTONE_END)

    delivery_partner_id = mentor_user_id = None
    detailed = stored_evidence = None
    if profile is not None:
        user_id = identity.user_id
        detailed = _detailed_evidence(world, profile.cohort)
        stored_evidence = _stored_evidence(detailed, raw_type, evidence)
        delivery_partner_id, mentor_user_id = _relevant_record_links(
            world, profile, lead_provider_id, declaration_date)

        # 8. an open output-fee statement, when the declaration would be billable (§1.2.1): skipped
        # when an identical declaration is `submitted`, or when none exists and the participant is
        # not fundable; otherwise required.
        identical = _identical_declaration(world, user_id, profile, lead_provider_id, course, raw_type,
                                           declaration_date, delivery_partner_id, mentor_user_id, stored_evidence)
        statement_needed = (identical.state != SUBMITTED) if identical is not None else profile.fundable
        if statement_needed and world.next_output_fee_statement(lead_provider_id, profile.cohort, today) is None:
            errors.add(COHORT, cohort_closed(profile.cohort))

        # 9. the schedule has the milestone
        if milestone is None:
            errors.add(DECLARATION_TYPE, TYPE_NOT_IN_SCHEDULE)

        # 10. the user's slot for (class, course, type) is free
        if declaration_type is not None and world.live_declaration_in_slot(
                user_id, profile.participant_type, _text(course), declaration_type) is not None:
            errors.add(BASE, SLOT_TAKEN)

        # 11. no retained/extended declarations for funded (2025+) mentors
        if (declaration_type not in ("started", "completed") and profile.participant_type != ECT
                and _mentor_funding(world, profile.cohort)):
            errors.add(DECLARATION_TYPE, MENTOR_RETAINED_NOT_FUNDED)

    # 12. gated: the user has an active profile for the course
    if not errors and not world.user_has_active_profile_for_course(identity.user_id, _text(course)):
        errors.add(COURSE_IDENTIFIER, COURSE_NOT_RECOGNISED)
    # 13a. gated: identity and profile resolved
    if not errors and (identity is None or profile is None):
        errors.add(PARTICIPANT_ID, PARTICIPANT_NOT_RECOGNISED)
    # 13b. gated: the provider has a record of the profile on its current schedule
    if not errors and not _has_declaring_record(world, profile, lead_provider_id):
        errors.add(PARTICIPANT_ID, PARTICIPANT_NOT_RECOGNISED)
    # 14. gated: evidence (§1.4)
    if not errors:
        message = _evidence_error(profile, detailed, raw_type, evidence)
        if message is not None:
            errors.add(EVIDENCE_HELD, message)

    if errors:
        return errors.response(422)

    # --- success: what RecordDeclaration#call stores (§1.6) ---
    duplicate = _trn_duplicate(world, identity.user_id, profile, course, declaration_type)
    if duplicate is not None:
        state = INELIGIBLE
    elif profile.fundable:
        state = ELIGIBLE
    else:
        state = SUBMITTED
    statement_id = None
    if state != SUBMITTED:
        statement = world.next_output_fee_statement(lead_provider_id, profile.cohort, today)
        if statement is None:
            return _cohort_closed_response(profile.cohort)  # deliberate difference 4
        statement_id = statement.statement_id

    return DeclarationAccepted(
        user_id=identity.user_id,
        profile=profile,
        declaration_type=declaration_type,
        declaration_date=declaration_date,
        declaration_date_text=raw_date,
        course_identifier=course,
        evidence_held=stored_evidence,
        cohort=profile.cohort,
        state=state,
        superseded_by_id=duplicate.declaration_id if duplicate is not None else None,
        statement_id=statement_id,
        delivery_partner_id=delivery_partner_id,
        mentor_user_id=mentor_user_id,
        pupil_premium_uplift=profile.pupil_premium_uplift,
        sparsity_uplift=profile.sparsity_uplift,
    )


# --- PUT participant-declarations/{id}/void -----------------------------------------------------------

def check_void(world: World, lead_provider_id: str, declaration_id: str, now: datetime) -> VoidAccepted | Response:
    """`VoidParticipantDeclaration` (§2.1): own declarations only; `paid` → clawback checks."""
    today = as_utc(now).date()
    declaration = world.find_declaration(declaration_id)
    if declaration is None or declaration.lead_provider_id != lead_provider_id:
        return Response(404, NOT_FOUND)

    if declaration.state == PAID:
        # Finance::ClawbackDeclaration: every check runs; full messages joined with ", ".
        messages: list[str] = []
        if world.refundable_line_item(declaration.declaration_id) is not None:
            messages.append(CLAWBACK_ALREADY_REFUNDED)
        if declaration.state != PAID:  # kept for the live order; not reachable from the API
            messages.append(CLAWBACK_NOT_PAID)
        statement = world.next_output_fee_statement(declaration.lead_provider_id, declaration.cohort, today)
        if statement is None:
            messages.append(CLAWBACK_PREFIX + cohort_closed(declaration.cohort))
        if messages:
            return Response(422, invalid_action(", ".join(messages)))
        return VoidAccepted(declaration, statement.statement_id, AWAITING_CLAWBACK)

    if declaration.state == VOIDED:
        return Response(422, invalid_action(ALREADY_VOIDED))
    if declaration.state not in _VOIDABLE:
        return Response(422, invalid_action(CLAWED_BACK_VIEW_ONLY))
    return VoidAccepted(declaration, None, VOIDED)
