-- Each cycle's statement totals, so a cycle's report can show every total before → after.

CREATE TABLE statement_cycle_totals (
    cycle_id INTEGER NOT NULL,
    statement_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    total_incl_vat VARCHAR NOT NULL,
    total_rounded DECIMAL(38, 2) NOT NULL,
    PRIMARY KEY (cycle_id, statement_id)
);
COMMENT ON TABLE statement_cycle_totals IS 'Every calculated statement''s total (the page''s Total, including VAT) at the end of each cycle, as shown (stored figures for paid statements).';
COMMENT ON COLUMN statement_cycle_totals.cycle_id IS 'The cycle.';
COMMENT ON COLUMN statement_cycle_totals.statement_id IS 'The statement.';
COMMENT ON COLUMN statement_cycle_totals.status IS 'Its status at the end of the cycle.';
COMMENT ON COLUMN statement_cycle_totals.total_incl_vat IS 'Total including VAT, £, exact decimal text.';
COMMENT ON COLUMN statement_cycle_totals.total_rounded IS 'Total including VAT, £, rounded half-up as displayed.';
