"""Each input format, read and extracted with the real libraries, on small inputs written here."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from builder.ingest.config import IngestConfig
from builder.ingest.decode import Undecodable, decode
from builder.ingest.extract import canonical_url, extract_page

CFG = IngestConfig()

ARTICLE = """<html><head><meta charset="utf-8"><title>Ferry service resumes after storm</title>
<link rel="canonical" href="https://www.tidewater.example/2026/02/03/ferry?utm_source=feed#top">
<meta name="author" content="Mara Quill"><meta property="article:published_time" content="2026-02-03T08:00:00Z">
</head><body><nav><a href="/">Home</a><a href="/local">Local</a></nav><article><h1>Ferry service resumes after storm</h1>
<p>The island ferry sailed again on Monday after three days in port, the operator said in
<a href="https://ferries.example/notice">a short notice</a> posted at dawn.</p>
<p>Passengers queued from six o'clock. "We were running out of milk," said one resident,
who asked that her name not be used. Engineers checked the ramp overnight.</p>
<p>The operator said a full timetable would return on Wednesday if the wind kept dropping,
and that extra sailings were planned for the weekend market.</p></article></body></html>"""


@pytest.fixture
def pages(tmp_path, scan):
    """The raw pages and rejects that the build's input scan gives for the inputs named under tmp_path."""
    return lambda *names, cfg=CFG: scan([tmp_path / n for n in names], cfg, tmp_path)


def test_html_file_extracts_text_metadata_and_link_offsets(tmp_path, pages):
    (tmp_path / "ferry.html").write_text(ARTICLE, encoding="utf-8")
    (raw,) = pages("ferry.html")
    doc = extract_page(raw, CFG)
    assert doc["title"] == "Ferry service resumes after storm"
    assert doc["authors"] == ["Mara Quill"]
    assert doc["published"].isoformat() == "2026-02-03"
    assert doc["canonical_url"] == "https://www.tidewater.example/2026/02/03/ferry"
    assert doc["site"] == "tidewater.example"
    assert "island ferry sailed again" in doc["text"] and "Home" not in doc["text"]
    (link,) = doc["links"]
    assert link["url"] == "https://ferries.example/notice" and link["domain"] == "ferries.example"
    assert doc["text"][link["start"]:link["end"]] == "a short notice"


def test_relative_links_resolve_against_the_canonical_url_and_site_name_is_kept(tmp_path, pages):
    page = ARTICLE.replace('href="https://ferries.example/notice"', 'href="../timetables/winter"').replace(
        "</head>", '<meta property="og:site_name" content="The Tidewater Times"></head>')
    (tmp_path / "ferry.html").write_text(page, encoding="utf-8")
    (raw,) = pages("ferry.html")
    doc = extract_page(raw, CFG)
    (link,) = doc["links"]
    assert link["url"] == "https://www.tidewater.example/2026/02/timetables/winter"
    assert link["domain"] == "tidewater.example"
    assert doc["site_name"] == "The Tidewater Times"


def test_html_text_is_normalised_in_one_element_blocks_and_around_links():
    """NFC, no zero-width characters, one space for runs of NBSP, em spaces, tabs and newlines: in blocks of one
    element and in blocks split by a link (whose offsets must still point at its text), ASCII or not."""
    page = """<html><head><meta charset="utf-8"><title>Hall meeting</title></head><body><article><h1>Hall meeting</h1>
<p>Caf\u00e9 owners\u00a0\u00a0met  in the\u2003hall\u200b on Monday to hear about the harbour wall repairs.</p>
<p>Their re\u0301sume\u0301s were read aloud by the clerk, one after another, until late.</p>
<p>Tabs\tand
newlines  collapse too; the council's <a href="/minutes">\u00a0minutes\u200b </a>\u00a0were approved without a vote.</p>
</article></body></html>"""
    doc = extract_page({"origin": "hall.html", "data": page.encode(), "url": "https://hall.example/news/1", "kind": "html"}, CFG)
    assert doc["text"].split("\n\n") == [
        "Hall meeting",
        "Caf\u00e9 owners met in the hall on Monday to hear about the harbour wall repairs.",
        "Their r\u00e9sum\u00e9s were read aloud by the clerk, one after another, until late.",
        "Tabs and newlines collapse too; the council's minutes were approved without a vote."]
    (link,) = doc["links"]
    assert doc["text"][link["start"]:link["end"]] == link["text"] == "minutes"
    assert link["url"] == "https://hall.example/minutes" and link["domain"] == "hall.example"


def test_a_link_that_starts_with_a_space_points_at_its_words():
    """'by<a> the board</a>': the space belongs to the text between the words, the link starts at 'the'."""
    page = """<html><head><title>Board report</title></head><body><article><h1>Board report</h1>
<p>The report was published by<a href="https://board.example/report"> the harbour board</a>, which met on Monday
to discuss the repairs to the north wall and the cost of dredging the inner basin before the winter storms.</p>
<p>Members agreed to publish the full figures next month, once the engineers have finished their survey.</p>
</article></body></html>"""
    doc = extract_page({"origin": "board.html", "data": page.encode(), "url": "https://board.example/news/2", "kind": "html"}, CFG)
    (link,) = doc["links"]
    assert doc["text"][link["start"]:link["end"]] == link["text"] == "the harbour board"
    assert doc["text"][link["start"] - 3:link["start"]] == "by "


