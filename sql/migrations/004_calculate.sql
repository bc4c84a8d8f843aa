-- What the calculate stage produces (payments.md; product.md §5 "Paid is final", §6).

CREATE TABLE statement_lines (
    statement_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    section VARCHAR NOT NULL,
    figure VARCHAR NOT NULL,
    declaration_type VARCHAR,
    band VARCHAR,
    count INTEGER,
    unit_amount VARCHAR,
    amount VARCHAR,
    amount_rounded DECIMAL(38, 2),
    display VARCHAR,
    figures_from VARCHAR NOT NULL,
    PRIMARY KEY (statement_id, line_no)
);
COMMENT ON TABLE statement_lines IS 'Every figure of every statement, unrounded (payments.md §2–§5): summary lines, totals, output payments per type and band, uplifts, clawbacks, adjustments, mentor lines. A paid statement shows the figures stored when it was authorised.';
COMMENT ON COLUMN statement_lines.statement_id IS 'The statement (statements.statement_id).';
COMMENT ON COLUMN statement_lines.line_no IS 'Order of the line within the statement.';
COMMENT ON COLUMN statement_lines.section IS 'summary (the page''s summary panel, in page order), totals, output, uplift, clawback, adjustment or mentor.';
COMMENT ON COLUMN statement_lines.figure IS 'Which figure, e.g. output_fee, service_fee, total, output_payment, clawback; for an adjustment, its description.';
COMMENT ON COLUMN statement_lines.declaration_type IS 'Declaration type of an output, clawback, uplift or mentor line.';
COMMENT ON COLUMN statement_lines.band IS 'Band letter (A–D) of an output or clawback line.';
COMMENT ON COLUMN statement_lines.count IS 'Declarations counted on the line (band additions, clawbacks, uplift starts, mentor declarations).';
COMMENT ON COLUMN statement_lines.unit_amount IS 'Fee per declaration, £, exact decimal text.';
COMMENT ON COLUMN statement_lines.amount IS 'The figure, £, exact unrounded decimal text (figures from a division by 29 keep 40 significant digits).';
COMMENT ON COLUMN statement_lines.amount_rounded IS 'The figure rounded half-up to pennies, as the page shows it.';
COMMENT ON COLUMN statement_lines.display IS 'The figure as the statement page shows it, e.g. -£5,132.79.';
COMMENT ON COLUMN statement_lines.figures_from IS 'calculated (this cycle) or stored (figures kept from the cycle that saw the statement paid).';

CREATE TABLE statement_ecf2_comparison (
    statement_id VARCHAR PRIMARY KEY,
    lead_provider_slug VARCHAR,
    cohort INTEGER NOT NULL,
    statement_name VARCHAR NOT NULL,
    ecf1_output_net DECIMAL(38, 2) NOT NULL,
    ecf2_output_net DECIMAL(38, 2) NOT NULL,
    ecf1_uplift_net DECIMAL(38, 2) NOT NULL,
    ecf2_uplift_net DECIMAL(38, 2) NOT NULL,
    ecf1_service_fee DECIMAL(38, 2) NOT NULL,
    ecf2_service_fee DECIMAL(38, 2) NOT NULL,
    ecf1_reconcile_amount DECIMAL(38, 2) NOT NULL,
    ecf1_total_incl_vat DECIMAL(38, 2) NOT NULL,
    ecf2_total_incl_vat DECIMAL(38, 2) NOT NULL,
    difference_incl_vat DECIMAL(38, 2) NOT NULL,
    difference_exact VARCHAR NOT NULL
);
COMMENT ON TABLE statement_ecf2_comparison IS 'Per statement, what ECF1 (this product) and ECF2 (DfE''s new service, payments.md §8) would pay, and the difference. Figures rounded to pennies; difference_exact unrounded.';
COMMENT ON COLUMN statement_ecf2_comparison.statement_id IS 'The statement.';
COMMENT ON COLUMN statement_ecf2_comparison.lead_provider_slug IS 'Its lead provider.';
COMMENT ON COLUMN statement_ecf2_comparison.cohort IS 'Its cohort.';
COMMENT ON COLUMN statement_ecf2_comparison.statement_name IS 'Its name.';
COMMENT ON COLUMN statement_ecf2_comparison.ecf1_output_net IS 'ECF1 output payment less output clawbacks, £ (ECT part for 2025+).';
COMMENT ON COLUMN statement_ecf2_comparison.ecf2_output_net IS 'ECF2 outputs net of refunds with its band allocator, £.';
COMMENT ON COLUMN statement_ecf2_comparison.ecf1_uplift_net IS 'ECF1 uplift fees plus uplift clawbacks, £.';
COMMENT ON COLUMN statement_ecf2_comparison.ecf2_uplift_net IS 'ECF2 uplifts net (none for contract years from 2025), £.';
COMMENT ON COLUMN statement_ecf2_comparison.ecf1_service_fee IS 'ECF1 service fee, £.';
COMMENT ON COLUMN statement_ecf2_comparison.ecf2_service_fee IS 'ECF2 monthly service fee, £.';
COMMENT ON COLUMN statement_ecf2_comparison.ecf1_reconcile_amount IS 'The hidden reconcile amount ECF1 adds (ECF2 has none), £.';
COMMENT ON COLUMN statement_ecf2_comparison.ecf1_total_incl_vat IS 'ECF1 total including VAT (the page''s Total), £.';
COMMENT ON COLUMN statement_ecf2_comparison.ecf2_total_incl_vat IS 'ECF2 total including VAT, £.';
COMMENT ON COLUMN statement_ecf2_comparison.difference_incl_vat IS 'ECF2 minus ECF1, £, rounded half-up.';
COMMENT ON COLUMN statement_ecf2_comparison.difference_exact IS 'ECF2 minus ECF1, £, exact decimal text.';

