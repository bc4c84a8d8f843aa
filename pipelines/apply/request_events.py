"""One provider request, applied as the live API would have handled it at its effective instant.

Route → read the body → the live checks (`pipelines/validate/`) → the lifecycle change
(`pipelines/calculate/`) → the response in the shape of the version in the path. Every outcome is a
`Response`; nothing a request holds can stop the loop.
"""

from __future__ import annotations

from datetime import datetime

from api_export.serializers import (
    declaration_resource, participant_resource_v1, participant_resource_v3, partnership_resource,
)
from pipelines.apply.events import Event
from pipelines.apply.registration_events import RegistrationState
from pipelines.calculate.lifecycle import (
    change_induction_record, create_declaration, record_provider_state, void_declaration,
)
from pipelines.calculate.partnership_report import report_partnership
from pipelines.ids import declaration_id_for, event_id_for
from pipelines.validate.declaration_rules import check_declaration, check_void
from pipelines.validate.envelope import NOT_FOUND, Response
from pipelines.validate.participant_action_rules import (
    check_change_schedule, check_defer, check_resume, check_withdraw,
)
from pipelines.validate.partnership_rules import (
    addressable_partnership, check_partnership_create, check_partnership_update,
)
from pipelines.validate.request_body import read_request_attributes, request_gate
from pipelines.validate.routes import Route, route
from pipelines.world.model import Declaration
from pipelines.world.world import World

ACTION_CHECKS = {
    "participant_withdraw": (check_withdraw, "withdrawn"),
    "participant_defer": (check_defer, "deferred"),
    "participant_resume": (check_resume, "active"),
}


def apply_request(world: World, registrations: RegistrationState, event: Event) -> Response:
    row, now = event.row, event.effective_at
    lead_provider_id = world.lead_provider_by_slug[row["lead_provider_slug"]]
    routed = route(row["method"], row["path"])
    if isinstance(routed, Response):
        return routed
    if routed.action == "partnership_update":
        # The {id} lookup comes before the body's `data` is read (partnerships-and-finance.md §1.2).
        gate = request_gate(row["body_text"], row["body_is_text"], row["path"])
        if gate is not None:
            return gate
        if addressable_partnership(world, lead_provider_id, routed.resource_id) is None:
            return Response(404, NOT_FOUND)
    attributes = read_request_attributes(routed.action, row["body_text"], row["body_is_text"], row["path"])
    if isinstance(attributes, Response):
        return attributes
    if routed.action == "declaration_create":
        return _declare(world, lead_provider_id, routed, attributes, event)
    if routed.action == "declaration_void":
        return _void(world, lead_provider_id, routed, now, event.event_seq)
    if routed.action in ACTION_CHECKS:
        return _participant_action(world, registrations, lead_provider_id, routed, attributes, event)
    if routed.action == "participant_change_schedule":
        return _change_schedule(world, registrations, lead_provider_id, routed, attributes, event)
    return _partnership(world, registrations, lead_provider_id, routed, attributes, event)


def _ok(resource: dict | None) -> Response:
    return Response(200, {"data": resource})


def _declare(world: World, lead_provider_id: str, routed: Route, attributes: dict, event: Event) -> Response:
    now = event.effective_at
    accepted = check_declaration(world, lead_provider_id, attributes, now)
    if isinstance(accepted, Response):
        return accepted
    folder, sha256, line = event.provenance.rsplit(":", 2)
    declaration = Declaration(
        declaration_id_for(event.row["lead_provider_slug"], sha256, int(line)), lead_provider_id, accepted.user_id,
        accepted.profile.profile_id, accepted.profile.participant_type, accepted.course_identifier,
        accepted.declaration_type, accepted.declaration_date, accepted.declaration_date_text, accepted.cohort,
        accepted.state, accepted.evidence_held, accepted.delivery_partner_id, accepted.mentor_user_id,
        accepted.pupil_premium_uplift, accepted.sparsity_uplift, accepted.superseded_by_id,
        "duplicate" if accepted.superseded_by_id else None, now, now)
    create_declaration(world, declaration, accepted.statement_id, event.event_seq)
    return _ok(declaration_resource(world, declaration, routed.version))


