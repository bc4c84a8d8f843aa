-- Every reason a landed request line cannot be read (product.md §3), one row per problem.
-- Input: temp tables landed_request_lines and batch_files (ingest_request_lines.sql).
WITH candidates AS (
    SELECT f.relative_path, l.line_number, [
        CASE WHEN NOT is_json THEN {'field': NULL::VARCHAR, 'value': line_text,
            'message': 'the line is not valid JSON',
            'fix': 'write one JSON object per line: {"method", "path", "body", "submitted_at"}'} END,
        CASE WHEN is_json AND line_type <> 'OBJECT' THEN {'field': NULL::VARCHAR, 'value': line_text,
            'message': 'the line is JSON but not an object',
            'fix': 'write one JSON object per line: {"method", "path", "body", "submitted_at"}'} END,
        CASE WHEN line_type = 'OBJECT' AND method IS NULL THEN {'field': 'method',
            'value': method_json::VARCHAR,
            'message': CASE WHEN method_type IS NULL THEN 'method is missing' ELSE 'method is not a string' END,
            'fix': 'give the HTTP method as a string, e.g. "method": "POST"'} END,
        CASE WHEN line_type = 'OBJECT' AND path IS NULL THEN {'field': 'path',
            'value': path_json::VARCHAR,
            'message': CASE WHEN path_type IS NULL THEN 'path is missing' ELSE 'path is not a string' END,
            'fix': 'give the request path as a string, e.g. "path": "/api/v3/participant-declarations"'} END,
        CASE WHEN line_type = 'OBJECT' AND submitted_at IS NULL THEN {'field': 'submitted_at',
            'value': coalesce(submitted_at_text, submitted_at_json::VARCHAR),
            'message': CASE WHEN submitted_at_type IS NULL THEN 'submitted_at is missing'
                            ELSE 'submitted_at is not an RFC 3339 instant' END,
            'fix': 'give the submission instant as RFC 3339, e.g. "submitted_at": "2025-01-31T09:00:00Z"'} END
    ] AS problems
    FROM landed_request_lines AS l
    JOIN (SELECT file_id, relative_path FROM batch_files) AS f USING (file_id)
),
problems AS (
    SELECT relative_path, line_number, unnest(list_filter(problems, lambda p: p IS NOT NULL)) AS problem
    FROM candidates
)
SELECT relative_path, line_number, problem.field AS field, left(problem.value, 200) AS value,
       problem.message AS message, problem.fix AS fix
FROM problems
ORDER BY relative_path, line_number, field NULLS FIRST
