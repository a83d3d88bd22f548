"""WARC -> raw pages, through warcio, in time linear in the file and memory bounded by the limits.

warcio reads header lines with an unbounded readline that grows the line by concatenation: a WARC
without newlines took 202 s for 64 MB and held the whole file. Its reader is swapped here for one whose
lines are bounded (MAX_LINE; a longer one ends the file with a reject) and built in a list, and which
counts what each gzip member inflates to against ingest.max_decompressed_bytes. Record payloads are read with a bound
too (ingest.max_page_bytes), and records are skipped by warcio in fixed-size blocks.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.utils import BUFF_SIZE

from builder.ingest.config import IngestConfig
from builder.ingest.files import Refused, open_regular
from builder.ingest.raw import page, reject

# WARC and HTTP header lines are short; a URL of a megabyte is already absurd.
MAX_LINE = 1 << 20


class ArchiveLimit(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


class BoundedReader(DecompressingBufferedReader):
    """warcio's reader with linear, bounded lines and a budget of decompressed bytes."""

    def __init__(self, stream, budget: int):
        super().__init__(stream, block_size=BUFF_SIZE)
        self.budget = budget

    def _process_read(self, data):
        super()._process_read(data)
        # Per gzip member (a record, in a .warc.gz): a whole crawl file inflates past any sane budget, a
        # record does not. An uncompressed WARC is bounded by its size on disk.
        if self.decompressor is not None and self.num_block_read > self.budget:
            raise ArchiveLimit("decompression-bomb", f"a compressed record inflates past {self.budget:,} bytes; "
                               "stopped reading (raise ingest.max_decompressed_bytes if the file is genuine)")

    def readline(self, length=None):
        wanted = MAX_LINE + 1 if length is None else min(length, MAX_LINE + 1)
        parts, got = [], 0
        while got < wanted:
            self._fillbuff()
            if self.empty():
                break
            part = self.buff.readline(wanted - got)
            parts.append(part)
            got += len(part)
            if part.endswith(b"\n"):
                break
        if got > MAX_LINE:
            raise ArchiveLimit("malformed-archive", f"a header line runs over {MAX_LINE:,} bytes without a newline: "
                               "not a WARC record")
        return b"".join(parts)


def read_warc(path: Path, name: str, cfg: IngestConfig) -> Iterator[dict]:
    offset = 0
    kinds: Counter[str] = Counter()
    pages = 0
    try:
        raw = open_regular(path)
    except Refused as refused:
        yield reject(name, refused.reason, refused.detail)
        return
    try:
        with raw:
            records = ArchiveIterator(raw)
            records.reader = BoundedReader(records.fh, cfg.max_decompressed_bytes)
            for record in records:
                kinds[record.rec_type] += 1
                if record.rec_type != "response":
                    continue  # warcinfo, request, metadata: not pages
                pages += 1
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
    except ArchiveLimit as limit:
        yield reject(f"{name}#{offset}", limit.reason, f"{limit.detail} after offset {offset}; records before it were kept")
        return
    except Exception as exc:  # warcio fails in many ways on cut or corrupt archives (even AttributeError)
        yield reject(f"{name}#{offset}", "truncated-archive",
                     f"WARC ends or breaks after offset {offset} ({type(exc).__name__}: {exc}); records before it were kept")
        return
    if not pages:
        held = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "no records"
        yield reject(name, "no-pages", f"the WARC holds no response records ({held}): nothing to extract")
