"""Hostile inputs made here (FIFOs, device links, byte names, deep JSON, mislabelled and endless compressed
streams, newline-less WARCs, links out of the inputs, files named twice): each ends as a page or a reject
with its reason, quickly and in bounded memory, and nothing outlives a killed build."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from builder.config import parse_config
from builder.pipeline import build
from builder.ingest.config import IngestConfig
from builder.ingest.decode import decode
from builder.ingest.readers import read_file

CFG = IngestConfig(isolate=False)
STORY = ("<html><body><article><p>{} The harbour council met on Monday to discuss the sea wall, and residents "
         "asked many questions about the budget for the coming year.</p></article></body></html>")
OFF = {"entities": False, "claims": False, "sources": False}


def reasons(items) -> list[str]:
    return [item.get("reason", "page") for item in items]


@pytest.fixture
def read(scan):
    """read(folder, cfg, *inputs): the pages and rejects of the build's input scan of the inputs (default:
    the folder), named relative to the folder."""
    return lambda folder, cfg=CFG, *inputs: scan(list(inputs) or [folder], cfg, folder)


def test_fifo_sockets_and_devices_are_rejected_by_kind_without_reading(tmp_path, read):
    import socket

    inputs = tmp_path / "in"
    inputs.mkdir()
    os.mkfifo(inputs / "pipe.html")  # opened for reading, it would block the build for ever
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(inputs / "sock.jsonl"))
    for name in ("zero.html", "zero.jsonl", "zero.warc"):
        (inputs / name).symlink_to("/dev/zero")  # read whole, it never ends
    allowed = IngestConfig(isolate=False, allow_links_outside_inputs=True)
    started = time.monotonic()
    items = read(inputs, allowed)
    server.close()
    assert time.monotonic() - started < 5
    assert {i["origin"]: i["reason"] for i in items} == {
        "pipe.html": "fifo", "sock.jsonl": "socket", "zero.html": "device", "zero.jsonl": "device", "zero.warc": "device"}
    assert all("not a regular file" in i["detail"] for i in items)
    # A reader handed such a file directly refuses it too, whatever its name says.
    for name in ("zero.html", "zero.jsonl", "zero.warc", "pipe.html"):
        assert reasons(read_file(inputs / name, name, allowed)) == ["device" if "zero" in name else "fifo"]


def test_symlink_loops_and_broken_links_are_rejects(tmp_path, read):
    (tmp_path / "a.html").symlink_to(tmp_path / "b.html")
    (tmp_path / "b.html").symlink_to(tmp_path / "a.html")
    (tmp_path / "gone.html").symlink_to(tmp_path / "missing.html")
    (tmp_path / "ok.html").write_text(STORY.format("Fine."))
    found = {i["origin"]: i.get("reason", "page") for i in read(tmp_path)}
    assert found == {"a.html": "symlink-loop", "b.html": "symlink-loop", "gone.html": "broken-link", "ok.html": "page"}


def test_links_outside_the_inputs_are_rejected_unless_allowed(tmp_path, read):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash and other lines of a password file that is long enough.")
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "p.txt").symlink_to(secret)
    (inputs / "story.html").write_text(STORY.format("Inside."))
    (inputs / "again.html").symlink_to(inputs / "story.html")  # a link inside the inputs: fine, read once
    (story, item) = read(inputs)  # again.html comes first and is named by the file it leads to
    assert item["origin"] == "p.txt" and item["reason"] == "outside-inputs"
    assert "ingest.allow_links_outside_inputs" in item["detail"]
    assert story["origin"] == "story.html" and b"Inside." in story["data"]
    allowed = read(inputs, IngestConfig(isolate=False, allow_links_outside_inputs=True))
    assert [(i["origin"], b"root:x" in i["data"]) for i in allowed] == [("story.html", False), ("../outside/secret.txt", True)]
    # Naming the outside folder as an input of its own is the user's choice: the link then leads inside.
    assert [i["origin"] for i in read(tmp_path, CFG, inputs, secret.parent)] == ["in/story.html", "outside/secret.txt"]


def test_each_file_is_read_once_however_it_is_named(tmp_path, read):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "one.html").write_text(STORY.format("One."))
    (inputs / "two.html").write_text(STORY.format("Two."))
    (tmp_path / "link.html").symlink_to(inputs / "one.html")
    named = [inputs, inputs, inputs / "one.html", tmp_path / "in" / ".." / "in", tmp_path / "link.html"]
    assert [i["origin"] for i in read(tmp_path, CFG, *named)] == ["in/one.html", "in/two.html"]


def _distinct_pages(folder: Path) -> None:
    topics = ["the ferry timetable and the winter storms", "a new library opening on the high street",
              "the football club's promotion after a long season", "rising rents in the old harbour district"]
    for n, topic in enumerate(topics):
        (folder / f"p{n}.html").write_text(f"<html><body><article><p>A report on {topic}. " + " ".join(
            f"Sentence {k} adds detail about {topic} from residents." for k in range(6)) + "</p></article></body></html>")


def test_a_folder_named_twice_still_gives_every_document_its_canonical_copy(tmp_path):
    from builder.release.release import make_release

    pages = tmp_path / "pages"
    pages.mkdir()
    _distinct_pages(pages)
    outputs = {}
    for label, inputs in (("once", [pages]), ("twice", [pages, pages]), ("folder+file", [pages, pages / "p1.html"])):
        config = parse_config({"build": {"work_dir": str(tmp_path / f"work-{label}")}, "annotate": OFF,
                               "release": {"pretty_name": "t", "license": "cc-by-4.0"}}, root=str(tmp_path))
        result = build(config, inputs=inputs, output=tmp_path / f"build-{label}")
        assert result.summary["documents"] == 4 and not result.summary["rejects_by_reason"]
        outputs[label] = (tmp_path / f"build-{label}" / "data/documents/train-00000-of-00001.parquet").read_bytes()
        release = make_release(config, "1.0.0", tmp_path / f"build-{label}", tmp_path / f"releases-{label}").folder
        assert sum(pq.read_metadata(p).num_rows for p in (release / "data/documents").glob("*.parquet")) == 4
    assert outputs["once"] == outputs["twice"] == outputs["folder+file"]


def test_file_names_that_are_not_utf8_are_kept_escaped(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    Path(os.fsdecode(bytes(inputs) + b"/caf\xe9.html")).write_text(STORY.format("Latin-1 name."))
    Path(os.fsdecode(bytes(inputs) + b"/bad\xff.jsonl")).write_bytes(b'{"html": "<p>x</p>"\n')
    config = parse_config({"build": {"work_dir": str(tmp_path / "work")}, "annotate": OFF}, root=str(tmp_path))
    build(config, inputs=[inputs], output=tmp_path / "out")
    docs = pq.read_table(tmp_path / "out/data/documents/train-00000-of-00001.parquet").to_pylist()
    rejects = pq.read_table(tmp_path / "out/data/rejects/train-00000-of-00001.parquet").to_pylist()
    assert [d["origin"] for d in docs] == ["in/caf\\xe9.html"]
    assert [(r["origin"], r["reason"]) for r in rejects] == [("in/bad\\xff.jsonl#1", "invalid-json")]


def test_deep_json_and_huge_numbers_cost_one_line_each(tmp_path, read):
    good = json.dumps({"url": "https://n.example/ok", "text": "A line after the hostile ones is still read in full."})
    lines = [b"[" * 10_000 + b"]" * 10_000, b'{"text": "deep", "a": ' + b"{\"b\": " * 5_000 + b"1" + b"}" * 5_001,
             b'{"text": "big number", "n": ' + b"7" * 5_000 + b"}", b'{"text": "big float", "n": 1.' + b"5" * 5_000 + b"}",
             b'{"html": "<p>brackets in text are not nesting: ' + b"[{" * 2_000 + b'</p>"}', good.encode()]
    (tmp_path / "dump.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    items = read(tmp_path)
    assert reasons(items) == ["invalid-json"] * 4 + ["page", "page"]
    assert "nested more than" in items[0]["detail"] and "digits" in items[2]["detail"]
    assert items[-1]["url"] == "https://n.example/ok"


def test_compression_is_told_by_magic_bytes_not_the_name(tmp_path):
    lines = b"".join(json.dumps({"url": f"https://m.example/{n}", "text": f"Story {n}."}).encode() + b"\n" for n in range(3))
    (tmp_path / "gzip.jsonl.zst").write_bytes(gzip.compress(lines, mtime=0))
    (tmp_path / "zstd.jsonl.gz").write_bytes(zstandard.ZstdCompressor().compress(lines))
    (tmp_path / "plain.jsonl.gz").write_bytes(lines)
    frames = zstandard.ZstdCompressor().compress(lines[:40]) + zstandard.ZstdCompressor().compress(lines[40:])
    (tmp_path / "frames.jsonl.zst").write_bytes(frames)  # two frames, as pzstd writes: both are read
    for name in ("gzip.jsonl.zst", "zstd.jsonl.gz", "plain.jsonl.gz", "frames.jsonl.zst"):
        assert [i["url"] for i in read_file(tmp_path / name, name, CFG)] == [f"https://m.example/{n}" for n in range(3)]


def test_a_line_without_newline_stops_at_the_decompressed_limit(tmp_path):
    frame = zstandard.ZstdCompressor(level=1).compress(b"a" * (256 << 20))
    bomb = tmp_path / "bomb.jsonl.zst"
    bomb.write_bytes(frame * 16)  # 4 GiB of one line from about 130 KB
    assert bomb.stat().st_size < 200_000
    started = time.monotonic()
    items = list(read_file(bomb, "bomb.jsonl.zst", IngestConfig(isolate=False, max_decompressed_bytes=50_000_000)))
    assert time.monotonic() - started < 10  # reading 4 GiB through takes longer than that
    assert reasons(items) == ["decompression-bomb"]


def _warc(records: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for kind, body in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1") if kind == "response" else \
            StatusAndHeaders("GET / HTTP/1.1", [("Host", "w.example")], is_http_request=True)
        writer.write_record(writer.create_warc_record("https://w.example/", kind, payload=io.BytesIO(body), http_headers=headers))
    return buffer.getvalue()


def test_warc_without_newlines_is_read_in_linear_time(tmp_path):
    flat = tmp_path / "flat.warc"
    flat.write_bytes(b"WARC/1.0 " + b"x" * (64 << 20))  # 202 s when each line grew by concatenation
    headers = tmp_path / "headers.warc"  # a valid record start, then an endless HTTP status line
    headers.write_bytes(_warc([("response", STORY.format("First.").encode())]) + (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://w.example/2\r\nWARC-Record-ID: <urn:uuid:2>\r\n"
        b"WARC-Date: 2026-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
        b"Content-Length: 99999999\r\n\r\nHTTP/1.1 ") + b"y" * (32 << 20))
    started = time.monotonic()
    flat_items = list(read_file(flat, "flat.warc", CFG))
    header_items = list(read_file(headers, "headers.warc", CFG))
    assert time.monotonic() - started < 20
    assert reasons(flat_items) == ["malformed-archive"] and "without a newline" in flat_items[0]["detail"]
    assert reasons(header_items) == ["page", "malformed-archive"]


def test_a_compressed_warc_record_stops_at_the_decompressed_limit(tmp_path):
    import zlib

    size = 200 << 20
    head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://w.example/bomb\r\nWARC-Record-ID: <urn:uuid:3>\r\n"
            f"WARC-Date: 2026-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {size}\r\n\r\n")
    member = zlib.compressobj(9, zlib.DEFLATED, 31)  # one gzip member per record, as .warc.gz files are written
    chunks = [member.compress(head.encode() + b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")]
    chunks += [member.compress(bytes(1 << 20)) for _ in range(size >> 20)] + [member.flush()]
    bomb = tmp_path / "bomb.warc.gz"
    bomb.write_bytes(gzip.compress(_warc([("response", STORY.format("Kept.").encode())]), mtime=0) + b"".join(chunks))
    assert bomb.stat().st_size < 1_000_000
    items = list(read_file(bomb, "bomb.warc.gz", IngestConfig(isolate=False, max_decompressed_bytes=20_000_000)))
    assert reasons(items) == ["page", "decompression-bomb"]


def test_warc_of_requests_and_revisits_only_is_a_reject(tmp_path, read):
    (tmp_path / "requests.warc").write_bytes(_warc([("request", b""), ("request", b"")]))
    (item,) = read(tmp_path)
    assert item["reason"] == "no-pages" and "2 request" in item["detail"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_pages_with_a_byte_order_mark_are_decoded(encoding):
    text = '<html><head><meta charset="iso-8859-1"><title>Café</title></head><body><p>Zürich — naïve</p></body></html>'
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00",
           "utf-32-be": b"\x00\x00\xfe\xff", "utf-8": b"\xef\xbb\xbf"}[encoding]
    decoded, used = decode(bom + text.encode(encoding))
    assert (decoded, used) == (text, encoding)  # the mark wins over the meta tag, and is not kept


@pytest.mark.parametrize("padding", ["", " "])
def test_a_meta_tag_falsely_saying_utf16_is_read_as_utf8(padding):
    page = f'<html><head><meta charset="utf-16"></head><body><p>Zürich and its lake{padding}</p></body></html>'
    assert decode(page.encode("utf-8")) == (page, "utf-8")  # whatever the parity of its length


def _scan_in_child(folder: Path) -> list[str]:
    """Scan folder/in in a child process that file permissions bind: as root, without the capabilities that
    let root read any file (setpriv, util-linux)."""
    prefix = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([*prefix, sys.executable, "-c", textwrap.dedent(SCAN), str(folder)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


SCAN = """
    import json, sys
    from pathlib import Path
    from builder.ingest.scan import InputScan
    from builder.ingest.config import IngestConfig
    folder = Path(sys.argv[1])
    scan = InputScan([folder / "in"], IngestConfig(isolate=False), folder, folder / "work")
    print(json.dumps([i.get("reason", "page") for i in scan.items()]))
