"""Case data as the hotline knows it: customers, their applications and next payment, validated.

One record per customer, the same shape whether it comes from a file export
(`cases.importer`) or from an upstream system (`cases.api`). `parse_record` turns a
plain dict into a `Customer` or says exactly what is wrong with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

# Bundesagentur customer number: 3 digits, a letter, 6 digits ("123D456789").
BA_NUMBER = re.compile(r"^\d{3}[A-Z]\d{6}$")
# Jobcenter number of a Bedarfsgemeinschaft: 5 digits, "BG", 7 digits ("12345BG0012345").
BG_NUMBER = re.compile(r"^\d{5}BG\d{7}$")
# Typed on a keypad, a BA number is its 9 digits: the letter cannot be typed and is
# left open ("?"), a BG number its 12 digits with the fixed "BG" implied.
BA_KEYPAD_DIGITS = 9
BG_KEYPAD_DIGITS = 12
UNKNOWN_LETTER = "?"

KINDS = ("erstantrag", "weiterbewilligung", "arbeitslosengeld")
STATUSES = ("eingegangen", "in_bearbeitung", "unterlagen_fehlen", "bewilligt", "abgelehnt")
OPEN_STATUSES = ("eingegangen", "in_bearbeitung", "unterlagen_fehlen")

# What exports write for a kind or status, folded (lower case, ae/oe/ue/ss, "_").
KIND_ALIASES = {
    "erstantrag": "erstantrag",
    "buergergeld_erstantrag": "erstantrag",
    "grundsicherung_erstantrag": "erstantrag",
    "buergergeld": "erstantrag",
    "grundsicherung": "erstantrag",
    "weiterbewilligung": "weiterbewilligung",
    "weiterbewilligungsantrag": "weiterbewilligung",
    "wba": "weiterbewilligung",
    "arbeitslosengeld": "arbeitslosengeld",
    "alg": "arbeitslosengeld",
    "alg_i": "arbeitslosengeld",
    "alg_1": "arbeitslosengeld",
}
STATUS_ALIASES = {status: status for status in STATUSES}

MAX_NAME = 200
MAX_TEAM = 200
MAX_DOCUMENTS = 20
MAX_DOCUMENT = 200
MAX_APPLICATIONS = 20
MAX_AMOUNT_CENTS = 10_000_00  # a monthly payment above 10,000 euros is a typo
FIELDS = {"customer_number", "name", "birth_date", "team", "next_payment", "applications"}


class InvalidCustomerNumberError(ValueError):
    """Not a customer or BG number: wrong length or wrong pattern."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "length" | "pattern"


class InvalidRecordError(ValueError):
    """A case record that cannot be stored; the message says why."""


@dataclass(frozen=True)
class Application:
    """One application: what for, when it arrived, where it stands, what is missing."""

    kind: str
    received: str  # ISO date
    status: str
    missing_documents: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"type": self.kind, "received": self.received, "status": self.status,
                "missing_documents": list(self.missing_documents)}

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Customer:
    """Everything the hotline may say about one customer, once they proved who they are."""

    customer_number: str
    name: str
    birth_date: str  # ISO date; compared exactly, never logged
    team: str = ""
    payment_date: str | None = None  # ISO date of the next payment
    payment_cents: int | None = None
    applications: tuple[Application, ...] = field(default_factory=tuple)


def fold(text: str) -> str:
    """Lower case, umlauts spelled out, words joined by "_": how kinds and statuses compare."""
    text = str(text).strip().lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    return re.sub(r"[\s/-]+", "_", text)


def customer_number(text: str) -> str:
    """The canonical customer or BG number ("123d 456789" -> "123D456789"), else raises."""
    compact = re.sub(r"[\s./-]", "", str(text)).upper()
    if BA_NUMBER.match(compact) or BG_NUMBER.match(compact):
        return compact
    if len(compact) not in (len("123D456789"), len("12345BG0012345")):
        raise InvalidCustomerNumberError("length")
    raise InvalidCustomerNumberError("pattern")


def from_keypad(digits: str) -> str:
    """A number typed as digits: BA with its letter left open ("123?456789"), or BG."""
    digits = re.sub(r"\D", "", digits)
    if len(digits) == BA_KEYPAD_DIGITS:
        return f"{digits[:3]}{UNKNOWN_LETTER}{digits[3:]}"
    if len(digits) == BG_KEYPAD_DIGITS:
        return f"{digits[:5]}BG{digits[5:]}"
    raise InvalidCustomerNumberError("length")


def lock_key(number: str) -> str:
    """One key per customer however the number was given (spoken with letter or typed)."""
    if "BG" in number:
        return f"bg:{number}"
    return "ba:" + re.sub(r"\D", "", number)


def parse_date(value, what: str) -> str:
    """An ISO date from "2026-12-30" or "30.12.2026"; raises InvalidRecordError."""
    text = str(value or "").strip()
    german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    try:
        if german:
            day = date(int(german.group(3)), int(german.group(2)), int(german.group(1)))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
        else:
            raise InvalidRecordError(f"{what}: not a date (use YYYY-MM-DD): {text[:20]!r}")
    except ValueError as error:
        if isinstance(error, InvalidRecordError):
            raise
        raise InvalidRecordError(f"{what}: no such date: {text[:20]!r}") from error
    return day.isoformat()


