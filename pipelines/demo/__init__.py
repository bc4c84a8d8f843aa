"""demo stage: the synthetic home behind `ecf demo` (product.md §7).

`generate_demo_inputs` writes a realistic inbox (reference data, registrations, finance rows and
monthly provider request batches) for 6 invented lead providers and cohorts 2021–2025, and returns
the plan of cycles at fixed `as_of` instants that runs it. See `generator.py` for the layout,
`scenarios.py` for the catalogue of deliberate errors and `pipelines/ids.py` for the declaration-id rule the
generator shares with the product.
"""

from pipelines.demo.generator import HAND_EDITED_MARK, LATE_MARK, DemoCycle, DemoPlan, generate_demo_inputs
from pipelines.ids import declaration_id_for
from pipelines.demo.scenarios import ERROR_SCENARIOS, Scenario

__all__ = ["DemoCycle", "DemoPlan", "ERROR_SCENARIOS", "HAND_EDITED_MARK", "LATE_MARK", "Scenario",
           "declaration_id_for", "generate_demo_inputs"]
