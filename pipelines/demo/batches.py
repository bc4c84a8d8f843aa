"""Provider requests as compact tuples, bucketed by month and provider, rendered only when written.

Every request is a tuple whose first four members are (submitted_at, seq, provider, kind); `seq`
is a global counter, so (submitted_at, seq) orders a batch deterministically. A void names its
target by the target declaration's `seq`: when the target's batch has been written and hashed, the
writer knows the id the product will give that declaration (`ids.declaration_id_for`).
"""

from __future__ import annotations

import time

import orjson

DECL, VOID, ACTION, RAW = 0, 1, 2, 3

# declaration_date renderings (all denote the same instant)
FMT_Z, FMT_FRACTION, FMT_OFFSET, FMT_NO_ZONE = 0, 1, 2, 3


class Batches:
    def __init__(self) -> None:
        self.seq = 0
        self.buckets: dict[tuple[int, int], list[tuple]] = {}

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def _put(self, event: tuple) -> tuple:
        t = time.gmtime(event[0])
        key = (t.tm_year * 12 + t.tm_mon - 1, event[2])
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = []
        bucket.append(event)
        return event

    def declaration(self, submitted_at: int, provider: int, version: int, participant_id: str | None,
                    declaration_type: str | None, declaration_date: int | str | None, date_format: int,
                    course: str | None, evidence: str | None, participant=None) -> tuple:
        """A POST of a declaration; None omits an attribute, a str date is sent as written."""
        return self._put((submitted_at, self._next(), provider, DECL, version, participant_id, declaration_type,
                          declaration_date, date_format, course, evidence, participant))

    def void(self, submitted_at: int, provider: int, version: int, target: int | str) -> tuple:
        """A void of the declaration made by request `target` (a seq), or of a literal id (str)."""
        return self._put((submitted_at, self._next(), provider, VOID, version, target))

    def action(self, submitted_at: int, provider: int, version: int, action: str, participant_id: str,
               course: str | None, reason: str | None = None, schedule: str | None = None,
               cohort: str | None = None, legacy_path: bool = False) -> tuple:
        return self._put((submitted_at, self._next(), provider, ACTION, version, action, participant_id, course,
                          reason, schedule, cohort, legacy_path))

    def raw(self, submitted_at: int, provider: int, method: str, path: str, body) -> tuple:
        return self._put((submitted_at, self._next(), provider, RAW, method, path, body))

    def remove(self, event: tuple) -> None:
        t = time.gmtime(event[0])
        self.buckets[(t.tm_year * 12 + t.tm_mon - 1, event[2])].remove(event)


def _instant(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def render_date(value: int | str, date_format: int) -> str:
    if isinstance(value, str):
        return value
    if date_format == FMT_Z:
        return _instant(value)
    if date_format == FMT_FRACTION:
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(value))
    if date_format == FMT_OFFSET:
        return time.strftime("%Y-%m-%dT%H:%M:%S+01:00", time.gmtime(value + 3600))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(value))


ACTION_TYPES = {"withdraw": "participant-withdraw", "defer": "participant-defer", "resume": "participant-resume",
                "change-schedule": "participant-change-schedule"}


def render(event: tuple, declaration_ids: dict[int, str]) -> bytes:
    """One request line (compact JSON, LF-terminated)."""
    kind = event[3]
    submitted_at = _instant(event[0])
    if kind == DECL:
        _, _, _, _, version, participant_id, declaration_type, declaration_date, date_format, course, evidence, _ = event
        attributes = {}
        if participant_id is not None:
            attributes["participant_id"] = participant_id
        if declaration_type is not None:
            attributes["declaration_type"] = declaration_type
        if declaration_date is not None:
            attributes["declaration_date"] = render_date(declaration_date, date_format)
        if course is not None:
            attributes["course_identifier"] = course
        if evidence is not None:
            attributes["evidence_held"] = evidence
        line = {"method": "POST", "path": f"/api/v{version}/participant-declarations",
                "body": {"data": {"type": "participant-declaration", "attributes": attributes}},
                "submitted_at": submitted_at}
    elif kind == VOID:
        target = event[5]
        declaration_id = target if isinstance(target, str) else declaration_ids[target]
        line = {"method": "PUT", "path": f"/api/v{event[4]}/participant-declarations/{declaration_id}/void",
                "body": {}, "submitted_at": submitted_at}
    elif kind == ACTION:
        _, _, _, _, version, action, participant_id, course, reason, schedule, cohort, legacy = event
        attributes = {}
        if reason is not None:
            attributes["reason"] = reason
        if schedule is not None:
            attributes["schedule_identifier"] = schedule
        if course is not None:
            attributes["course_identifier"] = course
        if cohort is not None:
            attributes["cohort"] = cohort
        prefix = f"/api/v{version}/participants/" if legacy else f"/api/v{version}/participants/ecf/"
        line = {"method": "PUT", "path": f"{prefix}{participant_id}/{action}",
                "body": {"data": {"type": ACTION_TYPES[action], "attributes": attributes}},
                "submitted_at": submitted_at}
    else:
        line = {"method": event[4], "path": event[5], "body": event[6], "submitted_at": submitted_at}
    return orjson.dumps(line) + b"\n"