def parse_amount(value) -> int:
    """Euros as written in an export ("563", "563.50", "563,50", 563.5) -> cents."""
    text = str(value).strip().replace(" ", "").removesuffix("EUR").removesuffix("€")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+,\d{1,2}", text):  # "1.234,50"
        text = text.replace(".", "")
    text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        raise InvalidRecordError(f"next payment amount: not an amount in euros: {text[:20]!r}")
    try:
        cents = int(Decimal(text) * 100)
    except InvalidOperation as error:
        raise InvalidRecordError("next payment amount: not an amount in euros") from error
    if cents <= 0 or cents > MAX_AMOUNT_CENTS:
        raise InvalidRecordError(f"next payment amount: out of range: {text[:20]!r}")
    return cents


def _text(value, what: str, limit: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        raise InvalidRecordError(f"{what}: must be text")
    text = " ".join(str(value).split())
    if required and not text:
        raise InvalidRecordError(f"{what}: missing")
    if len(text) > limit:
        raise InvalidRecordError(f"{what}: longer than {limit} characters")
    return text


def parse_application(data, number: int) -> Application:
    what = f"application {number}"
    if not isinstance(data, dict):
        raise InvalidRecordError(f"{what}: must be an object")
    unknown = set(data) - {"type", "received", "status", "missing_documents"}
    if unknown:
        raise InvalidRecordError(f"{what}: unknown field {sorted(unknown)[0][:40]!r}")
    kind = KIND_ALIASES.get(fold(data.get("type") or ""))
    if kind is None:
        raise InvalidRecordError(f"{what}: unknown type {str(data.get('type'))[:40]!r} "
                                 f"(one of {', '.join(KINDS)})")
    status = STATUS_ALIASES.get(fold(data.get("status") or ""))
    if status is None:
        raise InvalidRecordError(f"{what}: unknown status {str(data.get('status'))[:40]!r} "
                                 f"(one of {', '.join(STATUSES)})")
    received = parse_date(data.get("received"), f"{what} received")
    documents = data.get("missing_documents") or []
    if isinstance(documents, str):
        documents = [part for part in documents.split("|")]
    if not isinstance(documents, list) or len(documents) > MAX_DOCUMENTS:
        raise InvalidRecordError(f"{what}: missing_documents must be a list of at most "
                                 f"{MAX_DOCUMENTS}")
    missing = tuple(d for d in (_text(d, f"{what} document", MAX_DOCUMENT, False)
                                for d in documents) if d)
    if status == "unterlagen_fehlen" and not missing:
        raise InvalidRecordError(f"{what}: status unterlagen_fehlen needs missing_documents")
    return Application(kind, received, status, missing)


def parse_record(data, existing: Customer | None = None, today: date | None = None) -> Customer:
    """A customer from a record; fields left out keep their `existing` values.

    Raises InvalidRecordError naming the first problem. `customer_number` is always
    needed; `name` and `birth_date` for a customer not known yet.
    """
    if not isinstance(data, dict):
        raise InvalidRecordError("a record must be an object")
    unknown = set(data) - FIELDS
    if unknown:
        raise InvalidRecordError(f"unknown field {str(sorted(unknown)[0])[:40]!r}")
    try:
        number = customer_number(data.get("customer_number") or "")
    except InvalidCustomerNumberError as error:
        raise InvalidRecordError(
            f"customer_number: wrong {error.reason} (like 123D456789 or 12345BG0012345)"
        ) from error
    if existing is not None and existing.customer_number != number:
        raise ValueError("existing record of another customer")
    customer = existing or Customer(number, "", "")
    changes: dict = {}
    if "name" in data or existing is None:
        changes["name"] = _text(data.get("name"), "name", MAX_NAME, required=True)
    if "birth_date" in data or existing is None:
        born = parse_date(data.get("birth_date"), "birth_date")
        if born < "1900-01-01" or (today is not None and born > today.isoformat()):
            raise InvalidRecordError("birth_date: not a plausible date of birth")
        changes["birth_date"] = born
    if "team" in data:
        changes["team"] = _text(data.get("team"), "team", MAX_TEAM, required=False)
    if "next_payment" in data:
        payment = data.get("next_payment")
        if payment in (None, "", {}):
            changes["payment_date"] = changes["payment_cents"] = None
        elif not isinstance(payment, dict) or set(payment) - {"date", "amount"}:
            raise InvalidRecordError("next_payment: must be {\"date\": ..., \"amount\": ...}")
        else:
            if payment.get("date") in (None, "") or payment.get("amount") in (None, ""):
                raise InvalidRecordError("next_payment: needs both date and amount")
            changes["payment_date"] = parse_date(payment["date"], "next payment date")
            changes["payment_cents"] = parse_amount(payment["amount"])
    if "applications" in data:
        applications = data.get("applications") or []
        if not isinstance(applications, list) or len(applications) > MAX_APPLICATIONS:
            raise InvalidRecordError(f"applications: must be a list of at most "
                                     f"{MAX_APPLICATIONS}")
        parsed = [parse_application(a, i) for i, a in enumerate(applications, 1)]
        keys = [(a.kind, a.received) for a in parsed]
        if len(set(keys)) != len(keys):
            raise InvalidRecordError("applications: the same type and received date twice")
        # Sorted, so that the same applications in another order are no change.
        changes["applications"] = tuple(sorted(parsed, key=lambda a: (a.received, a.kind)))
    return replace(customer, **changes)


def record_of(customer: Customer) -> dict:
    """The customer as a record again (the shape `parse_record` reads)."""
    payment = None
    if customer.payment_date and customer.payment_cents:
        euros, cents = divmod(customer.payment_cents, 100)
        payment = {"date": customer.payment_date, "amount": f"{euros}.{cents:02d}"}
    return {"customer_number": customer.customer_number, "name": customer.name,
            "birth_date": customer.birth_date, "team": customer.team,
            "next_payment": payment,
            "applications": [a.to_dict() for a in customer.applications]}
