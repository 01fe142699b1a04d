"""Library files: the seed, imports and exports, in YAML or CSV.

A file is read whole and every entry validated before anything is stored, so an import is all
or nothing, and a problem is reported with the line and the field to fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.private_files import write_private
from cogs.resources.models import KEY_MAX, Draft, Resource, valid_key

COLUMNS = (
    "key",
    "network",
    "title",
    "link",
    "contact",
    "summary",
    "area",
    "type",
    "region",
    "audience",
    "tags",
    "last_checked",
    "closes_on",
)


class FileProblem(ValueError):
    """A file that cannot be imported; the message names the file, line and field."""


class Record(BaseModel):
    """One entry in a file: a draft, its stable key, and the network (blank: shared)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    key: str | None = Field(None, max_length=KEY_MAX)
    network: str | None = None
    entry: Draft

    @field_validator("key", "network", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("key")
    @classmethod
    def _key_form(cls, value: str | None) -> str | None:
        if value is not None and not valid_key(value):
            raise ValueError(
                "must be lower-case letters, digits, '-', '_', '.' or ':' (like seed-lifeline)"
            )
        return value

    @property
    def stable_key(self) -> str:
        """The given key, or one made from the title and link, so re-importing matches."""
        if self.key is not None:
            return self.key
        basis = "|".join(
            (self.entry.title.lower(), self.entry.link or "", self.entry.contact or "")
        )
        return "import-" + hashlib.sha256(basis.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Located:
    """A record and the line it starts on."""

    record: Record
    line: int


def _explain(where: str, line: int, fields: dict[str, int], error: ValidationError) -> str:
    problems = []
    for problem in error.errors():
        loc = [str(part) for part in problem["loc"] if part != "entry"]
        name = loc[0] if loc else "link"
        at = fields.get(name, line)
        message = str(problem["msg"]).removeprefix("Value error, ")
        given = problem.get("input")
        shown = f" (you gave {str(given)[:60]!r})" if loc and not isinstance(given, dict) else ""
        problems.append(f"{where} line {at}, field '{name}': {message}{shown}")
    return "\n".join(problems)


def _record(where: str, line: int, fields: dict[str, int], data: dict[str, Any]) -> Record:
    unknown = [k for k in data if k not in COLUMNS]
    if unknown:
        at = fields.get(unknown[0], line)
        raise FileProblem(
            f"{where} line {at}, field '{unknown[0]}': not a known field. "
            f"The fields are: {', '.join(COLUMNS)}."
        )
    outer = {k: data[k] for k in ("key", "network") if k in data}
    inner = {k: v for k, v in data.items() if k not in ("key", "network") and v is not None}
    try:
        return Record.model_validate({**outer, "entry": inner})
    except ValidationError as error:
        raise FileProblem(_explain(where, line, fields, error)) from None


def _from_yaml(where: str, text: str) -> list[Located]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise FileProblem(f"{where} line {line}: not valid YAML ({error})") from None
    if isinstance(data, dict) and "resources" in data and root is not None:
        data = data["resources"]
        root = next(v for k, v in root.value if k.value == "resources")
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise FileProblem(f"{where} line 1: expected a list of entries (each starting with '-')")
    found: list[Located] = []
    for item, node in zip(data, root.value, strict=True):
        line = node.start_mark.line + 1
        if not isinstance(item, dict) or not isinstance(node, yaml.MappingNode):
            raise FileProblem(f"{where} line {line}: each entry must be a set of 'field: value'")
        fields = {str(k.value): v.start_mark.line + 1 for k, v in node.value}
        found.append(Located(_record(where, line, fields, item), line))
    return found


def _from_csv(where: str, text: str) -> list[Located]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _csv_rows(where, reader)
    except csv.Error as error:
        # A field over the csv module's limit (131,072 characters), for example. line_num
        # counts the lines of the rows read whole, so the broken row starts on the next.
        raise FileProblem(f"{where} line {reader.line_num + 1}: not valid CSV ({error})") from None


def _csv_rows(where: str, reader: csv.DictReader[str]) -> list[Located]:
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise FileProblem(
            f"{where} line 1, field '{unknown[0]}': not a known column. "
            f"The columns are: {', '.join(COLUMNS)}."
        )
    found: list[Located] = []
    start = 2
    for row in reader:
        if None in row:
            raise FileProblem(f"{where} line {start}: more values than columns")
        data = {k: (v if v and v.strip() else None) for k, v in row.items()}
        fields = {name: start for name in header}
        found.append(Located(_record(where, start, fields, data), start))
        start = reader.line_num + 1
    return found


def read_records(path: Path) -> list[Located]:
    """Every entry of a YAML (.yaml, .yml) or CSV (.csv) file, validated; or a FileProblem."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise FileProblem(f"{where}: use a .yaml, .yml or .csv file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise FileProblem(f"{where}: cannot read it ({error.strerror})") from None
    except UnicodeDecodeError:
        raise FileProblem(f"{where}: not UTF-8 text") from None
    found = _from_csv(where, text) if suffix == ".csv" else _from_yaml(where, text)
    seen: dict[str, int] = {}
    for located in found:
        key = located.record.stable_key
        if key in seen:
            raise FileProblem(
                f"{where} line {located.line}, field 'key': the same entry as line {seen[key]} "
                "(give each entry its own key)"
            )
        seen[key] = located.line
    return found


def as_row(resource: Resource, network_slug: str | None) -> dict[str, Any]:
    """One entry as a file row, in column order; blanks for what it does not have."""
    return {
        "key": resource.key,
        "network": network_slug or "",
        "title": resource.title,
        "link": resource.link or "",
        "contact": resource.contact or "",
        "summary": resource.summary,
        "area": resource.area.value,
        "type": resource.type.value,
        "region": resource.region.value,
        "audience": resource.audience.value,
        "tags": resource.tags,
        "last_checked": resource.last_checked,
        "closes_on": resource.closes_on or "",
    }


def write_records(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write rows as YAML or CSV (by the file's extension), leaving out blank YAML fields."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
            )
        text = buffer.getvalue()
    elif suffix in (".yaml", ".yml"):
        compact = [{k: v for k, v in row.items() if v != ""} for row in rows]
        text = yaml.safe_dump({"resources": compact}, sort_keys=False, allow_unicode=True)
    else:
        raise FileProblem(f"{path}: use a .yaml, .yml or .csv file")
    write_private(path, text.encode("utf-8"))  # 0600, as every export peerbot writes
