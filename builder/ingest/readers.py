"""Inputs -> raw pages. One reader per input format; each yields raw pages or rejects, never raises.

A raw page is a plain dict:
  origin        file path, with '#<line>' (JSONL) or '#<offset>' (WARC) inside containers
  url           as given by the input, or None
  data          the page bytes (HTML or plain text)
  kind          'html' | 'text'
  content_type  the HTTP Content-Type, when the input has one
  fetched_at    ISO 8601 string or None
  site          the site the input declares (JSONL 'source'), or None
A reject is a dict with the fields of `builder.records.Reject`.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import zlib
from pathlib import Path
from typing import Iterator, Optional

from pydantic import BaseModel, ConfigDict, ValidationError

from builder.ingest.config import IngestConfig
from builder.ingest.files import Refused, open_regular
from builder.ingest.raw import page, reject

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz")


def _suffix(path: Path) -> str:
    lower = path.name.lower()
    for suffix in JSONL_SUFFIXES + WARC_SUFFIXES + HTML_SUFFIXES + TEXT_SUFFIXES:
        if lower.endswith(suffix):
            return suffix
    return path.suffix.lower()


class JsonlPage(BaseModel):
    """One line of a scraper's JSONL dump. Unknown keys are allowed: dumps carry many."""

    model_config = ConfigDict(extra="ignore")
    url: Optional[str] = None
    html: Optional[str] = None
    text: Optional[str] = None
    content: Optional[str] = None
    fetched_at: Optional[str] = None
    source: Optional[str] = None


GZIP_MAGIC, ZSTD_MAGIC = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"
# A JSONL record is a flat object; deeper lines are refused before the parser recurses into them.
MAX_JSON_DEPTH = 100
# Longer numbers are refused before they are converted (Python's own limit for int is 4,300 digits).
MAX_NUMBER_DIGITS = 1000
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


class OverBudget(Exception):
    """More bytes came out of a stream than ingest.max_decompressed_bytes allows."""


def open_stream(path: Path):
    """A binary stream of a plain, gzip or zstd file, decompressed as it is read. The format is told by the
    file's first bytes, not its name: gzip data named .jsonl.zst is still read."""
    raw = open_regular(path)
    magic = raw.peek(4)[:4]
    if magic.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    if magic == ZSTD_MAGIC:
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=False, read_across_frames=True)), raw
    return raw, raw


def read_jsonl(path: Path, name: str, cfg: IngestConfig) -> Iterator[dict]:
    """Lines are read one at a time, so memory stays flat and a decompression bomb stops at the limit."""
    try:
        stream, raw = open_stream(path)
    except Refused as refused:
        yield reject(name, refused.reason, refused.detail)
        return
    with raw, stream:
        try:
            yield from _jsonl_records(stream, name, cfg)
        except OverBudget:
            yield reject(name, "decompression-bomb",
                         f"more than {cfg.max_decompressed_bytes:,} bytes after decompression; stopped reading "
                         "(raise ingest.max_decompressed_bytes if the file is genuine)")
        except (gzip.BadGzipFile, EOFError, ValueError, zlib.error, _zstd_error()) as exc:
            yield reject(name, "corrupt-archive", f"cannot read past a broken compressed stream: {exc}")
        except OSError as exc:
            yield reject(name, "unreadable", f"reading failed: {exc.strerror or exc}; check the file and build again")


def _zstd_error() -> type[Exception]:
    import zstandard  # imported only where a file needs it

    return zstandard.ZstdError


def _bounded_lines(stream, limit: int, budget: int) -> Iterator[tuple[bytes | None, int]]:
    """(line, length) pairs; a line longer than `limit` comes as (None, length) and is never held whole.
    Raises OverBudget once more than `budget` bytes came out of the stream, inside a line or not."""
    total = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        length = len(line)
        too_long = length > limit and not line.endswith(b"\n")
        while too_long and line and not line.endswith(b"\n") and total + length <= budget:
            line = stream.readline(1 << 20)  # skip the rest of an over-long line, a chunk at a time
            length += len(line)
        total += length
        if total > budget:
            raise OverBudget
        yield (None if too_long else line), length


def _bounded_int(digits: str) -> int:
    if len(digits) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of {len(digits):,} digits (at most {MAX_NUMBER_DIGITS:,})")
    return int(digits)


