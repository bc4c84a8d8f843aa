"""Statement pages: golden files for one pre-2025 and one 2025+ statement, every figure on the page
equal to the statement JSON's display string, the PDF's text carrying the total and every summary
line, deterministic bytes; and, at the end of the small demo, every statement rendered.

Set UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change to the page.
"""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest

from helpers import rows
from pipelines.calculate.statement_stage import calculate_loaded, statement_path
from pipelines.state.database import open_state
from pipelines.statements.render import statement_html, statement_pdf
from test_statement_calculation import LP, MINIMAL, _contract_rows, load_state

GOLDEN = Path(__file__).parent / "golden"
AS_OF = datetime(2026, 1, 10, 2)


def _state(cohort: int) -> dict:
    """Two statements: the first paid (with a start now clawed back), the second with new starts of
    both kinds, retained and extended declarations, a clawback, uplifts and two adjustments."""
    tables = {"statements": [], "declarations": [], "line_items": [], "adjustments": [],
              **_contract_rows(cohort, MINIMAL, "100", None),
              "lead_providers": [{"lead_provider_id": LP, "name": "Alder & Co <Learning>", "vat_chargeable": True}],
              "cohorts": [{"cohort": cohort, "mentor_funding": cohort >= 2025}]}
    for index, (name, status, paid_at) in enumerate((("November 2025", "paid", datetime(2025, 11, 28, 10, 30)),
                                                     ("February 2026", "open", None))):
        tables["statements"].append({
            "statement_id": f"s{index}", "lead_provider_id": LP, "cohort": cohort, "statement_name": name,
            "payment_on": date(2025, 11 + 3 * index, 25) if index == 0 else date(2026, 2, 25), "output_fee": True,
            "status": status, "contract_version": "1.0", "mentor_contract_version": "1.0",
            "reconcile_amount": Decimal("12.34") if index else Decimal(0), "marked_as_paid_at": paid_at})
    declarations = [("s0", "started", "ect", "paid", True), ("s0", "started", "ect", "paid", False),
                    ("s0", "started", "mentor", "paid", False), ("s1", "started", "ect", "eligible", True),
                    ("s1", "started", "mentor", "eligible", False), ("s1", "retained-1", "ect", "eligible", False),
                    ("s1", "extended-2", "ect", "eligible", False), ("s1", "completed", "mentor", "eligible", False),
                    ("s1", "started", "ect", "voided", False)]
    for index, (statement, declaration_type, kind, state, uplift) in enumerate(declarations):
        tables["declarations"].append({"declaration_id": f"d{index}", "participant_type": kind,
                                       "declaration_type": declaration_type, "pupil_premium_uplift": uplift,
                                       "sparsity_uplift": False})
        tables["line_items"].append({"declaration_id": f"d{index}", "statement_id": statement,
                                     "line_type": "billable", "state": state})
    tables["line_items"].append({"declaration_id": "d0", "statement_id": "s1", "line_type": "refundable",
                                 "state": "awaiting_clawback"})
    tables["adjustments"] = [{"adjustment_ref": "A1", "statement_id": "s1", "description": "Backdated service fee",
                              "amount": Decimal("999.99")},
                             {"adjustment_ref": "A2", "statement_id": "s1", "description": "Travel <costs> & more",
                              "amount": Decimal("-500.005")}]
    return tables


def _documents(tmp_path: Path, cohort: int) -> dict:
    with open_state(tmp_path / f"state-{cohort}.duckdb") as con:
        load_state(con, _state(cohort))
        return calculate_loaded(con, 1, AS_OF).documents


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("render")
    return {"pre2025": _documents(root, 2024)["s1"], "2025": _documents(root, 2025)["s1"],
            "paid": _documents(root, 2024)["s0"]}


@pytest.mark.parametrize("name", ["pre2025", "2025", "paid"])
def test_page_matches_its_golden_file(documents, name):
    html = statement_html(documents[name])
    golden = GOLDEN / f"statement-{name}.html"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(html, encoding="utf-8")
    assert html == golden.read_text(encoding="utf-8"), f"{golden} differs (UPDATE_GOLDEN=1 after a deliberate change)"
    assert statement_html(documents[name]) == html  # deterministic


class _Figures(HTMLParser):
    """Collects the text of every element carrying data-figure."""

    def __init__(self):
        super().__init__()
        self.figures: dict[str, str] = {}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self._open = dict(attrs).get("data-figure") or self._open

    def handle_data(self, data):
        if self._open and data.strip():
            self.figures[self._open] = data.strip()
            self._open = None


def _json_display(document: dict, key: str) -> str:
    summary = {entry["key"]: entry["display"] for entry in document["summary"]}
    if key in summary:
        return summary[key]
    node = document
    for part in key.split("."):
        node = node[part]
    return node["display"]


@pytest.mark.parametrize("name", ["pre2025", "2025"])
def test_every_figure_on_the_page_is_the_json_display_string(documents, name):
    document = documents[name]
    parser = _Figures()
    parser.feed(statement_html(document))
    summary_keys = {entry["key"] for entry in document["summary"]}
    assert summary_keys <= set(parser.figures), "every summary line is on the page"
    assert len(parser.figures) >= len(summary_keys) + 3
    for key, shown in parser.figures.items():
        assert shown == _json_display(document, key), key


def test_page_escapes_provider_text_and_shows_the_authorisation(documents):
    html = statement_html(documents["paid"])
    assert "Alder &amp; Co &lt;Learning&gt;" in html and "<Learning>" not in html
    assert "Authorised for payment at 10:30am on 28 Nov 2025" in html
    assert "Travel &lt;costs&gt; &amp; more" in statement_html(documents["pre2025"])


@pytest.mark.parametrize("name", ["pre2025", "2025"])
def test_pdf_text_has_the_total_and_every_summary_line(documents, name):
    from pypdf import PdfReader

    document = documents[name]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(statement_pdf(statement_html(document)))).pages)
    text = " ".join(text.split())
    for entry in document["summary"]:
        assert entry["line"] in text and entry["display"] in text, entry
    assert "Page 1 of" in text


def test_demo_renders_every_statement(small_demo):
    home, _ = small_demo
    statements = rows(home, "SELECT lead_provider_slug, cohort, statement_name FROM statements")
    assert statements
    for slug, cohort, name in statements:
        page = statement_path(home.root, slug, cohort, name, "html")
        assert page.exists() and page.with_suffix(".csv").exists() and page.with_suffix(".json").exists(), page
    index = (home.root / "statements" / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == len(statements) + 1
    assert any(home.root.joinpath("statements").rglob("*.pdf")), "the current statements have PDFs"
    [(stamp,)] = rows(home, "SELECT cycle_stamp FROM cycles ORDER BY cycle_id DESC LIMIT 1")
    report = (home.root / "cycles" / stamp / "report.html").read_text(encoding="utf-8")
    assert "Provider requests" in report and "ECF2 comparison" in report


def test_documents_are_json_round_trippable(documents):
    assert orjson.loads(orjson.dumps(documents["2025"])) == documents["2025"]
