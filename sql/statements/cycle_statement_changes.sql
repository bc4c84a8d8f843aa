-- Per statement, what changed in a cycle (the cycle report): declarations newly attached (became
-- eligible or ineligible on it), voided, or clawed back onto it during the cycle's part of the timeline,
-- and its total at the end of the previous cycle and of this one. Only statements with a change or a
-- different total are listed.
WITH cycle_events AS (
    SELECT min(event_seq) AS first_seq, max(event_seq) AS last_seq FROM timeline WHERE cycle_id = $cycle_id
),
changes AS (
    SELECT CASE WHEN split_part(h.change, ',', 1) = 'state:awaiting_clawback' THEN d.clawback_statement_id
                ELSE d.statement_id END AS statement_id,
           split_part(h.change, ',', 1) AS change
    FROM lifecycle_history AS h
    JOIN declarations AS d ON d.declaration_id = h.entity_id
    CROSS JOIN cycle_events AS c
    WHERE h.entity = 'declaration' AND h.event_seq BETWEEN c.first_seq AND c.last_seq
),
counts AS (
    SELECT statement_id,
           count(*) FILTER (WHERE change IN ('state:eligible', 'state:ineligible'))::INTEGER AS new_declarations,
           count(*) FILTER (WHERE change = 'state:voided')::INTEGER AS voids,
           count(*) FILTER (WHERE change = 'state:awaiting_clawback')::INTEGER AS clawbacks
    FROM changes WHERE statement_id IS NOT NULL
    GROUP BY statement_id
),
before AS (SELECT statement_id, total_rounded FROM statement_cycle_totals WHERE cycle_id = $cycle_id - 1),
after AS (SELECT statement_id, total_rounded FROM statement_cycle_totals WHERE cycle_id = $cycle_id)
SELECT s.lead_provider_slug, s.cohort, s.statement_name, s.status,
       coalesce(n.new_declarations, 0) AS new_declarations, coalesce(n.voids, 0) AS voids,
       coalesce(n.clawbacks, 0) AS clawbacks, b.total_rounded AS total_before, a.total_rounded AS total_after
FROM statements AS s
LEFT JOIN counts AS n USING (statement_id)
LEFT JOIN before AS b USING (statement_id)
LEFT JOIN after AS a USING (statement_id)
WHERE n.statement_id IS NOT NULL OR b.total_rounded IS DISTINCT FROM a.total_rounded
ORDER BY s.lead_provider_slug, s.cohort, s.payment_on, s.statement_name
