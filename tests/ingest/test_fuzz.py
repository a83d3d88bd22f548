"""Property-based fuzzing of ingest and page cleaning: whatever the bytes, every input ends as a document
or a reject with a reason, and no exception escapes. A bounded run here; bench/fuzz_ingest.py runs longer."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from builder.clean.config import CleanConfig
from builder.ingest.config import IngestConfig
from builder.ingest.decode import Undecodable, decode
from builder.ingest.readers import MAX_JSON_DEPTH, parse_line, read_file
from builder.ingest.stage import ExtractStage
from builder.records import Document, Reject
from builder.stage import Chain

INGEST = IngestConfig(isolate=False)  # the guard is tested on its own; here we want many fast examples
# 40 examples per property in the suite; bench/fuzz_ingest.py sets NEWSCORPUS_FUZZ_EXAMPLES for a long run.
FUZZ = settings(max_examples=int(os.environ.get("NEWSCORPUS_FUZZ_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])

TAGS = st.sampled_from(["p", "div", "article", "nav", "h1", "li", "ul", "a", "script", "style", "table", "td", "br"])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@st.composite
def html_pages(draw):
    parts = ["<html><head><title>", draw(TEXT), "</title></head><body>"]
    for _ in range(draw(st.integers(0, 30))):
        tag = draw(TAGS)
        parts += [f"<{tag}>", draw(TEXT)]
        if draw(st.booleans()):
            parts.append(f"</{tag}>")
    if draw(st.booleans()):
        parts.append("</body></html>")
    return "".join(parts).encode("utf-8", "surrogatepass")


def page_chain():
    stages = [ExtractStage(INGEST)]
    try:  # the page-level boilerplate rules, where that stage exists
        from builder.clean.boilerplate import BoilerplateStage

        stages.append(BoilerplateStage(CleanConfig()))
    except ImportError:
        pass
    chain = Chain(*stages)
    chain.setup()
    return chain


CHAIN = page_chain()


def run_file(path, name):
    """Read one input file and push its pages through extraction and cleaning; check the contract."""
    items = list(read_file(path, name, INGEST))
    pages = [i for i in items if "data" in i]
    for reject in (i for i in items if "data" not in i):
        Reject.model_validate(reject)
    documents, rejects = CHAIN.process(pages)
    for reject in rejects:
        Reject.model_validate(reject)
        assert reject["reason"] and reject["detail"]
    for doc in documents:
        Document.model_validate({k: v for k, v in doc.items()})
    assert len(documents) + len(rejects) == len(pages)  # nothing vanishes
    return items


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["page.html", "page.txt", "dump.jsonl", "crawl.warc",
                                                   "crawl.warc.gz", "dump.jsonl.gz", "dump.jsonl.zst", "page.md"]))
def test_random_bytes_under_any_name(tmp_path_factory, data, name):
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    assert run_file(path, name) is not None


@FUZZ
@given(html_pages())
def test_random_html(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "page.html"
    path.write_bytes(data)
    run_file(path, "page.html")


@FUZZ
@given(st.lists(st.one_of(
    st.dictionaries(st.sampled_from(["url", "html", "text", "fetched_at", "source", "content"]),
                    st.one_of(TEXT, st.integers(), st.none(), st.lists(st.integers(), max_size=2)), max_size=5),
    st.lists(st.integers(), max_size=3), TEXT.map(lambda t: {"text": t})), max_size=8),
    st.booleans())
def test_random_jsonl(tmp_path_factory, records, compress):
    lines = "\n".join(json.dumps(r) for r in records).encode()
    name = "dump.jsonl.gz" if compress else "dump.jsonl"
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(gzip.compress(lines, mtime=0) if compress else lines)
    items = run_file(path, name)
    assert len(items) == sum(1 for line in lines.split(b"\n") if line.strip())


@FUZZ
@given(st.lists(st.tuples(html_pages(), st.sampled_from(["200 OK", "404 Not Found", "301 Moved"]),
                          st.sampled_from(["text/html", "text/html; charset=latin-1", "image/png", "text/plain"])),
                min_size=1, max_size=4), st.integers(0, 100))
def test_random_warc_records_even_truncated(tmp_path_factory, records, cut_percent):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for body, status, ctype in records:
        headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://fuzz.example/p", "response", payload=io.BytesIO(body),
                                                      http_headers=headers))
    data = buffer.getvalue()
    path = tmp_path_factory.mktemp("fuzz") / "crawl.warc.gz"
    path.write_bytes(data[: max(1, len(data) * cut_percent // 100)])
    run_file(path, "crawl.warc.gz")


BOMS = st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
                        codecs.BOM_UTF32_BE])
DECLARED = st.sampled_from([None, "text/html", "text/html; charset=utf-16", "text/html; charset=utf-32be",
                            "text/html; charset=latin-1", "text/html; charset=no-such-codec"])


@FUZZ
@given(BOMS, st.one_of(st.binary(max_size=2000), TEXT.map(lambda t: t.encode("utf-16-le")), html_pages()),
       DECLARED, st.sampled_from([b"", b'<meta charset="utf-16">', b'<meta charset="latin-1">']))
def test_decode_any_bytes_after_any_mark_or_declaration(bom, body, content_type, meta):
    """Text or Undecodable, nothing else, whatever the mark, the header and the meta tag say."""
    try:
        text, encoding = decode(bom + meta + body, content_type)
    except Undecodable as exc:
        assert exc.reason in {"empty", "binary", "undecodable"} and exc.detail
    else:
        assert isinstance(text, str) and encoding


@st.composite
def nested_lines(draw):
    """(line, depth): a JSON value nested to a random depth, with brackets inside strings that must not count."""
    openers = draw(st.lists(st.sampled_from(["[", '{"k": ', '["[{", ']), max_size=3 * MAX_JSON_DEPTH))
    closers = {"[": "]", '{"k": ': "}", '["[{", ': "]"}
    line = "".join(openers) + draw(st.sampled_from(["1", '"}}]]"', "null", "1" * 1200])) + "".join(
        closers[o] for o in reversed(openers))
    return line, len(openers)


@FUZZ
@given(nested_lines())
def test_json_lines_of_any_depth_end_as_a_value_or_a_clear_error(case):
    line, depth = case
    try:
        parse_line(line.encode())
    except ValueError as exc:
        assert ("nested more than" in str(exc)) == (depth > MAX_JSON_DEPTH) or "digits" in str(exc)
    else:
        assert "1" * 1200 not in line and depth <= MAX_JSON_DEPTH
