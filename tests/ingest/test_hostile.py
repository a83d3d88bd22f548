"""Real pathological inputs, crafted here: each ends as a document or a reject, quickly, and nothing
escapes the output folder."""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path

import pyarrow.parquet as pq

from builder.annotate.config import AnnotateConfig
from builder.config import parse_config
from builder.pipeline import build
from builder.ingest.config import IngestConfig
from builder.ingest.extract import extract_page
from builder.ingest.readers import page

CFG = IngestConfig(isolate=False)


def test_100000_nested_tags_do_not_crash_or_hang():
    data = b"<html><body>" + b"<div>" * 100_000 + b"<p>Deep inside.</p>" + b"</div>" * 100_000 + b"</body></html>"
    started = time.monotonic()
    result = extract_page(page("nested.html", data, "html"), CFG)
    assert time.monotonic() - started < 20
    assert result.get("reason") or result.get("text") is not None


def test_50_mb_page_is_rejected_as_too_large(tmp_path, scan):
    big = tmp_path / "big.html"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing written
    (item,) = scan([big], IngestConfig(), tmp_path)
    assert item["reason"] == "too-large" and "max_page_bytes" in item["detail"]


def _gzip_bomb(path: Path, decompressed: int, line: bool) -> int:
    """A gzip file that inflates to `decompressed` bytes, written a compressed chunk at a time."""
    chunk = (b'{"text": "' if line else b"") + b"a" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    written = 0
    with path.open("wb") as handle:
        while written < decompressed:
            handle.write(compressor.compress(chunk))
            written += len(chunk)
            chunk = b"a" * (1 << 20)
        handle.write(compressor.flush())
    return path.stat().st_size


def test_1_gb_gzip_bomb_is_stopped_in_bounded_memory(tmp_path, scan):
    import resource

    bomb = tmp_path / "bomb.jsonl.gz"
    assert _gzip_bomb(bomb, 1 << 30, line=True) < 5_000_000  # 1 GiB inflated, a few MB on disk
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    items = scan([bomb], IngestConfig(max_decompressed_bytes=200_000_000), tmp_path)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert [i["reason"] for i in items] == ["too-large", "decompression-bomb"] or items[-1]["reason"] == "decompression-bomb"
    assert grown_kb < 100_000  # never held whole: well under 100 MB more than before


def test_xml_entity_expansion_is_not_expanded():
    laughs = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))
    data = (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY l0 "lol">{laughs}]>'
            "<html><body><article><p>&l9; The council met on Monday to discuss the harbour wall and the budget "
            "for the coming year, and residents asked many questions.</p></article></body></html>").encode()
    started = time.monotonic()
    result = extract_page(page("laughs.html", data, "html"), CFG)
    assert time.monotonic() - started < 10
    assert "lollollol" not in result.get("text", "")


def test_invalid_utf8_and_lone_surrogates_in_every_field(tmp_path):
    lines = [
        json.dumps({"url": "https://bad.example/\ud800", "source": "site\udcff", "fetched_at": "2026\ud800",
                    "text": "Text with a lone surrogate \ud83d in the middle of a sentence that is long enough."}),
        b'{"url": "https://bad.example/2", "text": "Broken \xff\xfe bytes inside the JSON line of the dump."}'.decode("latin-1"),
    ]
    (tmp_path / "dump.jsonl").write_bytes(lines[0].encode() + b"\n" + lines[1].encode("latin-1") + b"\n")
    (tmp_path / "page.html").write_bytes(b"<html><head><title>T\xff\xfe itle</title></head><body><article><p>"
                                         + b"Invalid \xc3\x28 bytes in a paragraph about the harbour and its wall. " * 4
                                         + b"</p></article></body></html>")
    config = parse_config({"build": {"work_dir": str(tmp_path / "work")}}, root=str(tmp_path))
    result = build(config, inputs=[tmp_path / "dump.jsonl", tmp_path / "page.html"], output=tmp_path / "out")
    docs = pq.read_table(tmp_path / "out" / "data/documents/train-00000-of-00001.parquet").to_pylist()
    rejects = pq.read_table(tmp_path / "out" / "data/rejects/train-00000-of-00001.parquet").to_pylist()
    assert len(docs) + len(rejects) == 3 and result.summary["documents"] == len(docs)
    for row in docs:
        for value in row.values():
            if isinstance(value, str):
                value.encode("utf-8")  # valid UTF-8 (no surrogates) in every text field


