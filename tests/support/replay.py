"""A local HTTP server that answers like FRED, fredgraph and Yahoo, from recorded fixtures.

Tests (and the benchmark) run the real client code against it. It can inject
faults (status, Retry-After, hang, arbitrary body, truncation), latency and
FRED's rate limit, counts every request, and lets a test revise a value or
bump ``last_updated`` to simulate a new release. ``flip`` holds back a series'
newest observations until an instant of the replay's clock (``clock.now()`` plus
``offset``: a daemon run under ``faketime`` has its own) and then serves them, with
FRED's ``last_updated`` and the NY Fed's ``lastUpdated`` set to that instant.

Run standalone: ``python -m tests.support.replay --port 8765`` then point
``LIQUIDITY_FRED_API_URL=http://127.0.0.1:8765/fred``,
``LIQUIDITY_FRED_GRAPH_URL=http://127.0.0.1:8765/graph/fredgraph.csv`` and
``LIQUIDITY_YAHOO_URL=http://127.0.0.1:8765`` at it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

from liquidity import clock

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOOD_KEYS = frozenset({"abcdefghijklmnopqrstuvwxyz012345"})


@dataclass(frozen=True)
class Flip:
    day: str  # ISO date: observations dated this day or later are held back ...
    at: datetime  # ... until this instant (aware), then served


# Flip keys: a FRED series id (API and fredgraph), ``NYFED`` (ON RRP operations),
# ``DTS`` (the Treasury statement), a Yahoo symbol without its caret (``VIX``).
NYFED, DTS = "NYFED", "DTS"
CHICAGO, NEW_YORK = ZoneInfo("America/Chicago"), ZoneInfo("America/New_York")


@dataclass
class Fault:
    path: str  # substring of the request path
    match: str = ""  # substring of the query string (e.g. "series_id=WALCL")
    status: int = 500
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to sleep before answering
    truncate: bool = False  # promise more bytes than sent, then close
    times: int = 1  # how many requests it hits (-1: all)


def _st_louis_today() -> str:
    """FRED's realtime dates are St. Louis dates, from the project's one clock."""
    return clock.today("America/Chicago").isoformat()


def _load_csv(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    return [(r[0], r[1]) for r in rows[1:] if r]


class ReplayData:
    """Per-series (date, value-string) rows that tests may change."""

    def __init__(self, root: Path = FIXTURES) -> None:
        self.root = root
        self.csv: dict[str, list[tuple[str, str]]] = {}
        self.api: dict[str, list[tuple[str, str]]] = {}
        self.api_realtime: dict[str, str] = {}
        self.last_updated: dict[str, str] = {}
        self.units: dict[str, str] = {}
        self.releases: dict[str, Any] | None = None
        self.flips: dict[str, Flip] = {}
        self.offset = timedelta()  # the replay's clock: clock.now() + offset

    def now(self) -> datetime:
        return clock.now() + self.offset

    def held(self, key: str, day: str) -> bool:
        """Whether the observation of ``key`` dated ``day`` is still held back."""
        flip = self.flips.get(key)
        return flip is not None and day >= flip.day and self.now() < flip.at

    def flipped_at(self, key: str) -> datetime | None:
        """The instant ``key``'s held observations came out, if they have."""
        flip = self.flips.get(key)
        return flip.at if flip is not None and self.now() >= flip.at else None

    def csv_rows(self, series_id: str) -> list[tuple[str, str]]:
        if series_id not in self.csv:
            path = self.root / "fred" / "csv" / f"{series_id}.csv"
            self.csv[series_id] = _load_csv(path) if path.exists() else []
        return self.csv[series_id]

    def api_rows(self, series_id: str) -> list[tuple[str, str]]:
        """Recorded JSON observations if we have them, else the CSV's (real values)."""
        if series_id not in self.api:
            path = self.root / "fred" / "observations" / f"{series_id}.json"
            if path.exists():
                body = json.loads(path.read_bytes())
                rows = [(o["date"], o["value"]) for o in body["observations"]]
                self.api_realtime[series_id] = body["realtime_start"]
            else:
                rows = [(d, v if v else ".") for d, v in self.csv_rows(series_id)]
            self.api[series_id] = sorted(rows)
        return self.api[series_id]

    def metadata(self, series_id: str) -> dict[str, Any] | None:
        path = self.root / "fred" / "series" / f"{series_id}.json"
        if not path.exists():
            return None
        body: dict[str, Any] = json.loads(path.read_bytes())
        entry = body["seriess"][0]
        entry["last_updated"] = self.last_updated.get(series_id, entry["last_updated"])
        if (flip := self.flips.get(series_id)) is not None:
            # FRED's stamp (St. Louis time, hour offset): the flip once it happened, else the
            # week before it (an older release's).
            when = flip.at if self.now() >= flip.at else flip.at - timedelta(days=7)
            local = when.astimezone(CHICAGO)
            entry["last_updated"] = local.strftime("%Y-%m-%d %H:%M:%S") + local.strftime("%z")[:3]
        entry["units"] = self.units.get(series_id, entry["units"])
        return body

    def release(self, release_id: str) -> list[str] | None:
        """Series ids of a FRED release (hand-built ``fred/releases.json``), or None."""
        if self.releases is None:
            self.releases = json.loads((self.root / "fred" / "releases.json").read_bytes())
        entry = self.releases.get(release_id)
        return None if entry is None else list(entry["series"])

    def revise(self, series_id: str, day: str, value: str, realtime: str | None = None) -> None:
        """Change (or add) a value in both the API and the CSV views."""
        for rows in (self.api_rows(series_id), self.csv_rows(series_id)):
            kept = [r for r in rows if r[0] != day]
            rows[:] = sorted([*kept, (day, value)])
        if realtime:
            self.api_realtime[series_id] = realtime


