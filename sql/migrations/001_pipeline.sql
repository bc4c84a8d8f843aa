-- The pipeline's own tables: cycles, landed files, the raw layer, quarantine and the timeline.
-- Every instant is UTC (TIMESTAMP holding UTC; connections pin TimeZone = 'UTC').

CREATE TABLE cycles (
    cycle_id INTEGER PRIMARY KEY,
    as_of TIMESTAMP NOT NULL UNIQUE,
    window_start TIMESTAMP,
    cycle_stamp VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    stages_done VARCHAR[] NOT NULL,
    inputs_sha256 VARCHAR,
    files_ingested INTEGER,
    rows_ingested BIGINT,
    rows_quarantined BIGINT,
    events_on_timeline BIGINT,
    rows_late BIGINT,
    rows_waiting BIGINT
);
COMMENT ON TABLE cycles IS 'One row per cycle: the window (window_start, as_of] it processed and what it counted.';
COMMENT ON COLUMN cycles.cycle_id IS 'Cycle number, 1 for the first cycle of the home.';
COMMENT ON COLUMN cycles.as_of IS 'The cycle''s as_of instant (UTC): the end of its window, inclusive.';
COMMENT ON COLUMN cycles.window_start IS 'Start of the window, exclusive: the previous cycle''s as_of, the state import''s imported_as_of, or NULL (the beginning of time).';
COMMENT ON COLUMN cycles.cycle_stamp IS 'The cycle''s name in paths, e.g. 2025-09-30T020000Z (cycles/<stamp>/).';
COMMENT ON COLUMN cycles.status IS 'pending while stages run, complete once every stage has run.';
COMMENT ON COLUMN cycles.stages_done IS 'Stages that have run for this cycle, in order.';
COMMENT ON COLUMN cycles.inputs_sha256 IS 'SHA-256 over the sorted (folder, content hash) of every file ingested up to this cycle.';
COMMENT ON COLUMN cycles.files_ingested IS 'Files newly ingested by this cycle.';
COMMENT ON COLUMN cycles.rows_ingested IS 'Rows and request lines newly ingested (typed) by this cycle.';
COMMENT ON COLUMN cycles.rows_quarantined IS 'Quarantine entries written by this cycle (files and lines).';
COMMENT ON COLUMN cycles.events_on_timeline IS 'Timeline events this cycle placed in its window.';
COMMENT ON COLUMN cycles.rows_late IS 'Rows dated before the window, assigned the window start.';
COMMENT ON COLUMN cycles.rows_waiting IS 'Ingested rows dated after as_of, waiting for a later cycle.';

CREATE SEQUENCE file_id_sequence START 1;
CREATE TABLE ingested_files (
    file_id INTEGER PRIMARY KEY,
    cycle_id INTEGER NOT NULL,
    folder VARCHAR NOT NULL,
    relative_path VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    lead_provider_slug VARCHAR,
    content_sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    row_count BIGINT NOT NULL,
    source_format VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    UNIQUE (folder, content_sha256)
);
COMMENT ON TABLE ingested_files IS 'Every input file taken in, once per (folder, content hash); never deleted. file_id is the ingest order.';
COMMENT ON COLUMN ingested_files.file_id IS 'Ingest order of the file (timeline order uses it after instant and kind).';
COMMENT ON COLUMN ingested_files.cycle_id IS 'The cycle that ingested the file.';
COMMENT ON COLUMN ingested_files.folder IS 'Folder relative to the home, e.g. inbox/providers/northfield; defaults/reference for shipped reference data.';
COMMENT ON COLUMN ingested_files.relative_path IS 'Path of the file relative to the home when it was ingested.';
COMMENT ON COLUMN ingested_files.family IS 'reference, registrations, finance, migration or requests.';
COMMENT ON COLUMN ingested_files.kind IS 'Input kind (docs/inputs.md), e.g. participant_profiles; requests for provider batches.';
COMMENT ON COLUMN ingested_files.lead_provider_slug IS 'For provider request batches: the provider folder''s slug.';
COMMENT ON COLUMN ingested_files.content_sha256 IS 'SHA-256 of the file''s bytes; with folder, what makes a file new.';
COMMENT ON COLUMN ingested_files.size_bytes IS 'File size in bytes.';
COMMENT ON COLUMN ingested_files.row_count IS 'Data rows (CSV) or non-blank lines (JSON Lines) in the file.';
COMMENT ON COLUMN ingested_files.source_format IS 'own (the documented format), seed (the live service''s CSV format) or jsonl.';
COMMENT ON COLUMN ingested_files.ingested_at IS 'The ingesting cycle''s as_of (never the wall clock).';

