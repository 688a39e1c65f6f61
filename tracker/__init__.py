"""Gaze sources and the conventions every stage shares (no Qt).

Coordinates: screen px from the top-left of the keyboard's display (`screen`).
Time: seconds on a monotonic clock (`clock`). Offsets: reported minus true, px.
"""
from gazetype.tracker.base import Tracker, TrackerError
from gazetype.tracker.clock import now_s
from gazetype.tracker.events import LayoutEvent, LayoutItem, MarkerEvent, OffsetEvent, SelectEvent
from gazetype.tracker.sample import EyeSample, GazeSample
from gazetype.tracker.screen import Screen

__all__ = ["Tracker", "TrackerError", "now_s", "GazeSample", "EyeSample", "Screen",
           "LayoutEvent", "LayoutItem", "MarkerEvent", "OffsetEvent", "SelectEvent"]
