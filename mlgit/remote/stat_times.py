"""When a file on a remote was last written, from what an fsspec listing says of it (each
storage names the time its own way)."""

from __future__ import annotations

import contextlib
from typing import Any

_TIME_KEYS = ("mtime", "LastModified", "updated", "ctime", "timeCreated", "created")
"""Where fsspec filesystems put when a file was written: sftp mtime, s3 LastModified, gcs
updated/timeCreated (also as mtime/ctime), memory created."""


def written_at(info: dict[str, Any]) -> float | None:
    """The latest of the times a listing entry gives, in Unix seconds; None if it has none."""
    from datetime import datetime

    times: list[float] = []
    for key in _TIME_KEYS:
        value = info.get(key)
        if isinstance(value, datetime):
            times.append(value.timestamp())
        elif isinstance(value, int | float) and not isinstance(value, bool):
            times.append(float(value))
        elif isinstance(value, str) and value:
            with contextlib.suppress(ValueError):
                times.append(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return max(times) if times else None
