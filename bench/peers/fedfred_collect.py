"""fedfred: ``FredAPI(api_key).get_series_observations(id)`` for each series, pointed at
the replay server through its ``base_url``. fedfred limits itself to 120 requests a
minute and retries any failure twice, 1 s apart (tenacity); then the series is lost."""

from __future__ import annotations

import json
import sys

import pandas as pd
from fedfred import FredAPI


def main(root: str, key: str, ids: list[str]) -> None:
    fred = FredAPI(api_key=key)
    fred.base_url = root
    rows, errors = 0, []
    for sid in ids:
        try:
            frame = fred.get_series_observations(sid)
            rows += int(pd.to_numeric(frame["value"], errors="coerce").notna().sum())
        except Exception as exc:  # what a user's loop sees
            errors.append(f"{sid}: {type(exc).__name__}: {str(exc)[:80]}")
    print(json.dumps({"rows": rows, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3].split(","))
