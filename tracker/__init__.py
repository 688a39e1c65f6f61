"""Gaze sources and the conventions every stage shares (no Qt).

Coordinates: screen px from the top-left of the keyboard's display (`screen`).
Time: seconds on a monotonic clock (`clock`). Offsets: reported minus true, px.
"""
from .base import Tracker, TrackerError
from .clock import now_s
from .events import LayoutEvent, LayoutItem, MarkerEvent, OffsetEvent, SelectEvent
from .sample import EyeSample, GazeSample
from .screen import Screen

__all__ = ["Tracker", "TrackerError", "now_s", "GazeSample", "EyeSample", "Screen",
           "LayoutEvent", "LayoutItem", "MarkerEvent", "OffsetEvent", "SelectEvent"]