"""


def test_unreadable_files_and_folders_are_rejects_and_never_cached(tmp_path):
    (tmp_path / "in" / "locked").mkdir(parents=True)
    (tmp_path / "in" / "locked" / "inside.html").write_text(STORY.format("Locked away."))
    page = tmp_path / "in" / "page.html"
    page.write_text(STORY.format("Fixed with chmod."))
    os.utime(page, (1, 1))  # an old file: its cache entry has no content hash to catch a change
    try:
        page.chmod(0)
        (tmp_path / "in" / "locked").chmod(0)
        assert _scan_in_child(tmp_path) == ["unreadable", "unreadable"]
        page.chmod(0o644)  # chmod changes neither size nor mtime
        (tmp_path / "in" / "locked").chmod(0o755)
        assert _scan_in_child(tmp_path) == ["page", "page"]
        page.chmod(0)  # unreadable again after a scan that cached its pages
        assert _scan_in_child(tmp_path) == ["page", "unreadable"]
    finally:
        (tmp_path / "in" / "locked").chmod(0o755)
        page.chmod(0o644)


def _marked(mark: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if f"NC_TEST_MARK={mark}".encode() in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_process_outlives_a_killed_two_worker_build(tmp_path):
    (tmp_path / "in").mkdir()
    for n in range(120):
        (tmp_path / "in" / f"p{n}.html").write_text(STORY.format(f"Page {n}. " + "More words. " * 200))
    code = f"""
        from builder.config import parse_config
        from builder.pipeline import build
        if __name__ == "__main__":
            config = parse_config({{"build": {{"work_dir": "work", "workers": 2, "shard_size": 4}}}}, root={str(tmp_path)!r})
            build(config, inputs=[config.path("in")], output=config.path("out"))
    """
    (tmp_path / "run.py").write_text(textwrap.dedent(code))
    mark = uuid.uuid4().hex
    env = {**os.environ, "NC_TEST_MARK": mark, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    build_process = subprocess.Popen([sys.executable, "run.py"], cwd=tmp_path, env=env)
    deadline = time.monotonic() + 120
    # the build, the fork server, two workers and their extractor children
    while len(_marked(mark)) < 6 and time.monotonic() < deadline and build_process.poll() is None:
        time.sleep(0.1)
    assert len(_marked(mark)) >= 6, "the build ended before its workers were all running"
    build_process.send_signal(signal.SIGKILL)
    build_process.wait()
    deadline = time.monotonic() + 15
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _marked(mark)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []
