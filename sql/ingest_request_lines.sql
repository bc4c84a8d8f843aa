-- Split newly landed request batches into lines and read the four members of each line.
-- Input: temp table batch_files(file_id, lead_provider_slug, path, relative_path), $paths and
-- $rfc3339 (the instant pattern). Output: temp table landed_request_lines, one row per non-blank
-- line, with what could be read. Each line's JSON is parsed once for its members.
CREATE OR REPLACE TEMP TABLE landed_request_lines AS
WITH contents AS (
    SELECT f.file_id, f.lead_provider_slug, string_split(t.content, chr(10)) AS lines
    FROM read_text($paths) AS t
    JOIN batch_files AS f ON f.path = t.filename
),
numbered AS (
    SELECT file_id, lead_provider_slug,
           rtrim(unnest(lines), chr(13)) AS line_text,
           unnest(generate_series(1, len(lines)))::INTEGER AS line_number
    FROM contents
),
lines AS (
    SELECT *, json_valid(line_text) AS is_json
    FROM numbered
    WHERE NOT regexp_full_match(line_text, '[ \t\n\r]*')  -- blank: JSON whitespace only
),
members AS (
    SELECT *,
           CASE WHEN is_json THEN json_type(line_text) END AS line_type,
           CASE WHEN is_json THEN json_extract(line_text, ['$.method', '$.path', '$.submitted_at', '$.body']) END
               AS member_values
    FROM lines
),
typed_members AS (
    SELECT * EXCLUDE (member_values),
           member_values[1] AS method_json, json_type(member_values[1]) AS method_type,
           member_values[2] AS path_json, json_type(member_values[2]) AS path_type,
           member_values[3] AS submitted_at_json, json_type(member_values[3]) AS submitted_at_type,
           member_values[4] AS body_json, json_type(member_values[4]) AS body_type
    FROM members
),
extracted AS (
    SELECT file_id, lead_provider_slug, line_number, line_text, is_json, line_type,
           method_type, path_type, submitted_at_type, body_type,
           method_json, path_json, submitted_at_json,
           CASE WHEN method_type = 'VARCHAR' THEN json_extract_string(method_json, '$') END AS method,
           CASE WHEN path_type = 'VARCHAR' THEN json_extract_string(path_json, '$') END AS path,
           CASE WHEN submitted_at_type = 'VARCHAR' THEN json_extract_string(submitted_at_json, '$') END
               AS submitted_at_text,
           CASE WHEN body_type = 'VARCHAR' THEN json_extract_string(body_json, '$')
                WHEN body_type IS NOT NULL THEN body_json::VARCHAR END AS body_text,
           coalesce(body_type = 'VARCHAR', false) AS body_is_text
    FROM typed_members
)
SELECT *,
       CASE WHEN regexp_full_match(submitted_at_text, $rfc3339)
            THEN CAST(TRY_CAST(submitted_at_text AS TIMESTAMPTZ) AS TIMESTAMP) END AS submitted_at
FROM extracted;
