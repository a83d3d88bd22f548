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
from pathlib import Path
from typing import Iterator, Optional

from pydantic import BaseModel, ConfigDict, ValidationError

from builder.ingest.config import IngestConfig

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz")


def reject(origin: str, reason: str, detail: str, url: str | None = None, stage: str = "ingest") -> dict:
    return {"origin": origin, "url": url, "stage": stage, "reason": reason, "detail": detail}


def page(origin: str, data: bytes, kind: str, url=None, content_type=None, fetched_at=None, site=None) -> dict:
    return {
        "origin": origin,
        "url": url,
        "data": data,
        "kind": kind,
        "content_type": content_type,
        "fetched_at": fetched_at,
        "site": site,
    }


def _suffix(path: Path) -> str:
    lower = path.name.lower()
    for suffix in JSONL_SUFFIXES + WARC_SUFFIXES + HTML_SUFFIXES + TEXT_SUFFIXES:
        if lower.endswith(suffix):
            return suffix
    return path.suffix.lower()


def iter_files(inputs: list[Path], base: Path | None = None, standalone: frozenset[Path] = frozenset()) -> Iterator[tuple[Path, str]]:
    """(file, name to record) for every file under the inputs, in a stable order.

    The recorded name is relative to `base` (the project folder) or else to the input's parent, so
    that builds from different working folders record the same origins; inputs in `standalone` (local
    mirrors of remote inputs, which live in the work folder) are always named from their parent, as
    the same files read locally would be. Hidden files are skipped.
    """
    for root in inputs:
        inside = base is not None and root not in standalone and root.resolve().is_relative_to(base.resolve())
        anchor = base if inside else root.parent
        if root.is_file():
            found = [root]
        else:
            found = []
            for folder, dirs, files in os.walk(root):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found.extend(Path(folder) / f for f in files)
        for path in sorted(found):
            yield path, Path(os.path.relpath(path.resolve(), anchor.resolve())).as_posix()


class JsonlPage(BaseModel):
    """One line of a scraper's JSONL dump. Unknown keys are allowed: dumps carry many."""

    model_config = ConfigDict(extra="ignore")
    url: Optional[str] = None
    html: Optional[str] = None
    text: Optional[str] = None
    content: Optional[str] = None
    fetched_at: Optional[str] = None
    source: Optional[str] = None


def _open_lines(path: Path):
    """A binary line stream of a plain, .gz or .zst file (decompressed as it is read)."""
    raw = path.open("rb")
    lower = path.name.lower()
    if lower.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)
    if lower.endswith(".zst"):
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    return raw


def read_jsonl(path: Path, name: str, cfg: IngestConfig) -> Iterator[dict]:
    """Lines are read one at a time, so memory stays flat and a decompression bomb stops at the limit."""
    try:
        with _open_lines(path) as stream:
            yield from _jsonl_records(stream, name, cfg)
    except (OSError, EOFError, ValueError) as exc:
        yield reject(name, "corrupt-archive", f"cannot read past a broken compressed stream: {exc}")


def _bounded_lines(stream, limit: int) -> Iterator[tuple[bytes | None, int]]:
    """(line, length) pairs; a line longer than `limit` comes as (None, length) and is never held whole."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        length = len(line)
        if length > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of an over-long line, a chunk at a time
                line = stream.readline(1 << 20)
                length += len(line)
            yield None, length
        else:
            yield line, length


def safe_str(value: str | None) -> str | None:
    """Text fields from inputs may hold lone surrogates (JSON "\\ud800"); Parquet needs valid UTF-8."""
    return value.encode("utf-8", "replace").decode("utf-8") if value is not None else None


def _jsonl_records(stream, name: str, cfg: IngestConfig) -> Iterator[dict]:
    total = 0
    for number, (line, length) in enumerate(_bounded_lines(stream, cfg.max_page_bytes), start=1):
        origin = f"{name}#{number}"
        total += length
        if total > cfg.max_decompressed_bytes:
            yield reject(name, "decompression-bomb",
                         f"more than {cfg.max_decompressed_bytes:,} bytes after decompression; stopped reading "
                         "(raise ingest.max_decompressed_bytes if the file is genuine)")
            return
        if line is None:
            yield reject(origin, "too-large", f"line {number} is {length:,} bytes, over ingest.max_page_bytes")
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield reject(origin, "invalid-json", f"line {number} is not valid JSON ({getattr(exc, 'msg', exc)})")
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


def read_warc(path: Path, name: str, cfg: IngestConfig) -> Iterator[dict]:
    from warcio.archiveiterator import ArchiveIterator

    offset = 0
    try:
        with path.open("rb") as raw:
            records = ArchiveIterator(raw)
            for record in records:
                if record.rec_type != "response":
                    continue  # warcinfo, request, metadata: not pages
                url = record.rec_headers.get_header("WARC-Target-URI")
                status = record.http_headers.get_statuscode() if record.http_headers else None
                ctype = record.http_headers.get_header("Content-Type") if record.http_headers else None
                data = record.content_stream().read(cfg.max_page_bytes + 1)
                missing = getattr(record.raw_stream, "limit", 0)  # declared bytes the archive did not hold
                # The offset must be asked for after reading: warcio skips to the record's end to tell it.
                offset = records.get_record_offset()
                origin = f"{name}#{offset}"
                if missing and len(data) <= cfg.max_page_bytes:
                    yield reject(origin, "truncated-archive",
                                 f"the record ends {missing:,} bytes short of its declared length; the archive is cut off", url=url)
                elif status and status != "200":
                    yield reject(origin, f"http-{status}", f"HTTP status {status}, not a page", url=url)
                elif ctype and not any(t in ctype.lower() for t in ("html", "text/plain", "xml")):
                    yield reject(origin, "unsupported-content-type", f"content type {ctype} is not a text page", url=url)
                else:
                    kind = "text" if ctype and "text/plain" in ctype.lower() else "html"
                    yield page(origin, data, kind, url=url, content_type=ctype,
                               fetched_at=record.rec_headers.get_header("WARC-Date"))
    except Exception as exc:  # warcio fails in many ways on cut or corrupt archives (even AttributeError)
        yield reject(f"{name}#{offset}", "truncated-archive",
                     f"WARC ends or breaks after offset {offset} ({type(exc).__name__}: {exc}); records before it were kept")


def read_file(path: Path, name: str, cfg: IngestConfig) -> Iterator[dict]:
    suffix = _suffix(path)
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path, name, cfg)
    elif suffix in WARC_SUFFIXES:
        yield from read_warc(path, name, cfg)
    elif suffix in HTML_SUFFIXES + TEXT_SUFFIXES:
        try:
            size = path.stat().st_size
            if size > cfg.max_page_bytes:
                yield reject(name, "too-large", f"{size:,} bytes is over ingest.max_page_bytes ({cfg.max_page_bytes:,})")
                return
            data = path.read_bytes()
        except OSError as exc:
            yield reject(name, "unreadable", f"cannot read the file: {exc.strerror}")
            return
        kind = "html" if suffix in HTML_SUFFIXES else "text"
        yield page(name, data, kind)  # no site: extraction finds it in the page, or uses ingest.default_site
    else:
        yield reject(name, "unsupported-file-type",
                     f"'{path.suffix or path.name}' is not an input format (html, htm, txt, md, jsonl[.gz|.zst], warc[.gz])")


def read_inputs(inputs: list[Path], cfg: IngestConfig, base: Path | None = None) -> Iterator[dict]:
    """Every raw page and file-level reject of the inputs, in a stable order."""
    for path, name in iter_files(inputs, base):
        yield from read_file(path, name, cfg)
