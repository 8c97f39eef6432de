"""Opening hours and the way there: the hours of a day or a week, a site's address by voice
and by SMS.

Part of the pure dialogue (mixed into `ivr.dialogue.Dialogue`, like `ivr.matters`):

    step            caller does                       hotline does                   next step
    --------------  --------------------------------  -----------------------------  -------------
    (a request)     "Wann haben Sie offen?", "am      the hours of that day, or the  anything_else
                    Karfreitag", "heute in Backnang"  week (ivr/hours_words.py)
    (a request)     "Wo ist ...", "Adresse", "Wie     the address (no postcode) and  way_sms
                    komme ich hin" with a site        directions; SMS? (a mobile)    (anything_else)
    (a request)     the same without a site           "Welche Geschäftsstelle?"      way_site
    way_site        a site, or 1 / 2 / 3              the address, as above          way_sms ...
    way_sms         yes / no                          the address by SMS / -         anything_else
    way_sms         anything else                     taken as a new request         (as listen)
"""

from __future__ import annotations

from .booking import SITE_KEYS
from .hours_words import hours_words

WAY_STEPS = {"way_site", "way_sms"}
WAY_QUERIES = {"opening_hours", "address_sms"}


class WaySteps:
    """Opening hours and addresses; expects the core helpers of `Dialogue`."""

    def _opening_hours(self, state, heard):
        """The hours of the day asked about (or the week), or the way there."""
        entities = self.extract(heard.speech, state.lang, heard.now) if heard.speech else {}
        if entities.get("asks") == "way":
            return self._way(state, entities.get("site"))
        return self._query(state, "opening_hours", {
            "site": entities.get("site"), "day": entities.get("date"), "lang": state.lang,
        }, "opening_hours")

    def _way(self, state, site: str | None):
        from .dialogue import Say

        state.failures = 0
        if site is None:
            return self._ask(state, [Say("way_which_site")], "choice", "way:which_site",
                             step="way_site")
        self._achieve(state, "answered")
        said = [Say("way_address", {"site_site": site, "way_site": site})]
        if state.mobile:
            return self._ask(state, [*said, Say("way_sms_offer")], "yes_no",
                             "answered:opening_hours", step="way_sms")
        return self._anything_else_question(state, "answered:opening_hours", before=said)

    def _way_answer(self, state, heard, recognition):
        """The caller's answer in a `WAY_STEPS` step; None when it is a new request."""
        from .dialogue import NO_MATCH

        said = self.reply(heard.speech, state.lang) if heard.speech else {}
        answer = said.get("answer")
        key = heard.digits[:1]
        if state.step == "way_site":
            site = SITE_KEYS.get(key)
            if site is None and heard.speech:
                site = self.extract(heard.speech, state.lang, heard.now).get("site")
            if site is not None:
                return self._way(state, site)
            if (recognition is not None and recognition.confident
                    and recognition.intent not in ("opening_hours", "out_of_scope")):
                return None
            return self._failed(state, NO_MATCH, recognition)
        if state.step == "way_sms":
            if answer == "yes" or key == "1":
                return self._query(state, "send_address_sms",
                                   {"site": _site_said(state), "lang": state.lang},
                                   "address_sms")
            if answer == "no" or key == "2":
                return self._anything_else_question(state, "way:no_sms")
            return None
        return None

    def _way_result(self, state, kind: str, result):
        """After a query: the hours found, or whether the SMS went out."""
        from .dialogue import Say, achieve

        if kind == "opening_hours":
            achieve(state, "answered")
            said = [Say(key, params) for key, params in hours_words(result)]
            return self._anything_else_question(state, "answered:opening_hours", before=said)
        key = "way_sms_sent" if result and result.get("sent") else "way_sms_failed"
        return self._anything_else_question(state, f"way:{key}", before=[Say(key)])


def _site_said(state) -> str | None:
    """The site whose address was just said: the SMS carries what the caller heard."""
    for key, params in state.last_ask:
        if key == "way_address":
            return params.get("way_site")
    return None
