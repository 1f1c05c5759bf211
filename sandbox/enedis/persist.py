"""The Enedis sandbox's memory across restarts (`python -m sandbox.enedis --state-file PATH`).

Enedis remembers what was ordered: the subscribed services, the load curves it was asked to record,
its order numbers, and the sequence numbers of every recurring flow. A sandbox that forgot them on
restart would make a second `make demo` on the same `.local` see subscriptions that no longer exist
(no R50/R151 file, curves "not activated" again, order numbers reused). The state is written
atomically every few seconds and on stop, and read back at start.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import date
from pathlib import Path
from typing import Any


def _encode(value: Any) -> Any:
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot keep {type(value).__name__} in the sandbox state")


def _decode(obj: dict[str, Any]) -> Any:
    return date.fromisoformat(obj["$date"]) if set(obj) == {"$date"} else obj


def snapshot(state: Any) -> dict[str, Any]:
    """What the sandbox must remember, as JSON-ready data."""
    with state.lock:
        data: dict[str, Any] = {"affaire": state._affaire, "curve_activated": dict(state.curve_activated),
                                "services": {prm: [dict(s) for s in items] for prm, items in state.services.items()}}
    flows = state.flows
    if flows is not None:
        with flows._lock:
            data["flows"] = {"next": [[f, s, n] for (f, s), n in sorted(flows._next.items())],
                             "done": sorted([f, s, d] for f, s, d in flows._done)}
    return data


def restore(state: Any, data: dict[str, Any]) -> None:
    """Put a snapshot back into a fresh sandbox state."""
    with state.lock:
        state._affaire = max(state._affaire, int(data.get("affaire", 0)))
        state.curve_activated.update(data.get("curve_activated", {}))
        for prm, items in data.get("services", {}).items():
            state.services[prm] = [dict(s) for s in items]
    flows = state.flows
    if flows is not None and "flows" in data:
        with flows._lock:
            flows._next.update({(f, s): int(n) for f, s, n in data["flows"]["next"]})
            flows._done.update((f, s, d) for f, s, d in data["flows"]["done"])


def _text(state: Any) -> str:
    return json.dumps(snapshot(state), default=_encode, sort_keys=True)


def save(state: Any, path: Path, text: str | None = None) -> None:
    """Write the snapshot (or its already serialised `text`) atomically: a reader never sees half a file."""
    text = _text(state) if text is None else text
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def load(state: Any, path: Path) -> bool:
    """Restore from `path` when it exists; True if it did."""
    if not path.exists():
        return False
    restore(state, json.loads(path.read_text(encoding="utf-8"), object_hook=_decode))
    return True


def start_saver(state: Any, path: Path, interval_seconds: float = 5.0) -> Any:
    """Save every `interval_seconds` in a daemon thread (only when something changed) and once more on
    cancel(); returns an object with cancel()."""
    stop = threading.Event()
    last: list[str] = [""]

    def once() -> None:
        text = _text(state)
        if text != last[0]:
            save(state, path, text)
            last[0] = text

    def loop() -> None:
        while not stop.wait(interval_seconds):
            once()

    class _Saver:
        def cancel(self) -> None:
            stop.set()
            once()

    threading.Thread(target=loop, name="enedis-sandbox-state", daemon=True).start()
    return _Saver()
