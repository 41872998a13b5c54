"""CSV and TSV: delimited text in the encodings and dialects spreadsheet tools write.

Owns decoding (UTF-8 with or without BOM, Windows-1252, UTF-16 with or without BOM, as
Excel's "Unicode Text" .txt), finding the header record below any title or blank lines
together with its delimiter, and numbering records as the spreadsheet rows the sender
sees, blank lines included. A file is read in pieces (Arrow's streaming CSV reader), so
memory does not grow with its size.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import struct
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from expectations.errors import MAX_REPORTED_ERRORS, FileRejected, ReturnError, WhereRead
from expectations.fields import DELIVERY, FieldTable
from ingest.headers import (
    HEADER_SEARCH_ROWS,
    HeaderMapping,
    best_header_row,
    map_headers,
    no_header_found,
)
from ingest.readers._table import (
    EMPTY_FILE,
    Chunk,
    FileFormat,
    ParsedFile,
    Source,
    StreamedFile,
    reject_workbook_in_disguise,
    rejected,
    unlabelled,
)

NAME = "csv"
DELIMITERS = (",", ";", "\t")  # in order of preference when a header line is ambiguous

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF16_SAMPLE_BYTES = 4096
# Share of the sampled characters that must have a zero high byte (ASCII in UTF-16).
_UTF16_ZERO_SHARE = 0.3
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def read(data: bytes, field_table: FieldTable = DELIVERY) -> ParsedFile:
    """Read delimited text whose header is the record, among the first ones, naming the
    most fields (title lines and blank lines above it are skipped)."""
    return stream(Source.of_bytes(data), field_table).collect()


def stream(source: Source, field_table: FieldTable = DELIVERY) -> StreamedFile:
    """:func:`read`, batch by batch: the file is never whole in memory (text that is not
    UTF-8 is first converted into a temporary file)."""
    utf8, start = _as_utf8(source)
    header_line, delimiter = _find_header(_prefix(utf8, start), field_table)
    start = _line_offset(utf8, start, header_line)
    first_record = _first_record(_prefix(utf8, start))
    # An upper bound (delimiters inside quotes count too), with room for odd quoting in
    # the header: surplus column types are unused, a missing one would be inferred.
    width = 2 * (first_record.count(delimiter) + 1) + 64
    records = _Records(utf8, start, delimiter, width, _IrregularRows(delimiter, header_line))
    header = records.header
    try:
        mapping = map_headers(header, header_row=header_line, fields=field_table)
    except FileRejected as problem:
        # A file that cannot be parsed is refused for that first, as when read whole.
        raise records.drained_rejection() or problem from None
    where = WhereRead(header_row=header_line, column_letters=mapping.column_letters())

    def chunks() -> Iterator[Chunk]:
        yield from records.chunks(mapping)
        streamed.ignored_columns += records.unlabelled_with_values()

    streamed = StreamedFile(NAME, mapping, chunks(), where, records.late_rejection)
    return streamed


# --- decoding -----------------------------------------------------------------------


def utf8_text(data: bytes) -> str:
    """Delimited text in any encoding the return readers accept (UTF-8 with or without
    a BOM, Windows-1252, UTF-16), decoded whole: for small files read as a grid."""
    text, start = _as_utf8(Source.of_bytes(data))
    return text.read_all()[start:].decode("utf-8")


def _as_utf8(source: Source) -> tuple[Source, int]:
    """The CSV as UTF-8 and where its text starts (after a BOM), converting Windows-1252
    and UTF-16 into a temporary file."""
    head = source.head(_UTF16_SAMPLE_BYTES)
    reject_workbook_in_disguise(head)
    if head.startswith(codecs.BOM_UTF8):
        return _not_blank(source, len(codecs.BOM_UTF8)), len(codecs.BOM_UTF8)
    utf16 = "utf-16" if head.startswith(_UTF16_BOMS) else _utf16_without_bom(head)
    if utf16 is not None:  # Excel's "Unicode Text", or a tool that left out the BOM
        return _not_blank(_converted(source, utf16), 0), 0
    if _is_utf8(source):
        return _not_blank(source, 0), 0
    # Not UTF-8: what Excel on Windows writes for "CSV (comma delimited)", where £ is 0xA3.
    return _not_blank(_converted(source, "cp1252"), 0), 0


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the text is UTF-16 without its byte-order mark.

    Text in UTF-16 has a zero byte beside almost every letter, digit and delimiter, on
    the odd bytes (little-endian, as Windows writes) or the even ones; no text encoding
    we read otherwise has zero bytes at all.
    """
    sample = data[:_UTF16_SAMPLE_BYTES]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    if zeros_odd >= pairs * _UTF16_ZERO_SHARE and zeros_even == 0:
        return "utf-16-le"
    if zeros_even >= pairs * _UTF16_ZERO_SHARE and zeros_odd == 0:
        return "utf-16-be"
    return None


