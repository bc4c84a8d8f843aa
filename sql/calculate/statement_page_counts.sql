-- The page's "Total clawed back" and "Total voided" (payments.md §2.6): declarations linked to the
-- statement through any line item whose *declaration* state is clawed_back / voided, so a declaration
-- clawed back later also counts on the statement where it was paid. Split by part as the counts are.
SELECT statement_id, part,
       count(DISTINCT declaration_id) FILTER (WHERE declaration_state = 'clawed_back')::INTEGER AS clawed_back,
       count(DISTINCT declaration_id) FILTER (WHERE declaration_state = 'voided')::INTEGER AS voided
FROM calc_items
GROUP BY ALL
ORDER BY ALL