def _bounded_float(digits: str) -> float:
    if len(digits) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of {len(digits):,} characters (at most {MAX_NUMBER_DIGITS:,})")
    return float(digits)


def json_depth(line: bytes) -> int:
    """How deep the arrays and objects of a JSON line nest (brackets inside strings do not count)."""
    if line.count(b"{") + line.count(b"[") <= MAX_JSON_DEPTH:  # the usual line: no need to look closer
        return MAX_JSON_DEPTH
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub(b"", line)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_line(line: bytes):
    """The JSON value of a line; ValueError with a message when it is not JSON or over the limits."""
    if json_depth(line) > MAX_JSON_DEPTH:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(line, parse_int=_bounded_int, parse_float=_bounded_float)
    except json.JSONDecodeError as exc:
        raise ValueError(exc.msg) from None
    except RecursionError:  # cannot happen below MAX_JSON_DEPTH; kept so that no line can stop a file
        raise ValueError("nested too deep") from None


def safe_str(value: str | None) -> str | None:
    """Text fields from inputs may hold lone surrogates (JSON "\\ud800"); Parquet needs valid UTF-8."""
    return value.encode("utf-8", "replace").decode("utf-8") if value is not None else None


def _jsonl_records(stream, name: str, cfg: IngestConfig) -> Iterator[dict]:
    for number, (line, length) in enumerate(_bounded_lines(stream, cfg.max_page_bytes, cfg.max_decompressed_bytes), start=1):
        origin = f"{name}#{number}"
        if line is None:
            yield reject(origin, "too-large", f"line {number} is {length:,} bytes, over ingest.max_page_bytes")
            continue
        if not line.strip():
            continue
        try:
            value = parse_line(line)
        except ValueError as exc:  # UnicodeDecodeError is one too
            yield reject(origin, "invalid-json", f"line {number} is not valid JSON ({exc})")
            continue
        if not isinstance(value, dict):
            yield reject(origin, "not-an-object", f"line {number} is a JSON {type(value).__name__}, not an object with 'html' or 'text'")
            continue
        try:
            record = JsonlPage.model_validate(value)
        except ValidationError as exc:
            problem = exc.errors()[0]
            yield reject(origin, "invalid-record", f"line {number}: '{problem['loc'][0]}' {problem['msg'].lower()}")
            continue
        body = next((v for v in (record.html, record.text, record.content) if v is not None), None)
        if body is None:
            yield reject(origin, "no-content", f"line {number} has neither 'html' nor 'text'", url=safe_str(record.url))
            continue
        kind = "html" if record.html is not None else "text"
        yield page(origin, body.encode("utf-8", "surrogatepass"), kind, url=safe_str(record.url),
                   fetched_at=safe_str(record.fetched_at), site=safe_str(record.source))


def read_file(path: Path, name: str, cfg: IngestConfig) -> Iterator[dict]:
    suffix = _suffix(path)
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path, name, cfg)
    elif suffix in WARC_SUFFIXES:
        from builder.ingest.warc import read_warc  # warcio is imported only where there are WARCs

        yield from read_warc(path, name, cfg)
    elif suffix in HTML_SUFFIXES + TEXT_SUFFIXES:
        try:
            with open_regular(path) as handle:
                size = os.fstat(handle.fileno()).st_size
                data = b"" if size > cfg.max_page_bytes else handle.read(cfg.max_page_bytes + 1)  # bounded: it may grow
        except Refused as refused:
            yield reject(name, refused.reason, refused.detail)
            return
        except OSError as exc:
            yield reject(name, "unreadable", f"cannot read the file: {exc.strerror}")
            return
        if size > cfg.max_page_bytes or len(data) > cfg.max_page_bytes:
            yield reject(name, "too-large", f"{max(size, len(data)):,} bytes is over ingest.max_page_bytes ({cfg.max_page_bytes:,})")
            return
        kind = "html" if suffix in HTML_SUFFIXES else "text"
        yield page(name, data, kind)  # no site: extraction finds it in the page, or uses ingest.default_site
    else:
        yield reject(name, "unsupported-file-type",
                     f"'{path.suffix or path.name}' is not an input format (html, htm, txt, md, jsonl[.gz|.zst], warc[.gz])")
