"""An experiment for bench_load (`--engines understanding-free`): the hotline with the
turn's understanding of the words at no cost, to show what the rest of a turn costs.

Every property of `speech.understanding.Understanding` that does not depend on the moment
of the turn (the crisis check in every language, the worry question, the intent ranking,
the canonical words, the commands, the topic ...) is worked out once for each words,
language and keys, and answered from memory after that. bench_load's callers all say the
same four sentences, so after the first call a turn pays nothing for understanding them.
Everything else is the real turn: the signature, the form, the state read and written, the
dialogue's step, the TwiML, the turn log and the stored reply.

Not for serving: real callers say different things, and the memory would only grow.
"""

import functools
import inspect
import re

from app import create_app
from speech.understanding import Understanding

_ATTRIBUTE = re.compile(r"self\.(\w+)")


def _independent_of_the_moment() -> list[str]:
    """The cached properties whose code, and that of every property it reads, never reads
    `self.now` (dates and times said are worked out against the moment of the turn)."""
    properties = {name: value for name, value in vars(Understanding).items()
                  if isinstance(value, (functools.cached_property, property))}
    reads = {name: set(_ATTRIBUTE.findall(inspect.getsource(
        value.func if isinstance(value, functools.cached_property) else value.fget)))
        for name, value in properties.items()}
    dependent = {name for name, used in reads.items() if "now" in used}
    grew = True
    while grew:
        more = {name for name, used in reads.items() if used & dependent} - dependent
        dependent |= more
        grew = bool(more)
    return [name for name, value in properties.items()
            if isinstance(value, functools.cached_property) and name not in dependent]


def _memoised(name: str, compute) -> functools.cached_property:
    known: dict = {}

    def answer(self):
        key = (self.text, self.lang, self.digits, self._caseworkers)
        try:
            return known[key]
        except KeyError:
            value = known[key] = compute(self)
            return value

    memo = functools.cached_property(answer)
    memo.__set_name__(Understanding, name)
    return memo


MEMOISED = _independent_of_the_moment()
for _name in MEMOISED:
    setattr(Understanding, _name, _memoised(_name, vars(Understanding)[_name].func))

app = create_app()
