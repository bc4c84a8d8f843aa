-- What the apply stage produces: receipts, and the lifecycle state after the last cycle.
-- The apply stage replays the whole timeline each cycle and rewrites these tables; history is
-- never rewritten because the timeline (and so every effective instant) is append-only.

CREATE TABLE receipts (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    cycle_id INTEGER NOT NULL,
    event_seq BIGINT,
    effective_at TIMESTAMP,
    status INTEGER,
    body_json VARCHAR,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE receipts IS 'One receipt per request line: the status and exact body the live API would have returned (NULL status: the line was quarantined).';
COMMENT ON COLUMN receipts.file_id IS 'The batch file (ingested_files.file_id).';
COMMENT ON COLUMN receipts.line_number IS 'Line number in the batch, from 1.';
COMMENT ON COLUMN receipts.cycle_id IS 'The cycle that applied (or quarantined) the line.';
COMMENT ON COLUMN receipts.event_seq IS 'The timeline event of the request (NULL for a quarantined line).';
COMMENT ON COLUMN receipts.effective_at IS 'The instant the request took effect ("now" for its rules).';
COMMENT ON COLUMN receipts.status IS 'HTTP status the live API would have answered; NULL for a quarantined line.';
COMMENT ON COLUMN receipts.body_json IS 'The exact response body (compact JSON as the live API writes it); NULL for an empty body; for a quarantined line, the quarantine message as JSON.';

CREATE TABLE declarations (
    declaration_id VARCHAR PRIMARY KEY,
    lead_provider_id VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    participant_profile_id VARCHAR,
    participant_type VARCHAR NOT NULL,
    course_identifier VARCHAR NOT NULL,
    declaration_type VARCHAR NOT NULL,
    declaration_date TIMESTAMP NOT NULL,
    cohort INTEGER NOT NULL,
    state VARCHAR NOT NULL,
    evidence_held VARCHAR,
    delivery_partner_id VARCHAR,
    mentor_user_id VARCHAR,
    pupil_premium_uplift BOOLEAN,
    sparsity_uplift BOOLEAN,
    superseded_by_id VARCHAR,
    ineligible_reason VARCHAR,
    statement_id VARCHAR,
    clawback_statement_id VARCHAR,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE declarations IS 'Every declaration with its current state (declarations.md §2); declaration_history has every change.';
COMMENT ON COLUMN declarations.declaration_id IS 'Declaration id (UUIDv5 of the request''s provenance, or as imported).';
COMMENT ON COLUMN declarations.lead_provider_id IS 'The provider that made the declaration.';
COMMENT ON COLUMN declarations.user_id IS 'The participant (user) id the declaration belongs to.';
COMMENT ON COLUMN declarations.participant_profile_id IS 'The participant profile (training record) declared for.';
COMMENT ON COLUMN declarations.participant_type IS 'Declaration class: ect or mentor.';
COMMENT ON COLUMN declarations.course_identifier IS 'ecf-induction or ecf-mentor.';
COMMENT ON COLUMN declarations.declaration_type IS 'started, retained-1..4, completed, extended-1..3.';
COMMENT ON COLUMN declarations.declaration_date IS 'The declaration date (UTC).';
COMMENT ON COLUMN declarations.cohort IS 'The cohort of the participant''s schedule at submission; decides the statements.';
COMMENT ON COLUMN declarations.state IS 'Current state in the model''s spelling (submitted, eligible, payable, paid, voided, ineligible, awaiting_clawback, clawed_back).';
COMMENT ON COLUMN declarations.evidence_held IS 'Evidence held, after the nulling rule for pre-2025 started declarations.';
COMMENT ON COLUMN declarations.delivery_partner_id IS 'Delivery partner of the provider''s induction record at the declaration date.';
COMMENT ON COLUMN declarations.mentor_user_id IS 'ECTs: the mentor''s user id from that induction record.';
COMMENT ON COLUMN declarations.pupil_premium_uplift IS 'Pupil-premium uplift flag copied from the profile at submission.';
COMMENT ON COLUMN declarations.sparsity_uplift IS 'Sparsity uplift flag copied from the profile at submission.';
COMMENT ON COLUMN declarations.superseded_by_id IS 'For a TRN duplicate: the declaration it duplicates.';
COMMENT ON COLUMN declarations.ineligible_reason IS 'duplicate for a TRN duplicate.';
COMMENT ON COLUMN declarations.statement_id IS 'Statement of the billable line item (eligible, payable or paid).';
COMMENT ON COLUMN declarations.clawback_statement_id IS 'Statement of the refundable line item (awaiting_clawback or clawed_back).';
COMMENT ON COLUMN declarations.created_at IS 'Effective instant of the request that created it.';
COMMENT ON COLUMN declarations.updated_at IS 'Effective instant of the latest event that changed it.';

CREATE TABLE statement_line_items (
    declaration_id VARCHAR NOT NULL,
    statement_id VARCHAR NOT NULL,
    line_type VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE statement_line_items IS 'Statement line items: a declaration has at most one billable and at most one refundable item.';
COMMENT ON COLUMN statement_line_items.declaration_id IS 'The declaration.';
COMMENT ON COLUMN statement_line_items.statement_id IS 'The statement it sits on.';
COMMENT ON COLUMN statement_line_items.line_type IS 'billable or refundable (a clawback).';
COMMENT ON COLUMN statement_line_items.state IS 'eligible, payable, paid, voided, ineligible, awaiting_clawback or clawed_back.';
COMMENT ON COLUMN statement_line_items.created_at IS 'When it was attached.';
COMMENT ON COLUMN statement_line_items.updated_at IS 'When its state last changed.';

CREATE TABLE statements (
    statement_id VARCHAR PRIMARY KEY,
    lead_provider_id VARCHAR NOT NULL,
    lead_provider_slug VARCHAR,
    cohort INTEGER NOT NULL,
    statement_name VARCHAR NOT NULL,
    deadline_on DATE NOT NULL,
    payment_on DATE NOT NULL,
    output_fee BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,
    contract_version VARCHAR,
    mentor_contract_version VARCHAR,
    reconcile_amount DECIMAL(38, 10) NOT NULL,
    marked_as_paid_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE statements IS 'Financial statements per lead provider, cohort and month, with their explicit status.';
COMMENT ON COLUMN statements.statement_id IS 'UUIDv5 of (lead provider, cohort, statement name).';
COMMENT ON COLUMN statements.lead_provider_id IS 'The statement''s lead provider.';
COMMENT ON COLUMN statements.lead_provider_slug IS 'The provider''s slug.';
COMMENT ON COLUMN statements.cohort IS 'Cohort start year.';
COMMENT ON COLUMN statements.statement_name IS 'e.g. January 2025.';
COMMENT ON COLUMN statements.deadline_on IS 'Milestone cut-off date.';
COMMENT ON COLUMN statements.payment_on IS 'Payment date.';
COMMENT ON COLUMN statements.output_fee IS 'true: declarations attach to it; false: service-fee-only month.';
COMMENT ON COLUMN statements.status IS 'open, payable (deadline passed) or paid (authorised).';
COMMENT ON COLUMN statements.contract_version IS 'ECT call-off contract version used.';
COMMENT ON COLUMN statements.mentor_contract_version IS 'Mentor call-off contract version used (2025+).';
COMMENT ON COLUMN statements.reconcile_amount IS 'Hidden reconcile amount, £.';
COMMENT ON COLUMN statements.marked_as_paid_at IS 'When it was authorised for payment.';
COMMENT ON COLUMN statements.created_at IS 'When the statement came into being.';
COMMENT ON COLUMN statements.updated_at IS 'Latest change.';

CREATE TABLE statement_adjustments (
    adjustment_ref VARCHAR PRIMARY KEY,
    statement_id VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    amount DECIMAL(38, 10) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE statement_adjustments IS 'Additional adjustments in force on statements (finance inputs).';
COMMENT ON COLUMN statement_adjustments.adjustment_ref IS 'Finance''s reference for the adjustment.';
COMMENT ON COLUMN statement_adjustments.statement_id IS 'The statement it is on.';
COMMENT ON COLUMN statement_adjustments.description IS 'The line shown on the statement.';
COMMENT ON COLUMN statement_adjustments.amount IS 'Amount, £ (positive or negative).';
COMMENT ON COLUMN statement_adjustments.created_at IS 'When it was added.';
COMMENT ON COLUMN statement_adjustments.updated_at IS 'When it last changed.';

CREATE TABLE lifecycle_history (
    entity VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    change VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    event_seq BIGINT NOT NULL
);
COMMENT ON TABLE lifecycle_history IS 'Every change to a declaration, statement, participant or induction record: what, when, by which timeline event.';
COMMENT ON COLUMN lifecycle_history.entity IS 'declaration, statement, provider_state, induction_record, partnership.';
COMMENT ON COLUMN lifecycle_history.entity_id IS 'Its id.';
COMMENT ON COLUMN lifecycle_history.change IS 'What changed, e.g. state:paid, status:payable.';
COMMENT ON COLUMN lifecycle_history.changed_at IS 'Effective instant of the change.';
COMMENT ON COLUMN lifecycle_history.event_seq IS 'The timeline event (timeline.event_seq) that caused it.';

CREATE TABLE finance_refusals (
    event_seq BIGINT NOT NULL,
    cycle_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    lead_provider_slug VARCHAR NOT NULL,
    cohort INTEGER NOT NULL,
    statement_name VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    effective_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE finance_refusals IS 'Finance rows refused at their effective instant, with the failed condition.';
COMMENT ON COLUMN finance_refusals.event_seq IS 'The finance row''s timeline event.';
COMMENT ON COLUMN finance_refusals.cycle_id IS 'The cycle that applied it.';
COMMENT ON COLUMN finance_refusals.kind IS 'authorisations, adjustments or reconcile_amounts.';
COMMENT ON COLUMN finance_refusals.lead_provider_slug IS 'The statement''s provider.';
COMMENT ON COLUMN finance_refusals.cohort IS 'The statement''s cohort.';
COMMENT ON COLUMN finance_refusals.statement_name IS 'The statement''s name.';
COMMENT ON COLUMN finance_refusals.reason IS 'Why it was refused.';
COMMENT ON COLUMN finance_refusals.effective_at IS 'When it was checked.';

ALTER TABLE cycles ADD COLUMN requests_applied BIGINT;
ALTER TABLE cycles ADD COLUMN requests_accepted BIGINT;
ALTER TABLE cycles ADD COLUMN finance_refused BIGINT;
COMMENT ON COLUMN cycles.requests_applied IS 'Provider requests this cycle applied (each got a receipt).';
COMMENT ON COLUMN cycles.requests_accepted IS 'Of those, how many the live API would have accepted (status 200).';
COMMENT ON COLUMN cycles.finance_refused IS 'Finance rows this cycle refused at their effective instant.';
