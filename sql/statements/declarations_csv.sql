-- The finance "Download declarations" CSV (partnerships-and-finance.md §3), for every statement at once:
-- one row per declaration attached to the statement, as its `statement_id` (billable line item) or as
-- its `clawback_statement_id` (refundable line item). A clawed-back declaration therefore has a row
-- on its payment statement and one on its clawback statement. Column 1 is the statement the row
-- belongs to; then the 25 columns in the spec's order, under the spec's header names.
--
-- Values follow the live ECF1 export (early-careers-framework: `Finance::ECF::AssuranceReport::Query`
-- and `…::CsvSerializer`), read from the state after the last cycle:
--   * booleans as Ruby writes them: `true` / `false`, blank for NULL;
--   * instants as Ruby `Time#iso8601` in UTC (the app runs in UTC, declarations.md §0.2): `YYYY-MM-DDTHH:MM:SSZ`;
--   * every value is returned as text (NULL = empty cell).
--
-- Two induction records of the declaring provider are read, both rebuilt from the registration
-- inputs the timeline has applied (a placement, its programme and the programme's partnership, each
-- at its latest applied row):
--   * the record at the declaration date: the provider's latest record of the declaration's profile
--     starting on or before the declaration date (declarations.md §1.6), the one the apply stage took
--     the declaration's delivery partner and mentor from: school, delivery partner, mentor;
--   * the provider's latest record (live `latest_induction_record`): schedule and training status,
--     with the provider's own changes (change-schedule, withdraw/defer/resume) applied from
--     lifecycle_history and the receipts.
-- Records only the replayed world holds (copies made by provider actions, programme moves made by
-- provider partnership requests) are not in the state. Where the registrations give the provider no
-- record, the school is the profile's own and the delivery partner the declaration's.
WITH
last_cycle AS (SELECT max(as_of) AS as_of FROM cycles),

-- ---------------------------------------------------------------- reference data in force at the last as_of
-- (pipelines/timeline/in_force.py: newest valid_from, later file wins a tie; an inbox file of a kind
-- replaces the shipped defaults of that kind)
lead_providers AS (
    SELECT r.lead_provider_id, r.name, r.slug
    FROM reference_lead_providers AS r JOIN ingested_files AS f USING (file_id)
    WHERE r.valid_from <= (SELECT as_of FROM last_cycle)
      AND (f.folder LIKE 'inbox/%' OR NOT EXISTS (
          SELECT 1 FROM ingested_files AS g
          WHERE g.family = 'reference' AND g.kind = 'lead_providers' AND g.folder LIKE 'inbox/%'))
    QUALIFY row_number() OVER (PARTITION BY r.lead_provider_id
                               ORDER BY r.valid_from DESC, r.file_id DESC, r.line_number DESC) = 1
),
delivery_partners AS (
    SELECT r.delivery_partner_id, r.name
    FROM reference_delivery_partners AS r JOIN ingested_files AS f USING (file_id)
    WHERE r.valid_from <= (SELECT as_of FROM last_cycle)
      AND (f.folder LIKE 'inbox/%' OR NOT EXISTS (
          SELECT 1 FROM ingested_files AS g
          WHERE g.family = 'reference' AND g.kind = 'delivery_partners' AND g.folder LIKE 'inbox/%'))
    QUALIFY row_number() OVER (PARTITION BY r.delivery_partner_id
                               ORDER BY r.valid_from DESC, r.file_id DESC, r.line_number DESC) = 1
),
schools AS (
    SELECT r.school_id, r.urn, r.name
    FROM reference_schools AS r JOIN ingested_files AS f USING (file_id)
    WHERE r.valid_from <= (SELECT as_of FROM last_cycle)
      AND (f.folder LIKE 'inbox/%' OR NOT EXISTS (
          SELECT 1 FROM ingested_files AS g
          WHERE g.family = 'reference' AND g.kind = 'schools' AND g.folder LIKE 'inbox/%'))
    QUALIFY row_number() OVER (PARTITION BY r.school_id
                               ORDER BY r.valid_from DESC, r.file_id DESC, r.line_number DESC) = 1
),

