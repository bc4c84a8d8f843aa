-- Typed input tables, one per input kind (docs/inputs.md). Generated from
-- pipelines/ingest/kinds.py by `python -m pipelines.state.ddl`; do not edit by hand.
CREATE TABLE reference_cohorts (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    cohort INTEGER,
    registration_start_on DATE,
    academic_year_start_on DATE,
    automatic_assignment_period_end_on DATE,
    payments_frozen_at TIMESTAMP,
    mentor_funding BOOLEAN,
    detailed_evidence_types BOOLEAN,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_cohorts IS 'Input reference/cohorts: Cohorts and their flags (declarations.md §3.2).';
COMMENT ON COLUMN reference_cohorts.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_cohorts.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_cohorts.cohort IS 'Cohort start year.';
COMMENT ON COLUMN reference_cohorts.registration_start_on IS 'Registration start date.';
COMMENT ON COLUMN reference_cohorts.academic_year_start_on IS 'Academic year start date.';
COMMENT ON COLUMN reference_cohorts.automatic_assignment_period_end_on IS 'End of the automatic assignment period.';
COMMENT ON COLUMN reference_cohorts.payments_frozen_at IS 'Declarations are refused from this instant; blank: never.';
COMMENT ON COLUMN reference_cohorts.mentor_funding IS 'True: 2025+ regime (separate ECT and mentor calculators).';
COMMENT ON COLUMN reference_cohorts.detailed_evidence_types IS 'True: the detailed evidence_held values apply.';
COMMENT ON COLUMN reference_cohorts.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_schedules (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    cohort INTEGER,
    schedule_identifier VARCHAR,
    schedule_name VARCHAR,
    schedule_type VARCHAR,
    milestone_name VARCHAR,
    declaration_type VARCHAR,
    milestone_start_on DATE,
    milestone_end_on DATE,
    milestone_payment_on DATE,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_schedules IS 'Input reference/schedules: Schedules and their milestone windows, one row per milestone (declarations.md §3).';
COMMENT ON COLUMN reference_schedules.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_schedules.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_schedules.cohort IS 'Cohort start year of the schedule.';
COMMENT ON COLUMN reference_schedules.schedule_identifier IS 'E.g. ecf-standard-september.';
COMMENT ON COLUMN reference_schedules.schedule_name IS 'Display name, e.g. ECF Standard September.';
COMMENT ON COLUMN reference_schedules.schedule_type IS 'Schedule family (one of: ecf_standard, ecf_extended, ecf_reduced, ecf_replacement).';
COMMENT ON COLUMN reference_schedules.milestone_name IS 'E.g. Output 1 - Participant Start.';
COMMENT ON COLUMN reference_schedules.declaration_type IS 'The declaration type the milestone is for (one of: started, retained-1, retained-2, retained-3, retained-4, completed, extended-1, extended-2, extended-3).';
COMMENT ON COLUMN reference_schedules.milestone_start_on IS 'First valid declaration date.';
COMMENT ON COLUMN reference_schedules.milestone_end_on IS 'Last valid declaration date; blank: open-ended.';
COMMENT ON COLUMN reference_schedules.milestone_payment_on IS 'Informational payment date.';
COMMENT ON COLUMN reference_schedules.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_statements (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    cohort INTEGER,
    statement_name VARCHAR,
    deadline_on DATE,
    payment_on DATE,
    output_fee BOOLEAN,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_statements IS 'Input reference/statements: The statement calendar per cohort: every lead provider with a call-off contract in the cohort gets each statement.';
COMMENT ON COLUMN reference_statements.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_statements.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_statements.cohort IS 'Cohort start year.';
COMMENT ON COLUMN reference_statements.statement_name IS 'E.g. January 2025.';
COMMENT ON COLUMN reference_statements.deadline_on IS 'Milestone cut-off date.';
COMMENT ON COLUMN reference_statements.payment_on IS 'Payment date; decides which statements are earlier for banding.';
COMMENT ON COLUMN reference_statements.output_fee IS 'True: declarations can attach; false: service-fee-only month.';
COMMENT ON COLUMN reference_statements.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_lead_providers (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_id VARCHAR,
    name VARCHAR,
    slug VARCHAR,
    vat_chargeable BOOLEAN,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_lead_providers IS 'Input reference/lead_providers: Lead providers.';
COMMENT ON COLUMN reference_lead_providers.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_lead_providers.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_lead_providers.lead_provider_id IS 'The provider''s UUID.';
COMMENT ON COLUMN reference_lead_providers.name IS 'Display name.';
COMMENT ON COLUMN reference_lead_providers.slug IS 'Short name used in folder names and commands, e.g. ambition-institute.';
COMMENT ON COLUMN reference_lead_providers.vat_chargeable IS 'True: VAT at 20% is added to statements.';
COMMENT ON COLUMN reference_lead_providers.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_delivery_partners (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    delivery_partner_id VARCHAR,
    name VARCHAR,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_delivery_partners IS 'Input reference/delivery_partners: Delivery partners.';
COMMENT ON COLUMN reference_delivery_partners.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_delivery_partners.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_delivery_partners.delivery_partner_id IS 'The delivery partner''s UUID.';
COMMENT ON COLUMN reference_delivery_partners.name IS 'Display name.';
COMMENT ON COLUMN reference_delivery_partners.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_provider_relationships (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_id VARCHAR,
    delivery_partner_id VARCHAR,
    cohort INTEGER,
    discarded BOOLEAN,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_provider_relationships IS 'Input reference/provider_relationships: Which delivery partners a lead provider may work with, per cohort.';
COMMENT ON COLUMN reference_provider_relationships.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_provider_relationships.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_provider_relationships.lead_provider_id IS 'Lead provider UUID.';
COMMENT ON COLUMN reference_provider_relationships.delivery_partner_id IS 'Delivery partner UUID.';
COMMENT ON COLUMN reference_provider_relationships.cohort IS 'Cohort start year.';
COMMENT ON COLUMN reference_provider_relationships.discarded IS 'True: the relationship is withdrawn from this row''s valid_from.';
COMMENT ON COLUMN reference_provider_relationships.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_schools (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    school_id VARCHAR,
    urn VARCHAR,
    name VARCHAR,
    eligible BOOLEAN,
    cip_only BOOLEAN,
    establishment_type VARCHAR,
    induction_tutor_name VARCHAR,
    induction_tutor_email VARCHAR,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_schools IS 'Input reference/schools: Schools (GIAS facts the rules need).';
COMMENT ON COLUMN reference_schools.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_schools.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_schools.school_id IS 'The school''s UUID.';
COMMENT ON COLUMN reference_schools.urn IS 'Unique reference number, e.g. 100001.';
COMMENT ON COLUMN reference_schools.name IS 'School name.';
COMMENT ON COLUMN reference_schools.eligible IS 'Eligible for funded induction.';
COMMENT ON COLUMN reference_schools.cip_only IS 'True: the school can only use a core induction programme.';
COMMENT ON COLUMN reference_schools.establishment_type IS 'GIAS establishment type name.';
COMMENT ON COLUMN reference_schools.induction_tutor_name IS 'Induction tutor''s name.';
COMMENT ON COLUMN reference_schools.induction_tutor_email IS 'Induction tutor''s email.';
COMMENT ON COLUMN reference_schools.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_school_uplifts (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    school_id VARCHAR,
    cohort INTEGER,
    pupil_premium_uplift BOOLEAN,
    sparsity_uplift BOOLEAN,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_school_uplifts IS 'Input reference/school_uplifts: Uplift eligibility of a school per cohort (payments.md §4.1).';
COMMENT ON COLUMN reference_school_uplifts.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_school_uplifts.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_school_uplifts.school_id IS 'School UUID.';
COMMENT ON COLUMN reference_school_uplifts.cohort IS 'Cohort start year.';
COMMENT ON COLUMN reference_school_uplifts.pupil_premium_uplift IS 'Pupil-premium uplift applies.';
COMMENT ON COLUMN reference_school_uplifts.sparsity_uplift IS 'Sparsity uplift applies.';
COMMENT ON COLUMN reference_school_uplifts.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_contracts (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_id VARCHAR,
    cohort INTEGER,
    version VARCHAR,
    recruitment_target INTEGER,
    set_up_fee DECIMAL(38, 10),
    monthly_service_fee DECIMAL(38, 10),
    uplift_amount DECIMAL(38, 10),
    uplift_target DECIMAL(38, 10),
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_contracts IS 'Input reference/contracts: ECT call-off contracts, one row per lead provider, cohort and version (payments.md §1.2).';
COMMENT ON COLUMN reference_contracts.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_contracts.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_contracts.lead_provider_id IS 'Lead provider UUID.';
COMMENT ON COLUMN reference_contracts.cohort IS 'Cohort start year.';
COMMENT ON COLUMN reference_contracts.version IS 'Contract version, e.g. 1.0.';
COMMENT ON COLUMN reference_contracts.recruitment_target IS 'Recruitment target (participants); the service-fee volume.';
COMMENT ON COLUMN reference_contracts.set_up_fee IS 'Set-up fee, £, deducted from band A''s service fee.';
COMMENT ON COLUMN reference_contracts.monthly_service_fee IS '£; blank: calculated; any value (0 too) replaces it.';
COMMENT ON COLUMN reference_contracts.uplift_amount IS '£ per uplift start; blank switches uplifts off.';
COMMENT ON COLUMN reference_contracts.uplift_target IS 'Display only, e.g. 0.33.';
COMMENT ON COLUMN reference_contracts.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_contract_bands (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_id VARCHAR,
    cohort INTEGER,
    version VARCHAR,
    band_min INTEGER,
    band_max INTEGER,
    per_participant DECIMAL(38, 10),
    output_payment_percentage INTEGER,
    service_fee_percentage INTEGER,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_contract_bands IS 'Input reference/contract_bands: Participant bands of a call-off contract (payments.md §1.3); at most four per contract.';
COMMENT ON COLUMN reference_contract_bands.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_contract_bands.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_contract_bands.lead_provider_id IS 'Lead provider UUID.';
COMMENT ON COLUMN reference_contract_bands.cohort IS 'Cohort start year.';
COMMENT ON COLUMN reference_contract_bands.version IS 'Contract version the band belongs to.';
COMMENT ON COLUMN reference_contract_bands.band_min IS 'First participant number in the band; blank or 0: from 1.';
COMMENT ON COLUMN reference_contract_bands.band_max IS 'Last participant number in the band.';
COMMENT ON COLUMN reference_contract_bands.per_participant IS 'Full price per participant, £.';
COMMENT ON COLUMN reference_contract_bands.output_payment_percentage IS 'Percent paid as output fees.';
COMMENT ON COLUMN reference_contract_bands.service_fee_percentage IS 'Percent paid as service fee.';
COMMENT ON COLUMN reference_contract_bands.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_mentor_contracts (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_id VARCHAR,
    cohort INTEGER,
    version VARCHAR,
    recruitment_target INTEGER,
    payment_per_participant DECIMAL(38, 10),
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_mentor_contracts IS 'Input reference/mentor_contracts: Mentor call-off contracts, cohorts 2025 onwards (payments.md §1.4).';
COMMENT ON COLUMN reference_mentor_contracts.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_mentor_contracts.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_mentor_contracts.lead_provider_id IS 'Lead provider UUID.';
COMMENT ON COLUMN reference_mentor_contracts.cohort IS 'Cohort start year.';
COMMENT ON COLUMN reference_mentor_contracts.version IS 'Mentor contract version.';
COMMENT ON COLUMN reference_mentor_contracts.recruitment_target IS 'Mentor recruitment target (display only).';
COMMENT ON COLUMN reference_mentor_contracts.payment_per_participant IS '£ per mentor; started and completed pay half each.';
COMMENT ON COLUMN reference_mentor_contracts.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_contract_versions (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_id VARCHAR,
    cohort INTEGER,
    statement_name VARCHAR,
    contract_version VARCHAR,
    mentor_contract_version VARCHAR,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_contract_versions IS 'Input reference/contract_versions: Which contract versions a statement starts on (default: the lowest version of the provider and cohort); later changes are finance contract_changes rows.';
COMMENT ON COLUMN reference_contract_versions.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_contract_versions.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_contract_versions.lead_provider_id IS 'Lead provider UUID.';
COMMENT ON COLUMN reference_contract_versions.cohort IS 'Cohort start year.';
COMMENT ON COLUMN reference_contract_versions.statement_name IS 'Statement name.';
COMMENT ON COLUMN reference_contract_versions.contract_version IS 'ECT call-off contract version.';
COMMENT ON COLUMN reference_contract_versions.mentor_contract_version IS 'Mentor contract version (2025+).';
COMMENT ON COLUMN reference_contract_versions.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE reference_feature_flags (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    flag VARCHAR,
    enabled BOOLEAN,
    valid_from TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE reference_feature_flags IS 'Input reference/feature_flags: Feature flags (declarations.md §4.2, api.md §3.9).';
COMMENT ON COLUMN reference_feature_flags.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN reference_feature_flags.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN reference_feature_flags.flag IS 'Flag name (one of: programme_type_changes_2025).';
COMMENT ON COLUMN reference_feature_flags.enabled IS 'Whether the flag is on.';
COMMENT ON COLUMN reference_feature_flags.valid_from IS 'When the row takes effect (default: the beginning of time).';

CREATE TABLE registrations_participant_identities (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    participant_identity_id VARCHAR,
    user_id VARCHAR,
    external_identifier VARCHAR,
    email VARCHAR,
    recorded_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE registrations_participant_identities IS 'Input registrations/participant_identities: Participant identities: how a user is known to the API. A user without an identity row gets one with external_identifier = user_id.';
COMMENT ON COLUMN registrations_participant_identities.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN registrations_participant_identities.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN registrations_participant_identities.participant_identity_id IS 'Identity UUID.';
COMMENT ON COLUMN registrations_participant_identities.user_id IS 'The user''s UUID.';
COMMENT ON COLUMN registrations_participant_identities.external_identifier IS 'The API participant_id of this identity; blank: the user_id.';
COMMENT ON COLUMN registrations_participant_identities.email IS 'The identity''s email.';
COMMENT ON COLUMN registrations_participant_identities.recorded_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE registrations_participant_profiles (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    participant_profile_id VARCHAR,
    participant_identity_id VARCHAR,
    participant_type VARCHAR,
    trn VARCHAR,
    full_name VARCHAR,
    cohort INTEGER,
    schedule_identifier VARCHAR,
    school_id VARCHAR,
    eligibility_status VARCHAR,
    eligibility_reason VARCHAR,
    profile_status VARCHAR,
    induction_end_on DATE,
    recorded_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE registrations_participant_profiles IS 'Input registrations/participant_profiles: Participant profiles (one ECT or mentor registration of a user).';
COMMENT ON COLUMN registrations_participant_profiles.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN registrations_participant_profiles.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN registrations_participant_profiles.participant_profile_id IS 'Profile UUID (the API training_record_id).';
COMMENT ON COLUMN registrations_participant_profiles.participant_identity_id IS 'The identity the profile belongs to.';
COMMENT ON COLUMN registrations_participant_profiles.participant_type IS 'Ect or mentor (one of: ect, mentor).';
COMMENT ON COLUMN registrations_participant_profiles.trn IS 'Teacher reference number.';
COMMENT ON COLUMN registrations_participant_profiles.full_name IS 'The participant''s full name.';
COMMENT ON COLUMN registrations_participant_profiles.cohort IS 'Cohort start year of the profile''s schedule.';
COMMENT ON COLUMN registrations_participant_profiles.schedule_identifier IS 'The profile''s schedule; blank: ecf-standard-september for a new profile, unchanged for a known one (a schedule set by change-schedule is kept).';
COMMENT ON COLUMN registrations_participant_profiles.school_id IS 'The school that registered the participant.';
COMMENT ON COLUMN registrations_participant_profiles.eligibility_status IS 'ECF funding eligibility (one of: eligible, ineligible, manual_check, matched).';
COMMENT ON COLUMN registrations_participant_profiles.eligibility_reason IS 'Reason for the eligibility status.';
COMMENT ON COLUMN registrations_participant_profiles.profile_status IS 'The profile''s own record status (one of: active, withdrawn).';
COMMENT ON COLUMN registrations_participant_profiles.induction_end_on IS 'Induction end date.';
COMMENT ON COLUMN registrations_participant_profiles.recorded_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE registrations_school_cohorts (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    school_id VARCHAR,
    cohort INTEGER,
    induction_programme_choice VARCHAR,
    default_induction_programme_id VARCHAR,
    recorded_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE registrations_school_cohorts IS 'Input registrations/school_cohorts: A school''s choices for a cohort.';
COMMENT ON COLUMN registrations_school_cohorts.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN registrations_school_cohorts.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN registrations_school_cohorts.school_id IS 'School UUID.';
COMMENT ON COLUMN registrations_school_cohorts.cohort IS 'Cohort start year.';
COMMENT ON COLUMN registrations_school_cohorts.induction_programme_choice IS 'The school''s programme choice (one of: full_induction_programme, core_induction_programme, design_our_own, school_funded_fip, no_early_career_teachers, not_yet_known).';
COMMENT ON COLUMN registrations_school_cohorts.default_induction_programme_id IS 'Programme new participants join.';
COMMENT ON COLUMN registrations_school_cohorts.recorded_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE registrations_induction_programmes (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    induction_programme_id VARCHAR,
    school_id VARCHAR,
    cohort INTEGER,
    training_programme VARCHAR,
    partnership_id VARCHAR,
    recorded_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE registrations_induction_programmes IS 'Input registrations/induction_programmes: Induction programmes of a school cohort.';
COMMENT ON COLUMN registrations_induction_programmes.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN registrations_induction_programmes.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN registrations_induction_programmes.induction_programme_id IS 'Programme UUID.';
COMMENT ON COLUMN registrations_induction_programmes.school_id IS 'School UUID.';
COMMENT ON COLUMN registrations_induction_programmes.cohort IS 'Cohort start year.';
COMMENT ON COLUMN registrations_induction_programmes.training_programme IS 'Training programme (one of: full_induction_programme, core_induction_programme, design_our_own, school_funded_fip).';
COMMENT ON COLUMN registrations_induction_programmes.partnership_id IS 'The partnership the programme is linked to.';
COMMENT ON COLUMN registrations_induction_programmes.recorded_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE registrations_induction_placements (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    induction_placement_id VARCHAR,
    participant_profile_id VARCHAR,
    induction_programme_id VARCHAR,
    start_at TIMESTAMP,
    end_at TIMESTAMP,
    induction_status VARCHAR,
    school_transfer BOOLEAN,
    mentor_profile_id VARCHAR,
    preferred_identity_id VARCHAR,
    training_status VARCHAR,
    schedule_identifier VARCHAR,
    recorded_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE registrations_induction_placements IS 'Input registrations/induction_placements: A participant''s stay in an induction programme (the school side of an induction record).';
COMMENT ON COLUMN registrations_induction_placements.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN registrations_induction_placements.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN registrations_induction_placements.induction_placement_id IS 'The school-side id of the placement.';
COMMENT ON COLUMN registrations_induction_placements.participant_profile_id IS 'Profile UUID.';
COMMENT ON COLUMN registrations_induction_placements.induction_programme_id IS 'Programme UUID.';
COMMENT ON COLUMN registrations_induction_placements.start_at IS 'Start of the placement.';
COMMENT ON COLUMN registrations_induction_placements.end_at IS 'End of the placement; blank: open-ended.';
COMMENT ON COLUMN registrations_induction_placements.induction_status IS 'The school''s induction status (one of: active, withdrawn, changed, leaving, completed).';
COMMENT ON COLUMN registrations_induction_placements.school_transfer IS 'True: the placement is a transfer in.';
COMMENT ON COLUMN registrations_induction_placements.mentor_profile_id IS 'Mentor profile UUID (ECTs).';
COMMENT ON COLUMN registrations_induction_placements.preferred_identity_id IS 'Identity whose email the API shows.';
COMMENT ON COLUMN registrations_induction_placements.training_status IS 'Provider-owned; set here only to override explicitly (one of: active, deferred, withdrawn).';
COMMENT ON COLUMN registrations_induction_placements.schedule_identifier IS 'Provider-owned; set here only to override explicitly.';
COMMENT ON COLUMN registrations_induction_placements.recorded_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE registrations_partnerships (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    partnership_id VARCHAR,
    lead_provider_id VARCHAR,
    delivery_partner_id VARCHAR,
    school_id VARCHAR,
    cohort INTEGER,
    relationship BOOLEAN,
    pending BOOLEAN,
    recorded_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE registrations_partnerships IS 'Input registrations/partnerships: Partnerships recorded by schools and DfE.';
COMMENT ON COLUMN registrations_partnerships.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN registrations_partnerships.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN registrations_partnerships.partnership_id IS 'Partnership UUID.';
COMMENT ON COLUMN registrations_partnerships.lead_provider_id IS 'Lead provider UUID.';
COMMENT ON COLUMN registrations_partnerships.delivery_partner_id IS 'Delivery partner UUID.';
COMMENT ON COLUMN registrations_partnerships.school_id IS 'School UUID.';
COMMENT ON COLUMN registrations_partnerships.cohort IS 'Cohort start year.';
COMMENT ON COLUMN registrations_partnerships.relationship IS 'True: a relationship partnership (transfer).';
COMMENT ON COLUMN registrations_partnerships.pending IS 'True: pending.';
COMMENT ON COLUMN registrations_partnerships.recorded_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE registrations_partnership_challenges (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    partnership_id VARCHAR,
    challenge_reason VARCHAR,
    challenged_at TIMESTAMP,
    recorded_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE registrations_partnership_challenges IS 'Input registrations/partnership_challenges: A school challenging a partnership.';
COMMENT ON COLUMN registrations_partnership_challenges.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN registrations_partnership_challenges.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN registrations_partnership_challenges.partnership_id IS 'Partnership UUID.';
COMMENT ON COLUMN registrations_partnership_challenges.challenge_reason IS 'Why the school challenged it (one of: another_provider, not_confirmed, do_not_recognise, no_ects, mistake).';
COMMENT ON COLUMN registrations_partnership_challenges.challenged_at IS 'When the school challenged it.';
COMMENT ON COLUMN registrations_partnership_challenges.recorded_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE registrations_participant_id_changes (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    user_id VARCHAR,
    from_participant_id VARCHAR,
    to_participant_id VARCHAR,
    recorded_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE registrations_participant_id_changes IS 'Input registrations/participant_id_changes: Account merges: a retired user id moved to a surviving one.';
COMMENT ON COLUMN registrations_participant_id_changes.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN registrations_participant_id_changes.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN registrations_participant_id_changes.user_id IS 'The surviving user''s UUID.';
COMMENT ON COLUMN registrations_participant_id_changes.from_participant_id IS 'The retired participant id.';
COMMENT ON COLUMN registrations_participant_id_changes.to_participant_id IS 'The surviving participant id.';
COMMENT ON COLUMN registrations_participant_id_changes.recorded_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE finance_adjustments (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    adjustment_ref VARCHAR,
    action VARCHAR,
    lead_provider_slug VARCHAR,
    cohort INTEGER,
    statement_name VARCHAR,
    description VARCHAR,
    amount DECIMAL(38, 10),
    effective_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE finance_adjustments IS 'Input finance/adjustments: Additional adjustments on an output-fee statement.';
COMMENT ON COLUMN finance_adjustments.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN finance_adjustments.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN finance_adjustments.adjustment_ref IS 'Finance''s own reference, used to change or remove it later.';
COMMENT ON COLUMN finance_adjustments.action IS 'Add, change or remove (one of: add, change, remove).';
COMMENT ON COLUMN finance_adjustments.lead_provider_slug IS 'The statement''s lead provider, by slug.';
COMMENT ON COLUMN finance_adjustments.cohort IS 'Cohort start year.';
COMMENT ON COLUMN finance_adjustments.statement_name IS 'Statement name, e.g. January 2025.';
COMMENT ON COLUMN finance_adjustments.description IS 'The line shown on the statement.';
COMMENT ON COLUMN finance_adjustments.amount IS '£, positive or negative (blank for remove).';
COMMENT ON COLUMN finance_adjustments.effective_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE finance_authorisations (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_slug VARCHAR,
    cohort INTEGER,
    statement_name VARCHAR,
    effective_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE finance_authorisations IS 'Input finance/authorisations: Authorise a statement for payment (mark paid).';
COMMENT ON COLUMN finance_authorisations.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN finance_authorisations.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN finance_authorisations.lead_provider_slug IS 'The statement''s lead provider, by slug.';
COMMENT ON COLUMN finance_authorisations.cohort IS 'Cohort start year.';
COMMENT ON COLUMN finance_authorisations.statement_name IS 'Statement name, e.g. January 2025.';
COMMENT ON COLUMN finance_authorisations.effective_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE finance_reconcile_amounts (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_slug VARCHAR,
    cohort INTEGER,
    statement_name VARCHAR,
    reconcile_amount DECIMAL(38, 10),
    effective_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE finance_reconcile_amounts IS 'Input finance/reconcile_amounts: A statement''s hidden reconcile amount (default 0).';
COMMENT ON COLUMN finance_reconcile_amounts.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN finance_reconcile_amounts.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN finance_reconcile_amounts.lead_provider_slug IS 'The statement''s lead provider, by slug.';
COMMENT ON COLUMN finance_reconcile_amounts.cohort IS 'Cohort start year.';
COMMENT ON COLUMN finance_reconcile_amounts.statement_name IS 'Statement name, e.g. January 2025.';
COMMENT ON COLUMN finance_reconcile_amounts.reconcile_amount IS '£ added to the statement total.';
COMMENT ON COLUMN finance_reconcile_amounts.effective_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE finance_contract_changes (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_slug VARCHAR,
    cohort INTEGER,
    contract_type VARCHAR,
    version VARCHAR,
    payment_from_on DATE,
    payment_to_on DATE,
    effective_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE finance_contract_changes IS 'Input finance/contract_changes: Point statements at a new contract version (the version''s figures are reference contracts rows). Blank dates: every unpaid statement of the provider and cohort; a paid statement is never repointed.';
COMMENT ON COLUMN finance_contract_changes.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN finance_contract_changes.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN finance_contract_changes.lead_provider_slug IS 'Lead provider slug.';
COMMENT ON COLUMN finance_contract_changes.cohort IS 'Cohort start year.';
COMMENT ON COLUMN finance_contract_changes.contract_type IS 'Ect or mentor (one of: ect, mentor).';
COMMENT ON COLUMN finance_contract_changes.version IS 'The new version.';
COMMENT ON COLUMN finance_contract_changes.payment_from_on IS 'First payment date the change applies to.';
COMMENT ON COLUMN finance_contract_changes.payment_to_on IS 'Last payment date the change applies to.';
COMMENT ON COLUMN finance_contract_changes.effective_at IS 'When the row takes effect (UTC instant).';

CREATE TABLE import_manifest (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    imported_as_of TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE import_manifest IS 'Input migration/manifest: The state import''s instant; exactly one row.';
COMMENT ON COLUMN import_manifest.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN import_manifest.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN import_manifest.imported_as_of IS 'The instant the imported state describes.';

CREATE TABLE import_statements (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_slug VARCHAR,
    cohort INTEGER,
    statement_name VARCHAR,
    deadline_on DATE,
    payment_on DATE,
    output_fee BOOLEAN,
    status VARCHAR,
    marked_as_paid_at TIMESTAMP,
    contract_version VARCHAR,
    mentor_contract_version VARCHAR,
    reconcile_amount DECIMAL(38, 10),
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE import_statements IS 'Input migration/statements: Imported statements with their status.';
COMMENT ON COLUMN import_statements.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN import_statements.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN import_statements.lead_provider_slug IS 'The statement''s lead provider, by slug.';
COMMENT ON COLUMN import_statements.cohort IS 'Cohort start year.';
COMMENT ON COLUMN import_statements.statement_name IS 'Statement name, e.g. January 2025.';
COMMENT ON COLUMN import_statements.deadline_on IS 'Milestone cut-off date.';
COMMENT ON COLUMN import_statements.payment_on IS 'Payment date.';
COMMENT ON COLUMN import_statements.output_fee IS 'True: an output-fee statement.';
COMMENT ON COLUMN import_statements.status IS 'Statement status (one of: open, payable, paid).';
COMMENT ON COLUMN import_statements.marked_as_paid_at IS 'When it was authorised (paid only).';
COMMENT ON COLUMN import_statements.contract_version IS 'ECT contract version.';
COMMENT ON COLUMN import_statements.mentor_contract_version IS 'Mentor contract version.';
COMMENT ON COLUMN import_statements.reconcile_amount IS 'Reconcile amount, £.';

CREATE TABLE import_declarations (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    declaration_id VARCHAR,
    lead_provider_slug VARCHAR,
    participant_id VARCHAR,
    declaration_type VARCHAR,
    course_identifier VARCHAR,
    state VARCHAR,
    declaration_date VARCHAR,
    cohort INTEGER,
    evidence_held VARCHAR,
    superseded_by_id VARCHAR,
    ineligible_reason VARCHAR,
    created_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE import_declarations IS 'Input migration/declarations: Imported declarations with their state.';
COMMENT ON COLUMN import_declarations.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN import_declarations.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN import_declarations.declaration_id IS 'Declaration UUID.';
COMMENT ON COLUMN import_declarations.lead_provider_slug IS 'The provider that made it.';
COMMENT ON COLUMN import_declarations.participant_id IS 'The user id it belongs to.';
COMMENT ON COLUMN import_declarations.declaration_type IS 'Declaration type (one of: started, retained-1, retained-2, retained-3, retained-4, completed, extended-1, extended-2, extended-3).';
COMMENT ON COLUMN import_declarations.course_identifier IS 'Ecf-induction or ecf-mentor (one of: ecf-induction, ecf-mentor).';
COMMENT ON COLUMN import_declarations.state IS 'State in the model''s spelling (one of: submitted, eligible, payable, paid, voided, ineligible, awaiting_clawback, clawed_back).';
COMMENT ON COLUMN import_declarations.declaration_date IS 'The declaration date exactly as sent.';
COMMENT ON COLUMN import_declarations.cohort IS 'Cohort start year.';
COMMENT ON COLUMN import_declarations.evidence_held IS 'Evidence held.';
COMMENT ON COLUMN import_declarations.superseded_by_id IS 'Declaration it is a duplicate of.';
COMMENT ON COLUMN import_declarations.ineligible_reason IS 'Ineligibility reason.';
COMMENT ON COLUMN import_declarations.created_at IS 'When it was created.';

CREATE TABLE import_line_items (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    declaration_id VARCHAR,
    lead_provider_slug VARCHAR,
    cohort INTEGER,
    statement_name VARCHAR,
    line_type VARCHAR,
    state VARCHAR,
    created_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE import_line_items IS 'Input migration/line_items: Imported statement line items.';
COMMENT ON COLUMN import_line_items.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN import_line_items.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN import_line_items.declaration_id IS 'Declaration UUID.';
COMMENT ON COLUMN import_line_items.lead_provider_slug IS 'The statement''s lead provider, by slug.';
COMMENT ON COLUMN import_line_items.cohort IS 'Cohort start year.';
COMMENT ON COLUMN import_line_items.statement_name IS 'Statement name, e.g. January 2025.';
COMMENT ON COLUMN import_line_items.line_type IS 'Billable or refundable (one of: billable, refundable).';
COMMENT ON COLUMN import_line_items.state IS 'Line item state (one of: eligible, payable, paid, voided, ineligible, awaiting_clawback, clawed_back).';
COMMENT ON COLUMN import_line_items.created_at IS 'When it was created.';

CREATE TABLE import_participant_states (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    participant_profile_id VARCHAR,
    lead_provider_slug VARCHAR,
    state VARCHAR,
    reason VARCHAR,
    created_at TIMESTAMP,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE import_participant_states IS 'Input migration/participant_states: Provider-recorded participant-profile states.';
COMMENT ON COLUMN import_participant_states.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN import_participant_states.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN import_participant_states.participant_profile_id IS 'Profile UUID.';
COMMENT ON COLUMN import_participant_states.lead_provider_slug IS 'The provider that recorded it.';
COMMENT ON COLUMN import_participant_states.state IS 'Active, deferred or withdrawn (one of: active, deferred, withdrawn).';
COMMENT ON COLUMN import_participant_states.reason IS 'Withdrawal or deferral reason.';
COMMENT ON COLUMN import_participant_states.created_at IS 'When it was recorded.';

CREATE TABLE import_shared_trn_accounts (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    user_id VARCHAR,
    trn VARCHAR,
    participant_type VARCHAR,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE import_shared_trn_accounts IS 'Input migration/shared_trn_accounts: Other user accounts of the same teacher (shared TRN).';
COMMENT ON COLUMN import_shared_trn_accounts.file_id IS 'The file the row came from (ingested_files.file_id).';
COMMENT ON COLUMN import_shared_trn_accounts.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN import_shared_trn_accounts.user_id IS 'The other account''s user id.';
COMMENT ON COLUMN import_shared_trn_accounts.trn IS 'Teacher reference number.';
COMMENT ON COLUMN import_shared_trn_accounts.participant_type IS 'Ect or mentor (one of: ect, mentor).';