def _not_blank(text: Source, start: int) -> Source:
    if not _prefix(text, start, 65536).strip():
        raise rejected(EMPTY_FILE)
    return text


def _prefix(text: Source, start: int, size: int = 1_048_576) -> bytes:
    """Up to ``size`` bytes of the text from byte ``start``."""
    return next(text.chunks(start, size), b"")


def _is_utf8(source: Source) -> bool:
    carry = b""
    for chunk in source.chunks():
        cut = _whole_characters(chunk)
        if not _valid_utf8(carry + chunk[:cut]):
            return False
        carry = chunk[cut:]
    return _valid_utf8(carry)


def _whole_characters(chunk: bytes) -> int:
    """Where the chunk's last UTF-8 sequence starts if it may continue in the next one."""
    cut = len(chunk)
    while cut > max(0, len(chunk) - 3) and chunk[cut - 1] & 0xC0 == 0x80:
        cut -= 1  # continuation bytes
    if cut > 0 and chunk[cut - 1] >= 0xC0:
        cut -= 1  # the lead byte of a sequence that may be cut short
    return cut


def _valid_utf8(data: bytes) -> bool:
    # Validating in Arrow is zero-copy and much faster than bytes.decode on large files.
    buffer = pa.py_buffer(data)
    offsets = pa.py_buffer(struct.pack("<qq", 0, buffer.size))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buffer])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _converted(source: Source, encoding: str) -> Source:
    """The text re-encoded as UTF-8 into a temporary file (gone with the Source)."""
    converted = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the Source
    decoder = codecs.getincrementaldecoder(encoding)()
    position = 0  # bytes of the file given to the decoder so far
    for chunk in source.chunks():
        pending = len(decoder.getstate()[0])
        try:
            converted.write(decoder.decode(chunk).encode("utf-8"))
        except UnicodeDecodeError as problem:
            converted.close()
            raise _undecodable(source, position - pending + problem.start) from problem
        position += len(chunk)
    try:
        converted.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as problem:
        converted.close()
        pending = position - len(problem.object)
        raise _undecodable(source, pending + problem.start) from problem
    converted.flush()
    size = converted.tell()

    def reopen() -> BinaryIO:
        # Each reader gets its own descriptor (sharing one offset: readers seek first).
        stream = open(os.dup(converted.fileno()), "rb")  # noqa: SIM115 - the caller closes
        stream.seek(0)
        return stream

    return Source(size, reopen)


def _undecodable(source: Source, position: int) -> FileRejected:
    """The sender's line and byte of the first byte that cannot be decoded."""
    line, seen, byte = 1, 0, 0
    for chunk in source.chunks():
        if seen + len(chunk) > position:
            line += chunk.count(b"\n", 0, position - seen)
            byte = chunk[position - seen]
            break
        line += chunk.count(b"\n")
        seen += len(chunk)
    return rejected(
        f"The file is not readable text (byte 0x{byte:02X} on line {line} is "
        'neither UTF-8 nor Windows-1252). Save it again as "CSV UTF-8 (comma delimited)".',
        row=line,
    )


def _line_offset(text: Source, start: int, line_number: int) -> int:
    """Where physical line ``line_number`` (counted from 1 at ``start``) begins."""
    with text.open() as handle:
        for _ in range(line_number - 1):
            handle.seek(start)
            end = handle.read(1_048_576).find(b"\n")
            if end < 0:
                break
            start += end + 1
    return start


# --- the header record --------------------------------------------------------------


def _first_record(prefix: bytes) -> str:
    """The header record (which may span lines inside quotes), decoded."""
    return _first_record_text(prefix.decode("utf-8", "ignore"))


def _first_record_text(prefix: str) -> str:
    """The first non-blank record of the text (quotes may hold line breaks)."""
    prefix = prefix.lstrip("\r\n\t ")
    record = io.StringIO()
    in_quotes = False
    for char in prefix:
        if char == '"':
            in_quotes = not in_quotes
        elif char in "\r\n" and not in_quotes:
            break
        record.write(char)
    return record.getvalue()


