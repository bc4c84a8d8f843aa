-- Per statement, calculator part and declaration type: the line-item counts the calculation core reads
-- (payments.md §2.2, §4.2, §9). A line item is billable in eligible/payable/paid and refundable in
-- awaiting_clawback/clawed_back, whatever its line type; voided, ineligible and submitted count nothing.
-- part: 'all' before the 2025 regime (ECTs and mentors banded together), 'ect' and 'mentor' from it.
-- Previous counts: same lead provider and cohort, payment date strictly earlier (mentors have none).
-- Reads the temp table calc_cohorts (cohorts in force at the cycle's as_of).
WITH items AS (
    SELECT li.statement_id, s.lead_provider_id, s.cohort, s.payment_on, d.declaration_type,
           CASE WHEN coalesce(c.mentor_funding, false) AND d.participant_type = 'mentor' THEN 'mentor'
                WHEN coalesce(c.mentor_funding, false) THEN 'ect' ELSE 'all' END AS part,
           li.state IN ('eligible', 'payable', 'paid') AS billable,
           li.state IN ('awaiting_clawback', 'clawed_back') AS refundable,
           d.declaration_type = 'started'
               AND (coalesce(d.sparsity_uplift, false) OR coalesce(d.pupil_premium_uplift, false)) AS uplift
    FROM statement_line_items AS li
    JOIN statements AS s USING (statement_id)
    JOIN declarations AS d USING (declaration_id)
    LEFT JOIN calc_cohorts AS c ON c.cohort = s.cohort
),
current_counts AS (
    SELECT statement_id, lead_provider_id, cohort, payment_on, part, declaration_type,
           count(*) FILTER (WHERE billable) AS billable,
           count(*) FILTER (WHERE refundable) AS refundable,
           count(*) FILTER (WHERE billable AND uplift) AS uplift_billable,
           count(*) FILTER (WHERE refundable AND uplift) AS uplift_refundable
    FROM items
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