class ReplayServer:
    def __init__(
        self,
        port: int = 0,
        *,
        latency: float = 0.0,
        rate_limit: float | None = None,
        data: ReplayData | None = None,
    ) -> None:
        self.data = data or ReplayData()
        self.latency = latency
        self.rate_limit = rate_limit  # FRED requests a second per key (sliding 1 s window)
        self.legacy_csv = False  # DATE header and "." for missing, as older downloads
        self.max_page: int | None = None  # cap on `limit`, to make a test page
        self.keys = set(GOOD_KEYS)  # API keys FRED would accept
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.statuses: list[int] = []
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"replay": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        return {
            "LIQUIDITY_FRED_API_URL": f"{self.url}/fred",
            "LIQUIDITY_FRED_GRAPH_URL": f"{self.url}/graph/fredgraph.csv",
            "LIQUIDITY_YAHOO_URL": self.url,
            "LIQUIDITY_NYFED_URL": self.url,
            "LIQUIDITY_TREASURY_URL": self.url,
        }

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, path: str, **kwargs: Any) -> Fault:
        fault = Fault(path, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def count(self, path: str = "", match: str = "") -> int:
        with self._lock:
            return sum(
                1
                for p, q in self.requests
                if path in p and match in "&".join(f"{k}={v[0]}" for k, v in q.items())
            )

    def flip(self, key: str, day: str, at: datetime) -> None:
        """Hold ``key``'s observations dated ``day`` and later back until ``at``."""
        with self._lock:
            self.data.flips[key] = Flip(day, at)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.statuses.clear()

    # -- called from handler threads --------------------------------------------------

    def take_fault(self, path: str, query: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path in path and fault.match in query and fault.times != 0:
                    fault.times -= 1 if fault.times > 0 else 0
                    return fault
        return None

    def over_limit(self, key: str) -> bool:
        if self.rate_limit is None:
            return False
        now = clock.monotonic()  # the clock's: a warped benchmark skips idle seconds
        with self._lock:
            window = self._recent.setdefault(key, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.rate_limit:
                return True
            window.append(now)
            return False


class _Handler(BaseHTTPRequestHandler):
    replay: ReplayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        with self.replay._lock:
            self.replay.requests.append((path, query))
        if self.replay.latency:
            time.sleep(self.replay.latency)
        fault = self.replay.take_fault(path, parts.query)
        if fault is not None:
            self._fault(fault)
            return
        key = query.get("api_key", ["keyless"])[0]
        is_fred = "/fred/" in path or path.endswith("fredgraph.csv")
        if is_fred and self.replay.over_limit(key):
            body = (FIXTURES / "fred" / "errors" / "429_rate_limit.json").read_bytes()
            status, body, ctype = _as_xml(path, query, (429, body, "application/json"))
            self._send(status, body, ctype, {"Retry-After": "1"})
            return
        try:
            status, body, ctype = _as_xml(path, query, self._route(path, query))
        except Exception as exc:  # a bug in the replay server must be visible
            status, body, ctype = 599, repr(exc).encode(), "text/plain"
        self._send(status, body, ctype)

    def _fault(self, fault: Fault) -> None:
        if fault.hang:
            time.sleep(fault.hang)
        body = fault.body if fault.body is not None else b'{"error": "injected"}'
        if fault.truncate:
            self.send_response(fault.status)
            self.send_header("Content-Length", str(len(body) * 2))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(fault.status, body, "application/json", fault.headers)

    def _send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        with self.replay._lock:
            self.replay.statuses.append(status)
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def _route(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        if path.endswith("/fred/series/observations"):
            return self._observations(query)
        if path.endswith("/fred/series"):
            return self._series(query)
        if path.endswith("/fred/release/series"):
            return self._release_series(query)
        if path.endswith("/fredgraph.csv"):
            return self._fredgraph(query)
        if "/v8/finance/chart/" in path:
            return self._chart(path.rsplit("/", 1)[-1], query)
        if path.endswith("/rp/reverserepo/propositions/search.json"):
            return self._nyfed(query)
        if path.endswith("/dts/operating_cash_balance"):
            return self._dts(query)
        return 404, b"not found", "text/plain"

    def _vintages(self, sid: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """ALFRED: every vintage (realtime_start=1776-07-04), paged by offset/limit."""
        path = FIXTURES / "fred" / "alfred" / f"{sid}.json"
        if not path.exists():
            body = {"error_code": 400, "error_message": "Bad Request.  No vintage fixture."}
            return 400, json.dumps(body).encode(), "application/json"
        body = json.loads(path.read_bytes())
        start = query.get("observation_start", ["1600-01-01"])[0]
        rows = [r for r in body["observations"] if r["date"] >= start]
        offset = int(query.get("offset", ["0"])[0])
        limit = min(int(query.get("limit", ["100000"])[0]), self.replay.max_page or 100000)
        body.update(
            count=len(rows), offset=offset, limit=limit, observations=rows[offset : offset + limit]
        )
        return 200, json.dumps(body).encode(), "application/json"

    def _nyfed(self, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        body = json.loads((FIXTURES / "nyfed" / "reverserepo_search.json").read_bytes())
        lo = query.get("startDate", ["1900-01-01"])[0]
        hi = query.get("endDate", ["9999-12-31"])[0]
        data = self.replay.data
        ops = [o for o in body["repo"]["operations"] if lo <= o["operationDate"] <= hi]
        ops = [o for o in ops if not data.held(NYFED, o["operationDate"])]
        flipped, flip = data.flipped_at(NYFED), data.flips.get(NYFED)
        for o in ops:  # published at the flip: its lastUpdated (New York time) says so
            if flipped is not None and flip is not None and o["operationDate"] >= flip.day:
                o["lastUpdated"] = flipped.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S")
        body["repo"]["operations"] = ops
        return 200, json.dumps(body).encode(), "application/json"

    def _dts(self, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """Fiscal Data paging (page[number], page[size]) over the fixture, filtered by
        ``record_date:gte:``, as the API documents it."""
        rows = json.loads((FIXTURES / "treasury" / "operating_cash_balance.json").read_bytes())
        data = [r for r in rows["data"] if not self.replay.data.held(DTS, r["record_date"])]
        for clause in query.get("filter", [""])[0].split(","):
            if clause.startswith("record_date:gte:"):
                data = [r for r in data if r["record_date"] >= clause.split(":", 2)[2]]
        size = int(query.get("page[size]", ["100"])[0])
        number = int(query.get("page[number]", ["1"])[0])
        pages = max(1, -(-len(data) // size))
        page = data[(number - 1) * size : number * size]
        meta = {"count": len(page), "total-count": len(data), "total-pages": pages}
        return 200, json.dumps({"data": page, "meta": meta}).encode(), "application/json"

    def _key_error(self, query: dict[str, list[str]]) -> tuple[int, bytes, str] | None:
        if query.get("api_key", [""])[0] in self.replay.keys:
            return None
        body = (FIXTURES / "fred" / "errors" / "400_bad_api_key.json").read_bytes()
        return 400, body, "application/json"

    def _series(self, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        if (error := self._key_error(query)) is not None:
            return error
        meta = self.replay.data.metadata(query["series_id"][0])
        if meta is None:
            body = {"error_code": 400, "error_message": "Bad Request.  The series does not exist."}
            return 400, json.dumps(body).encode(), "application/json"
        return 200, json.dumps(meta).encode(), "application/json"

    def _release_series(self, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """``release/series``: the metadata entries of a release, ordered by series id, paged."""
        if (error := self._key_error(query)) is not None:
            return error
        ids = self.replay.data.release(query.get("release_id", [""])[0])
        if ids is None:
            body = {"error_code": 400, "error_message": "Bad Request.  The release does not exist."}
            return 400, json.dumps(body).encode(), "application/json"
        metas = [m for m in map(self.replay.data.metadata, sorted(ids)) if m is not None]
        offset = int(query.get("offset", ["0"])[0])
        limit = int(query.get("limit", ["1000"])[0])
        realtime = metas[0]["realtime_start"] if metas else _st_louis_today()
        body = {
            "realtime_start": realtime,
            "realtime_end": realtime,
            "order_by": "series_id",
            "sort_order": "asc",
            "count": len(metas),
            "offset": offset,
            "limit": limit,
            "seriess": [m["seriess"][0] for m in metas[offset : offset + limit]],
        }
        return 200, json.dumps(body).encode(), "application/json"

    def _observations(self, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        if (error := self._key_error(query)) is not None:
            return error
        sid = query["series_id"][0]
        if query.get("realtime_start") == ["1776-07-04"]:
            return self._vintages(sid, query)
        rows = self.replay.data.api_rows(sid)
        start = query.get("observation_start", ["1600-01-01"])[0]
        rows = [r for r in rows if r[0] >= start and not self.replay.data.held(sid, r[0])]
        if query.get("sort_order", ["asc"])[0] == "desc":
            rows = rows[::-1]
        offset = int(query.get("offset", ["0"])[0])
        limit = int(query.get("limit", ["100000"])[0])
        realtime = self.replay.data.api_realtime.get(sid, _st_louis_today())
        page = rows[offset : offset + limit]
        body = {
            "realtime_start": realtime,
            "realtime_end": realtime,
            "observation_start": start,
            "observation_end": "9999-12-31",
            "units": "lin",
            "output_type": 1,
            "file_type": "json",
            "order_by": "observation_date",
            "sort_order": query.get("sort_order", ["asc"])[0],
            "count": len(rows),
            "offset": offset,
            "limit": limit,
            "observations": [
                {"realtime_start": realtime, "realtime_end": realtime, "date": d, "value": v}
                for d, v in page
            ],
        }
        return 200, json.dumps(body).encode(), "application/json"

    def _fredgraph(self, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        ids = [i for i in query.get("id", [""])[0].split(",") if i]
        start = query.get("cosd", ["1600-01-01"])[0]
        merged: dict[str, dict[str, str]] = {}
        for sid in ids:
            rows = self.replay.data.csv_rows(sid)
            if not rows:
                return 404, b"<html>Series not found</html>", "text/html"
            for d, v in rows:
                if d >= start and not self.replay.data.held(sid, d):
                    merged.setdefault(d, {})[sid] = v
        legacy = self.replay.legacy_csv
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["DATE" if legacy else "observation_date", *ids])
        for d in sorted(merged):
            values = [merged[d].get(s, "") for s in ids]
            writer.writerow([d, *[(v or ".") if legacy else v for v in values]])
        return 200, out.getvalue().encode(), "text/csv"

    def _chart(self, symbol: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """The fixture's bars within period1..period2 and its meta unchanged, as Yahoo answers: the
        live last bar (stamped at ``regularMarketTime``) stays whenever period2 reaches it."""
        path = FIXTURES / "yahoo" / "chart" / f"{symbol.lstrip('^')}.json"
        if not path.exists():
            return (
                404,
                (FIXTURES / "yahoo" / "chart" / "error_not_found.json").read_bytes(),
                ("application/json"),
            )
        body = json.loads(path.read_bytes())
        result = body["chart"]["result"][0]
        lo = int(query.get("period1", ["0"])[0])
        hi = int(query.get("period2", [str(2**40)])[0])
        zone = ZoneInfo(result["meta"].get("exchangeTimezoneName") or "America/New_York")
        key = symbol.lstrip("^")

        def shown(t: int) -> bool:
            day = datetime.fromtimestamp(t, UTC).astimezone(zone).date().isoformat()
            return lo <= t <= hi and not self.replay.data.held(key, day)

        keep = [i for i, t in enumerate(result["timestamp"]) if shown(t)]
        result["timestamp"] = [result["timestamp"][i] for i in keep]
        indicators = result["indicators"]
        for block in (*indicators["quote"], *indicators.get("adjclose", [])):
            for series in block.values():
                series[:] = [series[i] for i in keep]
        return 200, json.dumps(body).encode(), "application/json"


def _as_xml(
    path: str, query: dict[str, list[str]], answer: tuple[int, bytes, str]
) -> tuple[int, bytes, str]:
    """FRED's API answers XML unless ``file_type=json`` (fredapi relies on it)."""
    status, body, ctype = answer
    wants_xml = "/fred/" in path and query.get("file_type", ["xml"])[0] != "json"
    if not wants_xml or ctype != "application/json":
        return answer
    data = json.loads(body)
    if "error_message" in data:
        xml = f"<error code={quoteattr(str(data['error_code']))} "
        xml += f"message={quoteattr(data['error_message'])}/>"
    else:
        name, item = ("seriess", "series") if "seriess" in data else ("observations", "observation")
        head = " ".join(f"{k}={quoteattr(str(v))}" for k, v in data.items() if k != name)
        rows = "".join(
            f"<{item} " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in row.items()) + "/>"
            for row in data[name]
        )
        xml = f"<{name} {head}>{rows}</{name}>"
    out = '<?xml version="1.0" encoding="utf-8" ?>\n' + xml
    return status, out.encode(), "text/xml; charset=UTF-8"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests/s per key")
    args = parser.parse_args()
    server = ReplayServer(args.port, latency=args.latency, rate_limit=args.rate_limit).start()
    print(f"replaying fixtures on {server.url} (Ctrl-C to stop)", flush=True)
    for name, value in server.env().items():
        print(f"export {name}={value}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
