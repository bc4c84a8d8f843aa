"""Deliberate scenarios: invalid declarations for every error of declarations.md §1.2, void,
participant-action and partnership errors, transport problems — timed from the journeys.

Most declaration errors are a provider's first, faulty attempt at a milestone it then declares
correctly: the faulty line is sent a little before the good one (so the milestone's slot is still
free and only the targeted check fails). Every emitted scenario is counted in
`counts["scenario.<name>"]`; `scenarios.ERROR_SCENARIOS` describes each one.
"""

from __future__ import annotations

import random
from datetime import date

from pipelines.demo.batches import DECL, FMT_Z, Batches
from pipelines.demo.calendar import COHORTS
from pipelines.demo.model import DAY, FLAG_ON_AT, HORIZON, HOUR, day_start, ordinal_of
from pipelines.demo.participants import (
    ENGAGEMENT, EVIDENCE_2025, PRE_2025_EVIDENCE, Context, Participant, api_version, at_work, authorised_at,
)

P_ID, P_TYPE, P_DATE, P_FORMAT, P_COURSE, P_EVIDENCE = 5, 6, 7, 8, 9, 10
DECLARATIONS = "participant-declarations"


class Injector:
    def __init__(self, ctx: Context, rng: random.Random, participants: list[Participant]):
        self.ctx = ctx
        self.rng = rng
        self.cal = ctx.cal
        self.world = ctx.world
        self.batches: Batches = ctx.batches
        self.participants = participants
        self.copies = ctx.scale.scenario_copies
        self.used: set[int] = set()  # anchor seqs already used (not to be moved to the late file)
        self.anchors = ctx.pools.anchors
        self.types_of: dict[int, set[str]] = {}
        self.first_of: dict[int, list[tuple]] = {}
        for event in self.anchors:
            p = event[11]
            self.types_of.setdefault(p.index, set()).add(event[P_TYPE])
            self.first_of.setdefault(p.index, []).append(event)

    # ------------------------------------------------------------------------------ helpers
    def count(self, name: str, n: int = 1) -> None:
        self.ctx.counts[f"scenario.{name}"] += n

    def version(self, provider: int, instant: int) -> int:
        return api_version(self.world.providers[provider], instant, self.rng)

    def pick(self, pool: list, accept, n: int | None = None, tries: int = 400) -> list:
        """Up to n distinct pool members satisfying `accept`, by random probing (then a scan)."""
        n = self.copies if n is None else n
        chosen, seen = [], set()
        if not pool:
            return chosen
        for _ in range(tries):
            k = self.rng.randrange(len(pool))
            if k in seen:
                continue
            seen.add(k)
            result = accept(pool[k])
            if result:
                chosen.append(result if result is not True else pool[k])
                if len(chosen) >= n:
                    return chosen
        start = self.rng.randrange(len(pool))
        for offset in range(len(pool)):
            k = (start + offset) % len(pool)
            if k in seen:
                continue
            result = accept(pool[k])
            if result:
                chosen.append(result if result is not True else pool[k])
                if len(chosen) >= n:
                    break
        return chosen

    def other_provider(self, p: Participant) -> int:
        own = {segment[0] for segment in p.segments}
        options = [x.index for x in self.world.providers if x.index not in own]
        return self.rng.choice(options)

    def attempt_before(self, anchor: tuple) -> int | None:
        """An instant shortly before the anchor's own submission, after its declaration date."""
        p = anchor[11]
        earliest = max(anchor[P_DATE] + 60, p.earliest_submit) if isinstance(anchor[P_DATE], int) else p.earliest_submit
        latest = anchor[0] - 300
        if latest <= earliest:
            return None
        return max(earliest, latest - self.rng.randrange(2 * HOUR))

    def faulty(self, anchor: tuple, name: str, **changes) -> bool:
        """Send the anchor's declaration first with the given attributes changed."""
        at = changes.pop("at", None) or self.attempt_before(anchor)
        if at is None or at >= HORIZON:
            return False
        provider = changes.pop("provider", anchor[2])
        values = {"participant_id": anchor[P_ID], "declaration_type": anchor[P_TYPE], "declaration_date": anchor[P_DATE],
                  "date_format": FMT_Z, "course": anchor[P_COURSE], "evidence": anchor[P_EVIDENCE]}
        values.update(changes)
        self.batches.declaration(at, provider, self.version(provider, at), values["participant_id"],
                                 values["declaration_type"], values["declaration_date"], values["date_format"],
                                 values["course"], values["evidence"], anchor[11])
        self.used.add(anchor[1])
        self.count(name)
        return True

    def anchor_scenario(self, name: str, accept, **changes) -> None:
        def try_one(anchor):
            if anchor[1] in self.used or not accept(anchor):
                return False
            return self.faulty(anchor, name, **{k: (v(anchor) if callable(v) else v) for k, v in changes.items()})
        self.pick(self.anchors, try_one)

    # ------------------------------------------------------------------------------ all
    def run(self) -> None:
        self.declaration_errors()
        self.void_errors()
        self.action_errors()
        self.partnership_requests()
        self.transport_errors()

    # ---------------------------------------------------------------- declarations.md §1.2
    def declaration_errors(self) -> None:
        rng, cal, ids = self.rng, self.cal, self.ctx.ids
        counter = iter(range(10**9))
        pre_2025 = lambda a: a[11].cohort < 2025  # noqa: E731
        self.anchor_scenario("npq_course", lambda a: True, course="npq-leading-teaching")
        self.anchor_scenario("participant_unknown", lambda a: True,
                             participant_id=lambda a: ids(f"unknown_participant:{next(counter)}"))
        self.anchor_scenario("participant_is_profile_id", lambda a: True, participant_id=lambda a: a[11].profile_id)
        self.anchor_scenario("participant_id_missing", lambda a: True, participant_id=None)
        self.anchor_scenario("declaration_date_missing", lambda a: True, declaration_date=None)
        self.anchor_scenario("declaration_date_impossible", lambda a: True,
                             declaration_date=lambda a: _impossible(a[P_DATE]))
        self.anchor_scenario("declaration_type_missing", lambda a: True, declaration_type=None)
        self.anchor_scenario("declaration_date_not_rfc3339", lambda a: True,
                             declaration_date=lambda a: _not_rfc3339(a[P_DATE], rng))
        self.anchor_scenario("type_not_in_schedule",
                             lambda a: cal.schedule(a[11].cohort, a[11].schedule).schedule_type == "ecf_standard"
                             and not (a[11].ptype == "mentor" and cal.cohorts[a[11].cohort].mentor_funding),
                             declaration_type="extended-1", evidence="training-event-attended")
        self.anchor_scenario("course_wrong_for_participant", lambda a: a[11].ptype == "ect" and a[11].cohort >= 2022,
                             course="ecf-mentor")
        self.anchor_scenario("course_missing", lambda a: True, course=None)
        self.anchor_scenario("evidence_missing", lambda a: pre_2025(a) and a[P_TYPE] != "started", evidence=None)
        self.anchor_scenario("evidence_not_allowed",
                             lambda a: a[11].cohort >= 2025 and a[11].ptype == "ect" and a[P_TYPE] == "retained-2",
                             evidence="training-event-attended")
        self.anchor_scenario("evidence_invalid_on_2025_started",
                             lambda a: a[11].cohort >= 2025 and a[P_TYPE] == "started", evidence="anything")
        self.anchor_scenario("another_providers_participant", lambda a: len(a[11].segments) == 1,
                             provider=lambda a: self.other_provider(a[11]))

        # a body with an empty attributes object
        def empty(anchor):
            at = self.attempt_before(anchor)
            if at is None or anchor[1] in self.used:
                return False
            provider = anchor[2]
            self.batches.raw(at, provider, "POST", f"/api/v{self.version(provider, at)}/{DECLARATIONS}",
                             {"data": {"type": "participant-declaration", "attributes": {}}})
            self.used.add(anchor[1])
            self.count("empty_attributes")
            return True
        self.pick(self.anchors, empty)

        # future dates: inside an open window, or past a standard window's end as well
        def future(anchor):
            window = self.window(anchor)
            at = self.attempt_before(anchor)
            if at is None or anchor[1] in self.used:
                return False
            when = at + (2 + rng.randrange(4)) * DAY
            if window[1] is not None and ordinal_of(when) > window[1].toordinal():
                return False
            return self.faulty(anchor, "declaration_date_in_future", at=at, declaration_date=when)
        self.pick(self.anchors, future)

        def future_and_late(anchor):
            window = self.window(anchor)
            at = self.attempt_before(anchor)
            if at is None or window[1] is None or anchor[1] in self.used:
                return False
            when = max(at + 2 * DAY, day_start(window[1].toordinal() + 2) + 9 * HOUR)
            return self.faulty(anchor, "future_and_after_milestone_end", at=at, declaration_date=when)
        self.pick(self.anchors, future_and_late)

        def too_early(anchor):
            window = self.window(anchor)
            if anchor[P_TYPE] == "started" or anchor[1] in self.used:
                return False
            return self.faulty(anchor, "before_milestone_start",
                               declaration_date=day_start(window[0].toordinal()) - HOUR)
        self.pick(self.anchors, too_early)

        def too_late(anchor):
            window = self.window(anchor)
            if window[1] is None or anchor[1] in self.used:
                return False
            after_end = day_start(window[1].toordinal() + 1) + 7 * HOUR
            days = ordinal_of(anchor[0]) - ordinal_of(after_end)
            if days < 1:
                return False
            at = at_work(ordinal_of(after_end) + self.rng.randrange(days), self.rng, 8, 11)
            return self.faulty(anchor, "after_milestone_end", at=at, declaration_date=after_end)
        if not self.pick(self.anchors, too_late):
            # nobody submitted after a window closed: accept the duplicate that comes with it
            def too_late_anyway(anchor):
                window = self.window(anchor)
                if window[1] is None or anchor[1] in self.used:
                    return False
                after_end = day_start(window[1].toordinal() + 1) + 7 * HOUR
                return self.faulty(anchor, "after_milestone_end", at=max(after_end + HOUR, anchor[0] + HOUR),
                                   declaration_date=after_end)
            self.pick(self.anchors, too_late_anyway)

        # a 2025 mentor declared for a retention milestone
        def mentor_retained(active):
            p, provider, start, end = active
            if p.ptype != "mentor" or p.cohort < 2025:
                return False
            first = max(ordinal_of(start), p.season_start + 100) + 1
            last = ordinal_of(min(end, HORIZON)) - 1
            if last < first:
                return False
            at = at_work(first + rng.randrange(last - first + 1), rng)
            self.batches.declaration(at, provider, self.version(provider, at), p.user_id, "retained-1", at - 2 * DAY,
                                     FMT_Z, p.course, "training-event-attended", p)
            self.count("mentor_2025_retained")
            return True
        self.pick(self.ctx.pools.actives, mentor_retained)

        # declared after the same provider withdrew the participant (step 2)
        def after_withdrawal(entry):
            p, provider, withdrawn_at, remaining, schedule, reopened_at = entry
            for t in remaining:
                start, end = schedule.windows[t]
                day = max(ordinal_of(withdrawn_at) + 3, start.toordinal() + 1)
                if end is not None and day > end.toordinal():
                    continue
                at = at_work(day + 1 + rng.randrange(5), rng, 12, 19)
                if at >= HORIZON or (reopened_at and at >= reopened_at):
                    return False
                fundable = p.fundable_from is not None and at >= p.fundable_from
                if fundable and cal.next_output_statement(p.cohort, ordinal_of(at)) is None:
                    return False
                self.batches.declaration(at, provider, self.version(provider, at), p.user_id, t,
                                         at_work(day, rng, 7, 11), FMT_Z, p.course, self.evidence(p, t), p)
                self.count("withdrawn_before_declaration_date")
                return True
            return False
        self.pick(self.ctx.pools.withdrawals, after_withdrawal)

        # the new provider declares what the old provider already declared
        def after_transfer(entry):
            p, old, new, moved_at, last_event = entry
            at = at_work(ordinal_of(moved_at) + 3 + rng.randrange(20), rng, 12, 19)
            if at >= HORIZON or last_event[3] != DECL:
                return False
            self.batches.declaration(at, new, self.version(new, at), last_event[P_ID], last_event[P_TYPE],
                                     last_event[P_DATE], FMT_Z, last_event[P_COURSE], last_event[P_EVIDENCE], p)
            self.count("duplicate_after_transfer")
            return True
        self.pick(self.ctx.pools.transfers, after_transfer)

        # a provider declares for a participant on a school-led programme
        def school_led(p):
            if p.cohort < 2023:
                return False
            window = cal.schedule(p.cohort, p.schedule).windows["started"]
            day = max(window[0].toordinal() + 1, p.season_start + 1) + rng.randrange(20)
            if window[1] is not None:
                day = min(day, window[1].toordinal())
            at = max(at_work(day + 1 + rng.randrange(5), rng, 12, 19), p.earliest_submit)
            if at >= HORIZON:
                return False
            provider = rng.randrange(len(self.world.providers))
            self.batches.declaration(at, provider, self.version(provider, at), p.user_id, "started",
                                     at_work(day, rng, 7, 11), FMT_Z, p.course, None, p)
            self.count("school_led_participant")
            return True
        self.pick(self.ctx.pools.school_led, school_led)

        # a fundable participant of a closed cohort (no output-fee statement left)
        still_active = {entry[0].index for entry in self.ctx.pools.actives}

        def closed(anchor):
            p = anchor[11]
            if (p.cohort not in (2021, 2022) or p.fundable_from != 0 or anchor[1] in self.used
                    or p.index not in still_active):
                return False
            schedule = cal.schedule(p.cohort, p.schedule)
            free = [t for t in schedule.windows if t not in self.types_of.get(p.index, ())]
            if p.ptype == "mentor" and cal.cohorts[p.cohort].mentor_funding:
                return False
            if not free:
                return False
            t = free[0]
            start, end = schedule.windows[t]
            day = start.toordinal() + 10 if end is None else min(start.toordinal() + 10, end.toordinal())
            after = cal.last_output_deadline(p.cohort) + 5 + rng.randrange(60)
            at = at_work(after, rng, 12, 19)
            if at >= HORIZON or cal.next_output_statement(p.cohort, after) is not None:
                return False
            provider = p.segments[-1][0]
            self.batches.declaration(at, provider, self.version(provider, at), p.user_id, t,
                                     at_work(day, rng, 7, 11), FMT_Z, p.course, self.evidence(p, t), p)
            self.used.add(anchor[1])
            self.count("cohort_closed")
            return True
        self.pick(self.anchors, closed)

    def window(self, anchor: tuple):
        p = anchor[11]
        return self.cal.schedule(p.cohort, p.schedule).windows[anchor[P_TYPE]]

    def evidence(self, p: Participant, t: str) -> str | None:
        if t == "started":
            return None
        if not self.cal.cohorts[p.cohort].detailed_evidence_types:
            return PRE_2025_EVIDENCE[0]
        if t in ("completed", "retained-2"):
            return ENGAGEMENT[0]
        return EVIDENCE_2025[0]

    # ---------------------------------------------------------------- declarations.md §2.1
    def void_errors(self) -> None:
        rng, cal, ids = self.rng, self.cal, self.ctx.ids

        def other_providers(anchor):
            p = anchor[11]
            at = at_work(ordinal_of(anchor[0]) + 35 + rng.randrange(40), rng)
            if at >= HORIZON:
                return False
            provider = self.other_provider(p)
            self.batches.void(at, provider, self.version(provider, at), anchor[1])
            self.used.add(anchor[1])
            self.count("void_other_providers_declaration")
            return True
        self.pick(self.anchors, other_providers)

        for k in range(self.copies):
            provider = rng.randrange(len(self.world.providers))
            at = at_work(date(2025, 2, 1).toordinal() + rng.randrange(550), rng)
            self.batches.void(at, provider, self.version(provider, at), ids(f"unknown_declaration:{k}"))
            self.count("void_unknown_declaration")

        def closed_cohort(entry):
            event, provider, paid_at = entry
            p = event[11]
            if p.cohort != 2021:
                return False
            after = cal.last_output_deadline(2021) + 5 + rng.randrange(90)
            at = at_work(after, rng)
            if at <= paid_at:
                return False
            self.batches.void(at, provider, event[4], event[1])
            self.used.add(event[1])
            self.count("void_paid_in_closed_cohort")
            return True
        if not self.pick(self.ctx.pools.paid, closed_cohort):
            def fallback(anchor):
                p = anchor[11]
                if p.cohort != 2021 or p.fundable_from != 0 or anchor[1] in self.used:
                    return False
                statement = cal.next_output_statement(2021, ordinal_of(anchor[0]))
                if statement is None or authorised_at(anchor[2], statement) >= day_start(cal.last_output_deadline(2021)):
                    return False
                return closed_cohort((anchor, anchor[2], authorised_at(anchor[2], statement)))
            self.pick(self.anchors, fallback)

    # ---------------------------------------------------------------- declarations.md §4.3–§4.4
    def action_errors(self) -> None:
        rng, ids = self.rng, self.ctx.ids
        actives = self.ctx.pools.actives

        def during(start, end):
            """A working-hours instant strictly inside (start, end)."""
            first, last = ordinal_of(start) + 1, ordinal_of(min(end, HORIZON)) - 1
            if last < first:
                return None
            return at_work(first + rng.randrange(last - first + 1), rng)

        def active_action(name, action, accept=lambda p: True, when=None, **attributes):
            def one(entry):
                p, provider, start, end = entry
                if not accept(p):
                    return False
                at = during(*(when(start, end) if when else (start, end)))
                if at is None:
                    return False
                values = {k: (v(p) if callable(v) else v) for k, v in attributes.items()}
                self.action(at, provider, action, p, **values)
                self.count(name)
                return True
            self.pick(actives, one)

        active_action("withdraw_reason_retired_by_flag", "withdraw", reason="school-left-fip",
                      when=lambda s, e: (max(s, FLAG_ON_AT + 2 * DAY), e))
        active_action("withdraw_reason_before_flag", "withdraw", reason="switched-to-school-led",
                      when=lambda s, e: (s, min(e, FLAG_ON_AT - 2 * DAY)))
        active_action("withdraw_reason_missing", "withdraw")
        active_action("resume_already_active", "resume")
        active_action("action_wrong_course", "defer", accept=lambda p: p.ptype == "ect" and p.cohort >= 2022,
                      reason="career-break", course="ecf-mentor")
        active_action("change_schedule_same_schedule", "change-schedule", schedule=lambda p: p.schedule)
        active_action("change_schedule_replacement_for_ect", "change-schedule", accept=lambda p: p.ptype == "ect",
                      schedule=lambda p: "ecf-replacement-" + p.schedule.rsplit("-", 1)[1])
        active_action("change_schedule_missing_schedule", "change-schedule")
        active_action("change_schedule_unknown_schedule", "change-schedule", schedule="ecf-standard-june")

        def unknown(entry):
            p, provider, start, end = entry
            at = during(start, end)
            if at is None:
                return False
            self.action(at, provider, "defer", p, reason="parental-leave",
                        participant_id=ids(f"unknown_action_participant:{p.index}"))
            self.count("action_unknown_participant")
            return True
        self.pick(actives, unknown)

        def another_provider(entry):
            p, provider, start, end = entry
            at = during(start, end)
            if at is None or len(p.segments) != 1:
                return False
            self.action(at, self.other_provider(p), "defer", p, reason="long-term-sickness")
            self.count("action_another_providers_participant")
            return True
        self.pick(actives, another_provider)

        def after_first_declaration(name, target):
            def one(entry):
                p, provider, start, end = entry
                firsts = self.first_of.get(p.index)
                if not firsts or p.cohort >= 2025 or p.ptype != "ect" or p.schedule != "ecf-standard-september":
                    return False
                at = during(max(start, firsts[0][0] + DAY), end)
                if at is None:
                    return False
                schedule, cohort = target(p)
                self.action(at, provider, "change-schedule", p, schedule=schedule, cohort=cohort)
                self.count(name)
                return True
            self.pick(actives, one)
        after_first_declaration("change_schedule_invalidates_declarations", lambda p: ("ecf-standard-april", None))
        after_first_declaration("change_schedule_cohort_with_declarations",
                                lambda p: (p.schedule, str(p.cohort + 1)))

        def withdrawn(name, action, **attributes):
            def one(entry):
                p, provider, withdrawn_at, remaining, schedule, reopened_at = entry
                at = during(withdrawn_at + DAY, reopened_at or HORIZON)
                if at is None:
                    return False
                self.action(at, provider, action, p, **attributes)
                self.count(name)
                return True
            self.pick(self.ctx.pools.withdrawals, one)
        withdrawn("withdraw_already_withdrawn", "withdraw", reason="other")
        withdrawn("defer_withdrawn", "defer", reason="career-break")
        withdrawn("change_schedule_withdrawn", "change-schedule", schedule="ecf-extended-september")

        def deferred(entry):
            p, provider, deferred_at, resumed_at = entry
            at = during(deferred_at + DAY, resumed_at or HORIZON)
            if at is None:
                return False
            self.action(at, provider, "defer", p, reason="other")
            self.count("defer_already_deferred")
            return True
        self.pick(self.ctx.pools.deferrals, deferred)

    def action(self, at, provider, action, p, reason=None, schedule=None, cohort=None, participant_id=None,
               course=None) -> None:
        self.batches.action(at, provider, self.version(provider, at), action, participant_id or p.user_id,
                            course or p.course, reason, schedule, cohort)

    # ---------------------------------------------------------------- partnerships §1.3–§1.4
    def partnership_requests(self) -> None:
        rng, world, ids = self.rng, self.world, self.ctx.ids
        providers, dps = world.providers, world.delivery_partners
        path = "/api/v3/partnerships/ecf"

        def post(at, provider, attributes, name):
            self.batches.raw(at, provider, "POST", path, {"data": {"type": "ecf-partnership", "attributes": attributes}})
            self.count(name)

        def put(at, provider, partnership_id, attributes, name, method="PUT"):
            self.batches.raw(at, provider, method, f"{path}/{partnership_id}",
                             {"data": {"type": "ecf-partnership-update", "attributes": attributes}})
            self.count(name)

        def cohort_value(cohort):
            return str(cohort) if rng.random() < 0.7 else cohort

        for cohort in COHORTS:
            for sc in world.school_cohorts[cohort]:
                if sc.api_partnered:
                    post(sc.partnership_at, sc.provider, {"cohort": cohort_value(cohort), "school_id": sc.school.id,
                                                          "delivery_partner_id": dps[sc.delivery_partner].id},
                         "partnership_create")
                if sc.repartner:
                    other, other_dp, post_at = sc.repartner
                    post(post_at, other, {"cohort": cohort_value(cohort), "school_id": sc.school.id,
                                          "delivery_partner_id": dps[other_dp].id}, "partnership_create_after_challenge")
                    # the original provider tries to change its challenged partnership
                    alternatives = world.relationships[sc.provider][cohort]
                    at = sc.challenged_at + (1 + rng.randrange(10)) * DAY
                    if at < HORIZON:
                        put(at, sc.provider, sc.partnership_id, {"delivery_partner_id": dps[rng.choice(alternatives)].id},
                            "partnership_update_challenged")

        recorded = [sc for c in (2023, 2024, 2025) for sc in world.school_cohorts[c]
                    if sc.partnered and not sc.api_partnered and not sc.challenge_reason and sc.participant_count >= 0]
        changed: set[int] = set()

        def in_year(sc):
            start = max(sc.partnership_at + 20 * DAY, day_start(date(2023, 6, 1).toordinal()))
            end = min(HORIZON, day_start(date(sc.cohort + 1, 3, 31).toordinal()))
            if end <= start + DAY:
                return None
            return at_work(ordinal_of(start + rng.randrange(end - start)), rng)

        def update(sc):
            options = [d for d in world.relationships[sc.provider][sc.cohort] if d != sc.delivery_partner]
            at = in_year(sc)
            if not options or at is None or id(sc) in changed:
                return False
            changed.add(id(sc))
            new = rng.choice(options)
            patch = rng.random() < 0.25
            put(at, sc.provider, sc.partnership_id, {"delivery_partner_id": dps[new].id},
                "partnership_update_patch" if patch else "partnership_update", "PATCH" if patch else "PUT")
            sc.delivery_partner = new
            return True
        self.pick(recorded, update, n=max(self.copies * 2, len(recorded) // 100))

        def same(sc):
            at = in_year(sc)
            if at is None or id(sc) in changed:
                return False
            changed.add(id(sc))
            put(at, sc.provider, sc.partnership_id, {"delivery_partner_id": dps[sc.delivery_partner].id},
                "partnership_update_same_delivery_partner")
            return True
        self.pick(recorded, same)

        def not_found(sc):
            at = in_year(sc)
            if at is None:
                return False
            other = rng.choice([p.index for p in providers if p.index != sc.provider])
            put(at, other, sc.partnership_id, {"delivery_partner_id": dps[sc.delivery_partner].id},
                "partnership_update_not_found")
            return True
        self.pick(recorded, not_found)

        def no_relationship_put(sc):
            at = in_year(sc)
            options = [d.index for d in dps if d.index not in world.relationships[sc.provider][sc.cohort]]
            if at is None or not options or id(sc) in changed:
                return False
            changed.add(id(sc))
            put(at, sc.provider, sc.partnership_id, {"delivery_partner_id": dps[rng.choice(options)].id},
                "partnership_update_no_relationship")
            return True
        self.pick(recorded, no_relationship_put)

        challenged = [sc for c in COHORTS for sc in world.school_cohorts[c] if sc.challenge_reason and not sc.repartner]

        def challenged_put(sc):
            at = max(sc.challenged_at + (2 + rng.randrange(20)) * DAY, day_start(date(2023, 6, 1).toordinal())
                     + rng.randrange(300) * DAY)
            if at >= HORIZON:
                return False
            put(at_work(ordinal_of(at), rng), sc.provider, sc.partnership_id,
                {"delivery_partner_id": dps[sc.delivery_partner].id}, "partnership_update_challenged")
            return True
        if self.ctx.counts["scenario.partnership_update_challenged"] < self.copies:
            self.pick(challenged, challenged_put)

        def sometime():
            return at_work(date(2024, 4, 1).toordinal() + rng.randrange(800), rng)

        def two_years(cohort):
            return at_work(max(date(cohort, 3, 1).toordinal(), date(2024, 1, 1).toordinal()) + rng.randrange(200), rng)

        for k in range(self.copies):
            provider = rng.randrange(len(providers))
            post(sometime(), provider, {}, "partnership_blank_attributes")
            provider = rng.randrange(len(providers))
            dp = dps[rng.choice(world.relationships[provider][2025])]
            post(sometime(), provider, {"cohort": "2019", "school_id": "", "delivery_partner_id": dp.id},
                 "partnership_unknown_cohort")
            school = rng.choice([s for s in world.schools if not s.eligible or s.cip_only] or world.schools)
            provider = rng.randrange(len(providers))
            post(sometime(), provider, {"cohort": "2025", "school_id": school.urn,
                                        "delivery_partner_id": dps[rng.choice(world.relationships[provider][2025])].id},
                 "partnership_school_unknown")
        # the live service answers 500 here; once is enough to see the product's documented answer
        provider = rng.randrange(len(providers))
        school = rng.choice([s for s in world.schools if s.eligible])
        post(sometime(), provider, {"cohort": "2030", "school_id": school.id,
                                    "delivery_partner_id": dps[rng.choice(world.relationships[provider][2025])].id},
             "partnership_unknown_cohort_valid_school")

        def school_post(kind, schools, name):
            for k in range(self.copies):
                if not schools:
                    return
                school = rng.choice(schools)
                provider = rng.randrange(len(providers))
                cohort = rng.choice((2024, 2025))
                post(two_years(cohort), provider, {"cohort": str(cohort), "school_id": school.id,
                                                   "delivery_partner_id": dps[rng.choice(world.relationships[provider][cohort])].id},
                     name)
        school_post("cip", [s for s in world.schools if s.cip_only], "partnership_school_cip_only")
        school_post("ineligible", [s for s in world.schools if not s.eligible and not s.cip_only],
                    "partnership_school_ineligible")

        partnered = [sc for c in (2024, 2025) for sc in world.school_cohorts[c]
                     if sc.partnered and not sc.api_partnered and not sc.challenge_reason]

        def already(sc):
            at = at_work(ordinal_of(sc.partnership_at) + 5 + rng.randrange(100), rng)
            if at >= HORIZON:
                return False
            dp = rng.choice(world.relationships[sc.provider][sc.cohort])
            post(at, sc.provider, {"cohort": str(sc.cohort), "school_id": sc.school.id,
                                   "delivery_partner_id": dps[dp].id}, "partnership_already_confirmed")
            return True
        self.pick(partnered, already)

        def other(sc):
            at = at_work(ordinal_of(sc.partnership_at) + 5 + rng.randrange(100), rng)
            if at >= HORIZON:
                return False
            provider = rng.choice([p.index for p in providers if p.index != sc.provider])
            dp = rng.choice(world.relationships[provider][sc.cohort])
            post(at, provider, {"cohort": sc.cohort, "school_id": sc.school.id, "delivery_partner_id": dps[dp].id},
                 "partnership_other_provider")
            return True
        self.pick(partnered, other)

        previous = {sc.school.index: sc for sc in world.school_cohorts[2024] if sc.partnered}
        for school in world.lapsed_schools:
            sc = previous.get(school.index)
            if sc is None:
                continue
            at = at_work(date(2025, 6, 2).toordinal() + rng.randrange(80), rng)
            dp = rng.choice(world.relationships[sc.provider][2025])
            post(at, sc.provider, {"cohort": "2025", "school_id": school.id, "delivery_partner_id": dps[dp].id},
                 "partnership_school_not_confirmed")

        # eligible schools that chose a school-led programme: only the delivery partner can fail
        unpartnered = [sc for c in (2024, 2025) for sc in world.school_cohorts[c]
                       if not sc.partnered and sc.school.eligible and sc.choice == "core_induction_programme"]

        def registered(sc):  # after the school's own registration for the cohort (so step 4f cannot fire)
            return at_work(max(ordinal_of(sc.recorded_at) + 1, date(2024, 1, 2).toordinal()) + rng.randrange(150), rng)

        def unknown_dp(sc):
            provider = rng.randrange(len(providers))
            post(registered(sc), provider, {"cohort": str(sc.cohort), "school_id": sc.school.id,
                                                  "delivery_partner_id": ids(f"unknown_delivery_partner:{sc.school.index}")},
                 "partnership_unknown_delivery_partner")
            return True
        self.pick(unpartnered, unknown_dp)

        def no_relationship(sc):
            provider = rng.randrange(len(providers))
            options = [d.index for d in dps if d.index not in world.relationships[provider][sc.cohort]]
            if not options:
                return False
            post(registered(sc), provider, {"cohort": str(sc.cohort), "school_id": sc.school.id,
                                               "delivery_partner_id": dps[rng.choice(options)].id},
                 "partnership_no_relationship")
            return True
        self.pick(unpartnered, no_relationship)

    # ---------------------------------------------------------------- transport
    def transport_errors(self) -> None:
        rng = self.rng

        def not_json(anchor):
            at = self.attempt_before(anchor)
            if at is None or anchor[1] in self.used:
                return False
            text = ('{"data": {"type": "participant-declaration", "attributes": {"participant_id": "'
                    f'{anchor[P_ID]}", "declaration_type": "{anchor[P_TYPE]}",')
            self.batches.raw(at, anchor[2], "POST", f"/api/v{anchor[4]}/{DECLARATIONS}", text)
            self.used.add(anchor[1])
            self.count("body_not_json")
            return True
        self.pick(self.anchors, not_json)

        def without_data(anchor):
            at = self.attempt_before(anchor)
            if at is None or anchor[1] in self.used or not isinstance(anchor[P_DATE], int):
                return False
            flat = {"participant_id": anchor[P_ID], "declaration_type": anchor[P_TYPE],
                    "declaration_date": _iso(anchor[P_DATE]), "course_identifier": anchor[P_COURSE]}
            self.batches.raw(at, anchor[2], "POST", f"/api/v{anchor[4]}/{DECLARATIONS}", flat)
            self.used.add(anchor[1])
            self.count("body_without_data")
            return True
        self.pick(self.anchors, without_data)

        routes = ("/api/v3/participant-declaration", "/api/v4/participant-declarations",
                  "/api/v3/participants/ecf/{id}/unwithdraw", "/api/v3/npq-applications/{id}/accept")

        def unknown_route(anchor):
            at = self.attempt_before(anchor)
            if at is None or anchor[1] in self.used:
                return False
            route = rng.choice(routes).replace("{id}", anchor[P_ID] or "")
            self.batches.raw(at, anchor[2], "POST", route,
                             {"data": {"type": "participant-declaration", "attributes": {"participant_id": anchor[P_ID]}}})
            self.used.add(anchor[1])
            self.count("unknown_route")
            return True
        self.pick(self.anchors, unknown_route)

        for k in range(self.copies):
            provider = rng.randrange(len(self.world.providers))
            at = at_work(date(2024, 9, 1).toordinal() + rng.randrange(700), rng)
            if at < HORIZON:
                path = rng.choice(("/api/v3/participants/ecf?filter[cohort]=2024", "/api/v3/statements",
                                   "/api/v1/participant-declarations?page[per_page]=100"))
                self.batches.raw(at, provider, "GET", path, {})
                self.count("get_in_batch")


def _iso(instant: int) -> str:
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(instant))


def _impossible(instant) -> str:
    text = _iso(instant) if isinstance(instant, int) else "2024-10-01T10:00:00Z"
    return text[:5] + "19" + text[7:]


def _not_rfc3339(instant, rng: random.Random) -> str:
    """A date that casts but is not RFC 3339 (a space for the T): only step 6 fires (declarations.md §1.2)."""
    text = _iso(instant) if isinstance(instant, int) else "2024-10-01T10:00:00Z"
    return text[:10] + " " + text[11:19]