CREATE TABLE paid_statement_documents (
    statement_id VARCHAR PRIMARY KEY,
    stored_cycle_id INTEGER NOT NULL,
    marked_as_paid_at TIMESTAMP,
    document_json VARCHAR NOT NULL
);
COMMENT ON TABLE paid_statement_documents IS 'Paid is final: the statement document stored by the first cycle that calculated the statement as paid; later cycles show it unchanged.';
COMMENT ON COLUMN paid_statement_documents.statement_id IS 'The paid statement.';
COMMENT ON COLUMN paid_statement_documents.stored_cycle_id IS 'The cycle that stored the figures.';
COMMENT ON COLUMN paid_statement_documents.marked_as_paid_at IS 'When it was authorised for payment.';
COMMENT ON COLUMN paid_statement_documents.document_json IS 'The statement JSON document as stored.';

CREATE TABLE paid_statement_differences (
    cycle_id INTEGER NOT NULL,
    statement_id VARCHAR NOT NULL,
    line VARCHAR NOT NULL,
    stored VARCHAR,
    recomputed VARCHAR
);
COMMENT ON TABLE paid_statement_differences IS 'Per cycle, each figure of a paid statement whose recomputed value differs from the stored one (the stored figure stays).';
COMMENT ON COLUMN paid_statement_differences.cycle_id IS 'The cycle that recomputed it.';
COMMENT ON COLUMN paid_statement_differences.statement_id IS 'The paid statement.';
COMMENT ON COLUMN paid_statement_differences.line IS 'section/figure[/type/band] of the line.';
COMMENT ON COLUMN paid_statement_differences.stored IS 'Stored figure (count or exact £), NULL if the line was not stored.';
COMMENT ON COLUMN paid_statement_differences.recomputed IS 'Recomputed figure, NULL if the line no longer appears.';

CREATE TABLE statement_calculation_problems (
    cycle_id INTEGER NOT NULL,
    statement_id VARCHAR NOT NULL,
    lead_provider_slug VARCHAR,
    cohort INTEGER NOT NULL,
    statement_name VARCHAR NOT NULL,
    problem VARCHAR NOT NULL
);
COMMENT ON TABLE statement_calculation_problems IS 'Statements the calculate stage could not calculate in a cycle, and why (a missing or invalid contract), with the fix.';
COMMENT ON COLUMN statement_calculation_problems.cycle_id IS 'The cycle.';
COMMENT ON COLUMN statement_calculation_problems.statement_id IS 'The statement.';
COMMENT ON COLUMN statement_calculation_problems.lead_provider_slug IS 'Its lead provider.';
COMMENT ON COLUMN statement_calculation_problems.cohort IS 'Its cohort.';
COMMENT ON COLUMN statement_calculation_problems.statement_name IS 'Its name.';
COMMENT ON COLUMN statement_calculation_problems.problem IS 'What is wrong and how to fix it.';

ALTER TABLE cycles ADD COLUMN statements_calculated INTEGER;
ALTER TABLE cycles ADD COLUMN statements_not_calculated INTEGER;
ALTER TABLE cycles ADD COLUMN paid_statement_differences INTEGER;
COMMENT ON COLUMN cycles.statements_calculated IS 'Statements the calculate stage calculated.';
COMMENT ON COLUMN cycles.statements_not_calculated IS 'Statements it could not calculate (statement_calculation_problems).';
COMMENT ON COLUMN cycles.paid_statement_differences IS 'Figures of paid statements whose recomputed value differs from the stored one.';
