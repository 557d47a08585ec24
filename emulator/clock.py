"""Virtual time. ``now()`` is the real time plus an offset the control API can advance, so a
test can expire a token or close a 48-hour window without waiting; ``scaled()`` shortens
real waits (webhook retries, classifier delays) by the configured time scale."""

import time


class Clock:
    def __init__(self, time_scale: float = 1.0) -> None:
        self.time_scale = time_scale
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def now_int(self) -> int:
        return int(self.now())

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def scaled(self, seconds: float) -> float:
        """How long to really wait for ``seconds`` of platform time."""
        return seconds / self.time_scale
