"""Reading an export of the electronic file (CSV or JSON) into customers, bad rows with their lines.

CSV: one row per application, the customer's columns repeated on each of their rows
(a customer without applications has one row with the application columns empty);
comma or semicolon separated, UTF-8 (with or without BOM); columns as in `CSV_COLUMNS`,
`missing_documents` separated by "|". JSON: a list of records as `cases.model` reads them.

`read_file` only reads; `import_customers` writes, all or nothing unless told to skip bad
rows. Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlite_utils import Database

from . import store
from .model import Customer, InvalidRecordError, parse_record

CSV_COLUMNS = ("customer_number", "name", "birth_date", "team", "next_payment_date",
               "next_payment_amount", "application_type", "application_received",
               "application_status", "missing_documents")
MAX_FILE_BYTES = 50 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, header, JSON syntax)."""


@dataclass
class Parsed:
    """What a file holds: good customers with their first line, and bad rows with reasons."""

    customers: list[tuple[int, Customer]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import did (or would have done)."""

    errors: list[tuple[int, str]]
    counts: dict[str, int]
    imported: bool


def read_file(path: str | Path, fmt: str | None = None, today: date | None = None) -> Parsed:
    """Parse a CSV or JSON export; the format comes from `fmt` or the file's extension."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "json"):
        raise ImportFileError(f"unknown format {fmt!r}: use a .csv or .json file (or --format)")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"not UTF-8 text (byte {error.start})") from error
    return read_csv(text, today) if fmt == "csv" else read_json(text, today)


def read_json(text: str, today: date | None = None) -> Parsed:
    parsed = Parsed()
    lines: dict[str, list[int]] = {}
    for line, record in _json_elements(text):
        try:
            customer = parse_record(record, today=today)
        except InvalidRecordError as error:
            parsed.errors.append((line, str(error)))
            continue
        lines.setdefault(customer.customer_number, []).append(line)
        parsed.customers.append((line, customer))
    # A customer listed twice is bad as a whole: which of the two is right is unknown.
    twice = {n: found for n, found in lines.items() if len(found) > 1}
    for found in twice.values():
        for line in found:
            others = ", ".join(str(other) for other in found if other != line)
            parsed.errors.append((line, f"the same customer number is also on line {others}"))
    parsed.customers = [(line, c) for line, c in parsed.customers
                        if c.customer_number not in twice]
    parsed.errors.sort()
    return parsed


def _json_elements(text: str):
    """(line, value) for each element of the top-level JSON list."""
    decoder = json.JSONDecoder()

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    pos = skip(0)
    if pos >= len(text) or text[pos] != "[":
        raise ImportFileError(f"line {line_of(pos)}: a JSON export must be a list of records")
    pos = skip(pos + 1)
    if pos < len(text) and text[pos] == "]":
        return
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            raise ImportFileError(f"line {error.lineno}: not valid JSON: {error.msg}") from error
        yield line_of(pos), value
        pos = skip(end)
        if pos < len(text) and text[pos] == ",":
            pos = skip(pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            break
        raise ImportFileError(f"line {line_of(pos)}: not valid JSON: expected ',' or ']'")
    if skip(pos + 1) != len(text):
        raise ImportFileError(f"line {line_of(skip(pos + 1))}: not valid JSON: text after the list")


def read_csv(text: str, today: date | None = None) -> Parsed:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as error:
        raise ImportFileError("line 1: the file is empty") from error
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        raise ImportFileError(
            "line 1: " + "; ".join(filter(None, [
                f"missing columns: {', '.join(missing)}" if missing else "",
                f"unknown columns: {', '.join(unknown)}" if unknown else ""])))
    groups: dict[str, dict] = {}  # customer number -> {"lines", "record"}
    bad_numbers: set[str] = set()  # customers with a bad row are skipped as a whole
    parsed = Parsed()
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            parsed.errors.append((start, f"{len(row)} columns, the header has {len(header)}"))
            continue
        cells = {name: value.strip() for name, value in zip(header, row, strict=True)}
        try:
            number, record = _csv_record(cells)
            parse_record(record, today=today)  # each row on its own, for its line number
        except InvalidRecordError as error:
            parsed.errors.append((start, str(error)))
            bad_numbers.add(cells["customer_number"].replace(" ", "").upper())
            continue
        group = groups.get(number)
        if group is None:
            groups[number] = {"lines": [start], "record": record}
            continue
        group["lines"].append(start)
        same = {k: v for k, v in record.items() if k != "applications"}
        before = {k: v for k, v in group["record"].items() if k != "applications"}
        if same != before:
            parsed.errors.append((start, f"customer data differs from line {group['lines'][0]}"
                                         " for the same customer number"))
            bad_numbers.add(number)
            continue
        group["record"]["applications"] += record["applications"]
    for number, group in groups.items():
        if number in bad_numbers:
            bad_lines = {bad for bad, _ in parsed.errors}
            parsed.errors.extend((other, "skipped: another row of this customer is bad")
                                 for other in group["lines"] if other not in bad_lines)
            continue
        try:
            parsed.customers.append((group["lines"][0],
                                     parse_record(group["record"], today=today)))
        except InvalidRecordError as error:
            parsed.errors.append((group["lines"][0], str(error)))
    parsed.errors.sort()
    return parsed


def _csv_record(cells: dict) -> tuple[str, dict]:
    payment = None
    if cells["next_payment_date"] or cells["next_payment_amount"]:
        payment = {"date": cells["next_payment_date"], "amount": cells["next_payment_amount"]}
    application_cells = ("application_type", "application_received", "application_status",
                         "missing_documents")
    applications = []
    if any(cells[c] for c in application_cells):
        applications.append({"type": cells["application_type"],
                             "received": cells["application_received"],
                             "status": cells["application_status"],
                             "missing_documents": cells["missing_documents"]})
    record = {"customer_number": cells["customer_number"], "name": cells["name"],
              "birth_date": cells["birth_date"], "team": cells["team"],
              "next_payment": payment, "applications": applications}
    return cells["customer_number"].replace(" ", "").upper(), record


def import_customers(db: Database, parsed: Parsed, *, skip_bad: bool,
                     now: datetime) -> ImportResult:
    """Store the good customers: all of them, or none when there are bad rows and not skip_bad."""
    counts = {store.CREATED: 0, store.UPDATED: 0, store.UNCHANGED: 0}
    if parsed.errors and not skip_bad:
        return ImportResult(parsed.errors, counts, imported=False)
    for _line, customer in parsed.customers:
        counts[store.save_customer(db, customer, now)] += 1
    return ImportResult(parsed.errors, counts, imported=True)
