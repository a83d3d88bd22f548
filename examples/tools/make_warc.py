#!/usr/bin/env python3
"""Write examples/warc/crawl.warc.gz and examples/broken/truncated.warc.gz with warcio.

Pages come from examples/tools/warc_pages/*.html (written by make_pages.py); the URL of each page
is its <link rel="canonical">. Everything is fixed (WARC-Date, WARC-Record-ID, HTTP Date, gzip
header mtime), so running this twice gives byte-identical files.

crawl.warc.gz holds: one warcinfo record; a request + response pair (HTTP 200, text/html;
charset=utf-8) for each page; a request + 404 response; a request + image/png response.
truncated.warc.gz holds warcinfo + request + response for a short page, cut off in the middle of
the response record.
"""
from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

TOOLS = Path(__file__).resolve().parent
EX = TOOLS.parent
NS = uuid.UUID("6f1c3a52-9d0e-4b8f-a7c4-2e5b8d9f0a11")


def rid(name: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(NS, name)}>"


def http_date(warc_date: str) -> str:
    # warc_date like 2026-02-12T20:05:00Z -> RFC 7231 date (fixed weekday table avoids locale issues)
    import datetime as _dt
    d = _dt.datetime.strptime(warc_date, "%Y-%m-%dT%H:%M:%SZ")
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{days[d.weekday()]}, {d.day:02d} {months[d.month - 1]} {d.year} {d:%H:%M:%S} GMT"


def write_pair(writer: WARCWriter, url: str, warc_date: str, status: str, ctype: str, body: bytes) -> None:
    host = re.match(r"https?://([^/]+)", url).group(1)
    path = url.split(host, 1)[1] or "/"
    req_headers = StatusAndHeaders(f"GET {path} HTTP/1.1", [
        ("Host", host),
        ("User-Agent", "newscorpus-sample-crawler/1.0 (+https://newscorpus.example/bot)"),
        ("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
        ("Accept-Encoding", "identity"),
    ], is_http_request=True)
    resp_headers = StatusAndHeaders(status, [
        ("Date", http_date(warc_date)),
        ("Server", "nginx"),
        ("Content-Type", ctype),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "max-age=300"),
    ], protocol="HTTP/1.1")
    resp = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=resp_headers,
        warc_headers_dict={"WARC-Date": warc_date, "WARC-Record-ID": rid("response " + url)})
    req = writer.create_warc_record(
        url, "request", payload=io.BytesIO(b""), http_headers=req_headers,
        warc_headers_dict={"WARC-Date": warc_date, "WARC-Record-ID": rid("request " + url)})
    writer.write_request_response_pair(req, resp)


def write_warcinfo(writer: WARCWriter, filename: str, date: str) -> None:
    info = (f"software: newscorpus examples/tools/make_warc.py (warcio)\r\n"
            f"format: WARC File Format 1.1\r\n"
            f"description: bundled sample crawl of invented news sites\r\n"
            f"isPartOf: newscorpus-examples\r\n").encode("utf-8")
    rec = writer.create_warc_record(
        "", "warcinfo", payload=io.BytesIO(info), warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": rid("warcinfo " + filename),
                           "WARC-Filename": filename})
    writer.write_record(rec)


NOT_FOUND = b"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Page not found | The Harbour Gazette</title></head>
<body><h1>Sorry, we couldn't find that page</h1>
<p>The article you were looking for may have been moved or deleted.</p>
<p><a href="https://www.harbourgazette.example/">Go to the homepage</a></p></body></html>
"""

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

SNOW_PAGE = """<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8">
<title>Snow emergency declared as 10 inches forecast | Northfield Post</title>
<link rel="canonical" href="https://www.northfieldpost.example/2026/03/05/snow-emergency-declared">
</head><body><article><h1>Snow emergency declared as 10 inches forecast</h1>
<p>The city of Northfield declared a snow emergency on Thursday afternoon ahead of a storm expected to drop up to ten inches of snow overnight. Parking is banned on all snow routes from 10 p.m.</p>
<p>"Please move your cars so the plows can do their job," public works director Alan Reese said. Vehicles left on marked routes will be towed at the owner's expense, and the city's impound lot will open early on Friday.</p>
<p>Schools in the district will start two hours late, and the Northfield Post will publish updated closings on its website throughout the morning.</p>
</article></body></html>
"""


def main() -> None:
    pages = []
    for p in sorted((TOOLS / "warc_pages").glob("*.html")):
        html = p.read_text(encoding="utf-8")
        url = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
        pub = re.search(r'<meta property="article:published_time" content="([^"]+)"', html).group(1)
        # crawled 45 minutes after publication (fixed, derived from the page itself)
        hh, mm = int(pub[11:13]), int(pub[14:16]) + 45
        hh, mm = hh + mm // 60, mm % 60
        date = f"{pub[:11]}{hh:02d}:{mm:02d}:{pub[17:19]}Z"
        pages.append((date, url, html.encode("utf-8")))
    pages.sort()

    out = EX / "warc" / "crawl.warc.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    write_warcinfo(w, out.name, "2026-03-08T00:00:00Z")
    for i, (date, url, body) in enumerate(pages):
        write_pair(w, url, date, "200 OK", "text/html; charset=utf-8", body)
        if i == 1:
            write_pair(w, "https://www.harbourgazette.example/2026/02/28/missing-page", "2026-02-28T10:00:00Z",
                       "404 Not Found", "text/html; charset=utf-8", NOT_FOUND)
        if i == 3:
            write_pair(w, "https://www.dailymeridian.example/static/img/logo.png", "2026-03-01T09:15:00Z",
                       "200 OK", "image/png", PNG + b"\x00junk\x13\x37" * 8)
    out.write_bytes(buf.getvalue())

    # truncated copy: warcinfo + request + response, cut in the middle of the response record
    tb = io.BytesIO()
    tw = WARCWriter(tb, gzip=True, warc_version="WARC/1.1")
    write_warcinfo(tw, "truncated.warc.gz", "2026-03-08T00:00:00Z")
    before = tb.tell()
    write_pair(tw, "https://www.northfieldpost.example/2026/03/05/snow-emergency-declared", "2026-03-05T21:30:00Z",
               "200 OK", "text/html; charset=utf-8", SNOW_PAGE.encode("utf-8"))
    data = tb.getvalue()
    # the response record is written first by write_request_response_pair; cut inside it
    cut = before + (len(data) - before) // 3
    (EX / "broken").mkdir(exist_ok=True)
    (EX / "broken" / "truncated.warc.gz").write_bytes(data[:cut])
    print(f"{out}: {len(pages)} pages, {out.stat().st_size} bytes; truncated.warc.gz: {cut} of {len(data)} bytes")


if __name__ == "__main__":
    main()
