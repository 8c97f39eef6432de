"""Loaded by every Python process of `make test-clock` (tools/test-clock puts this folder
on PYTHONPATH): makes time.sleep work under libfaketime.

libfaketime 0.9.10 (Debian 12) either breaks timed waits on locks and events when it
fakes the monotonic clock (they never return), or, with FAKETIME_DONT_FAKE_MONOTONIC=1,
makes time.sleep fail with EINVAL: Python sleeps with clock_nanosleep(TIMER_ABSTIME),
which that libfaketime mistranslates. test-clock fakes only the wall clock, which is all
the app reads for "now", and sleeps through select(), whose relative timeout it passes
through unchanged.
"""

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


time.sleep = _sleep
