"""The live catalogue of one process: the newest version, compiled, checked for every few seconds.

A webhook asks `current(lang)` for the catalogue to recognise with. At most once every
``refresh_s`` seconds (HOTLINE_CATALOGUE_REFRESH_S, default 5) a process asks the database
for the newest version's number, one index look-up; only when it changed is the layer
read and compiled again (about 70 ms for German), so every worker uses a new version
within that interval of its being accepted, without a restart. The interval is measured
on the process's monotonic clock: it is a time between look-ups, not a time of day (a
test clock that stands still must not stop it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlite_utils import Database

from speech.catalogue import Catalogue

from . import store
from .checks import compiled


class LiveCatalogue:
    """Per process: the newest version of the layer, merged with the shipped catalogue."""

    def __init__(self, connection: Callable[[], Database], refresh_s: float,
                 monotonic: Callable[[], float] = time.monotonic):
        self._connection = connection
        self.refresh_s = refresh_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self.version = -1
        self._layer: store.Version = store.EMPTY
        self._compiled: dict[str, Catalogue] = {}

    def current(self, lang: str) -> tuple[int, Catalogue]:
        """(version number, catalogue) to recognise ``lang`` with."""
        now = self._monotonic()
        if self._checked_at is None or now - self._checked_at >= self.refresh_s:
            self._refresh(now)
        with self._lock:
            number, catalogue = self.version, self._compiled.get(lang)
            layer = self._layer
        if catalogue is None:
            catalogue = compiled(lang, layer.for_lang(lang))
            with self._lock:
                if self.version == number:
                    self._compiled[lang] = catalogue
        return number, catalogue

    def _refresh(self, now: float) -> None:
        db = self._connection()
        newest = store.latest_number(db)
        with self._lock:
            self._checked_at = now
            if newest == self.version:
                return
        layer = store.version(db, newest) if newest else store.EMPTY
        with self._lock:
            if layer.number != self.version:
                self.version, self._layer, self._compiled = layer.number, layer, {}
