-- The page's "Total clawed back" and "Total voided" (payments.md §2.6): declarations linked to the
-- statement through any line item whose *declaration* state is clawed_back / voided, so a declaration
-- clawed back later also counts on the statement where it was paid. Split by part as the counts are.
SELECT li.statement_id,
       CASE WHEN coalesce(c.mentor_funding, false) AND d.participant_type = 'mentor' THEN 'mentor'
            WHEN coalesce(c.mentor_funding, false) THEN 'ect' ELSE 'all' END AS part,
       count(DISTINCT li.declaration_id) FILTER (WHERE d.state = 'clawed_back')::INTEGER AS clawed_back,
       count(DISTINCT li.declaration_id) FILTER (WHERE d.state = 'voided')::INTEGER AS voided
FROM statement_line_items AS li
JOIN statements AS s USING (statement_id)
JOIN declarations AS d USING (declaration_id)
LEFT JOIN calc_cohorts AS c ON c.cohort = s.cohort
GROUP BY ALL
ORDER BY ALL
