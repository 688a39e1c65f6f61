"""The one driver for plan generators. A simulated person's behaviour is a generator
(its "plan") that yields commands; it yields None when it needs to know the time,
and is then sent the start time (s) of the next fixation. `Plan.next_command(t_s)`
runs it to its next command."""
from __future__ import annotations

from typing import Generator


class Plan:
    def __init__(self, gen: Generator) -> None:
        self._gen = gen
        self._started = False

    def next_command(self, t_s: float):
        """The plan's next command at time t_s (s), or None once the plan has ended."""
        while True:
            try:
                cmd = self._gen.send(t_s) if self._started else next(self._gen)
            except StopIteration:
                return None
            self._started = True
            if cmd is not None:
                return cmd