def test_path_traversal_names_and_urls_stay_inside_the_output(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "..%2F..%2Fescape.html").write_text(
        "<html><body><article><p>" + "A story about a file with a strange name and a dangerous URL. " * 4
        + "</p></article></body></html>", encoding="utf-8")
    (inputs / "dump.jsonl").write_text(json.dumps({
        "url": "file:///../../../../etc/passwd", "source": "../../../tmp/evil",
        "text": "Another story that tries to climb out of the output folder through its URL and source."}) + "\n",
        encoding="utf-8")
    out = tmp_path / "nested" / "out"
    config = parse_config({"build": {"work_dir": str(tmp_path / "work")}}, root=str(tmp_path))
    build(config, inputs=[inputs], output=out)
    written = {p for p in tmp_path.rglob("*") if p.is_file()} - {p for p in inputs.rglob("*")}
    assert all(p.resolve().is_relative_to(out.resolve()) or p.resolve().is_relative_to((tmp_path / "work").resolve())
               for p in written)
    ids = pq.read_table(out / "data/documents/train-00000-of-00001.parquet", columns=["id"]).column("id").to_pylist()
    assert len(ids) == 2 and all(len(i) == 32 and all(c in "0123456789abcdef" for c in i) for i in ids)


def test_limits_on_depth_and_links_are_clear_rejects():
    body = "<p>" + "A sentence of a real paragraph about the harbour and the town council. " * 4 + "</p>"
    deep = ("<html><body>" + "<div>" * 240 + body + "</div>" * 240 + "</body></html>").encode()
    result = extract_page(page("deep.html", deep, "html"), CFG)
    assert result["reason"] == "too-deep" and "ingest.max_depth" in result["detail"]
    links = "".join(f'<a href="https://l.example/{i}">link {i}</a> ' for i in range(60))
    farm = f"<html><body><article><p>{links}</p>{body}</article></body></html>".encode()
    assert extract_page(page("farm.html", farm, "html"), IngestConfig(isolate=False, max_links=50))["reason"] == "too-many-links"
    assert "reason" not in extract_page(page("farm.html", farm, "html"), CFG)


def test_too_many_annotations_is_a_reject_in_a_build(tmp_path):
    names = ["Angela Merkel", "Emmanuel Macron", "Olaf Scholz", "Keir Starmer", "Giorgia Meloni"]
    text = " ".join(f"On Monday {a} told reporters in London that {b} had spoken with the president about the "
                    f"budget, according to Reuters." for a in names for b in names)
    (tmp_path / "names.txt").write_text(text, encoding="utf-8")
    config = parse_config({"build": {"work_dir": str(tmp_path / "work")}, "annotate": {"max_annotations": 10}},
                          root=str(tmp_path))
    result = build(config, inputs=[tmp_path / "names.txt"], output=tmp_path / "out")
    assert result.summary["documents"] == 0
    assert result.summary["rejects_by_reason"] == {"too-many-annotations": 1}


def test_too_many_annotations_is_a_reject_with_every_layer_off(tmp_path):
    """With no layer on, the limit runs in dedup's last pass: the clean stage's citation chips still count."""
    chips = " ".join(f"Paragraph {n} of a report on harbour dredging cites its outlet. Outlet {n}+1\n\n" for n in range(8))
    (tmp_path / "chips.txt").write_text(f"Harbour dredging report\n\n{chips}", encoding="utf-8")
    off = {name: False for name, field in AnnotateConfig.model_fields.items() if field.annotation is bool}
    for limit, kept in ((3, 0), (1000, 1)):
        config = parse_config({"build": {"work_dir": str(tmp_path / f"work{limit}")},
                               "annotate": {**off, "max_annotations": limit}}, root=str(tmp_path))
        result = build(config, inputs=[tmp_path / "chips.txt"], output=tmp_path / f"out{limit}")
        assert result.summary["documents"] == kept, result.summary
        assert result.summary["rejects_by_reason"] == ({} if kept else {"too-many-annotations": 1})
