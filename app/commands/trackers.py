"""`gazetype trackers`: list the gaze sources available now."""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _discover(name: str) -> tuple[list[str], str | None]:
    """(found, note): devices/streams of tracker `name`, or why none can be listed."""
    from gazetype.tracker import registry
    from gazetype.tracker.base import TrackerError
    try:
        cls = registry.get(name)
    except TrackerError as e:
        return [], str(e)
    try:
        return cls.discover(), None
    except TrackerError as e:
        return [], str(e)


def main(args) -> int:
    import json
    import threading
    kinds = ("tobii", "lsl", "mouse", "sim")
    results: dict[str, tuple[list[str], str | None]] = {}
    # Tobii search takes about 2 s and LSL resolution 1 s: do them side by side.
    threads = [threading.Thread(target=lambda k=k: results.__setitem__(k, _discover(k)), daemon=True)
               for k in kinds]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=15.0)
    if args.json:
        print(json.dumps({k: {"found": results.get(k, ([], "timed out"))[0],
                              "note": results.get(k, ([], "timed out"))[1]} for k in kinds}))
        return 0
    print("gaze sources available now:")
    for k in kinds:
        found, note = results.get(k, ([], "search timed out"))
        if found:
            for line in found:
                print(f"  {line}")
        elif note:
            print(f"  {k}: {note}")
        else:
            what = {"tobii": "no Tobii eye tracker found",
                    "lsl": "no LSL gaze stream found (content type Gaze or Eyetracker)"}.get(k, "none")
            print(f"  {k}: {what}")
    print("choose one with --tracker, e.g. --tracker lsl:NAME (--tracker auto tries Tobii, then LSL)")
    return 0
