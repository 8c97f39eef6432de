"""Benchmark: booking appointments through the real webhooks, in a row and racing.

Run from the project root: ``python bench/bench_booking_webhooks.py [--bookings N]``.

1. N whole booking calls in a row (dial, "Termin ... so bald wie möglich", "ja", hang
   up), each through the signed Flask webhooks on a real SQLite file, against the floor
   measured in the same run: booking the same kind of slot directly in `schedules`
   (find the next free slot and book it), without dialogue or webhooks. Prints both and
   the ratio.
2. 20 callers in threads racing for a calendar with 5 free slots, each saying yes to
   whatever they are offered: exactly 5 win, nobody is booked twice into one slot, and
   every loser is offered the next slot or told that nothing is free.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from app import create_app  # noqa: E402
from conftest import Caller  # noqa: E402
from db import connect  # noqa: E402
from schedules import store  # noqa: E402
from schedules.model import Wish  # noqa: E402
from schedules.slots import find_slots  # noqa: E402

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
SITES = ("waiblingen", "backnang", "schorndorf")
TOKEN = "bench-token"


def make_app(folder: Path, name: str):
    app = create_app({"HOTLINE_DATABASE": str(folder / name), "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_ENV": "test"})
    app.extensions["hotline.clock"] = lambda: NOW
    return app


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def book_by_phone(app, n: int) -> list[float]:
    times = []
    for i in range(n):
        site = SITES[i % len(SITES)]
        started = time.perf_counter()
        caller = Caller(app, from_number="+4971510000000")
        caller.dial()
        caller.say(f"ich brauche einen termin in {site} wegen bürgergeld so bald wie möglich")
        caller.say("ja")
        if "gebucht" not in caller.hears():
            raise SystemExit(f"booking {i} failed: {caller.hears()[:200]}")
        caller.hang_up()
        times.append(time.perf_counter() - started)
    return times


def book_directly(app, n: int) -> list[float]:
    schedule = app.extensions["hotline.schedule"]
    db = connect(app.config["HOTLINE_DATABASE"])
    times = []
    for i in range(n):
        started = time.perf_counter()
        (slot,) = find_slots(db, schedule, SITES[i % len(SITES)], "geldleistungen", Wish(),
                             now=NOW, limit=1)
        store.book(db, slot, call_sid=f"CAdirect{i}", phone="+4971510000000", now=NOW)
        times.append(time.perf_counter() - started)
    db.conn.close()
    return times


RACE_CASEWORKERS = """
# One caseworker whose Tuesday holds exactly five one-hour appointments.
demo = true
[topics.berufsberatung]
minutes = 60
label_de = "Berufsberatung"
label_en = "careers advice"
bring = [{ de = "Lebenslauf", en = "CV" }]

[[caseworkers]]
id = "race"
name = "Frau Race"
topics = ["berufsberatung"]
languages = ["de"]
[caseworkers.hours.schorndorf]
tue = ["08:00-13:00"]
"""


def race_app(folder: Path):
    """An app whose calendar has five free slots in all (next Tuesday, 8 to 13)."""
    schedules = folder / "race-schedules"
    schedules.mkdir()
    (schedules / "sites.toml").write_text(
        (ROOT / "schedules" / "demo" / "sites.toml").read_text(encoding="utf-8"),
        encoding="utf-8")
    (schedules / "caseworkers.toml").write_text(RACE_CASEWORKERS, encoding="utf-8")
    app = create_app({"HOTLINE_DATABASE": str(folder / "race.db"), "TWILIO_AUTH_TOKEN": TOKEN,
                      "HOTLINE_ENV": "test", "HOTLINE_SCHEDULES": str(schedules)})
    app.extensions["hotline.clock"] = lambda: NOW
    return app


def race(app, callers: int = 20, slots: int = 5) -> None:
    """Callers in threads all say yes to what they are offered, until booked or told no."""
    phones = [Caller(app) for _ in range(callers)]
    for phone in phones:
        phone.dial()
        phone.say("termin in schorndorf wegen berufsberatung nächsten dienstag")
    barrier = threading.Barrier(callers)
    results: list[str] = [""] * callers
    retries = [0] * callers

    def confirm(i: int) -> None:
        barrier.wait()
        for _ in range(slots + 1):
            said = " ".join(phones[i].say("ja"))
            if "gebucht" in said:
                results[i] = "won"
                return
            if "gerade vergeben" in said and "anbieten" in said:
                retries[i] += 1  # offered the next slot: say yes again
                continue
            results[i] = "told none is free" if "keinen freien Termin" in said else said[:80]
            return

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(callers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    db = connect(app.config["HOTLINE_DATABASE"])
    booked = db.execute("SELECT count(*), count(DISTINCT start_utc) FROM bookings"
                        " WHERE status = 'booked'").fetchone()
    db.conn.close()
    won = results.count("won")
    told = results.count("told none is free")
    print(f"\n{callers} callers racing for {slots} slots over the webhooks ({elapsed:.2f} s):")
    print(f"  winners {won}, told nothing is free {told}, "
          f"next slot offered after a lost race {sum(retries)} times")
    print(f"  booked rows {booked[0]}, distinct slots {booked[1]}")
    if won != slots or booked != (slots, slots) or won + told != callers:
        raise SystemExit(f"RACE FAILED: {results}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        phone = book_by_phone(make_app(folder, "phone.db"), args.bookings)
        direct = book_directly(make_app(folder, "direct.db"), args.bookings)
        print(f"{args.bookings} bookings in a row (seconds per booking):")
        print(f"  {'':28} {'p50':>8} {'p99':>8} {'total':>8}")
        for name, times in (("by phone (4 webhooks + dialogue)", phone),
                            ("directly in schedules (floor)", direct)):
            print(f"  {name:28} {statistics.median(times)*1000:7.1f}ms "
                  f"{percentile(times, 0.99)*1000:7.1f}ms {sum(times):7.1f}s")
        print(f"  ratio by phone / floor (p50): "
              f"{statistics.median(phone) / statistics.median(direct):.1f}x")
        race(race_app(folder))


if __name__ == "__main__":
    main()
