"""From opening-hours facts to what the caller hears: prompt keys and their parameters.

Pure: no Flask, no database, and no words either. The facts are the plain data of
`schedules.hours.opening_facts` (`HoursFacts.to_dict()`); the sentences are the `hours_*`
prompts in ivr/prompts/<lang>.toml, whose parameters (`on_*`, `hours_*`, `site_*`, ...)
are said in the caller's language by `ivr.prompts.text`.

What is said:
- a named day ("am Karfreitag", "heute"): that day at the asked sites, with the reason
  when closed or special; when nothing is open that day (or it is over), the next opening;
- a general question: today when it is not an ordinary day (a holiday, a closure, short
  hours), else the weekly pattern; then tomorrow when it is not an ordinary day, with the
  next opening when it is closed.
Several sites are summed up by what they share, then what differs ("Alle Geschäftsstellen
haben ... geöffnet. In Backnang vormittags bis halb eins.").
"""

from __future__ import annotations

from collections import Counter

Sentence = tuple[str, dict]


def hours_words(facts: dict) -> list[Sentence]:
    """The sentences that answer an opening-hours question, as (prompt key, params)."""
    today = facts["today"]
    if facts["asked_day"]:
        day = facts["days"][0]
        said = _day(day, today)
        if not _still_open(day):
            said += _again(facts["next_open"], today)
        return said
    first, second = facts["days"]
    if _unusual(first):
        said = _day(first, today)
        if not _still_open(first):
            return said + _again(facts["next_open"], today)
    else:
        said = _week(facts)
    if _unusual(second):
        said += _day(second, today)
        if not _still_open(second):
            said += _again(facts["next_open"], today)
    return said


# ----------------------------------------------------------------------------- one day


def _unusual(day: dict) -> bool:
    """A holiday, a closure or special hours at one of the sites."""
    return any(s["reason"] for s in day["sites"])


def _still_open(day: dict) -> bool:
    return any(s["hours"] and not s["over"] for s in day["sites"])


def _day(day: dict, today: str) -> list[Sentence]:
    """One day at the asked sites: the first sentence names the day, the rest say "then"."""
    on = [day["date"], today]
    sites = day["sites"]
    ids = [s["site"] for s in sites]
    many = len(sites) > 1
    first = sites[0]
    reason = first["reason"]
    if all(_alike(s, first) for s in sites):
        subject = {"sites_sites": ids} if many else {"site_site": first["site"]}
        suffix = "_many" if many else ""
        if reason and reason["kind"] == "holiday":
            return [(f"hours_holiday{suffix}", {"on_day": on, "reason_day": reason, **subject})]
        if not first["hours"]:
            if reason:
                return [(f"hours_closure{suffix}", {"on_day": on, "reason_day": reason,
                                                    **subject})]
            return [(f"hours_closed{suffix}", {"on_day": on, **subject})]
        if reason:
            return [("hours_special", {"on_day": on, "reason_day": reason,
                                       "hours_day": first["hours"]})]
        if all(s["over"] for s in sites):
            return [(f"hours_over{suffix}", {"on_day": on, "hours_day": first["hours"],
                                             **subject})]
        return [(f"hours_open{suffix}", {"on_day": on, "hours_day": first["hours"], **subject})]
    said: list[Sentence] = []
    regular = [s for s in sites if s["hours"] and not s["reason"]]
    if regular:
        shared, diffs = _shared([s["hours"] for s in regular], [s["site"] for s in regular])
        if len(regular) == 1:
            said.append(("hours_open", {"on_day": on, "site_site": regular[0]["site"],
                                        "hours_day": shared}))
        else:
            said.append(("hours_open_many", {"on_day": on, "hours_day": shared,
                                             "sites_sites": [s["site"] for s in regular]}))
        if diffs:
            said.append(("hours_differ", {"diffs_sites": diffs}))
    for site in sites:
        if site in regular:
            continue
        when = "same" if said else on
        if site["hours"]:
            said.append(("hours_special_site", {"on_day": when, "site_site": site["site"],
                                                "hours_day": site["hours"],
                                                "reason_day": site["reason"]}))
        elif site["reason"]:
            said.append(("hours_closure", {"on_day": when, "site_site": site["site"],
                                           "reason_day": site["reason"]}))
        else:
            said.append(("hours_closed", {"on_day": when, "site_site": site["site"]}))
    return said


def _alike(a: dict, b: dict) -> bool:
    return (a["hours"], a["reason"]) == (b["hours"], b["reason"])