CREATE TABLE raw_csv_rows (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    row_sha256 VARCHAR NOT NULL,
    fields JSON NOT NULL,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE raw_csv_rows IS 'Raw layer: every CSV data row as landed, all values as text.';
COMMENT ON COLUMN raw_csv_rows.file_id IS 'The file (ingested_files.file_id).';
COMMENT ON COLUMN raw_csv_rows.line_number IS 'Line number in the file, the header being line 1.';
COMMENT ON COLUMN raw_csv_rows.row_sha256 IS 'SHA-256 of the row''s fields as JSON.';
COMMENT ON COLUMN raw_csv_rows.fields IS 'The row as a JSON object of column name to text (null for a blank cell).';

CREATE TABLE raw_request_lines (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    line_sha256 VARCHAR NOT NULL,
    line_text VARCHAR NOT NULL,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE raw_request_lines IS 'Raw layer: every non-blank line of a provider request batch, byte for byte.';
COMMENT ON COLUMN raw_request_lines.file_id IS 'The batch file (ingested_files.file_id).';
COMMENT ON COLUMN raw_request_lines.line_number IS 'Line number in the batch, from 1.';
COMMENT ON COLUMN raw_request_lines.line_sha256 IS 'SHA-256 of the line text.';
COMMENT ON COLUMN raw_request_lines.line_text IS 'The line exactly as landed (without its line ending).';

CREATE TABLE requests (
    file_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    lead_provider_slug VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    body_text VARCHAR,
    body_is_text BOOLEAN NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE requests IS 'Provider request lines that could be read, with their provenance (method and path as sent); the apply stage routes and validates them.';
COMMENT ON COLUMN requests.file_id IS 'The batch file (ingested_files.file_id).';
COMMENT ON COLUMN requests.line_number IS 'Line number in the batch, from 1.';
COMMENT ON COLUMN requests.lead_provider_slug IS 'The provider whose folder the batch landed in: the token owner.';
COMMENT ON COLUMN requests.method IS 'HTTP method as sent.';
COMMENT ON COLUMN requests.path IS 'Request path as sent, e.g. /api/v3/participant-declarations.';
COMMENT ON COLUMN requests.body_text IS 'The body: JSON text when the line''s body was a JSON value, the raw text when it was a string, NULL when absent.';
COMMENT ON COLUMN requests.body_is_text IS 'true when the line carried the body as a raw string (it may not be JSON at all).';
COMMENT ON COLUMN requests.submitted_at IS 'When the provider submitted the request (UTC), as written in the line.';

CREATE TABLE quarantine (
    cycle_id INTEGER NOT NULL,
    relative_path VARCHAR NOT NULL,
    line_number INTEGER,
    field VARCHAR,
    value VARCHAR,
    message VARCHAR NOT NULL,
    fix VARCHAR NOT NULL
);
COMMENT ON TABLE quarantine IS 'Files and lines that could not be read, with the fix; the rest of the input still went through.';
COMMENT ON COLUMN quarantine.cycle_id IS 'The cycle that found the problem.';
COMMENT ON COLUMN quarantine.relative_path IS 'The file, relative to the home.';
COMMENT ON COLUMN quarantine.line_number IS 'The line (header = line 1 for CSV); NULL when the whole file was quarantined.';
COMMENT ON COLUMN quarantine.field IS 'The column or JSON member at fault, if any.';
COMMENT ON COLUMN quarantine.value IS 'The offending value as landed (truncated to 200 characters).';
COMMENT ON COLUMN quarantine.message IS 'What is wrong.';
COMMENT ON COLUMN quarantine.fix IS 'How to fix it.';

CREATE TABLE timeline (
    event_seq BIGINT PRIMARY KEY,
    cycle_id INTEGER NOT NULL,
    family VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    source_table VARCHAR NOT NULL,
    file_id INTEGER,
    relative_path VARCHAR,
    line_number INTEGER,
    event_key VARCHAR,
    own_at TIMESTAMP NOT NULL,
    effective_at TIMESTAMP NOT NULL,
    is_late BOOLEAN NOT NULL
);
COMMENT ON TABLE timeline IS 'Every input row and derived event in the one order they are applied in (product.md §4).';
COMMENT ON COLUMN timeline.event_seq IS 'Position on the timeline: order of effective_at, then kind, then file (ingest order, then path), then line.';
COMMENT ON COLUMN timeline.cycle_id IS 'The cycle whose window the event was applied in.';
COMMENT ON COLUMN timeline.family IS 'reference, migration, registrations, finance, deadline or requests.';
COMMENT ON COLUMN timeline.kind IS 'Input kind, or statement_deadline for a deadline event.';
COMMENT ON COLUMN timeline.source_table IS 'The typed table holding the row (joined on file_id, line_number).';
COMMENT ON COLUMN timeline.file_id IS 'Source file (NULL for derived events).';
COMMENT ON COLUMN timeline.relative_path IS 'Source file path relative to the home (NULL for derived events).';
COMMENT ON COLUMN timeline.line_number IS 'Source line (NULL for derived events).';
COMMENT ON COLUMN timeline.event_key IS 'For derived events: what the event is about, e.g. 2024|January 2025 for a statement deadline.';
COMMENT ON COLUMN timeline.own_at IS 'The row''s own instant (valid_from, recorded_at, effective_at, submitted_at, imported_as_of), kept as provenance.';
COMMENT ON COLUMN timeline.effective_at IS 'The instant the row takes effect: its own instant, or the window start for a late row.';
COMMENT ON COLUMN timeline.is_late IS 'true when the row was dated before its cycle''s window and took the window start.';

CREATE TABLE reference_corrections (
    cycle_id INTEGER NOT NULL,
    relative_path VARCHAR NOT NULL,
    cohort INTEGER NOT NULL,
    statement_name VARCHAR NOT NULL,
    original_deadline_on DATE NOT NULL,
    corrected_deadline_on DATE NOT NULL
);
COMMENT ON TABLE reference_corrections IS 'The documented correction applied to statement calendars: a January YYYY row whose deadline fell after its payment date got 31 December YYYY-1.';
COMMENT ON COLUMN reference_corrections.cycle_id IS 'The cycle that ingested the calendar file.';
COMMENT ON COLUMN reference_corrections.relative_path IS 'The calendar file, relative to the home.';
COMMENT ON COLUMN reference_corrections.cohort IS 'Cohort start year of the corrected row.';
COMMENT ON COLUMN reference_corrections.statement_name IS 'Statement name of the corrected row.';
COMMENT ON COLUMN reference_corrections.original_deadline_on IS 'The deadline as supplied.';
COMMENT ON COLUMN reference_corrections.corrected_deadline_on IS 'The deadline used.';
