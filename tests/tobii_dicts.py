"""Gaze-data dictionaries shaped exactly like the Tobii Pro SDK's (`subscribe_to(
EYETRACKER_GAZE_DATA, cb, as_dictionary=True)`): the keys `tobii_research.GazeData`
reads, with the SDK's types (tuples of floats, int validities, float pupil in mm,
int microsecond timestamps) and NaN where the SDK reports an invalid eye. The
Python 3.10 tests check each one by building a real `tobii_research.GazeData`."""
from __future__ import annotations

NAN = float("nan")


def eye(prefix: str, point=None, pupil_mm: float | None = 3.0) -> dict:
    ok = point is not None
    p = (float(point[0]), float(point[1])) if ok else (NAN, NAN)
    return {
        f"{prefix}_gaze_point_on_display_area": p,
        f"{prefix}_gaze_point_in_user_coordinate_system": (12.5, 150.25, 40.0) if ok else (NAN, NAN, NAN),
        f"{prefix}_gaze_point_validity": int(ok),
        f"{prefix}_pupil_diameter": float(pupil_mm) if ok and pupil_mm is not None else NAN,
        f"{prefix}_pupil_validity": int(ok and pupil_mm is not None),
        f"{prefix}_gaze_origin_in_user_coordinate_system": (-30.0, 10.0, 620.0) if ok else (NAN, NAN, NAN),
        f"{prefix}_gaze_origin_validity": int(ok),
    }


def gaze_data(left=None, right=None, system_us: int = 1_000_000, device_us: int = 55_000_000,
              left_pupil: float | None = 3.0, right_pupil: float | None = 3.2) -> dict:
    """left/right: a normalised (x, y) display-area point, or None for an invalid eye."""
    d = {"device_time_stamp": int(device_us), "system_time_stamp": int(system_us)}
    d.update(eye("left", left, left_pupil))
    d.update(eye("right", right, right_pupil))
    return d
