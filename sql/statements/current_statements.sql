-- The cycle's "current" statements, the ones that get a PDF by default (pipelines/statements/render.py):
-- per lead provider and cohort, the output-fee statement not yet paid whose payment date is the next
-- one due on or after the cycle's as_of date; and the latest statement that became payable, and the
-- latest that became paid, in the cycle (its status change is on this cycle's part of the timeline).
-- At most three per provider and cohort, however much history one cycle replays.
WITH cycle_events AS (
    SELECT min(event_seq) AS first_seq, max(event_seq) AS last_seq FROM timeline WHERE cycle_id = $cycle_id
),
changed AS (
    SELECT statement_id
    FROM (SELECT s.statement_id,
                 row_number() OVER (PARTITION BY s.lead_provider_id, s.cohort, h.change
                                    ORDER BY s.payment_on DESC, s.deadline_on DESC) AS latest
          FROM lifecycle_history AS h
          JOIN statements AS s ON s.statement_id = h.entity_id
          CROSS JOIN cycle_events AS c
          WHERE h.entity = 'statement' AND h.change IN ('status:payable', 'status:paid')
            AND h.event_seq BETWEEN c.first_seq AND c.last_seq)
    WHERE latest = 1
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
