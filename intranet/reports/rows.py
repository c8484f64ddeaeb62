"""A write-only sheet for long lists: rows of plain values written straight as XML.

openpyxl's write-only sheet makes a cell object per value, guesses its type, looks its
style up and writes it through nested ``xf.element`` blocks: 189 s for 100,000 cases'
seventeen columns (previous session's bench run). Here each column's kind is declared once (text,
number, yes/no, date and time, duration), its style registered once, and a row becomes
one ``<row>`` element built with lxml and written at once (a million cases: 204 s); the
header and everything else of the sheet (widths, frozen panes, filter) stay openpyxl's.

Text is always an inline string, never a formula (a subject "=…" stays text), with the
characters XML cannot hold removed, as openpyxl would refuse them.
"""

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import WINDOWS_EPOCH
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

try:  # openpyxl writes through lxml when it is installed (requirements.txt pins it)
    from lxml.etree import Element, SubElement
except ImportError:  # pragma: no cover - the standard library's, slower
    from xml.etree.ElementTree import Element, SubElement

ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
SECONDS_A_DAY = 86400.0


class Kind(Enum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    DATETIME = "datetime"  # naive local datetime
    DURATION = "duration"  # timedelta


FORMATS = {Kind.DATETIME: "yyyy-mm-dd h:mm:ss", Kind.DURATION: "[h]:mm"}


class _Plain(tuple):  # type: ignore[type-arg]
    """A row of plain values, to be written by ``ListSheet`` itself."""


def _text(cell: Any, value: Any) -> None:
    text = ILLEGAL.sub("", str(value))
    cell.set("t", "inlineStr")
    holder = SubElement(SubElement(cell, "is"), "t")
    if text != text.strip():
        holder.set(XML_SPACE, "preserve")
    holder.text = text


def _number(cell: Any, value: Any) -> None:
    cell.set("t", "n")
    SubElement(cell, "v").text = f"{value:.16g}"


def _bool(cell: Any, value: Any) -> None:
    cell.set("t", "b")
    SubElement(cell, "v").text = "1" if value else "0"


def _datetime(cell: Any, value: datetime) -> None:
    days = (value - WINDOWS_EPOCH).total_seconds() / SECONDS_A_DAY
    _number(cell, days)


def _duration(cell: Any, value: timedelta) -> None:
    _number(cell, value.total_seconds() / SECONDS_A_DAY)


WRITERS = {
    Kind.TEXT: _text,
    Kind.NUMBER: _number,
    Kind.BOOL: _bool,
    Kind.DATETIME: _datetime,
    Kind.DURATION: _duration,
}


class ListSheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows after the header are tuples of plain values, one per
    column of ``kinds`` (None leaves the cell empty)."""

    def __init__(self, parent: Any, title: str, kinds: Sequence[Kind]) -> None:
        super().__init__(parent, title)
        self._columns: list[tuple[str, Any, str | None]] = []
        for index, kind in enumerate(kinds, start=1):
            style = None
            if kind in FORMATS:
                probe = WriteOnlyCell(self, value=None)
                probe.number_format = FORMATS[kind]
                style = str(probe.style_id)  # registers the style in the workbook once
            self._columns.append((get_column_letter(index), WRITERS[kind], style))

    def append_values(self, values: Sequence[Any]) -> None:
        """Appends one row of plain values in the order of the sheet's kinds."""
        self.append(_Plain(values))

    def _values_to_row(self, values: Any, row_idx: int) -> Any:
        if isinstance(values, _Plain):
            return values
        return super()._values_to_row(values, row_idx)

    def _get_writer(self) -> None:
        if self._writer is None:
            super()._get_writer()
            cells_write = self._writer.write_row

            def write_row(xf: Any, row: Any, row_idx: int) -> None:
                if isinstance(row, _Plain):
                    xf.write(self._row_element(row, row_idx))
                else:
                    cells_write(xf, row, row_idx)

            self._writer.write_row = write_row

    def _row_element(self, row: Sequence[Any], row_idx: int) -> Any:
        number = str(row_idx)
        element = Element("row", {"r": number})
        for (letter, write, style), value in zip(self._columns, row, strict=True):
            if value is None:
                continue
            cell = SubElement(element, "c", {"r": letter + number})
            if style is not None:
                cell.set("s", style)
            write(cell, value)
        return element


def list_sheet_create(*, workbook: Any, title: str, kinds: Sequence[Kind]) -> ListSheet:
    """A new ``ListSheet`` at the end of the write-only workbook."""
    sheet = ListSheet(workbook, title, kinds)
    workbook._add_sheet(sheet)
    return sheet
