"""fredapi: ``Fred(api_key).get_series(id)`` for each series, pointed at the replay server
with its ``root_url``. fredapi has no retry: a 429 raises, and that series is lost."""

from __future__ import annotations

import json
import sys

from fredapi import Fred


def main(root: str, key: str, ids: list[str]) -> None:
    fred = Fred(api_key=key)
    fred.root_url = root
    rows, errors = 0, []
    for sid in ids:
        try:
            rows += int(fred.get_series(sid).notna().sum())
        except Exception as exc:  # what a user's loop sees
            errors.append(f"{sid}: {type(exc).__name__}: {str(exc)[:80]}")
    print(json.dumps({"rows": rows, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3].split(","))