def _again(next_open: dict | None, today: str) -> list[Sentence]:
    """"Geöffnet ist wieder am Montag, den 28. Dezember, von 8 bis 12 Uhr." (and who differs)"""
    if next_open is None:
        return []
    open_sites = [s for s in next_open["sites"] if s["hours"]]
    shared, diffs = _shared([s["hours"] for s in open_sites], [s["site"] for s in open_sites])
    said: list[Sentence] = [("hours_again", {"on_day": [next_open["date"], today],
                                             "hours_day": shared})]
    if diffs:
        said.append(("hours_differ", {"diffs_sites": diffs}))
    return said


# ----------------------------------------------------------------------------- sharing


def _shared(hours: list[list], sites: list[str], labels: list | None = None
            ) -> tuple[list, list]:
    """The hours most sites share, and how the others differ.

    Interval by interval when every site has as many; each difference is
    [site, when, how, a, b]: `when` names the interval ("morning", "afternoon" or a
    weekday from `labels`), `how` is "until" (only the end differs), "from" (only the
    start), "span" (both) or "hours" (all of that site's hours, in `a`).
    """
    count = len(hours[0])
    if any(len(h) != count for h in hours):
        shared = [list(i) for i in Counter(_key(h) for h in hours).most_common(1)[0][0]]
        return shared, [[site, None, "hours", h, None]
                        for site, h in zip(sites, hours, strict=True) if h != shared]
    shared = [list(Counter(tuple(h[i]) for h in hours).most_common(1)[0][0])
              for i in range(count)]
    if labels is None:
        labels = ["morning", "afternoon"] if count == 2 else [None] * count
    diffs = []
    for site, h in zip(sites, hours, strict=True):
        for (start, end), (a, b), label in zip(h, shared, labels, strict=True):
            if [start, end] == [a, b]:
                continue
            how = "until" if start == a else "from" if end == b else "span"
            diffs.append([site, label, how, start, end])
    return shared, diffs


def _key(hours: list) -> tuple:
    return tuple(tuple(i) for i in hours)


# ----------------------------------------------------------------------------- the week


def _week(facts: dict) -> list[Sentence]:
    """The weekly pattern: "Montag bis Freitag von 8 bis 12 Uhr. Donnerstags auch ..."."""
    patterns = {site: _pattern(week) for site, week in facts["week"].items()}
    sites = list(patterns)
    shapes = {(tuple(p[0]), len(p[1]), tuple((d, len(e)) for d, e in p[2]))
              for p in patterns.values() if p is not None}
    if len(shapes) == 1 and all(p is not None for p in patterns.values()):
        days, _, extras = next(iter(patterns.values()))
        labels = ["morning" if extras else None] * len(patterns[sites[0]][1])
        base, diffs = _shared([patterns[s][1] for s in sites], sites, labels)
        said: list[Sentence] = [_week_sentence(sites, days, base)]
        for index, (weekday, _) in enumerate(extras):
            more, more_diffs = _shared([patterns[s][2][index][1] for s in sites], sites,
                                       [weekday] * len(extras[index][1]))
            said.append(("hours_week_also", {"weekly_day": weekday, "hours_day": more}))
            diffs += more_diffs
        if diffs:
            said.append(("hours_differ", {"diffs_sites": diffs}))
        return said
    said = []
    for site in sites:
        groups: dict[tuple, list[int]] = {}
        for weekday, hours in sorted(facts["week"][site].items()):
            groups.setdefault(_key(hours), []).append(int(weekday))
        for hours, days in groups.items():
            said.append(_week_sentence([site], days, [list(i) for i in hours]))
    return said


def _week_sentence(sites: list[str], days: list[int], hours: list) -> Sentence:
    if len(sites) == 1:
        return ("hours_week", {"site_site": sites[0], "days_week": days, "hours_week": hours})
    return ("hours_week_many", {"sites_sites": sites, "days_week": days, "hours_week": hours})


def _pattern(week: dict) -> tuple[list[int], list, list] | None:
    """(open weekdays, the hours all of them share, [(weekday, extra hours), ...]), or None
    when the open days share no hours."""
    days = sorted(int(d) for d in week)
    if not days:
        return None
    base = [i for i in week[str(days[0])] if all(i in week[str(d)] for d in days)]
    if not base:
        return None
    extras = [(d, [i for i in week[str(d)] if i not in base]) for d in days]
    return days, base, [(d, e) for d, e in extras if e]
