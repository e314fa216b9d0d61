"""Keep secrets out of URLs, messages and log records."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

SECRET_PARAMS = frozenset({"api_key", "apikey", "token", "key", "password"})
MASK = "***"


def redact_url(url: httpx.URL | str) -> str:
    """The URL with secret query parameters masked."""
    import httpx  # here: every command builds a Redactor, only fetching ones redact URLs

    parsed = httpx.URL(str(url))
    if not parsed.query:
        return str(parsed)
    params = [
        (k, MASK if k.lower() in SECRET_PARAMS else v) for k, v in parsed.params.multi_items()
    ]
    return str(parsed.copy_with(params=params))


class Redactor:
    """Masks known secret values and secret query parameters in any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        names = "|".join(sorted(SECRET_PARAMS))
        self._param = re.compile(rf"((?:{names})=)[^&\s\"']+", re.IGNORECASE)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return self._param.sub(rf"\g<1>{MASK}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record's message and redacts it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self._redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so formatters print the clean text.
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