def test_plain_text_passes_through_normalised(tmp_path, pages):
    folder = tmp_path / "scraped"
    folder.mkdir()
    (folder / "page.txt").write_text("Headline here\r\n\r\n\r\nFirst   paragraph\u200b of text that is long enough to keep.\n", encoding="utf-8")
    (raw,) = pages("scraped")
    doc = extract_page(raw, CFG)
    assert doc["text"] == "Headline here\n\nFirst paragraph of text that is long enough to keep."
    assert doc["site"] is None  # no URL and no ingest.default_site: a folder name is not a site
    assert doc["title"] == "Headline here"  # the short first line of a text file
    assert raw["origin"] == "scraped/page.txt"


def test_jsonl_plain_and_gzip_with_bad_lines(tmp_path, pages):
    good = {"url": "https://a.example/1", "text": "A report on the harvest festival that drew a large crowd this year.",
            "fetched_at": "2026-03-01T10:00:00Z", "source": "a-site"}
    lines = [json.dumps(good), "{not json", json.dumps([1, 2]), json.dumps({"url": "x"}), json.dumps({"text": ""})]
    (tmp_path / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(tmp_path / "more.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(good) + "\n")
    items = pages("dump.jsonl", "more.jsonl.gz")
    reasons = {i["origin"]: i.get("reason") for i in items}
    assert reasons == {"dump.jsonl#1": None, "dump.jsonl#2": "invalid-json", "dump.jsonl#3": "not-an-object",
                       "dump.jsonl#4": "no-content", "dump.jsonl#5": None, "more.jsonl.gz#1": None}
    doc = extract_page(items[0], CFG)
    assert doc["fetched_at"].isoformat() == "2026-03-01T10:00:00+00:00"
    assert extract_page(items[4], CFG)["reason"] == "empty"


def test_gzip_bomb_stops_at_the_limit(tmp_path, pages):
    line = (json.dumps({"text": "x" * 1000}) + "\n").encode()
    with gzip.open(tmp_path / "big.jsonl.gz", "wb") as handle:
        for _ in range(2000):
            handle.write(line)
    items = pages("big.jsonl.gz", cfg=IngestConfig(max_decompressed_bytes=100_000))
    assert items[-1]["reason"] == "decompression-bomb"
    assert sum("data" in i for i in items) < 100


def _warc(path, records, cut: int | None = None):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, status, ctype, body in records:
        headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                                      warc_headers_dict={"WARC-Date": "2026-01-05T12:00:00Z"}))
    data = buffer.getvalue()
    path.write_bytes(data[:cut] if cut else data)


def test_warc_responses_pages_and_rejects(tmp_path, pages):
    _warc(tmp_path / "crawl.warc.gz", [
        ("https://www.tidewater.example/ferry", "200 OK", "text/html; charset=utf-8", ARTICLE.encode()),
        ("https://www.tidewater.example/gone", "404 Not Found", "text/html", b"<p>missing</p>"),
        ("https://www.tidewater.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n\x00\x00"),
    ])
    items = pages("crawl.warc.gz")
    assert [i.get("reason") for i in items] == [None, "http-404", "unsupported-content-type"]
    doc = extract_page(items[0], CFG)
    assert doc["url"] == "https://www.tidewater.example/ferry"
    assert doc["fetched_at"].year == 2026 and "ferry sailed" in doc["text"]


def test_truncated_warc_is_a_reject_not_a_crash(tmp_path, pages):
    _warc(tmp_path / "cut.warc.gz", [("https://t.example/a", "200 OK", "text/html", ARTICLE.encode() * 3)], cut=500)  # the whole file is about 860 bytes
    items = pages("cut.warc.gz")
    assert [i.get("reason") for i in items] == ["truncated-archive"]


def test_unsupported_file_is_a_reject(tmp_path, pages):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 junk")
    assert [i["reason"] for i in pages("scan.pdf")] == ["unsupported-file-type"]


@pytest.mark.parametrize("data, reason", [(b"", "empty"), (b"  \n", "empty"), (b"\x00\x01\x02binary\x00", "binary"),
                                          (b"<p>\x01\x02\x1b text\t</p>\r\n" * 20, "binary")])  # no NUL, 15% controls
def test_decode_refuses_empty_and_binary(data, reason):
    with pytest.raises(Undecodable) as info:
        decode(data)
    assert info.value.reason == reason


def test_decode_detects_undeclared_windows_1252():
    text = "Le café de René a reçu un prix pour son crème brûlée, à Zürich. " * 5
    decoded, encoding = decode(text.encode("cp1252"))
    assert decoded == text and encoding in ("cp1252", "latin_1", "iso8859-1", "windows-1252")


def test_decode_prefers_declared_charset():
    html = '<meta charset="iso-8859-15"><p>Prix: 5 \u20ac</p>'.encode("iso-8859-15")
    assert decode(html) == ('<meta charset="iso-8859-15"><p>Prix: 5 \u20ac</p>', "iso8859-15")


def test_canonical_url_drops_tracking_and_fragment():
    assert canonical_url("https://WWW.Tide.example/a?utm_source=x&id=3#top") == "https://www.tide.example/a?id=3"
    assert canonical_url("  ") is None
