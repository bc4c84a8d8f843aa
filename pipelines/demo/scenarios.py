"""The catalogue of deliberate request scenarios the demo generates.

Every entry names the rule it targets (`step`: the spec section and step), the `title` and the
`detail` of the answer the live rules give (or a summary where the detail depends on the data),
and how the generator produces it. `ERROR_SCENARIOS` covers every error of declarations.md §1.2
(steps 0–14), the void answers of §2.1, the participant actions of §4.3–§4.4, the partnership
checks of partnerships-and-finance.md §1.3–§1.4, transport-level problems (a body that is not
JSON, no `data`, an unknown route, a GET) and quarantine-worthy lines. A few entries are accepted
requests worth seeing in the receipts (area ending in `-accepted`).

The generator counts what it emits per scenario in `DemoPlan.counts["scenario.<name>"]`.
The expected answers are what the live rules say *if the later stages process the inputs as
timed*; the generator itself does not run the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_RECOGNISED = ("Your update cannot be made as the '#/participant_id' is not recognised. Check participant "
                  "details and try again.")
COURSE_NOT_RECOGNISED = ("The entered '#/course_identifier' is not recognised for the given participant. "
                         "Check details and try again.")


@dataclass(frozen=True)
class Scenario:
    name: str
    area: str  # declaration, declaration-accepted, void, action, partnership, transport, quarantine, timing
    step: str  # spec section / step the scenario targets
    status: int | None  # expected HTTP status (None: quarantined, never answered)
    title: str
    detail: str
    how: str


_S = Scenario
ERROR_SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    # ----------------------------------------------------------- declarations.md §1.2, steps 0–14
    _S("npq_course", "declaration", "declarations.md §1.2 step 0", 422, "course_identifier",
       "NPQ Courses are no longer supported", "course_identifier npq-leading-teaching for a known participant"),
    _S("participant_unknown", "declaration", "declarations.md §1.2 step 1", 422, "participant_id", NOT_RECOGNISED,
       "a random UUID as participant_id"),
    _S("participant_is_profile_id", "declaration", "declarations.md §1.2 step 1", 422, "participant_id",
       NOT_RECOGNISED, "the participant's profile id (training_record_id) sent as participant_id"),
    _S("participant_id_missing", "declaration", "declarations.md §1.2 step 1", 422, "participant_id",
       NOT_RECOGNISED, "attributes without participant_id"),
    _S("withdrawn_before_declaration_date", "declaration", "declarations.md §1.2 step 2", 422, "participant_id",
       "This participant withdrew from this course on <withdrawal instant>. Enter a '#/declaration_date' that's "
       "on or before the withdrawal date.", "a declaration dated after the same provider's withdrawal"),
    _S("declaration_date_missing", "declaration", "declarations.md §1.2 step 3", 422, "declaration_date",
       "Enter a '#/declaration_date'.", "attributes without declaration_date"),
    _S("declaration_date_impossible", "declaration", "declarations.md §1.2 steps 3 and 6", 422, "declaration_date",
       "Enter a '#/declaration_date'., Enter a valid RCF3339 '#/declaration_date'.",
       "an impossible date such as 2024-19-01T10:00:00Z"),
    _S("declaration_type_missing", "declaration", "declarations.md §1.2 steps 4 and 9", 422, "declaration_type",
       "Enter a '#/declaration_type'., The property '#/declaration_type' does not exist for this schedule.",
       "attributes without declaration_type for a resolved participant"),
    _S("declaration_date_in_future", "declaration", "declarations.md §1.2 step 5", 422, "declaration_date",
       "The '#/declaration_date' value cannot be a future date. Check the date and try again.",
       "declaration_date a few days after submitted_at, inside the milestone window"),
    _S("future_and_after_milestone_end", "declaration", "declarations.md §1.2 steps 5 and 7b", 422,
       "declaration_date", "The '#/declaration_date' value cannot be a future date. Check the date and try again., "
       "Enter a '#/declaration_date' that's before the milestone end date.",
       "a future date that is also after the end of a standard milestone"),
    _S("declaration_date_not_rfc3339", "declaration", "declarations.md §1.2 step 6", 422, "declaration_date",
       "Enter a valid RCF3339 '#/declaration_date'.", "a date with a space instead of T (2024-10-01 09:00:00)"),
    _S("before_milestone_start", "declaration", "declarations.md §1.2 step 7a", 422, "declaration_date",
       "Enter a '#/declaration_date' that's on or after the milestone start.",
       "retained-1 dated the day before its milestone starts"),
    _S("after_milestone_end", "declaration", "declarations.md §1.2 step 7b", 422, "declaration_date",
       "Enter a '#/declaration_date' that's before the milestone end date.",
       "started dated after the end of its standard milestone"),
    _S("cohort_closed", "declaration", "declarations.md §1.2 step 8", 422, "cohort",
       "You cannot submit or void declarations for the <cohort> cohort. The funding contract for this cohort has "
       "ended. Get in touch if you need to discuss this with us",
       "a fundable participant's declaration after the cohort's last output-fee deadline"),
    _S("type_not_in_schedule", "declaration", "declarations.md §1.2 step 9", 422, "declaration_type",
       "The property '#/declaration_type' does not exist for this schedule.",
       "extended-1 for a participant on a standard schedule"),
    _S("duplicate_resubmission", "declaration", "declarations.md §1.2 step 10", 422, "base",
       "A declaration has already been submitted that will be, or has been, paid for this event",
       "the same declaration posted again later"),
    _S("duplicate_after_transfer", "declaration", "declarations.md §1.2 step 10 / §5", 422, "base",
       "A declaration has already been submitted that will be, or has been, paid for this event",
       "the new provider declares a milestone the old provider already declared"),
    _S("mentor_2025_retained", "declaration", "declarations.md §1.2 step 11", 422, "declaration_type",
       "You cannot send retained or extended declarations for participants who began their mentor training after "
       "June 2025. Resubmit this declaration with either a started or completed declaration.",
       "retained-1 for a 2025 mentor"),
    _S("course_wrong_for_participant", "declaration", "declarations.md §1.2 step 12", 422, "course_identifier",
       COURSE_NOT_RECOGNISED, "an ECT declared with ecf-mentor"),
    _S("course_missing", "declaration", "declarations.md §1.2 step 12", 422, "course_identifier",
       COURSE_NOT_RECOGNISED, "attributes without course_identifier"),
    _S("profile_removed_by_school", "declaration", "declarations.md §1.2 step 12", 422, "course_identifier",
       COURSE_NOT_RECOGNISED, "a participant whose profile the school withdrew (profile_status withdrawn)"),
    _S("retired_id_without_profile", "declaration", "declarations.md §1.2 step 13a", 422, "participant_id",
       NOT_RECOGNISED, "a retired participant id whose identity holds no profile (account merge)"),
    _S("another_providers_participant", "declaration", "declarations.md §1.2 step 13b", 422, "participant_id",
       NOT_RECOGNISED, "a provider declares for a participant trained by another provider"),
    _S("school_led_participant", "declaration", "declarations.md §1.2 step 13b", 422, "participant_id",
       NOT_RECOGNISED, "a provider declares for a participant on a school-led (core induction) programme"),
    _S("evidence_missing", "declaration", "declarations.md §1.2 step 14 / §1.4", 422, "evidence_held",
       "Enter a '#/evidence_held' value for this participant.", "pre-2025 retained-1 without evidence_held"),
    _S("evidence_not_allowed", "declaration", "declarations.md §1.2 step 14 / §1.4", 422, "evidence_held",
       "Enter an available '#/evidence_held' type for this participant's event and course.",
       "2025 ECT retained-2 with training-event-attended"),
    _S("evidence_invalid_on_2025_started", "declaration", "declarations.md §1.2 step 14 / §1.4", 422,
       "evidence_held", "Enter an available '#/evidence_held' type for this participant's event and course.",
       "2025 started with an unknown evidence_held value"),
    _S("empty_attributes", "declaration", "declarations.md §1.2 steps 1, 3, 4", 422,
       "participant_id, declaration_date, declaration_type", "the three presence messages in that order",
       "data.attributes is an empty object"),
    # ---------------------------------------------------------------- accepted, worth seeing
    _S("trn_duplicate_ineligible", "declaration-accepted", "declarations.md §1.3", 200, "",
       "state ineligible, ineligible_for_funding_reason duplicate_declaration",
       "a second user account with the same TRN declares a milestone already declared"),
    _S("retired_id_resolves", "declaration-accepted", "declarations.md §1.1", 200, "",
       "accepted; participant_id in the response is the surviving user id",
       "a declaration sent with a retired participant id (participant_id_changes)"),
    _S("started_evidence_dropped", "declaration-accepted", "declarations.md §1.4", 200, "",
       "accepted; evidence_held stored as null", "pre-2025 started sent with an evidence_held value"),
    _S("submitted_not_fundable", "declaration-accepted", "declarations.md §1.6", 200, "",
       "state submitted, no statement", "a declaration for a participant whose eligibility is manual_check"),
    _S("redeclared_after_void", "declaration-accepted", "declarations.md §1.3", 200, "", "accepted",
       "the same milestone declared again after the provider voided it"),
    # ------------------------------------------------------------------------ void, §2.1
    _S("void_before_deadline", "void", "declarations.md §2.1", 200, "", "state voided",
       "void of an eligible declaration before its statement's deadline"),
    _S("void_payable", "void", "declarations.md §2.1", 200, "", "state voided",
       "void of a payable declaration (after the deadline, before authorisation)"),
    _S("void_paid_clawback", "void", "declarations.md §2.1", 200, "", "state awaiting-clawback",
       "void of a paid declaration well after its payment date"),
    _S("void_already_voided", "void", "declarations.md §2.1", 422, "Invalid action",
       "This declaration has already been voided.", "the same void sent again a month later"),
    _S("void_clawed_back", "void", "declarations.md §2.1", 422, "Invalid action",
       "This declaration has been clawed-back, so you can only view it.",
       "a second void of a declaration already awaiting clawback or clawed back"),
    _S("void_other_providers_declaration", "void", "declarations.md §2.1", 404, "",
       '{"error":"Resource not Found"}', "a provider voids a declaration another provider made"),
    _S("void_unknown_declaration", "void", "declarations.md §2.1", 404, "", '{"error":"Resource not Found"}',
       "void of a random declaration id"),
    _S("void_paid_in_closed_cohort", "void", "declarations.md §2.1 clawback check 3", 422, "Invalid action",
       "Participant declaration You cannot submit or void declarations for the 2021 cohort. The funding contract "
       "for this cohort has ended. Get in touch if you need to discuss this with us",
       "void of a paid 2021 declaration after the cohort's last output-fee statement"),
    _S("void_ineligible_duplicate", "void", "declarations.md §2.1", 200, "", "state voided",
       "void of an ineligible (TRN duplicate) declaration"),
    _S("void_submitted", "void", "declarations.md §2.1", 200, "", "state voided",
       "void of a submitted declaration (participant not fundable)"),
    # --------------------------------------------------------------- participant actions, §4.3–§4.4
    _S("withdraw", "action", "declarations.md §4.3", 200, "", "training_status withdrawn",
       "withdraw with a valid reason"),
    _S("withdraw_reason_retired_by_flag", "action", "declarations.md §4.2", 422, "reason",
       "The property '#/reason' must be a valid reason", "school-left-fip while programme_type_changes_2025 is on"),
    _S("withdraw_reason_before_flag", "action", "declarations.md §4.2", 422, "reason",
       "The property '#/reason' must be a valid reason", "switched-to-school-led while the flag is still off"),
    _S("withdraw_reason_missing", "action", "declarations.md §4.3", 422, "reason",
       "The property '#/reason' must be present, The property '#/reason' must be a valid reason",
       "withdraw without a reason"),
    _S("withdraw_already_withdrawn", "action", "declarations.md §4.3", 422, "participant_profile",
       "The participant is already withdrawn", "a second withdraw"),
    _S("defer", "action", "declarations.md §4.3", 200, "", "training_status deferred", "defer with a valid reason"),
    _S("defer_already_deferred", "action", "declarations.md §4.3", 422, "participant_profile",
       "The participant is already deferred", "a second defer"),
    _S("defer_withdrawn", "action", "declarations.md §4.3", 422, "participant_profile",
       "The participant is already withdrawn", "defer of a withdrawn participant"),
    _S("resume", "action", "declarations.md §4.3", 200, "", "training_status active", "resume a deferred participant"),
    _S("resume_withdrawn", "action", "declarations.md §4.3", 200, "", "training_status active",
       "resume a withdrawn participant (allowed)"),
    _S("resume_already_active", "action", "declarations.md §4.3", 422, "participant_profile",
       "The participant is already active", "resume of an active participant"),
    _S("action_unknown_participant", "action", "declarations.md §4.3", 422, "participant_id", NOT_RECOGNISED,
       "an action for a random participant id"),
    _S("action_wrong_course", "action", "declarations.md §4.3", 422, "course_identifier", COURSE_NOT_RECOGNISED,
       "an action with ecf-mentor for an ECT"),
    _S("action_another_providers_participant", "action", "declarations.md §4.3", 422, "participant_id",
       NOT_RECOGNISED, "a provider defers another provider's participant"),
    _S("change_schedule", "action", "declarations.md §4.4", 200, "", "schedule changed",
       "standard → extended or reduced schedule, same cohort"),
    _S("change_schedule_same_schedule", "action", "declarations.md §4.4 step 7", 422, "schedule_identifier",
       "Selected schedule is already on the profile", "the schedule the participant already has"),
    _S("change_schedule_replacement_for_ect", "action", "declarations.md §4.4 step 8", 422, "schedule_identifier",
       "Selected schedule is not valid for the course", "an ECT onto ecf-replacement-september"),
    _S("change_schedule_invalidates_declarations", "action", "declarations.md §4.4 step 6", 422,
       "schedule_identifier", "Changing schedule would invalidate existing declarations. Please void them first.",
       "standard-september → standard-april after started was declared"),
    _S("change_schedule_missing_schedule", "action", "declarations.md §4.4 step 4", 422, "schedule_identifier",
       "The property '#/schedule_identifier' must be present and correspond to a valid schedule",
       "change-schedule without schedule_identifier"),
    _S("change_schedule_unknown_schedule", "action", "declarations.md §4.4 quirks", 422, "Invalid action",
       "Validation failed: Schedule must exist", "an unknown schedule identifier"),
    _S("change_schedule_withdrawn", "action", "declarations.md §4.4 step 5", 422, "participant_id",
       "Cannot perform actions on a withdrawn participant", "change-schedule of a withdrawn participant"),
    _S("change_schedule_cohort_with_declarations", "action", "declarations.md §4.4 steps 6 and 9", 422,
       "schedule_identifier, cohort", "invalidate message, then You cannot change the '#/cohort' field",
       "a move to the next cohort while declarations exist"),
    # ------------------------------------------------------- partnerships-and-finance.md §1.3–§1.4
    _S("partnership_create", "partnership", "partnerships-and-finance.md §1.3", 200, "", "partnership",
       "POST for a school whose FIP programme has no partnership yet"),
    _S("partnership_create_after_challenge", "partnership", "partnerships-and-finance.md §1.6 case B", 200, "",
       "partnership", "another provider partners a school whose partnership was challenged"),
    _S("partnership_blank_attributes", "partnership", "partnerships-and-finance.md §1.3 steps 1a, 1b, 1d", 422,
       "cohort, school_id, delivery_partner_id", "the three presence messages", "empty attributes"),
    _S("partnership_unknown_cohort", "partnership", "partnerships-and-finance.md §1.3 step 2", 422, "cohort",
       "The '#/cohort' you have entered is invalid. Check cohort details and try again.",
       "cohort 2019 with a blank school_id"),
    _S("partnership_unknown_cohort_valid_school", "partnership", "partnerships-and-finance.md §1.3 (live 500)",
       None, "", "live service: 500; the product answers with its documented 422/400",
       "unknown cohort with an eligible school"),
    _S("partnership_school_unknown", "partnership", "partnerships-and-finance.md §1.3 step 4a", 422, "school_id",
       "The '#/school_id' you have entered is invalid. Check school details and try again. Contact the DfE for "
       "support if you are unable to find the '#/school_id'.", "a school URN sent as school_id"),
    _S("partnership_school_cip_only", "partnership", "partnerships-and-finance.md §1.3 step 4b", 422, "school_id",
       "The school you have entered has not registered to deliver DfE-funded training. Contact the school for "
       "more information.", "a CIP-only school"),
    _S("partnership_school_ineligible", "partnership", "partnerships-and-finance.md §1.3 step 4c", 422,
       "school_id", "The school you have entered is currently ineligible for DfE funding. Contact the school for "
       "more information.", "an ineligible school"),
    _S("partnership_already_confirmed", "partnership", "partnerships-and-finance.md §1.3 step 4d", 422,
       "school_id", "You are already in a confirmed partnership with this school for the entered cohort.",
       "POST for a school the provider already partners"),
    _S("partnership_other_provider", "partnership", "partnerships-and-finance.md §1.3 step 4e", 422, "school_id",
       "Another provider is in a confirmed partnership with the school for the cohort you entered. Contact the "
       "school for more information.", "POST for a school another provider partners"),
    _S("partnership_school_not_confirmed", "partnership", "partnerships-and-finance.md §1.3 step 4f", 422,
       "school_id", "The school you have entered has not yet confirmed they will deliver DfE-funded training. "
       "Contact the school for more information.", "a school partnered last cohort with no school cohort this one"),
    _S("partnership_unknown_delivery_partner", "partnership", "partnerships-and-finance.md §1.3 step 5a", 422,
       "delivery_partner_id", "The '#/delivery_partner_id' you have entered is invalid. Check delivery partner "
       "details and try again.", "a random delivery partner id"),
    _S("partnership_no_relationship", "partnership", "partnerships-and-finance.md §1.3 step 5b", 422,
       "delivery_partner_id", "The entered delivery partner is not recognised to be working in partnership with "
       "you for the given cohort. Contact the DfE for more information.",
       "a delivery partner the provider has no relationship with"),
    _S("partnership_update", "partnership", "partnerships-and-finance.md §1.4", 200, "", "partnership",
       "PUT with another delivery partner the provider works with"),
    _S("partnership_update_patch", "partnership", "partnerships-and-finance.md §1.4 (PATCH alias)", 200, "",
       "partnership", "PATCH on the same path"),
    _S("partnership_update_same_delivery_partner", "partnership", "partnerships-and-finance.md §1.4", 200, "",
       "partnership unchanged", "PUT naming the current delivery partner"),
    _S("partnership_update_not_found", "partnership", "partnerships-and-finance.md §1.4 lookup", 404, "",
       '{"error":"Resource not Found"}', "PUT on another provider's partnership"),
    _S("partnership_update_challenged", "partnership", "partnerships-and-finance.md §1.4 step 2c", 422,
       "delivery_partner_id", "Your update cannot be made as this partnership has been challenged by the school. "
       "If this partnership has been challenged in error, submit a new partnership confirmation using the endpoint "
       "POST /api/v3/partnerships/ecf.", "PUT on a challenged partnership"),
    _S("partnership_update_no_relationship", "partnership", "partnerships-and-finance.md §1.4 step 2b", 422,
       "delivery_partner_id", "The entered delivery partner is not recognised to be working in partnership with "
       "you for the given cohort. Contact the DfE for more information.",
       "PUT with a delivery partner the provider has no relationship with"),
    # ------------------------------------------------------------------------- transport
    _S("body_not_json", "transport", "product.md §5 (deliberate difference)", 400, "Bad request",
       "correct json data structure required. See API docs for reference", "a truncated JSON body as raw text"),
    _S("body_without_data", "transport", "declarations.md §0.1", 400, "Bad request",
       "correct json data structure required. See API docs for reference",
       "attributes sent at the top level, without data"),
    _S("unknown_route", "transport", "api.md §2.6", 404, "", '{"error":"Resource not Found"}',
       "a path the live service does not route"),
    _S("get_in_batch", "transport", "product.md §3", None, "", "documented error receipt", "a GET line"),
    _S("legacy_participant_path", "transport", "api.md §5", 200, "", "accepted",
       "v1/v2 participant actions on /participants/{id}/… (alias)"),
    # ------------------------------------------------------------------------- quarantine
    _S("line_not_json", "quarantine", "product.md §3", None, "", "quarantined", "a line that is not JSON"),
    _S("line_missing_path", "quarantine", "product.md §3", None, "", "quarantined", "a line without path"),
    _S("submitted_at_unparseable", "quarantine", "product.md §3", None, "", "quarantined",
       "submitted_at written as 31/03/2025 10:00"),
    _S("line_not_an_object", "quarantine", "product.md §3", None, "", "quarantined", "a JSON array line"),
    # ------------------------------------------------------------------------- timing
    _S("late_file", "timing", "product.md §4 (late rows)", None, "", "rows take the window start",
       "one provider batch lands one cycle after its rows' dates"),
)}