-- ---------------------------------------------------------------- registrations the timeline has applied
-- Each applied row with its position on the timeline; "latest" = the last applied row of the key.
profile_rows AS (
    SELECT p.*, t.event_seq
    FROM registrations_participant_profiles AS p
    JOIN timeline AS t ON t.source_table = 'registrations_participant_profiles'
                      AND t.file_id = p.file_id AND t.line_number = p.line_number
),
profiles AS (
    SELECT * FROM profile_rows
    QUALIFY row_number() OVER (PARTITION BY participant_profile_id ORDER BY event_seq DESC) = 1
),
identities AS (
    SELECT i.*
    FROM registrations_participant_identities AS i
    JOIN timeline AS t ON t.source_table = 'registrations_participant_identities'
                      AND t.file_id = i.file_id AND t.line_number = i.line_number
    QUALIFY row_number() OVER (PARTITION BY i.participant_identity_id ORDER BY t.event_seq DESC) = 1
),
-- A profile's user: its identity's user; a profile whose identity never arrived stands for the user
-- named by the identity id (registration_events._apply_profile).
profile_users AS (
    SELECT p.participant_profile_id, p.participant_type,
           coalesce(i.user_id, p.participant_identity_id) AS user_id,
           coalesce(nullif(i.external_identifier, ''), i.user_id, p.participant_identity_id) AS external_identifier
    FROM profiles AS p LEFT JOIN identities AS i USING (participant_identity_id)
),
-- The user's name: the full_name of the latest applied profile row of any of the user's profiles.
user_names AS (
    SELECT u.user_id, r.full_name
    FROM profile_rows AS r JOIN profile_users AS u USING (participant_profile_id)
    WHERE r.full_name <> ''
    QUALIFY row_number() OVER (PARTITION BY u.user_id ORDER BY r.event_seq DESC) = 1
),
placement_rows AS (
    SELECT pl.*, t.event_seq
    FROM registrations_induction_placements AS pl
    JOIN timeline AS t ON t.source_table = 'registrations_induction_placements'
                      AND t.file_id = pl.file_id AND t.line_number = pl.line_number
),
placements AS (
    SELECT *, min(event_seq) OVER (PARTITION BY induction_placement_id) AS first_event_seq
    FROM placement_rows
    QUALIFY row_number() OVER (PARTITION BY induction_placement_id ORDER BY event_seq DESC) = 1
),
programmes AS (
    SELECT g.*
    FROM registrations_induction_programmes AS g
    JOIN timeline AS t ON t.source_table = 'registrations_induction_programmes'
                      AND t.file_id = g.file_id AND t.line_number = g.line_number
    QUALIFY row_number() OVER (PARTITION BY g.induction_programme_id ORDER BY t.event_seq DESC) = 1
),
partnerships AS (
    SELECT s.*
    FROM registrations_partnerships AS s
    JOIN timeline AS t ON t.source_table = 'registrations_partnerships'
                      AND t.file_id = s.file_id AND t.line_number = s.line_number
    QUALIFY row_number() OVER (PARTITION BY s.partnership_id ORDER BY t.event_seq DESC) = 1
),
-- Induction records with their lead provider: placement → programme → partnership.
provider_records AS (
    SELECT pl.induction_placement_id, pl.participant_profile_id, pl.start_at, pl.end_at, pl.mentor_profile_id,
           pl.first_event_seq, pa.lead_provider_id, pa.delivery_partner_id, g.school_id
    FROM placements AS pl
    JOIN programmes AS g USING (induction_programme_id)
    JOIN partnerships AS pa ON pa.partnership_id = g.partnership_id
),
-- The provider's latest record of a profile ("latest": open-ended first, newest start, newest row).
latest_provider_records AS (
    SELECT * FROM provider_records
    QUALIFY row_number() OVER (
        PARTITION BY participant_profile_id, lead_provider_id
        ORDER BY (end_at IS NULL) DESC, start_at DESC, first_event_seq DESC, induction_placement_id) = 1
),