def _void(world: World, lead_provider_id: str, routed: Route, now: datetime, event_seq: int) -> Response:
    accepted = check_void(world, lead_provider_id, routed.resource_id, now)
    if isinstance(accepted, Response):
        return accepted
    void_declaration(world, accepted.declaration, accepted.new_state, accepted.clawback_statement_id, now, event_seq)
    return _ok(declaration_resource(world, accepted.declaration, routed.version))


def _participant_body(world: World, lead_provider_id: str, routed: Route, user_id: str, profile_id: str,
                      now: datetime) -> Response:
    if routed.version == 3:
        return _ok(participant_resource_v3(world, lead_provider_id, user_id, now, visible_only=False))
    return _ok(participant_resource_v1(world, lead_provider_id, user_id, now, profile_id=profile_id))


def _moved_on(world: World, registrations: RegistrationState, record, successor_id: str, event: Event,
              **changes):
    successor = change_induction_record(world, record, successor_id, event.effective_at, event.event_seq,
                                        event.kind, **changes)
    if successor.placement_id:
        registrations.current_record_of_placement[successor.placement_id] = successor.induction_record_id
    return successor


def _participant_action(world: World, registrations: RegistrationState, lead_provider_id: str, routed: Route,
                        attributes: dict, event: Event) -> Response:
    check, new_status = ACTION_CHECKS[routed.action]
    now = event.effective_at
    accepted = check(world, lead_provider_id, routed.resource_id, attributes, now)
    if isinstance(accepted, Response):
        return accepted
    record_provider_state(world, accepted.profile.profile_id, lead_provider_id, new_status, accepted.reason, now,
                          event.event_seq)
    _moved_on(world, registrations, accepted.record, event_id_for(f"induction-record:{routed.action}",
                                                                    event.provenance),
              event, training_status=new_status)
    return _participant_body(world, lead_provider_id, routed, accepted.user_id, accepted.profile.profile_id, now)


def _change_schedule(world: World, registrations: RegistrationState, lead_provider_id: str, routed: Route,
                     attributes: dict, event: Event) -> Response:
    now = event.effective_at
    accepted = check_change_schedule(world, lead_provider_id, routed.resource_id, attributes, now)
    if isinstance(accepted, Response):
        return accepted
    profile = accepted.profile
    profile.schedule_identifier, profile.cohort, profile.updated_at = accepted.schedule.identifier, accepted.cohort, now
    profile.cohort_changed_after_payments_frozen = accepted.cohort_changed_after_payments_frozen
    if accepted.cohort_changes:
        profile.school_id = accepted.school_id
        world.add_profile(profile)  # re-index by school
    _moved_on(world, registrations, accepted.record, event_id_for("induction-record:change-schedule", event.provenance),
              event, schedule_identifier=accepted.schedule.identifier, schedule_cohort=accepted.cohort,
              induction_programme_id=accepted.induction_programme_id)
    return _participant_body(world, lead_provider_id, routed, accepted.user_id, profile.profile_id, now)


def _partnership(world: World, registrations: RegistrationState, lead_provider_id: str, routed: Route,
                 attributes: dict, event: Event) -> Response:
    now = event.effective_at
    ids = lambda role: event_id_for(f"partnership:{role}", event.provenance)  # noqa: E731
    if routed.action == "partnership_create":
        accepted = check_partnership_create(world, lead_provider_id, attributes)
    else:
        accepted = check_partnership_update(world, lead_provider_id, routed.resource_id, attributes)
    if isinstance(accepted, Response):
        return accepted
    def follow_placement(closed, copy) -> None:
        if copy.placement_id:
            registrations.current_record_of_placement[copy.placement_id] = copy.induction_record_id

    if getattr(accepted, "changes", True):
        partnership = report_partnership(world, lead_provider_id, accepted.school_id, accepted.cohort,
                                         accepted.delivery_partner_id, now, ids, on_record_moved=follow_placement)
    else:
        partnership = accepted.partnership
    return _ok(partnership_resource(world, partnership))
