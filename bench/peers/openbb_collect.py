"""OpenBB's FRED provider: ``obb.fred.economy.fred_series("A,B,...")``. It has no setting
for the API root: the harness points it at the replay server by changing the default
``root`` of ``openbb_fred.utils.api.build_url`` at run time, the only way we found. Its
disk cache is off (``OPENBB_FRED_DISK_CACHE=0``) so that every run really fetches."""

from __future__ import annotations

import json
import math
import sys


def main(root: str, key: str, ids: list[str]) -> None:
    from openbb import obb
    from openbb_fred.utils import api

    assert api.build_url.__kwdefaults__ is not None
    api.build_url.__kwdefaults__["root"] = root
    obb.user.credentials.fred_api_key = key
    rows, errors = 0, []
    try:
        result = obb.fred.economy.fred_series(",".join(ids), provider="fred", use_cache=False)
        for record in result.results or []:
            for sid in ids:
                value = getattr(record, sid, None)
                rows += value is not None and not math.isnan(float(value))
    except Exception as exc:  # one call for all series: its error loses them all
        errors.append(f"all: {type(exc).__name__}: {str(exc)[:120]}")
    print(json.dumps({"rows": rows, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3].split(","))
