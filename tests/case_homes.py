"""Translating a worked declaration case (shared/cases/README.md §5) into a home's inputs.

The setup goes through the product's normal inputs: reference data (no default statement calendar:
an empty `statements.csv` replaces it), registrations for the participant, its induction records
and partnerships, and a state import (`inbox/migration/`, `imported_as_of` one second before the
case's `as_of`) for the statements, existing declarations, provider states and other accounts.
The submission is one request line submitted at `as_of`. Nothing here looks at `expected`.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from pathlib import Path

import orjson

from pipelines.ingest.kinds import KINDS_BY_FOLDER
from pipelines.instants import parse_instant, rfc3339

NAMESPACE = uuid.UUID("3d0c55a4-41d2-4d43-9d0e-8a0d7f1b6c11")
PERMITTED_ACTIONS = {"void", "change-schedule", "withdraw", "defer", "resume"}


def placeholder_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def slug_of(lead_provider: str) -> str:
    return lead_provider.lower()


def _write_csv(root: Path, family: str, kind: str, rows: list[dict]) -> None:
    columns = KINDS_BY_FOLDER[(family, kind)].column_names
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if row.get(name) is None else row[name] for name in columns})
    path = root / "inbox" / family / f"{kind}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def build_case_home(root: Path, case: dict) -> dict:
    """Write the case's inputs under `root`; return the ids the comparison needs."""
    setup, submission = case["setup"], case["submission"]
    participant = setup["participant"]
    as_of = parse_instant(setup["as_of"])
    imported_as_of = rfc3339(as_of - timedelta(seconds=1))
    recorded_at = rfc3339(as_of - timedelta(days=1))
    cohort = participant["cohort"]
    providers = sorted({setup["submitting_lead_provider"]}
                       | {r["lead_provider"] for r in participant["induction_records"]}
                       | {s["lead_provider"] for s in setup.get("statements") or ()}
                       | {d["lead_provider"] for d in setup.get("existing_declarations") or ()}
                       | {p["lead_provider"] for p in setup.get("partnerships") or ()}
                       | {s["lead_provider"] for s in participant["lead_provider_states"]})
    school_id, delivery_partner_id = placeholder_id("school", "1"), placeholder_id("delivery-partner", "1")
    cohorts = sorted({cohort} | {p["cohort"] for p in setup.get("partnerships") or ()})

    _write_csv(root, "reference", "lead_providers", [
        {"lead_provider_id": placeholder_id("lead-provider", lp), "name": f"Provider {lp}", "slug": slug_of(lp),
         "vat_chargeable": "true"} for lp in providers])
    _write_csv(root, "reference", "delivery_partners", [{"delivery_partner_id": delivery_partner_id,
                                                         "name": "Delivery Partner One"}])
    _write_csv(root, "reference", "provider_relationships", [
        {"lead_provider_id": placeholder_id("lead-provider", lp), "delivery_partner_id": delivery_partner_id,
         "cohort": year} for lp in providers for year in cohorts])
    _write_csv(root, "reference", "schools", [{"school_id": school_id, "urn": "100001", "name": "Case School",
                                               "eligible": "true", "cip_only": "false"}])
    _write_csv(root, "reference", "statements", [])  # no default statement calendar (README §5.2)
    flags = setup.get("feature_flags") or {}
    _write_csv(root, "reference", "feature_flags", [{"flag": name, "enabled": _bool(value)}
                                                    for name, value in flags.items()])

    user_id = participant["participant_id"]
    changes = participant.get("participant_id_changes") or []
    identity_id = placeholder_id("identity", user_id)
    profile_id = placeholder_id("profile", user_id)
    _write_csv(root, "registrations", "participant_identities", [{
        "participant_identity_id": identity_id, "user_id": user_id,
        "external_identifier": changes[0]["from_participant_id"] if changes else user_id,
        "email": "participant@example.com", "recorded_at": recorded_at}])
    _write_csv(root, "registrations", "participant_profiles", [{
        "participant_profile_id": profile_id, "participant_identity_id": identity_id,
        "participant_type": participant["type"], "trn": participant["trn"], "full_name": "Case Participant",
        "cohort": cohort, "schedule_identifier": participant["schedule_identifier"], "school_id": school_id,
        "eligibility_status": participant["eligibility_status"], "profile_status": participant["profile_record_status"],
        "recorded_at": recorded_at}])
    _write_csv(root, "registrations", "participant_id_changes", [{
        "user_id": user_id, "from_participant_id": c["from_participant_id"], "to_participant_id": c["to_participant_id"],
        "recorded_at": recorded_at} for c in changes])
    _write_csv(root, "registrations", "school_cohorts", [{
        "school_id": school_id, "cohort": year, "induction_programme_choice": "full_induction_programme",
        "recorded_at": recorded_at} for year in cohorts])

    partnership_rows, challenged = {}, []
    def partnership_for(lp: str, year: int, relationship: bool = False) -> str:
        key = (lp, year, relationship)
        if key not in partnership_rows:
            partnership_rows[key] = {
                "partnership_id": placeholder_id("partnership", f"{lp}:{year}:{relationship}"),
                "lead_provider_id": placeholder_id("lead-provider", lp), "delivery_partner_id": delivery_partner_id,
                "school_id": school_id, "cohort": year, "relationship": _bool(relationship), "pending": "false",
                "recorded_at": recorded_at}
        return partnership_rows[key]["partnership_id"]
    for p in setup.get("partnerships") or ():
        partnership_id = partnership_for(p["lead_provider"], p["cohort"], p["relationship"])
        if p["challenged"]:
            challenged.append(partnership_id)
    placements = []
    for number, record in enumerate(participant["induction_records"], 1):
        partnership_id = partnership_for(record["lead_provider"], cohort)
        if record["partnership_challenged"]:
            challenged.append(partnership_id)
        placements.append({
            "induction_placement_id": placeholder_id("placement", f"{user_id}:{number}"),
            "participant_profile_id": profile_id, "induction_programme_id": placeholder_id("programme", partnership_id),
            "start_at": record["start_date"], "end_at": record["end_date"],
            "induction_status": record.get("induction_status") or "active", "school_transfer": "false",
            "training_status": record["training_status"], "schedule_identifier": record["schedule_identifier"],
            "recorded_at": recorded_at})
    _write_csv(root, "registrations", "partnerships", list(partnership_rows.values()))
    _write_csv(root, "registrations", "partnership_challenges", [{
        "partnership_id": p, "challenge_reason": "mistake", "challenged_at": recorded_at, "recorded_at": recorded_at}
        for p in dict.fromkeys(challenged)])
    _write_csv(root, "registrations", "induction_programmes", [{
        "induction_programme_id": placeholder_id("programme", row["partnership_id"]), "school_id": school_id,
        "cohort": row["cohort"], "training_programme": "full_induction_programme",
        "partnership_id": row["partnership_id"], "recorded_at": recorded_at} for row in partnership_rows.values()])
    _write_csv(root, "registrations", "induction_placements", placements)

    _write_csv(root, "migration", "manifest", [{"imported_as_of": imported_as_of}])
    _write_csv(root, "migration", "statements", [{
        "lead_provider_slug": slug_of(s["lead_provider"]), "cohort": s["cohort"], "statement_name": s["name"],
        "deadline_on": s["deadline_date"], "payment_on": s["payment_date"], "output_fee": _bool(s["output_fee"]),
        "status": s["status"]} for s in setup.get("statements") or ()])
    declaration_ids = {d["id"]: placeholder_id("declaration", d["id"]) for d in setup.get("existing_declarations") or ()}
    _write_csv(root, "migration", "declarations", [{
        "declaration_id": declaration_ids[d["id"]], "lead_provider_slug": slug_of(d["lead_provider"]),
        "participant_id": d["participant_id"], "declaration_type": d["declaration_type"],
        "course_identifier": d["course_identifier"], "state": d["state"], "declaration_date": d["declaration_date"],
        "cohort": cohort, "ineligible_reason": "duplicate" if d["state"] == "ineligible" else None,
        "created_at": imported_as_of} for d in setup.get("existing_declarations") or ()])
    line_state = {"awaiting_clawback": "paid", "clawed_back": "paid"}
    _write_csv(root, "migration", "line_items", [{
        "declaration_id": declaration_ids[d["id"]], "lead_provider_slug": slug_of(d["lead_provider"]),
        "cohort": cohort, "statement_name": d["statement"], "line_type": "billable",
        "state": line_state.get(d["state"], d["state"]), "created_at": imported_as_of}
        for d in setup.get("existing_declarations") or () if d.get("statement")])
    _write_csv(root, "migration", "participant_states", [{
        "participant_profile_id": profile_id, "lead_provider_slug": slug_of(s["lead_provider"]), "state": s["state"],
        "reason": s["reason"], "created_at": s["created_at"]} for s in participant["lead_provider_states"]])
    _write_csv(root, "migration", "shared_trn_accounts", [{
        "user_id": a["participant_id"], "trn": a["trn"], "participant_type": a["type"]}
        for a in setup.get("other_accounts") or ()])

    lead_provider = setup["submitting_lead_provider"]
    request = _request(submission, declaration_ids)
    batch = root / "inbox" / "providers" / slug_of(lead_provider) / "case.jsonl"
    batch.parent.mkdir(parents=True, exist_ok=True)
    batch.write_bytes(orjson.dumps({**request, "submitted_at": setup["as_of"]}) + b"\n")
    return {"as_of": as_of, "declaration_ids": declaration_ids, "profile_id": profile_id,
            "lead_provider_id": placeholder_id("lead-provider", lead_provider),
            "lead_providers": {placeholder_id("lead-provider", lp): lp for lp in providers}}


def _request(submission: dict, declaration_ids: dict[str, str]) -> dict:
    if "_raw_body" in submission:
        return {"method": "POST", "path": "/api/v3/participant-declarations", "body": submission["_raw_body"]}
    action = submission.get("action")
    if action is None:
        return {"method": "POST", "path": "/api/v3/participant-declarations",
                "body": {"data": {"type": "participant-declaration", "attributes": submission}}}
    if action == "void":
        declaration_id = declaration_ids.get(submission["declaration_id"], submission["declaration_id"])
        return {"method": "PUT", "path": f"/api/v3/participant-declarations/{declaration_id}/void", "body": {}}
    if action not in PERMITTED_ACTIONS:
        raise ValueError(f"unknown submission action {action!r}")
    attributes = {k: v for k, v in submission.items() if k not in ("action", "participant_id")}
    return {"method": "PUT", "path": f"/api/v3/participants/ecf/{submission['participant_id']}/{action}",
            "body": {"data": {"type": f"participant-{action}", "attributes": attributes}}}
