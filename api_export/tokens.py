"""API tokens: one lead provider each, stored only as a digest in the home's `tokens/` folder.

A token is `ecf_` and 32 random bytes, URL-safe base64 (47 characters), shown once by `ecf tokens
issue`. The home keeps `tokens/<sha256 of the token>.json` = `{"lead_provider_id",
"lead_provider_slug", "issued_at", "label"}`; the token itself is never written anywhere. The server
looks each request's token up by its digest (`TokenBook`: in memory, re-read when the folder
changes), so `ecf tokens revoke` (which deletes the file) takes effect at once for every snapshot
and every running server. Tokens are high-entropy random values, so a plain SHA-256 is a safe digest
(nothing to brute-force); snapshots never hold tokens.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

__all__ = ["IssuedToken", "TokenBook", "TokenError", "issue_token", "revoke_tokens", "provider_of_token",
           "list_tokens", "token_digest"]

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_TOKEN_PREFIX = "ecf_"


class TokenError(Exception):
    """A token operation that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    digest: str
    lead_provider_id: str
    lead_provider_slug: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(tokens: Path, lead_provider_id: str, lead_provider_slug: str, issued_at: datetime,
                label: str | None = None) -> IssuedToken:
    """A new token for one lead provider; only its digest is stored."""
    tokens.mkdir(parents=True, exist_ok=True)
    os.chmod(tokens, 0o700)
    # The prefix keeps a token from starting with `-` (which `ecf tokens revoke <token>` would read as an
    # option: 1 token in 64 did) and makes a leaked token recognisable to secret scanners.
    token = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    digest = token_digest(token)
    record = {"lead_provider_id": lead_provider_id, "lead_provider_slug": lead_provider_slug,
              "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "label": label}
    temporary = tokens / f".{digest}.tmp"
    temporary.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n")
    os.replace(temporary, tokens / f"{digest}.json")
    return IssuedToken(token, digest, lead_provider_id, lead_provider_slug)


def provider_of_token(tokens: Path, token: str) -> str | None:
    """The lead provider id of a live token, or None (unknown or revoked)."""
    if not token:
        return None
    try:
        return orjson.loads((tokens / f"{token_digest(token)}.json").read_bytes())["lead_provider_id"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None


class TokenBook:
    """The live tokens as a running server reads them: digest → lead provider id, kept in memory and
    re-read whenever the folder's mtime moves (issue and revoke both create or delete a file in it), so a
    revoke still takes effect on the next request without a file read per request. A folder changed less
    than `SETTLE_NS` ago is not trusted from memory — a coarse file-system clock could hide a second change
    in the same tick — and each token is then read from its own file, as `provider_of_token` does."""

    SETTLE_NS = 2_000_000_000

    def __init__(self, tokens: Path):
        self.tokens = tokens
        self._folder = str(tokens)
        self._mtime: int | None = None
        self._providers: dict[str, str] = {}
        self._lock = threading.Lock()

    def provider_of(self, token: str | None) -> str | None:
        if not token:
            return None
        try:
            mtime = os.stat(self._folder).st_mtime_ns
        except OSError:
            return None
        if time.time_ns() - mtime < self.SETTLE_NS:
            return provider_of_token(self.tokens, token)
        if mtime != self._mtime:
            with self._lock:
                providers = {path.stem: provider for path in self.tokens.glob("*.json")
                             if _DIGEST.match(path.stem) and (provider := provider_of_record(path)) is not None}
                self._providers, self._mtime = providers, mtime
        return self._providers.get(token_digest(token))


def list_tokens(tokens: Path) -> list[dict]:
    """Every live token's digest prefix, provider and issue time (never the token)."""
    if not tokens.is_dir():
        return []
    rows = []
    for path in sorted(tokens.glob("*.json")):
        if _DIGEST.match(path.stem):
            record = orjson.loads(path.read_bytes())
            rows.append({"digest": path.stem[:12], **record})
    return sorted(rows, key=lambda r: (r["lead_provider_slug"], r["issued_at"], r["digest"]))


def revoke_tokens(tokens: Path, *, token: str | None = None, digest_prefix: str | None = None,
                  lead_provider_id: str | None = None) -> list[str]:
    """Delete the named token (by the token itself, or by the digest prefix `ecf tokens list` shows), or
    every token of a lead provider. Returns the revoked digests' prefixes."""
    if not tokens.is_dir():
        return []
    chosen = []
    for path in tokens.glob("*.json"):
        if not _DIGEST.match(path.stem):
            continue
        if token is not None and path.stem == token_digest(token):
            chosen.append(path)
        elif digest_prefix is not None and len(digest_prefix) >= 8 and path.stem.startswith(digest_prefix):
            chosen.append(path)
        elif lead_provider_id is not None and provider_of_record(path) == lead_provider_id:
            chosen.append(path)
    for path in chosen:
        path.unlink()
    return sorted(path.stem[:12] for path in chosen)


def provider_of_record(path: Path) -> str | None:
    try:
        return orjson.loads(path.read_bytes())["lead_provider_id"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None
