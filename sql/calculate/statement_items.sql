-- Every statement line item as the calculators see it (payments.md §2.2, §4.2, §9): the stage loads it
-- as the temp table calc_items, which statement_counts.sql and statement_page_counts.sql read.
-- A line item is billable in eligible/payable/paid and refundable in awaiting_clawback/clawed_back,
-- whatever its line type; voided, ineligible and submitted count nothing.
-- part: 'all' before the 2025 regime (ECTs and mentors banded together); 'ect' and 'mentor' from it
-- (the cohort's mentor_funding flag, from calc_cohorts: the cohorts in force at the cycle's as_of).
SELECT li.statement_id, li.declaration_id, s.lead_provider_id, s.cohort, s.payment_on, d.declaration_type,
       d.state AS declaration_state,
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