def _detect_delimiter(header_record: str) -> str:
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    for char in header_record:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    return max(DELIMITERS, key=lambda delimiter: counts[delimiter])  # first wins a tie


def _find_header(text: bytes, field_table: FieldTable) -> tuple[int, str]:
    """The header's line number and delimiter: of the first records, the one naming the
    most fields under some delimiter (the earlier record, then the preferred delimiter,
    on a tie). Rejects the file, quoting its first rows, when no record names any."""
    prefix = text.decode("utf-8", errors="ignore")
    best: tuple[int, int, int] | None = None  # (fields named, -line, -preference)
    for preference, delimiter in enumerate(DELIMITERS):
        found = best_header_row(_first_records(prefix, delimiter), field_table)
        if found is not None:
            line, named = found
            candidate = (named, -line, -preference)
            best = candidate if best is None else max(best, candidate)
    if best is None:
        raise _no_header(prefix, field_table)
    return -best[1], DELIMITERS[-best[2]]


def _first_records(prefix: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(line number where the record starts, fields) of the first records of the text."""
    reader = csv.reader(io.StringIO(prefix), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for fields in reader:
            records.append((line, fields))
            line = reader.line_num + 1
            if line > HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # malformed quoting further on: the records read so far are enough
    return records


def _no_header(prefix: str, field_table: FieldTable) -> FileRejected:
    """Nothing names a field: quote the first rows; rows that are all one column hint at
    a delimiter we do not read."""
    delimiter = _detect_delimiter(_first_record_text(prefix))
    records = _first_records(prefix, delimiter)
    errors = [ReturnError(None, None, None, no_header_found("the file", records, field_table))]
    with_text = [(line, fields) for line, fields in records if "".join(fields).strip()]
    if with_text and all(len(fields) == 1 for _, fields in with_text):
        errors.insert(0, _one_column_hint(*with_text[0]))
    return FileRejected(errors)


def _one_column_hint(row: int, cells: list[str]) -> ReturnError:
    return ReturnError(
        row=row,
        column=None,
        value=cells[0][:200],
        message=(
            f"Row {row}, the first row with text, was read as a single column. Separate "
            "the columns with commas, semicolons or tabs."
        ),
    )


# --- parsing ------------------------------------------------------------------------


class _IrregularRows:
    """Arrow's handler for records whose field count differs from the header's.

    Records of nothing but whitespace and delimiters are blank lines, skipped but
    remembered so that later rows keep their numbers. Any other is ragged: reported
    (up to the cap, all counted) and the file rejected once parsing is done.
    """

    def __init__(self, delimiter: str, header_line: int) -> None:
        self.delimiter = delimiter
        self.header_line = header_line
        self.blank_records: list[int] = []  # numbers counted from the header record = 1
        self.ragged: list[ReturnError] = []
        self.ragged_total = 0

    def __call__(self, row: pa_csv.InvalidRow) -> str:
        if not row.text.strip(" \t\r\n" + self.delimiter):
            self.blank_records.append(row.number)
            return "skip"
        self.ragged_total += 1
        if len(self.ragged) < MAX_REPORTED_ERRORS:
            self.ragged.append(self._ragged_error(row))
        return "skip"

    def _ragged_error(self, row: pa_csv.InvalidRow) -> ReturnError:
        sheet_row = row.number + self.header_line - 1
        return ReturnError(
            row=sheet_row,
            column=None,
            value=row.text[:200],
            message=(
                f"Row {sheet_row} has {row.actual_columns} fields but the header has "
                f"{row.expected_columns}. Check the row for a missing or extra "
                f"{_DELIMITER_NAMES[self.delimiter]} or an unclosed quote mark."
            ),
        )

    def raise_if_ragged(self) -> None:
        if self.ragged:
            raise FileRejected(self.ragged, total=self.ragged_total)


class _Records:
    """The records from the header on, parsed by Arrow's streaming reader.

    Every record is text, in columns f0, f1, ...; the header is the first. Parsing
    problems past the first block are kept for :meth:`late_rejection`, so that the
    caller sees them once the batches it was given end.
    """

    def __init__(
        self, text: Source, start: int, delimiter: str, width: int, irregular: _IrregularRows
    ) -> None:
        self.irregular = irregular
        self.problem: FileRejected | None = None
        self._handle = text.open()
        self._handle.seek(start)
        try:
            self._reader = _open_csv(self._handle, delimiter, width, irregular)
            first = self._next_batch()
        except FileRejected:
            self._handle.close()
            raise
        columns = _as_text(first) if first is not None else []
        self.header = [value or "" for value in (column[0].as_py() for column in columns)]
        self._first_body = [column.slice(1) for column in columns]
        self._next_record = 2  # parsed records are numbered from the header (record 1)
        self._skipped_blanks = 0
        self._unlabelled = [p for p, name in enumerate(self.header) if not name.strip()]
        self._holding_text: set[int] = set()

    def _next_batch(self) -> pa.RecordBatch | None:
        try:
            return self._reader.read_next_batch()
        except StopIteration:
            return None
        except pa.ArrowInvalid as problem:
            raise rejected(f"The file could not be read as CSV: {problem}.") from problem

    def _bodies(self) -> Iterator[list[pa.Array]]:
        """Each batch's columns as text, the header left out; closes the file at the end."""
        try:
            yield self._first_body
            while self.problem is None:
                try:
                    batch = self._next_batch()
                except FileRejected as problem:
                    self.problem = problem
                    break
                if batch is None:
                    break
                yield _as_text(batch)
        finally:
            self._handle.close()

    def chunks(self, mapping: HeaderMapping) -> Iterator[Chunk]:
        for body in self._bodies():
            rows = len(body[0]) if body else 0
            source_rows = pa.array(self._record_numbers(rows) + (self.irregular.header_line - 1))
            self._note_unlabelled_text(body)
            yield (
                {name: body[position] for name, position in mapping.positions.items()},
                (source_rows),
            )

    def _record_numbers(self, rows: int) -> np.ndarray:
        """The record numbers of the next ``rows`` parsed records: records made of
        whitespace were skipped by the parser, so they are left out of the count."""
        blanks = self.irregular.blank_records
        while self._skipped_blanks < len(blanks) and blanks[self._skipped_blanks] < (
            self._next_record
        ):
            self._skipped_blanks += 1
        ahead = blanks[self._skipped_blanks :]
        candidates = np.arange(self._next_record, self._next_record + rows + len(ahead))
        numbers = candidates[~np.isin(candidates, ahead)][:rows]
        if rows:
            self._next_record = int(numbers[-1]) + 1
        return numbers.astype(np.int64)

    def _note_unlabelled_text(self, body: list[pa.Array]) -> None:
        for position in self._unlabelled:
            if position not in self._holding_text and _holds_text(body[position]):
                self._holding_text.add(position)

    def unlabelled_with_values(self) -> list[str]:
        """Warnings for columns without a header that hold something below it."""
        return [unlabelled(position) for position in sorted(self._holding_text)]

    def late_rejection(self) -> FileRejected | None:
        """Once every batch was read: the file could not be parsed, or had ragged rows."""
        if self.problem is not None:
            return self.problem
        if self.irregular.ragged:
            return FileRejected(self.irregular.ragged, total=self.irregular.ragged_total)
        return None

    def drained_rejection(self) -> FileRejected | None:
        """Read to the end, for the rejection parsing finds (when the header is refused)."""
        for _ in self._bodies():
            pass
        return self.late_rejection()


def _open_csv(
    handle: BinaryIO, delimiter: str, width: int, irregular: _IrregularRows
) -> pa_csv.CSVStreamingReader:
    try:
        return pa_csv.open_csv(
            handle,
            read_options=pa_csv.ReadOptions(
                autogenerate_column_names=True,
                # Single-threaded so that every irregular row is reported with its number.
                use_threads=False,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                # Blank lines must stay rows so that row numbers match the spreadsheet.
                ignore_empty_lines=False,
                invalid_row_handler=irregular,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as problem:
        raise rejected(f"The file could not be read as CSV: {problem}.") from problem


def _as_text(batch: pa.RecordBatch) -> list[pa.Array]:
    return [column.cast(pa.string()) for column in batch.columns]


def _holds_text(values: pa.Array) -> bool:
    return bool(pc.any(pc.not_equal(pc.utf8_trim_whitespace(values), "")).as_py())


# .txt: Excel's "Unicode Text" (tab-separated UTF-16) is saved under that name.
FORMAT = FileFormat(name=NAME, extensions=(".csv", ".tsv", ".txt"), read=read, stream=stream)
