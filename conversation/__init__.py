"""The conversation: what the hotline says and asks, turn by turn, whatever the channel.

Pure: state in, understanding in, (state, actions) out. It imports `speech` and its own
modules, never Flask, the database or Twilio; the web adapter (`ivr`) runs its queries
and renders its actions.

- `dialogue`: `Dialogue` (start, step, resume) and the table of steps.
- `listening`: requests, clarifying, confirming, "anything else?", commands, crises.
- `booking`, `handover`, `identity`, `matters`: the steps of each job.
- `replies`: the pieces every step answers with; `actions`, `state`: the data.
- `referrals`: other offices, from `referrals.toml`; `people`: the caseworkers callers
  may ask for, handed in by the app.
"""

from .actions import Action, Ask, Hangup, PutThrough, Query, Record, Say, Transfer
from .dialogue import Dialogue
from .people import Caseworker, Caseworkers
from .state import CallState, Heard, Turn, achieve

__all__ = ["Action", "Ask", "CallState", "Caseworker", "Caseworkers", "Dialogue", "Hangup",
           "Heard", "PutThrough", "Query", "Record", "Say", "Transfer", "Turn", "achieve"]
