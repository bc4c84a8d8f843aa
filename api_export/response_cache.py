"""Complete answers to recent requests, kept by the server (`ecf serve`).

A snapshot never changes, so a 200 is fixed by the snapshot id, the lead provider, the method, the
path, the raw query string and whether the client takes gzip: that tuple is the key, and the value is
the exact ASGI messages the app sent (status, headers, body). A repeated request — a client polling the
same page, or a load generator — is then answered without routing, filtering or joining records.
The rate limit and the token check still run first on every request, and `current` is still re-read, so
a new snapshot or a revoked token takes effect at once; only the work after them is skipped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["CachedResponse", "ResponseCache"]


@dataclass(frozen=True)
class CachedResponse:
    start: dict  # the `http.response.start` message
    body: dict  # the one `http.response.body` message

    @property
    def size(self) -> int:
        return len(self.body["body"]) + sum(len(k) + len(v) for k, v in self.start["headers"])


class ResponseCache:
    """Least recently used answers within a byte budget; an answer larger than `max_entry` is not kept
    (whole-set CSV bodies), so one big download cannot push out every page."""

    def __init__(self, max_bytes: int = 128 << 20, max_entry: int = 4 << 20):
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self.used = 0
        self.entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> CachedResponse | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple, messages: list[dict]) -> None:
        """Keep a finished 200 sent as one start and one body message (how every answer of the app is sent)."""
        if len(messages) != 2 or messages[0].get("status") != 200 or messages[1].get("more_body", False):
            return
        start, body = messages
        answer = CachedResponse({"type": start["type"], "status": 200, "headers": list(start["headers"])},
                                {"type": body["type"], "body": bytes(body.get("body", b""))})
        if answer.size > self.max_entry:
            return
        with self.lock:
            previous = self.entries.pop(key, None)
            self.used -= previous.size if previous is not None else 0
            self.entries[key] = answer
            self.used += answer.size
            while self.used > self.max_bytes:
                _, dropped = self.entries.popitem(last=False)
                self.used -= dropped.size