-- ---------------------------------------------------------------- what providers changed (provider actions)
-- Accepted requests (receipt status 200), with the provider that sent them.
request_events AS (
    SELECT r.event_seq, lp.lead_provider_id, r.body_json, q.body_text
    FROM receipts AS r
    JOIN requests AS q USING (file_id, line_number)
    JOIN lead_providers AS lp ON lp.slug = q.lead_provider_slug
    WHERE r.status = 200
),
-- Participant-profile states per provider (live `participant_profile_states`): withdraw, defer and
-- resume requests (lifecycle_history `provider_state`, change `state:reason`) and imported states.
provider_states AS (
    SELECT h.entity_id AS participant_profile_id, e.lead_provider_id,
           split_part(h.change, ':', 1) AS state,
           nullif(substr(h.change, strpos(h.change, ':') + 1), '') AS reason, h.event_seq, true AS by_request
    FROM lifecycle_history AS h JOIN request_events AS e USING (event_seq)
    WHERE h.entity = 'provider_state'
    UNION ALL
    SELECT s.participant_profile_id, lp.lead_provider_id, s.state, s.reason, t.event_seq, false
    FROM import_participant_states AS s
    JOIN timeline AS t ON t.source_table = 'import_participant_states'
                      AND t.file_id = s.file_id AND t.line_number = s.line_number
    JOIN lead_providers AS lp ON lp.slug = s.lead_provider_slug
),
latest_provider_states AS (
    SELECT * FROM provider_states
    QUALIFY row_number() OVER (PARTITION BY participant_profile_id, lead_provider_id ORDER BY event_seq DESC) = 1
),
-- Training status of the provider's latest record: the record starts `active` unless its placement
-- says otherwise; the provider's withdraw/defer/resume requests and explicit placement rows change it.
-- (An imported state does not change a record: the import's placements carry their training status.)
training_status_events AS (
    SELECT participant_profile_id, lead_provider_id, state AS training_status, event_seq
    FROM provider_states WHERE by_request
    UNION ALL
    SELECT lr.participant_profile_id, lr.lead_provider_id, coalesce(r.training_status, 'active'), r.event_seq
    FROM latest_provider_records AS lr JOIN placement_rows AS r USING (induction_placement_id)
    WHERE r.event_seq = lr.first_event_seq OR r.training_status IS NOT NULL
),
training_statuses AS (
    SELECT * FROM training_status_events
    QUALIFY row_number() OVER (PARTITION BY participant_profile_id, lead_provider_id ORDER BY event_seq DESC) = 1
),
-- Accepted change-schedule requests: the new schedule from lifecycle_history (`induction_record`,
-- change `…,schedule_identifier:<id>`); the profile from the receipt (v1/v2 `training_record_id`,
-- v3 the enrolment of the request's course).
change_schedules AS (
    SELECT coalesce(
               json_extract_string(e.body_json, '$.data.attributes.training_record_id'),
               json_extract_string(list_filter(
                   CAST(json_extract(e.body_json, '$.data.attributes.ecf_enrolments') AS JSON[]),
                   lambda x: json_extract_string(x, '$.participant_type') =
                        CASE json_extract_string(e.body_text, '$.data.attributes.course_identifier')
                            WHEN 'ecf-mentor' THEN 'mentor' ELSE 'ect' END)[1],
                   '$.training_record_id')) AS participant_profile_id,
           e.lead_provider_id,
           regexp_extract(h.change, 'schedule_identifier:([^,]+)', 1) AS schedule_identifier, h.event_seq
    FROM lifecycle_history AS h JOIN request_events AS e USING (event_seq)
    WHERE h.entity = 'induction_record' AND h.change LIKE '%schedule_identifier:%'
),
-- The profile's own schedule over time: non-blank profile rows and change-schedule requests.
profile_schedules AS (
    SELECT participant_profile_id, schedule_identifier, event_seq
    FROM profile_rows WHERE coalesce(schedule_identifier, '') <> ''
    UNION ALL
    SELECT participant_profile_id, schedule_identifier, event_seq FROM change_schedules
),
current_profile_schedules AS (
    SELECT * FROM profile_schedules
    QUALIFY row_number() OVER (PARTITION BY participant_profile_id ORDER BY event_seq DESC) = 1
),
-- Schedule of the provider's latest record: the profile's schedule when the record was made (or when
-- the profile arrived, if the placement came first), overridden by an explicit schedule on the
-- placement and by the provider's later change-schedule requests.
records_made AS (
    SELECT lr.participant_profile_id, lr.lead_provider_id, lr.induction_placement_id,
           greatest(lr.first_event_seq, p.first_seq) AS made_seq
    FROM latest_provider_records AS lr
    JOIN (SELECT participant_profile_id, min(event_seq) AS first_seq FROM profile_rows GROUP BY ALL) AS p
      USING (participant_profile_id)
),
schedule_candidates AS (
    SELECT m.participant_profile_id, m.lead_provider_id, 0 AS priority, s.event_seq, s.schedule_identifier
    FROM records_made AS m
    JOIN profile_schedules AS s ON s.participant_profile_id = m.participant_profile_id AND s.event_seq <= m.made_seq
    UNION ALL
    SELECT m.participant_profile_id, m.lead_provider_id, 1, r.event_seq, r.schedule_identifier
    FROM records_made AS m JOIN placement_rows AS r USING (induction_placement_id)
    WHERE coalesce(r.schedule_identifier, '') <> ''
    UNION ALL
    SELECT m.participant_profile_id, m.lead_provider_id, 1, c.event_seq, c.schedule_identifier
    FROM records_made AS m
    JOIN change_schedules AS c ON c.participant_profile_id = m.participant_profile_id
                              AND c.lead_provider_id = m.lead_provider_id AND c.event_seq > m.made_seq
),
record_schedules AS (
    SELECT m.participant_profile_id, m.lead_provider_id,
           coalesce(c.schedule_identifier, 'ecf-standard-september') AS schedule_identifier
    FROM records_made AS m
    LEFT JOIN (SELECT * FROM schedule_candidates
               QUALIFY row_number() OVER (PARTITION BY participant_profile_id, lead_provider_id
                                          ORDER BY priority DESC, event_seq DESC) = 1) AS c
      USING (participant_profile_id, lead_provider_id)
),

-- ---------------------------------------------------------------- the rows
-- (statement, declaration) pairs: the billable line item's statement and the refundable one's. Should
-- both name the same statement (possible only in imported state), the clawback row is kept.
attached AS (
    SELECT statement_id, declaration_id, line_type
    FROM (SELECT statement_id, declaration_id, 'billable' AS line_type FROM declarations WHERE statement_id IS NOT NULL
          UNION ALL
          SELECT clawback_statement_id, declaration_id, 'refundable' FROM declarations
          WHERE clawback_statement_id IS NOT NULL)
    QUALIFY row_number() OVER (PARTITION BY statement_id, declaration_id ORDER BY line_type DESC) = 1
),
line_items AS (
    SELECT * FROM statement_line_items
    QUALIFY row_number() OVER (PARTITION BY statement_id, declaration_id, line_type
                               ORDER BY updated_at DESC, created_at DESC, state) = 1
),
-- The provider's induction record at the declaration date (the one the declaration's delivery partner
-- and mentor were taken from); failing that, the provider's latest record.
records_at_date AS (
    SELECT d.declaration_id, r.*
    FROM declarations AS d
    JOIN provider_records AS r ON r.participant_profile_id = d.participant_profile_id
                              AND r.lead_provider_id = d.lead_provider_id
    QUALIFY row_number() OVER (
        PARTITION BY d.declaration_id
        ORDER BY (r.start_at <= d.declaration_date) DESC, (r.end_at IS NULL) DESC, r.start_at DESC,
                 r.first_event_seq DESC, r.induction_placement_id) = 1
),
-- ECT declarations made by request carry the mentor's user id: its mentor profile, when the
-- registrations give no mentor on the record.
mentor_profiles AS (
    SELECT user_id, participant_profile_id
    FROM profile_users WHERE participant_type = 'mentor'
    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY participant_profile_id) = 1
)
SELECT
    a.statement_id,
    -- 1. Participant ID: the external identifier of the profile's identity (live
    --    `participant_identities.external_identifier`); the declaration's user id without a profile.
    coalesce(pu.external_identifier, d.user_id) AS "Participant ID",
    -- 2. Participant Name: the user's full name (latest applied profile row of the user).
    un.full_name AS "Participant Name",
    -- 3. TRN: the profile's teacher reference number.
    p.trn AS "TRN",
    -- 4. Type: the profile type as ECF1 stores it (`participant_profiles.type`).
    CASE d.participant_type WHEN 'ect' THEN 'ParticipantProfile::ECT'
                            WHEN 'mentor' THEN 'ParticipantProfile::Mentor' END AS "Type",
    -- 5. Mentor Profile ID: ECTs only: the mentor profile on the provider's induction record at the
    --    declaration date, else the profile of the mentor recorded on the declaration.
    CASE WHEN d.participant_type = 'ect'
         THEN coalesce(rd.mentor_profile_id, mp.participant_profile_id) END AS "Mentor Profile ID",
    -- 6. Schedule: the schedule of the provider's latest induction record (live
    --    `latest_induction_record.schedule`); without one, the profile's schedule.
    CASE WHEN p.participant_profile_id IS NULL THEN NULL
         ELSE coalesce(rs.schedule_identifier, cps.schedule_identifier, 'ecf-standard-september') END AS "Schedule",
    -- 7. Eligible for Funding: true when the profile's eligibility status is `eligible`, else false
    --    (live: `CASE status WHEN 'eligible' THEN true ELSE false END`, so never blank for a profile).
    CASE WHEN p.participant_profile_id IS NULL THEN NULL
         WHEN p.eligibility_status = 'eligible' THEN 'true' ELSE 'false' END AS "Eligible for Funding",
    -- 8. Eligible for Funding Reason: the eligibility reason when the status is not `eligible`.
    CASE WHEN p.eligibility_status <> 'eligible' THEN p.eligibility_reason END AS "Eligible for Funding Reason",
    -- 9–11. The uplift flags copied from the profile onto the declaration when it was made (payments.md
    --    §4.1; the ones the statement's uplift counts read). Sparsity and PP: both set.
    CASE d.sparsity_uplift WHEN true THEN 'true' WHEN false THEN 'false' END AS "Sparsity Uplift",
    CASE d.pupil_premium_uplift WHEN true THEN 'true' WHEN false THEN 'false' END AS "Pupil Premium Uplift",
    CASE WHEN d.sparsity_uplift AND d.pupil_premium_uplift THEN 'true' ELSE 'false' END AS "Sparsity and PP",
    -- 12. Lead Provider Name: the declaring provider's name.
    lp.name AS "Lead Provider Name",
    -- 13. Delivery Partner Name: the declaration's delivery partner (from the provider's induction record
    --    at the declaration date, recorded when the declaration was made; imported declarations carry
    --    none, so the record's partnership is read instead).
    dp.name AS "Delivery Partner Name",
    -- 14–15. School URN / Name: the school of the provider's induction record at the declaration date
    --    (its programme's school); else the school that registered the profile.
    sc.urn AS "School URN",
    sc.name AS "School Name",
    -- 16. Training Status: of the provider's latest induction record (active, deferred, withdrawn).
    CASE WHEN p.participant_profile_id IS NULL THEN NULL
         ELSE coalesce(ts.training_status, 'active') END AS "Training Status",
    -- 17. Training Status Reason: the reason of the provider's latest participant-profile state when
    --    that state is `withdrawn` (live joins only withdrawn states).
    CASE WHEN ls.state = 'withdrawn' THEN ls.reason END AS "Training Status Reason",
    -- 18–20. The declaration; its status is the state of the line item on this statement (billable:
    --    eligible, payable, paid; refundable: awaiting_clawback, clawed_back), as the live export reads
    --    `statement_line_items.state`.
    d.declaration_id AS "Declaration ID",
    coalesce(li.state, d.state) AS "Declaration Status",
    d.declaration_type AS "Declaration Type",
    -- 21–22. Instants in UTC, Ruby `iso8601`: YYYY-MM-DDTHH:MM:SSZ (fractions dropped).
    strftime(d.declaration_date, '%Y-%m-%dT%H:%M:%SZ') AS "Declaration Date",
    strftime(d.created_at, '%Y-%m-%dT%H:%M:%SZ') AS "Declaration Created At",
    -- 23–24. The statement the row belongs to.
    s.statement_name AS "Statement Name",
    s.statement_id AS "Statement ID",
    -- 25. Uplift Payable: the live serializer's `sparsity_uplift || pupil_premium_uplift` (not the API's
    --    `uplift_paid`, which also needs an ECT `started` declaration that has been paid, payments.md §4.6).
    CASE WHEN d.sparsity_uplift OR d.pupil_premium_uplift THEN 'true'
         WHEN d.pupil_premium_uplift IS NULL THEN NULL ELSE 'false' END AS "Uplift Payable"
FROM attached AS a
JOIN declarations AS d USING (declaration_id)
JOIN statements AS s ON s.statement_id = a.statement_id
LEFT JOIN line_items AS li
       ON li.statement_id = a.statement_id AND li.declaration_id = a.declaration_id AND li.line_type = a.line_type
LEFT JOIN profiles AS p ON p.participant_profile_id = d.participant_profile_id
LEFT JOIN profile_users AS pu ON pu.participant_profile_id = d.participant_profile_id
LEFT JOIN user_names AS un ON un.user_id = coalesce(pu.user_id, d.user_id)
LEFT JOIN records_at_date AS rd ON rd.declaration_id = d.declaration_id
LEFT JOIN mentor_profiles AS mp ON mp.user_id = d.mentor_user_id
LEFT JOIN record_schedules AS rs
       ON rs.participant_profile_id = d.participant_profile_id AND rs.lead_provider_id = d.lead_provider_id
LEFT JOIN current_profile_schedules AS cps ON cps.participant_profile_id = d.participant_profile_id
LEFT JOIN training_statuses AS ts
       ON ts.participant_profile_id = d.participant_profile_id AND ts.lead_provider_id = d.lead_provider_id
LEFT JOIN latest_provider_states AS ls
       ON ls.participant_profile_id = d.participant_profile_id AND ls.lead_provider_id = d.lead_provider_id
LEFT JOIN lead_providers AS lp ON lp.lead_provider_id = d.lead_provider_id
LEFT JOIN delivery_partners AS dp ON dp.delivery_partner_id = coalesce(d.delivery_partner_id, rd.delivery_partner_id)
LEFT JOIN schools AS sc ON sc.school_id = coalesce(rd.school_id, p.school_id)
ORDER BY a.statement_id, d.created_at, d.declaration_id
