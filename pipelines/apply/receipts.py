"""Receipt files: `receipts/<lead-provider-slug>/<file-stem>-<hash8>.jsonl` (product.md §6).

One line per line of the batch. An applied line carries its `status` and the exact `body` the
live API would have returned (compact, escaped as the live service writes it); a quarantined line
carries `status: null` with the quarantine message and fix. Lines still waiting for a later window
are appended by the cycle that applies them, so a file is complete once every line is applied.
Files are rewritten whole from the receipts table, so the same inputs give the same bytes.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import duckdb
import orjson

from pipelines.home import Home
from pipelines.instants import rfc3339


def receipt_path(home: Home, slug: str, relative_path: str, content_sha256: str) -> Path:
    return home.receipts / slug / f"{PurePosixPath(relative_path).stem}-{content_sha256[:8]}.jsonl"


def _line(line_number: int, status: int | None, body_json: str | None, method, path, submitted_at,
          effective_at) -> bytes:
    if status is None:  # quarantined: body_json is {"error": …, "fix": …}
        return b'{"line":%d,"status":null,%s\n' % (line_number, body_json[1:].encode("utf-8"))
    head = orjson.dumps({"line": line_number, "method": method, "path": path,
                         "submitted_at": rfc3339(submitted_at), "effective_at": rfc3339(effective_at),
                         "status": status})
    body = body_json.encode("utf-8") if body_json is not None else b"null"
    return head[:-1] + b',"body":' + body + b"}\n"


def write_receipt_files(con: duckdb.DuckDBPyConnection, home: Home, cycle_id: int) -> int:
    """Rewrite the receipt file of every batch that has a receipt from this cycle; return how many."""
    files = con.execute(
        """SELECT DISTINCT f.file_id, f.lead_provider_slug, f.relative_path, f.content_sha256
           FROM receipts AS r JOIN ingested_files AS f USING (file_id)
           WHERE r.cycle_id = $cycle ORDER BY f.file_id""", {"cycle": cycle_id}).fetchall()
    for file_id, slug, relative_path, sha256 in files:
        rows = con.execute(
            """SELECT r.line_number, r.status, r.body_json, q.method, q.path, q.submitted_at, r.effective_at
               FROM receipts AS r LEFT JOIN requests AS q USING (file_id, line_number)
               WHERE r.file_id = $file ORDER BY r.cycle_id, r.line_number""", {"file": file_id}).fetchall()
        target = receipt_path(home, slug, relative_path, sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"".join(_line(*row) for row in rows))
    return len(files)
