"""Participants: their registrations (school facts) and their journeys (provider requests).

Phase A makes every participant profile of every school cohort with its identity and first
induction placement. Phase B picks the few participants with special roles (account merges,
second accounts sharing a TRN, profiles a school removes) by exact sampling, so every scenario
appears at every scale. Phase C walks each trained participant through its schedule: one
declaration per milestone, dated inside the milestone window from the real calendar and
submitted shortly after, with transfers, deferrals, resumes, schedule changes, withdrawals,
voids (before and well after payment), resends and re-declarations. The journey never simulates
the rules; it times inputs so the rules give the intended answers.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from pipelines.demo.batches import FMT_FRACTION, FMT_NO_ZONE, FMT_OFFSET, FMT_Z, Batches
from pipelines.demo.calendar import COHORTS, Calendar, Schedule, Statement
from pipelines.demo.model import (
    DAY, FIRST_NAMES, FLAG_ON_AT, HORIZON, HOUR, LAST_NAMES, Ids, Scale, day_start, fmt_instant, month_key,
    ordinal_of,
)
from pipelines.demo.world import SchoolCohort, World

V3_FROM = day_start(date(2023, 4, 3).toordinal())
V2_FROM = day_start(date(2022, 1, 10).toordinal())

# nominal (earliest, latest) days after the season start for milestones without an end date
OFFSETS = {"started": (3, 45), "retained-1": (120, 165), "retained-2": (235, 285), "retained-3": (350, 400),
           "retained-4": (470, 520), "completed": (600, 680), "extended-1": (700, 740),
           "extended-2": (800, 840), "extended-3": (900, 950)}
MENTOR_2025_OFFSETS = {"started": (3, 60), "completed": (250, 380)}
PRE_2025_EVIDENCE = ("training-event-attended", "self-study-material-completed", "other")
EVIDENCE_2025 = ("training-event-attended", "self-study-material-completed", "materials-engaged-with-offline", "other")
ENGAGEMENT = ("75-percent-engagement-met", "75-percent-engagement-met-reduced-induction")
DEFERRAL_REASONS = ("bereavement", "long-term-sickness", "parental-leave", "career-break", "other")
DEFERRAL_WEIGHTS = (0.05, 0.3, 0.45, 0.12, 0.08)
SEASON_OF = {"september": (0, 9), "january": (1, 1), "april": (1, 4)}


class Participant:
    __slots__ = ("index", "user_id", "identity_id", "profile_id", "ptype", "course", "trn", "full_name", "email",
                 "cohort", "schedule", "sc", "eligibility", "eligibility_reason", "fundable_from", "recorded_at",
                 "season_start", "segments", "role", "placement_id", "mentor_profile_id", "retired_id", "merged_at",
                 "twin", "earliest_submit")

    def __init__(self) -> None:
        self.role = ""
        self.twin = None
        self.retired_id = None
        self.merged_at = 0
        self.mentor_profile_id = ""


@dataclass
class Pools:
    """What the journeys leave behind for the deliberate scenarios."""
    anchors: list = field(default_factory=list)  # accepted first-of-type DECL events of simple participants
    withdrawals: list = field(default_factory=list)  # (participant, provider, withdrawn_at, types left, schedule,
    #                                                    resumed_at or 0)
    deferrals: list = field(default_factory=list)  # (participant, provider, deferred_at, resumed_at or 0)
    transfers: list = field(default_factory=list)  # (participant, old, new provider, transfer_at, old's last event)
    school_led: list = field(default_factory=list)  # participants on school-led programmes
    paid: list = field(default_factory=list)  # (event, provider, paid_at) paid declarations, simple participants
    actives: list = field(default_factory=list)  # (participant, provider, from, to) while active with provider


@dataclass
class Context:
    cal: Calendar
    world: World
    ids: Ids
    scale: Scale
    batches: Batches
    tally: Counter = field(default_factory=Counter)  # (provider, cohort, statement) -> declarations expected
    regs: dict = field(default_factory=lambda: {k: [] for k in (
        "participant_identities", "participant_profiles", "induction_placements", "participant_id_changes")})
    counts: Counter = field(default_factory=Counter)
    pools: Pools = field(default_factory=Pools)
    trained: Counter = field(default_factory=Counter)  # (provider, cohort, ptype) -> participants


def at_work(day: int, rng: random.Random, first_hour: int = 8, last_hour: int = 18) -> int:
    """An instant on `day` between first_hour:00 and last_hour:59 UTC."""
    return day_start(day) + first_hour * HOUR + rng.randrange((last_hour - first_hour + 1) * HOUR)


def authorised_at(provider: int, statement: Statement) -> int:
    """When finance authorises an output-fee statement: 4 days after its deadline, mid-morning."""
    return day_start(statement.deadline_on.toordinal() + 4) + (9 + provider) * HOUR + 17 * 60


def api_version(provider, instant: int, rng: random.Random) -> int:
    if instant < V2_FROM:
        return 1
    if instant < V3_FROM:
        return 1 if rng.random() < 0.3 else 2
    r = rng.random()
    v1, v2 = provider.legacy_share
    return 1 if r < v1 else 2 if r < v1 + v2 else 3


def withdrawal_reason(ptype: str, instant: int, rng: random.Random) -> str:
    r = rng.random()
    if ptype == "mentor" and r < 0.5:
        return "mentor-no-longer-being-mentor"
    if r < 0.6:
        return "left-teaching-profession"
    if r < 0.75:
        return "moved-school"
    if r < 0.85:
        return "other"
    if instant >= FLAG_ON_AT + DAY:
        return "switched-to-school-led"
    if instant < FLAG_ON_AT - DAY:
        return "school-left-fip"
    return "other"


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def season_start(cohort: int, schedule: str) -> int:
    years, month = SEASON_OF[schedule.rsplit("-", 1)[1]]
    return date(cohort + years, month, 1).toordinal()


# ============================================================================ phase A: profiles
ECT_SCHEDULES = (("ecf-standard-september", 0.80), ("ecf-standard-january", 0.87), ("ecf-standard-april", 0.91),
                 ("ecf-extended-september", 0.94), ("ecf-extended-january", 0.96), ("ecf-reduced-september", 0.98),
                 ("ecf-reduced-april", 1.0))
MENTOR_SCHEDULES = (("ecf-standard-september", 0.84), ("ecf-standard-january", 0.88),
                    ("ecf-replacement-september", 0.91), ("ecf-replacement-january", 0.94),
                    ("ecf-reduced-september", 0.96), ("ecf-extended-september", 0.98), ("ecf-standard-april", 1.0))


class ParticipantFactory:
    def __init__(self, ctx: Context, rng: random.Random):
        self.ctx = ctx
        self.rng = rng
        self.participants: list[Participant] = []
        self.school_mentors: dict[int, list[str]] = {}
        self.graduates: dict[int, list[Participant]] = {}
        self._trn_offset = rng.randrange(8_999_999)

    def trn(self, index: int) -> str:
        return str(1_000_000 + (index * 1_234_577 + self._trn_offset) % 8_999_999)

    def build(self) -> list[Participant]:
        world, scale, rng = self.ctx.world, self.ctx.scale, self.rng
        for cohort in COHORTS:
            for sc in world.school_cohorts[cohort]:
                if sc.choice == "no_early_career_teachers" or sc.participant_count == -1:
                    continue
                factor = 1.0 if sc.partnered else 0.6
                mentors = poisson(rng, scale.mentors_per_school_cohort * factor)
                ects = poisson(rng, scale.ects_per_school_cohort * factor)
                for _ in range(mentors):
                    self.make(sc, "mentor")
                for _ in range(ects):
                    self.make(sc, "ect")
                sc.participant_count = mentors + ects
        return self.participants

    def make(self, sc: SchoolCohort, ptype: str, twin_of: Participant | None = None) -> Participant:
        ctx, rng, ids = self.ctx, self.rng, self.ctx.ids
        p = Participant()
        p.index = index = len(self.participants)
        self.participants.append(p)
        p.ptype, p.cohort, p.sc = ptype, sc.cohort, sc
        p.course = "ecf-induction" if ptype == "ect" else "ecf-mentor"
        reused = None
        graduates = self.graduates.get(sc.school.index)
        if ptype == "mentor" and twin_of is None and sc.cohort >= 2023 and graduates and rng.random() < 0.25:
            reused = graduates.pop(0)
        if reused is not None:  # a former ECT of the school now mentors: same user, a mentor profile
            p.user_id, p.identity_id, p.trn, p.full_name, p.email = (
                reused.user_id, reused.identity_id, reused.trn, reused.full_name, reused.email)
        else:
            p.user_id, p.identity_id = ids(f"user:{index}"), ids(f"identity:{index}")
            if twin_of is not None:
                p.trn, p.full_name = twin_of.trn, twin_of.full_name
            else:
                p.trn = "" if rng.random() < 0.02 else self.trn(index)
                p.full_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            local = p.full_name.lower().replace(" ", ".").replace("'", "")
            p.email = f"{local}.{index}@{rng.choice(('example.com', 'example.org', 'example.net', 'mail.example'))}"
        p.profile_id = ids(f"profile:{index}")
        if twin_of is not None:
            p.schedule = twin_of.schedule
        else:
            r = rng.random()
            table = ECT_SCHEDULES if ptype == "ect" else MENTOR_SCHEDULES
            p.schedule = next(name for name, upto in table if r < upto)
        p.season_start = season_start(sc.cohort, p.schedule)
        r = rng.random()
        if twin_of is not None or r < 0.90:
            p.eligibility, p.eligibility_reason, p.fundable_from = "eligible", "none", 0
        elif r < 0.95:
            p.eligibility, p.fundable_from = "manual_check", None
            p.eligibility_reason = rng.choice(("different_trn", "active_flags", "no_induction"))
        elif r < 0.96:
            p.eligibility, p.eligibility_reason, p.fundable_from = "matched", "none", None
        else:
            p.eligibility, p.fundable_from = "ineligible", None
            p.eligibility_reason = rng.choice(("previous_participation", "previous_induction", "no_qts",
                                               "duplicate_profile", "exempt_from_induction"))
        # recorded by the school: mentors first, then ECTs; January/April starters later
        season = p.schedule.rsplit("-", 1)[1]
        if twin_of is not None:
            p.recorded_at = twin_of.recorded_at + DAY + rng.randrange(4 * HOUR)
        elif season == "september":
            base = ordinal_of(sc.recorded_at) + (1 + rng.randrange(5) if ptype == "mentor" else 6 + rng.randrange(35))
            p.recorded_at = at_work(base, rng)
        else:
            base = max(ordinal_of(sc.recorded_at) + 1, p.season_start - 20 - rng.randrange(40))
            p.recorded_at = at_work(base, rng)
        start = day_start(p.season_start - rng.randrange(7))
        p.placement_id = ids(f"placement:{index}:0")
        if ptype == "ect":
            mentors = self.school_mentors.get(sc.school.index)
            if mentors:
                p.mentor_profile_id = rng.choice(mentors[-4:])
        else:
            self.school_mentors.setdefault(sc.school.index, []).append(p.profile_id)
        if ptype == "ect" and sc.cohort == 2021 and twin_of is None:
            self.graduates.setdefault(sc.school.index, []).append(p)
        p.earliest_submit = p.recorded_at + DAY
        if sc.partnered:
            p.segments = [[sc.provider, start, None, sc.delivery_partner]]
            if sc.api_partnered:
                p.earliest_submit = max(p.earliest_submit, sc.partnership_at + DAY)
            if sc.repartner:
                other, other_dp, post_at = sc.repartner
                p.segments[0][2] = sc.challenged_at
                p.segments.append([other, post_at, None, other_dp])
            ctx.trained[(sc.provider, sc.cohort, ptype)] += 1
        else:
            p.segments = []
        regs = ctx.regs
        if reused is None:
            regs["participant_identities"].append((p.recorded_at, (p.identity_id, p.user_id, "", p.email)))
        regs["participant_profiles"].append((p.recorded_at, self.profile_row(p, "active")))
        regs["induction_placements"].append((p.recorded_at + 30, (
            p.placement_id, p.profile_id, sc.programme_id, fmt_instant(start), "", "active", "false",
            p.mentor_profile_id, "", "", "")))
        if p.eligibility == "manual_check" and twin_of is None and rng.random() < 0.6:
            p.fundable_from = at_work(ordinal_of(p.recorded_at) + 30 + rng.randrange(170), rng)
            p.eligibility = "eligible"
            regs["participant_profiles"].append((p.fundable_from, self.profile_row(p, "active")))
        return p

    def profile_row(self, p: Participant, status: str) -> tuple:
        reason = p.eligibility_reason if p.eligibility != "eligible" else "none"
        return (p.profile_id, p.identity_id, p.ptype, p.trn, p.full_name, str(p.cohort), p.schedule,
                p.sc.school.id, p.eligibility, reason, status, "")


# ============================================================================ phase B: roles
def assign_roles(ctx: Context, factory: ParticipantFactory, rng: random.Random) -> None:
    """Exactly sampled special roles, so each scenario exists at every scale."""
    copies = ctx.scale.scenario_copies
    pool = [p for p in factory.participants
            if p.ptype == "ect" and p.segments and len(p.segments) == 1 and not p.sc.api_partnered
            and p.fundable_from == 0 and p.cohort in (2022, 2023, 2024)
            and p.schedule.startswith("ecf-standard")]
    chosen = rng.sample(pool, min(len(pool), copies * 4 + max(copies, len(pool) // 300)))
    roles = ["merge_resolves"] * copies + ["merge_without_profile"] * copies + ["removed_by_school"] * copies
    roles += ["twin"] * (len(chosen) - len(roles))
    for p, role in zip(chosen, roles):
        p.role = role
        if role == "twin":
            twin = factory.make(p.sc, "ect", twin_of=p)
            twin.role = "twin_account"
            p.twin = twin


# ============================================================================ phase C: journeys
class Journey:
    def __init__(self, ctx: Context, factory: ParticipantFactory, rng: random.Random):
        self.ctx = ctx
        self.factory = factory
        self.rng = rng
        self.cal = ctx.cal
        self.batches = ctx.batches
        self.providers = ctx.world.providers
        self.fip = {c: ctx.world.fip_school_cohorts(c) for c in COHORTS}

    # -------------------------------------------------------------------------- helpers
    def types_for(self, p: Participant, schedule: Schedule) -> list[str]:
        types = list(schedule.windows)
        if p.ptype == "mentor" and self.cal.cohorts[p.cohort].mentor_funding:
            types = [t for t in types if t in ("started", "completed")]
        if schedule.schedule_type == "ecf_reduced" and self.rng.random() < 0.7:
            types = [t for t in types if t not in ("retained-3", "retained-4")]
        return types

    def pick_day(self, p: Participant, t: str, window, low: int, shift: int) -> int | None:
        start, end = window
        start_ordinal = start.toordinal()
        if end is not None:
            low = max(low, start_ordinal, p.season_start + 1)
            high = end.toordinal()
            if low > high:
                return None
            return low + int((high - low) * self.rng.random() ** 1.6)
        if p.ptype == "mentor" and self.cal.cohorts[p.cohort].mentor_funding:
            a, b = MENTOR_2025_OFFSETS[t]
        else:
            a, b = OFFSETS[t]
        nominal = p.season_start + shift + a + self.rng.randrange(b - a + 1)
        return max(nominal, low, start_ordinal + 1)

    def evidence(self, p: Participant, t: str) -> str | None:
        rng = self.rng
        if not self.cal.cohorts[p.cohort].detailed_evidence_types:
            if t == "started":
                if rng.random() < 0.05:
                    self.ctx.counts["scenario.started_evidence_dropped"] += 1
                    return "training-event-attended"
                return None
            r = rng.random()
            return PRE_2025_EVIDENCE[0 if r < 0.6 else 1 if r < 0.9 else 2]
        if t == "started":
            return None if rng.random() < 0.4 else rng.choice(EVIDENCE_2025)
        if t == "completed":
            if p.ptype == "ect" and rng.random() < 0.05:
                return "one-term-induction"
            return ENGAGEMENT[0] if rng.random() < 0.85 else ENGAGEMENT[1]
        if t == "retained-2" and p.ptype == "ect":
            return ENGAGEMENT[0] if rng.random() < 0.85 else ENGAGEMENT[1]
        return rng.choice(EVIDENCE_2025)

    def date_format(self) -> int:
        r = self.rng.random()
        return FMT_Z if r < 0.85 else FMT_FRACTION if r < 0.9 else FMT_OFFSET if r < 0.95 else FMT_NO_ZONE

    def version(self, provider: int, instant: int) -> int:
        return api_version(self.providers[provider], instant, self.rng)

    def action(self, instant: int, provider: int, action: str, p: Participant, reason=None, schedule=None,
               cohort=None, participant_id=None, course=None) -> tuple:
        version = self.version(provider, instant)
        legacy = version < 3 and self.rng.random() < 0.3
        if legacy:
            self.ctx.counts["scenario.legacy_participant_path"] += 1
        return self.batches.action(instant, provider, version, action, participant_id or p.user_id,
                                   course or p.course, reason, schedule, cohort, legacy)

    # -------------------------------------------------------------------------- the walk
    def run(self, p: Participant) -> None:
        if not p.segments:
            self.ctx.pools.school_led.append(p)
            return
        if p.role == "twin_account":
            return  # declared for through its original's journey
        ctx, rng, cal = self.ctx, self.rng, self.cal
        counts = ctx.counts
        schedule = cal.schedule(p.cohort, p.schedule)
        types = self.types_for(p, schedule)
        standard = schedule.schedule_type == "ecf_standard" and p.cohort < 2025
        special = bool(p.role)
        plan_transfer = (not special and p.ptype == "ect" and len(p.segments) == 1 and len(types) >= 3
                         and rng.random() < 0.045)
        transfer_after = rng.randrange(len(types) - 2) if plan_transfer else None
        plan_change = (not special and not plan_transfer and standard and len(types) >= 4 and rng.random() < 0.015)
        change_after = 1 + rng.randrange(len(types) - 3) if plan_change else None
        plan_defer = (not special and not plan_transfer and not plan_change and len(types) >= 3
                      and rng.random() < 0.025)
        defer_after = rng.randrange(len(types) - 2) if plan_defer else None
        simple = not (special or plan_transfer or plan_change or plan_defer or len(p.segments) > 1)
        dropout = 0.03 if p.ptype == "ect" else 0.05
        segments = p.segments
        seg = 0
        low = max(ordinal_of(segments[0][1]) + 1, ordinal_of(p.earliest_submit) - 20)
        last_activity = p.earliest_submit
        shift = 0
        accepted: list[tuple[str, int]] = []  # (type, declaration instant) accepted
        declared_types: set[str] = set()
        pending_retired = None
        retired_used = False
        active_since = p.earliest_submit
        i = 0
        while i < len(types):
            t = types[i]
            window = schedule.windows[t]
            day = self.pick_day(p, t, window, low, shift)
            if day is None:
                i += 1
                continue
            # the provider training the participant on that day (a segment ends only where another begins)
            while segments[seg][2] is not None and day_start(day) >= segments[seg][2] and seg + 1 < len(segments):
                seg += 1
                low = max(low, ordinal_of(segments[seg][1]) + 2)
                day = self.pick_day(p, t, window, low, shift)
                if day is None:
                    break
            if day is None:
                i += 1
                continue
            provider = segments[seg][0]
            declared_at = at_work(day, rng, 7, 11)
            lag = min(int(rng.expovariate(1 / 6)), 40)
            submitted = max(at_work(day + lag, rng, 12, 19), last_activity + 600 if p.role else 0)
            if submitted < p.earliest_submit or submitted < segments[seg][1]:
                submitted = at_work(ordinal_of(max(p.earliest_submit, segments[seg][1])) + 1, rng, 12, 19)
            if submitted > HORIZON:
                break
            fundable = p.fundable_from is not None and submitted >= p.fundable_from
            statement = cal.next_output_statement(p.cohort, ordinal_of(submitted)) if fundable else None
            if fundable and statement is None:
                break  # the cohort has no output-fee statement left: the provider stops declaring
            if pending_retired and submitted > p.merged_at + HOUR:
                err_at = max(p.merged_at + 600, submitted - 600 - rng.randrange(6000))
                self.batches.declaration(err_at, provider, self.version(provider, err_at), pending_retired, t,
                                         declared_at, FMT_Z, p.course, self.evidence(p, t), p)
                counts["scenario.retired_id_without_profile"] += 1
                pending_retired = None
            participant_id = p.user_id
            if p.role == "merge_resolves" and p.merged_at:
                if submitted < p.merged_at + HOUR:
                    participant_id = p.retired_id  # not merged yet: the account's own id
                elif not retired_used or rng.random() < 0.3:
                    participant_id = p.retired_id
                    retired_used = True
                    counts["scenario.retired_id_resolves"] += 1
            event = self.batches.declaration(submitted, provider, self.version(provider, submitted), participant_id,
                                             t, declared_at, self.date_format(), p.course, self.evidence(p, t), p)
            counts["declarations"] += 1
            if not fundable:
                counts["scenario.submitted_not_fundable"] += 1
                if p.fundable_from:
                    later = cal.next_output_statement(p.cohort, ordinal_of(p.fundable_from))
                    if later:
                        ctx.tally[(provider, p.cohort, later.name)] += 1
            else:
                ctx.tally[(provider, p.cohort, statement.name)] += 1
            accepted.append((t, declared_at))
            first_of_type = t not in declared_types
            declared_types.add(t)
            last_activity = max(last_activity, submitted)
            voided = False
            if simple and first_of_type:
                ctx.pools.anchors.append(event)
                if rng.random() < 0.035:
                    voided, last_activity = self.plan_void(p, provider, event, t, window, statement, last_activity, low)
                elif fundable and statement is not None:
                    paid_at = authorised_at(provider, statement)
                    if paid_at < HORIZON and rng.random() < 0.3:
                        ctx.pools.paid.append((event, provider, paid_at))
            if not voided and rng.random() < ctx.scale.resend_rate:
                again = at_work(ordinal_of(submitted) + 1 + rng.randrange(10), rng, 8, 19)
                if again < HORIZON:
                    self.batches.declaration(again, provider, event[4], participant_id, t, declared_at, event[8],
                                             p.course, event[10], p)
                    counts["scenario.duplicate_resubmission"] += 1
                    counts["resends"] += 1
            low = day + 14
            if p.twin is not None and t == "started":
                self.twin_declaration(p, provider, event, window, statement)
            # ------------------------------------------------------------ after the milestone
            if p.role in ("merge_resolves", "merge_without_profile") and not p.merged_at:
                pending_retired = self.merge(p, last_activity)
            if p.role == "removed_by_school" and len(accepted) >= 2:
                self.removed_by_school(p, provider, types[i + 1:], schedule, last_activity, low, shift)
                return
            moved = None
            if i == transfer_after:
                transfer_after = None
                moved = self.transfer(p, seg, provider, last_activity, event)
                if moved:
                    low = max(low, ordinal_of(moved) + 3)
                    last_activity = max(last_activity, moved + 3 * DAY)
            if i == change_after:
                change_after = None
                changed = self.change_schedule(p, provider, last_activity, accepted, declared_types, extended=False)
                if changed:
                    schedule, types, when = changed
                    low, last_activity, i = max(low, ordinal_of(when) + 5), when + HOUR, -1
                    standard = False
            if i == defer_after:
                defer_after = None
                resumed = self.defer(p, provider, last_activity)
                if not resumed:
                    return
                deferred_at, resumed_at = resumed
                shift += (resumed_at - deferred_at) // DAY
                low = max(low, ordinal_of(resumed_at) + 7)
                last_activity = resumed_at + HOUR
                if standard:
                    changed = self.change_schedule(p, provider, resumed_at + DAY, accepted, declared_types,
                                                   extended=True)
                    if not changed:
                        return
                    schedule, types, when = changed
                    low, last_activity, i = max(low, ordinal_of(when) + 5), when + HOUR, -1
                    standard = False
            if not special and not moved and i < len(types) - 1 and rng.random() < dropout:
                reopened = self.withdraw(p, provider, last_activity, types[i + 1:], schedule)
                if not reopened:
                    return
                low = max(low, ordinal_of(reopened) + 5)
                last_activity = reopened + HOUR
                active_since = reopened + HOUR
            i += 1
        if simple:
            ctx.pools.actives.append((p, segments[seg][0], active_since, HORIZON))

    # -------------------------------------------------------------------------- pieces
    def plan_void(self, p, provider, event, t, window, statement, last_activity, low):
        """Void a declaration: before its deadline, while payable, or well after payment."""
        ctx, rng, cal, counts = self.ctx, self.rng, self.cal, self.ctx.counts
        submitted = event[0]
        next_month = submitted_month_end(submitted) + 1
        version = event[4]
        if statement is None:  # not fundable: stays submitted until voided
            void_at = at_work(next_month + rng.randrange(20), rng)
            if void_at < HORIZON:
                self.batches.void(void_at, provider, version, event[1])
                counts["scenario.void_submitted"] += 1
                return True, max(last_activity, void_at)
            return False, last_activity
        deadline = statement.deadline_on.toordinal()
        paid_at = authorised_at(provider, statement)
        r = rng.random()
        void_at = 0
        if r < 0.4 and next_month <= deadline:
            void_at = at_work(next_month + rng.randrange(deadline - next_month + 1), rng)
            scenario = "void_before_deadline"
        elif r < 0.5 and paid_at < HORIZON:
            void_at = at_work(deadline + 1 + rng.randrange(2), rng, 7, 8)
            scenario = "void_payable"
        else:
            if paid_at >= HORIZON:
                return False, last_activity
            after_payment = max(ordinal_of(paid_at), statement.payment_on.toordinal()) + 15 + rng.randrange(100)
            if after_payment > cal.last_output_deadline(p.cohort):
                return False, last_activity
            void_at = at_work(after_payment, rng)
            scenario = "void_paid_clawback"
            clawback = cal.next_output_statement(p.cohort, after_payment)
            if clawback:
                ctx.tally[(provider, p.cohort, clawback.name)] += 1
        if void_at >= HORIZON or void_at <= submitted or month_key(void_at) <= month_key(submitted):
            return False, last_activity
        self.batches.void(void_at, provider, version, event[1])
        counts[f"scenario.{scenario}"] += 1
        counts["voids"] += 1
        last_activity = max(last_activity, void_at)
        if rng.random() < 0.2:  # the provider's system voids it again a month later
            again = void_at + (25 + rng.randrange(30)) * DAY
            if again < HORIZON:
                self.batches.void(again, provider, version, event[1])
                counts["scenario.void_clawed_back" if scenario == "void_paid_clawback" else
                       "scenario.void_already_voided"] += 1
                last_activity = max(last_activity, again)
        if scenario != "void_paid_clawback" and rng.random() < 0.5:
            # re-declared with a corrected date, inside the same window
            start, end = window
            day = max(ordinal_of(void_at) - 3 - rng.randrange(10), start.toordinal() + 1, p.season_start + 1)
            if end is not None and day > end.toordinal():
                return True, last_activity
            again = at_work(max(day, ordinal_of(void_at)) + 1 + rng.randrange(5), rng, 12, 19)
            fresh = cal.next_output_statement(p.cohort, ordinal_of(again))
            if again < HORIZON and fresh is not None:
                self.batches.declaration(again, provider, version, event[5], t, at_work(day, rng, 7, 11),
                                         FMT_Z, p.course, event[10], p)
                ctx.tally[(provider, p.cohort, fresh.name)] += 1
                counts["scenario.redeclared_after_void"] += 1
                counts["declarations"] += 1
                last_activity = max(last_activity, again)
        return True, last_activity

    def twin_declaration(self, p, provider, event, window, statement) -> None:
        """The second account sharing the TRN is declared for too: an ineligible duplicate."""
        rng, cal, counts = self.rng, self.cal, self.ctx.counts
        twin = p.twin
        declared = event[7] + (1 + rng.randrange(3)) * DAY
        end = window[1]
        if end is not None and ordinal_of(declared) > end.toordinal():
            declared = event[7] + HOUR
        submitted = max(event[0] + (5 + rng.randrange(25)) * DAY, twin.earliest_submit)
        if submitted >= HORIZON or cal.next_output_statement(twin.cohort, ordinal_of(submitted)) is None:
            return
        twin_event = self.batches.declaration(submitted, provider, event[4], twin.user_id, "started", declared,
                                              FMT_Z, twin.course, None, twin)
        counts["scenario.trn_duplicate_ineligible"] += 1
        counts["declarations"] += 1
        if rng.random() < 0.5:
            void_at = at_work(submitted_month_end(submitted) + 1 + rng.randrange(20), rng)
            if void_at < HORIZON:
                self.batches.void(void_at, provider, event[4], twin_event[1])
                counts["scenario.void_ineligible_duplicate"] += 1
                counts["voids"] += 1

    def merge(self, p: Participant, after: int) -> str | None:
        """An account merge (participant_id_changes); returns a retired id to misuse, if any."""
        ctx, rng, ids = self.ctx, self.rng, self.ctx.ids
        regs = ctx.regs
        merged_at = at_work(ordinal_of(after) + 20 + rng.randrange(60), rng)
        p.merged_at = merged_at
        if p.role == "merge_resolves":
            # the profile's identity belonged to a duplicate account, now retired into the survivor
            retired = p.user_id
            survivor = ids(f"survivor_user:{p.index}")
            survivor_identity = ids(f"survivor_identity:{p.index}")
            p.retired_id, p.user_id = retired, survivor
            regs["participant_identities"].append((merged_at - 20 * DAY, (
                survivor_identity, survivor, "", p.email.replace("@", ".work@"))))
            regs["participant_identities"].append((merged_at, (p.identity_id, survivor, retired, p.email)))
            regs["participant_id_changes"].append((merged_at + 60, (survivor, retired, survivor)))
            ctx.counts["account_merges"] += 1
            return None
        retired = ids(f"retired_user:{p.index}")
        retired_identity = ids(f"retired_identity:{p.index}")
        p.retired_id = retired
        email = p.email.replace("@", ".old@")
        regs["participant_identities"].append((merged_at - 40 * DAY, (retired_identity, retired, "", email)))
        regs["participant_identities"].append((merged_at, (retired_identity, p.user_id, retired, email)))
        regs["participant_id_changes"].append((merged_at + 60, (p.user_id, retired, p.user_id)))
        ctx.counts["account_merges"] += 1
        return retired

    def removed_by_school(self, p, provider, remaining, schedule, last_activity, low, shift) -> None:
        """The school removes the profile; the provider then declares anyway (step 12)."""
        rng = self.rng
        removed_at = at_work(ordinal_of(last_activity) + 10 + rng.randrange(30), rng)
        if removed_at >= HORIZON:
            return
        self.ctx.regs["participant_profiles"].append((removed_at, self.factory.profile_row(p, "withdrawn")))
        for t in remaining:
            day = self.pick_day(p, t, schedule.windows[t], max(low, ordinal_of(removed_at) + 2), shift)
            if day is None:
                continue
            submitted = at_work(day + 2, rng, 12, 19)
            if submitted < HORIZON:
                self.batches.declaration(submitted, provider, self.version(provider, submitted), p.user_id, t,
                                         at_work(day, rng, 7, 11), FMT_Z, p.course, self.evidence(p, t), p)
                self.ctx.counts["scenario.profile_removed_by_school"] += 1
            return

    def transfer(self, p, seg, provider, last_activity, last_event) -> int | None:
        """The ECT moves school; the new school's provider (or the same one) trains them from then."""
        ctx, rng, world = self.ctx, self.rng, self.ctx.world
        moved_at = day_start(ordinal_of(last_activity) + 10 + rng.randrange(30))
        if moved_at > HORIZON - 60 * DAY:
            return None
        options = self.fip[p.cohort]
        target = None
        for _ in range(10):
            candidate = rng.choice(options)
            if candidate.school.index != p.sc.school.index and not candidate.api_partnered and not candidate.repartner:
                target = candidate
                break
        if target is None:
            return None
        old_dp = p.segments[seg][3]
        new_provider, new_dp, programme = target.provider, target.delivery_partner, target.programme_id
        if new_provider != provider and rng.random() < 0.25:
            # the participant keeps their provider: a relationship partnership at the new school
            relationship_at = at_work(ordinal_of(moved_at) - 12, rng)
            _, programme = world.relationship_partnership(target.school, p.cohort, provider, old_dp, relationship_at)
            new_provider, new_dp = provider, old_dp
            ctx.counts["relationship_transfers"] += 1
        regs = ctx.regs
        leaving_at = max(at_work(ordinal_of(moved_at) - 5 - rng.randrange(8), rng), p.recorded_at + DAY)
        regs["induction_placements"].append((leaving_at, (
            p.placement_id, p.profile_id, p.sc.programme_id, fmt_instant(p.segments[0][1]), fmt_instant(moved_at),
            "leaving", "false", p.mentor_profile_id, "", "", "")))
        mentors = self.factory.school_mentors.get(target.school.index)
        mentor = rng.choice(mentors[-3:]) if mentors else ""
        joining_at = max(at_work(ordinal_of(moved_at) - 1 - rng.randrange(7), rng), leaving_at + HOUR)
        regs["induction_placements"].append((joining_at, (
            ctx.ids(f"placement:{p.index}:1"), p.profile_id, programme, fmt_instant(moved_at), "", "active", "true",
            mentor, "", "", "")))
        p.segments[seg][2] = moved_at
        p.segments.append([new_provider, moved_at, None, new_dp])
        ctx.counts["transfers"] += 1
        if new_provider != provider:
            ctx.counts["transfers_between_providers"] += 1
            ctx.pools.transfers.append((p, provider, new_provider, moved_at, last_event))
            if rng.random() < 0.4:
                withdrawn_at = at_work(ordinal_of(max(moved_at, last_activity)) + 5 + rng.randrange(35), rng)
                if withdrawn_at < HORIZON:
                    self.action(withdrawn_at, provider, "withdraw", p, reason="moved-school")
                    ctx.counts["scenario.withdraw"] += 1
        return moved_at

    def change_schedule(self, p, provider, after, accepted, declared_types, extended: bool):
        """Standard → extended or reduced schedule of the same season and cohort, if nothing is invalidated."""
        ctx, rng, cal = self.ctx, self.rng, self.cal
        season = p.schedule.rsplit("-", 1)[1]
        family = "extended" if extended or rng.random() < 0.5 else "reduced"
        identifier = f"ecf-{family}-{season}"
        new = cal.schedules.get((p.cohort, identifier))
        if new is None:
            return None
        for t, declared_at in accepted:
            window = new.windows.get(t)
            if window is None or declared_at <= day_start(window[0].toordinal()):
                return None
            if window[1] is not None and declared_at >= day_start(window[1].toordinal() + 1):
                return None
        when = at_work(ordinal_of(after) + 5 + rng.randrange(25), rng)
        if when >= HORIZON:
            return None
        cohort = str(p.cohort) if rng.random() < 0.5 else None
        self.action(when, provider, "change-schedule", p, schedule=identifier, cohort=cohort)
        ctx.counts["scenario.change_schedule"] += 1
        p.schedule = identifier
        types = [t for t in self.types_for(p, new) if t not in declared_types]
        return new, types, when

    def defer(self, p, provider, after) -> tuple[int, int] | None:
        ctx, rng = self.ctx, self.rng
        deferred_at = at_work(ordinal_of(after) + 5 + rng.randrange(35), rng)
        if deferred_at >= HORIZON:
            return None
        reason = rng.choices(DEFERRAL_REASONS, DEFERRAL_WEIGHTS)[0]
        self.action(deferred_at, provider, "defer", p, reason=reason)
        ctx.counts["scenario.defer"] += 1
        resumed_at = 0
        if rng.random() < 0.85:
            resumed_at = at_work(ordinal_of(deferred_at) + 90 + rng.randrange(150), rng)
            if resumed_at >= HORIZON:
                resumed_at = 0
        ctx.pools.deferrals.append((p, provider, deferred_at, resumed_at))
        if not resumed_at:
            return None
        self.action(resumed_at, provider, "resume", p)
        ctx.counts["scenario.resume"] += 1
        return deferred_at, resumed_at

    def withdraw(self, p, provider, after, remaining, schedule) -> int | None:
        """The participant leaves; the provider withdraws them (60 %); some are resumed later."""
        ctx, rng = self.ctx, self.rng
        if rng.random() > 0.6:
            return None
        withdrawn_at = at_work(ordinal_of(after) + 10 + rng.randrange(50), rng)
        if withdrawn_at >= HORIZON:
            return None
        self.action(withdrawn_at, provider, "withdraw", p, reason=withdrawal_reason(p.ptype, withdrawn_at, rng))
        ctx.counts["scenario.withdraw"] += 1
        if rng.random() < 0.2:
            reopened = at_work(ordinal_of(withdrawn_at) + 20 + rng.randrange(70), rng)
            if reopened < HORIZON:
                self.action(reopened, provider, "resume", p)
                ctx.counts["scenario.resume_withdrawn"] += 1
                ctx.pools.withdrawals.append((p, provider, withdrawn_at, remaining, schedule, reopened))
                return reopened
        ctx.pools.withdrawals.append((p, provider, withdrawn_at, remaining, schedule, 0))
        return None


def submitted_month_end(instant: int) -> int:
    """The ordinal of the last day of the instant's month."""
    d = date.fromordinal(ordinal_of(instant))
    first_next = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return first_next.toordinal() - 1


def run_journeys(ctx: Context, factory: ParticipantFactory, rng: random.Random, progress=None) -> None:
    journey = Journey(ctx, factory, rng)
    participants = factory.participants
    total = len(participants)
    step = max(1, total // 20)
    for n, p in enumerate(participants):
        journey.run(p)
        if progress and n % step == 0:
            progress("journeys", n, total)
    if progress:
        progress("journeys", total, total)


__all__ = ["Context", "Participant", "ParticipantFactory", "Pools", "api_version", "assign_roles", "at_work",
           "authorised_at", "run_journeys", "withdrawal_reason"]
