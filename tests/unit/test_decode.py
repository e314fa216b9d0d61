"""One decoder for every JSON source: its own error body first (FRED's ``error_message``,
Yahoo's ``chart.error``, Fiscal Data's ``message``), then the status (not 2xx is a
refusal), then the shape; each with the typed error and the message it always had."""

from __future__ import annotations

import httpx
import pytest

from liquidity.errors import AuthenticationError, MalformedResponseError, SourceAPIError
from liquidity.sources import fred_api, treasury, yahoo
from liquidity.sources.base import ErrorReader, decode_json


def _answer(status: int, body: bytes) -> httpx.Response:
    return httpx.Response(status, content=body, request=httpx.Request("GET", "http://x/"))


FRED_KEY = b'{"error_code": 400, "error_message": "Bad Request.  The value for variable api_key is not registered."}'  # noqa: E501


@pytest.mark.parametrize(
    ("read", "status", "body", "kind", "text"),
    [
        (
            fred_api.error_body,
            400,
            b'{"error_code": 400, "error_message": "No series."}',
            SourceAPIError,
            "fred: S: error 400: No series.",
        ),
        (
            fred_api.error_body,
            400,
            FRED_KEY,
            AuthenticationError,
            "fred: the API key was rejected (LIQUIDITY_FRED_API_KEY): Bad Request.",
        ),
        (
            yahoo.chart_error,
            404,
            b'{"chart": {"result": null, "error": {"code": "Not Found", '
            b'"description": "No data found"}}}',
            SourceAPIError,
            "yahoo: S: No data found",
        ),
        (
            treasury.error_body,
            400,
            b'{"error": "Invalid", "message": "Bad filter"}',
            SourceAPIError,
            "treasury_dts: S: HTTP 400: Bad filter",
        ),
        (None, 404, b"<html>gone</html>", SourceAPIError, "nyfed: S: HTTP 404"),
        (None, 200, b"<html>", MalformedResponseError, "nyfed: S: HTTP 200, body is not JSON"),
        (
            None,
            200,
            b"[1]",
            MalformedResponseError,
            "nyfed: S: HTTP 200, body is not a JSON object",
        ),
    ],
)
def test_one_decoder_each_source_its_error_body(
    read: ErrorReader | None, status: int, body: bytes, kind: type[Exception], text: str
) -> None:
    source = text.split(":")[0] if read is not None else "nyfed"
    with pytest.raises(kind) as caught:
        decode_json(_answer(status, body), source, "S", read)
    assert type(caught.value) is kind and str(caught.value).startswith(text)


def test_a_good_answer_is_its_json_object() -> None:
    assert decode_json(_answer(200, b'{"a": 1}'), "nyfed", "S") == {"a": 1}
