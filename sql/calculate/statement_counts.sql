-- Per statement, calculator part and declaration type: the line-item counts the calculation core reads
-- (payments.md §2.2, §4.2, §9), from calc_items (statement_items.sql). Previous counts: same lead
-- provider and cohort, payment date strictly earlier (payments.md §2.3); mentors have none (§2.5).
WITH current_counts AS (
    SELECT statement_id, lead_provider_id, cohort, payment_on, part, declaration_type,
           count(*) FILTER (WHERE billable) AS billable,
           count(*) FILTER (WHERE refundable) AS refundable,
           count(*) FILTER (WHERE billable AND uplift) AS uplift_billable,
           count(*) FILTER (WHERE refundable AND uplift) AS uplift_refundable
    FROM calc_items
    GROUP BY ALL
),
previous_counts AS (
    SELECT s.statement_id, x.part, x.declaration_type,
           sum(x.billable) AS billable, sum(x.refundable) AS refundable,
           sum(x.uplift_billable) AS uplift_billable, sum(x.uplift_refundable) AS uplift_refundable
    FROM statements AS s
    JOIN current_counts AS x
      ON x.lead_provider_id = s.lead_provider_id AND x.cohort = s.cohort AND x.payment_on < s.payment_on
    WHERE x.part <> 'mentor'
    GROUP BY ALL
)
SELECT statement_id, part, declaration_type,
       coalesce(c.billable, 0)::INTEGER AS cur_billable,
       coalesce(c.refundable, 0)::INTEGER AS cur_refundable,
       coalesce(c.uplift_billable, 0)::INTEGER AS cur_uplift_billable,
       coalesce(c.uplift_refundable, 0)::INTEGER AS cur_uplift_refundable,
       coalesce(p.billable, 0)::INTEGER AS prev_billable,
       coalesce(p.refundable, 0)::INTEGER AS prev_refundable,
       coalesce(p.uplift_billable, 0)::INTEGER AS prev_uplift_billable,
       coalesce(p.uplift_refundable, 0)::INTEGER AS prev_uplift_refundable
FROM (SELECT statement_id, part, declaration_type, billable, refundable, uplift_billable, uplift_refundable
      FROM current_counts) AS c
FULL JOIN previous_counts AS p USING (statement_id, part, declaration_type)
ORDER BY statement_id, part, declaration_type
