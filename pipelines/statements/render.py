"""Rendering statements for finance (product.md §6): the page (HTML and PDF), the declarations CSV,
and `statements/index.html`, all from the statement JSON the calculate stage wrote.

Rendering is deterministic: the same document gives the same HTML bytes (no clock in the body), and
a file is only rewritten when its bytes change; a page whose JSON, templates and view are unchanged
since it was rendered is not rendered again. PDFs are costly (WeasyPrint, about a quarter of a
second each), so by default only the cycle's *current* statements get one
(`sql/statements/current_statements.sql`: per provider and cohort, the next one due and the latest
that became payable or paid in the cycle); `ecf render --pdf all` renders every one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import orjson
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipelines.calculate.statement_stage import statement_path
from pipelines.instants import rfc3339
from pipelines.sql_files import read_sql
from pipelines.statements.statement_view import statement_view

TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"
# Pages already rendered from the same JSON by the same templates and view are not rendered again:
# statements/.rendered.json maps each statement to the fingerprint of what its page was made from.
RENDERED_MANIFEST = ".rendered.json"


def _page_code_fingerprint() -> bytes:
    digest = hashlib.sha256()
    for path in [*sorted(TEMPLATES.glob("*.html")), Path(__file__).with_name("statement_view.py")]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


_PAGE_CODE = _page_code_fingerprint()


def template_environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


_ENVIRONMENT = template_environment()


def statement_html(document: dict) -> str:
    view = statement_view(document)
    footer = f"{view['meta']['lead_provider']['name']} · {view['cohort']} cohort · {view['meta']['name']}"
    return _ENVIRONMENT.get_template("statement.html").render(**view, footer=footer.replace('"', "'"))


def statement_pdf(html: str) -> bytes:
    """The page as an A4 PDF with page numbers (the CSS's @page rules)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only rendering needs

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


@dataclass(frozen=True)
class IndexEntry:
    slug: str
    provider: str
    cohort: int
    name: str
    stem: str
    status: str
    payment_date: str
    total: str | None
    has_pdf: bool
    problem: str | None


def index_html(entries: list[IndexEntry], as_of: str) -> str:
    return _ENVIRONMENT.get_template("index.html").render(entries=entries, as_of=as_of, footer="Statements")


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


@dataclass(frozen=True)
class RenderResult:
    pages: int
    pages_changed: int
    pdfs_written: int
    not_calculated: int


def render_statements(con, root: Path, cycle_id: int, as_of, pdf: str = "current",
                      progress: Callable[[str, int, int], None] | None = None) -> RenderResult:
    """Every statement's page, CSV and (by `pdf`: current, all or none) PDF, and the index."""
    from pipelines.statements.declarations_csv import csv_bytes, declaration_row_groups

    statements = con.execute(
        """SELECT s.statement_id, s.lead_provider_slug, s.cohort, s.statement_name, s.status, s.payment_on,
                  p.problem
           FROM statements AS s
           LEFT JOIN statement_calculation_problems AS p ON p.statement_id = s.statement_id AND p.cycle_id = $id
           ORDER BY s.lead_provider_slug, s.cohort, s.payment_on, s.deadline_on, s.statement_name""",
        {"id": cycle_id}).fetchall()
    current = {row[0] for row in con.execute(read_sql("statements/current_statements"),
                                             {"cycle_id": cycle_id, "today": as_of.date()}).fetchall()}
    paths = {statement_id: statement_path(root, slug, cohort, name, "csv")
             for statement_id, slug, cohort, name, *_ in statements}
    for statement_id, csv_rows in declaration_row_groups(con):  # one statement's rows in memory at a time
        write_if_changed(paths[statement_id], csv_bytes(csv_rows))
    manifest_path = root / "statements" / RENDERED_MANIFEST
    rendered = orjson.loads(manifest_path.read_bytes()) if manifest_path.exists() else {}
    entries, changed, pdfs, missing = [], 0, 0, 0
    for done, (statement_id, slug, cohort, name, status, payment_on, problem) in enumerate(statements, 1):
        json_path = statement_path(root, slug, cohort, name, "json")
        stem = json_path.stem
        if problem is not None or not json_path.exists():
            missing += 1
            entries.append(IndexEntry(slug, slug, cohort, name, stem, status, payment_on.isoformat(), None, False,
                                      problem or "not calculated"))
            continue
        data = json_path.read_bytes()
        document = orjson.loads(data)
        fingerprint = hashlib.sha256(_PAGE_CODE + data).hexdigest()
        html_path, pdf_path = json_path.with_suffix(".html"), json_path.with_suffix(".pdf")
        wanted = pdf == "all" or (pdf == "current" and statement_id in current)
        page_changed = False
        if rendered.get(statement_id) != fingerprint or not html_path.exists() or (wanted and not pdf_path.exists()):
            html = statement_html(document)
            page_changed = write_if_changed(html_path, html.encode())
            rendered[statement_id] = fingerprint
            if wanted and (page_changed or not pdf_path.exists()):
                pdf_path.write_bytes(statement_pdf(html))
                pdfs += 1
            elif page_changed and not wanted:
                pdf_path.unlink(missing_ok=True)  # never leave a PDF older than its page
        changed += page_changed
        total = next(entry["display"] for entry in document["summary"] if entry["key"] == "total")
        entries.append(IndexEntry(slug, document["statement"]["lead_provider"]["name"], cohort, name, stem, status,
                                  payment_on.isoformat(), total, pdf_path.exists(), None))
        if progress and (done % 50 == 0 or done == len(statements)):
            progress("render", done, len(statements))
    write_if_changed(manifest_path, orjson.dumps(rendered, option=orjson.OPT_SORT_KEYS))
    write_if_changed(root / "statements" / "index.html", index_html(entries, rfc3339(as_of)).encode())
    return RenderResult(len(statements) - missing, changed, pdfs, missing)
