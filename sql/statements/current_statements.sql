-- The cycle's "current" statements, the ones that get a PDF by default (pipelines/statements/render.py):
-- per lead provider and cohort, the output-fee statement not yet paid whose payment date is the next
-- one due on or after the cycle's as_of date; and every statement that became payable or paid in the
-- cycle (its status change is on this cycle's part of the timeline).
WITH cycle_events AS (
    SELECT min(event_seq) AS first_seq, max(event_seq) AS last_seq FROM timeline WHERE cycle_id = $cycle_id
),
changed AS (
    SELECT DISTINCT h.entity_id AS statement_id
    FROM lifecycle_history AS h, cycle_events AS c
    WHERE h.entity = 'statement' AND h.change IN ('status:payable', 'status:paid')
      AND h.event_seq BETWEEN c.first_seq AND c.last_seq
),
next_due AS (
    SELECT statement_id
    FROM (SELECT statement_id,
                 row_number() OVER (PARTITION BY lead_provider_id, cohort ORDER BY payment_on, deadline_on) AS due
          FROM statements
          WHERE status <> 'paid' AND output_fee AND payment_on >= $today)
    WHERE due = 1
)
SELECT statement_id FROM changed
UNION
SELECT statement_id FROM next_due
ORDER BY statement_id
