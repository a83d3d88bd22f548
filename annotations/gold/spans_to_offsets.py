"""Turn hand-written annotations of span texts into an offsets gold file (builder/annotate/gold_offsets.py).

The annotator writes one working file per document, `<id>.ann`, kept outside the repository (it quotes the
article), and this script finds each span in the corpus text, checks it, and writes offsets and hashes only.
Working file lines (a line starting with `#` is a comment; `@1,3` picks the 1st and 3rd occurrence of a string, default all):

  E LABEL name [@k,..]     an entity: every whole-word occurrence of `name` (longer names are placed first and
                           shorter ones never overlap them)
  X string [@k,..]         occurrences that are not entities (e.g. a name inside a title that is not tagged)
  S name [@k,..]           an outlet named in the text as the origin of information (source kind `mention`)
  C kind | span | speaker | cue | source, source
                           a claim; `span` is its text, or `first words ~~ last words` (the shortest span from
                           that start to that end), either with [@k] for the k-th place its start occurs;
                           `speaker` is the name as written at its nearest full mention (`-` when unnamed),
                           stored as the offsets of its occurrence nearest the claim; sources are S names
A working file is named after its page: `<id>.ann` for a wcxb_dev_articles page, `<first 12 hex of the id>.ann`
for a scrapinghub_aeb page (doc_id `aeb-<12 hex>`, as in the dev set).
Usage: python annotations/gold/spans_to_offsets.py WORKDIR CORPUS_ROOT OUT.jsonl [--show]
(--show prints each document's spans in context, for checking them by eye.)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from builder.annotate.gold_offsets import FORMAT, field_value, span_hash, text_sha256  # noqa: E402

# corpus folder -> (dotted text field of its gold JSON, doc_id prefix, how many id characters the doc_id keeps,
# description for the header)
CORPORA = {
    "wcxb_dev_articles": ("ground_truth.main_content", "wcxb", None,
                          "wcxb_dev_articles (Web Content eXtraction Benchmark, dev split; CC-BY-4.0, Murrough Foley)"),
    "scrapinghub_aeb": ("articleBody", "aeb", 12,
                        "scrapinghub_aeb (ScrapingHub article-extraction-benchmark, 2019; MIT)"),
}
HEADER = {
    "gold_format": FORMAT, "version": 1, "corpus_root": "../../../shared/corpora", "corpus": None,
    "spec": "gold annotation spec of the dev set (SPEC.md), with the calls in annotations/gold/README.md",
    "annotations": "our own work; offsets and hashes only, no article text",
}


def find_page(corpus_root: Path, stem: str) -> tuple[str, str]:
    """(corpus, page id) of a working file's stem: an exact page id, or the unique page whose id starts with it."""
    for corpus in CORPORA:
        if (corpus_root / corpus / "gold" / f"{stem}.json").exists():
            return corpus, stem
    found = [(corpus, page.stem) for corpus, (_, _, keep, _) in CORPORA.items() if keep and len(stem) >= keep
             for page in (corpus_root / corpus / "gold").glob(f"{stem}*.json")]
    if len(found) != 1:
        raise SystemExit(f"{stem}.ann: {len(found)} corpus pages match {stem!r}; name the file after one page id")
    return found[0]


def page_text(corpus_root: Path, corpus: str, page_id: str) -> str:
    page = json.loads((corpus_root / corpus / "gold" / f"{page_id}.json").read_text(encoding="utf-8"))
    return field_value(page, CORPORA[corpus][0])


def occurrences(text: str, needle: str) -> list[int]:
    """Starts of the whole-word occurrences of needle."""
    pattern = (r"(?<!\w)" if needle[0].isalnum() else "") + re.escape(needle) + (r"(?!\w)" if needle[-1].isalnum() else "")
    return [m.start() for m in re.finditer(pattern, text)]


def pick(starts: list[int], which: str | None, what: str) -> list[int]:
    if not starts:
        raise ValueError(f"not in the text: {what!r}")
    if not which:
        return starts
    chosen = [int(k) for k in which.split(",")]
    if max(chosen) > len(starts):
        raise ValueError(f"{what!r} occurs {len(starts)} times, not {max(chosen)}")
    return [starts[k - 1] for k in chosen]


def split_pick(value: str) -> tuple[str, str | None]:
    match = re.fullmatch(r"(.*?)\s+@([\d,]+)", value.strip())
    return (match[1], match[2]) if match else (value.strip(), None)


def claim_span(text: str, value: str) -> tuple[int, int]:
    value, which = split_pick(value)
    first, _, last = value.partition(" ~~ ")
    start = pick([m.start() for m in re.finditer(re.escape(first), text)], which or "1", first)[0]
    if not last:
        return start, start + len(first)
    end = text.find(last, start + len(first))
    if end < 0:
        raise ValueError(f"end {last!r} not found after {first!r}")
    return start, end + len(last)


def nearest(starts: list[int], length: int, span: tuple[int, int]) -> list[int]:
    best = min(starts, key=lambda s: (abs(s - span[0]) if s < span[0] else s - span[1] if s >= span[1] else 0, s))
    return [best, best + length]


def document(ann: Path, corpus_root: Path) -> dict:
    corpus, page_id = find_page(corpus_root, ann.stem)
    text = page_text(corpus_root, corpus, page_id)
    names, claims, outlets = [], [], []
    for number, line in enumerate(ann.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            tag, rest = line.split(" ", 1)
            if tag in ("E", "X"):
                label, name = rest.split(" ", 1) if tag == "E" else (None, rest)
                name, which = split_pick(name)
                names.append((len(name), name, label, pick(occurrences(text, name), which, name)))
            elif tag == "S":
                name, which = split_pick(rest)
                outlets += [(s, s + len(name)) for s in pick(occurrences(text, name), which, name)]
            elif tag == "C":
                kind, span, speaker, cue, sources = ([p.strip() for p in rest.split("|")] + [""])[:5]
                claims.append((kind, claim_span(text, span), speaker, cue, [s for s in sources.split(", ") if s]))
            else:
                raise ValueError(f"unknown line kind {tag!r}")
        except ValueError as exc:
            raise SystemExit(f"{ann}:{number}: {exc}")
    taken, entities = [], []
    for length, name, label, starts in sorted(names, key=lambda n: -n[0]):
        for start in starts:
            end = start + length
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            if label:
                entities.append({"start": start, "end": end, "label": label, "hash": span_hash(text[start:end])})
    stored_claims = []
    for kind, (start, end), speaker, cue, sources in claims:
        assert kind in ("direct_quote", "indirect_quote", "attributed"), (ann, kind)
        who = None if speaker == "-" else nearest(pick(occurrences(text, speaker), None, speaker), len(speaker), (start, end))
        backed = []
        for name in sources:
            starts = [s for s, e in outlets if text[s:e] == name]
            if not starts:
                raise SystemExit(f"{ann}: claim source {name!r} is not an S line's outlet")
            backed.append(nearest(starts, len(name), (start, end)))
        stored_claims.append({"start": start, "end": end, "kind": kind, "hash": span_hash(text[start:end]),
                              "cue": None if cue == "-" else cue, "speaker": who, "sources": backed})
    field, prefix, keep, _ = CORPORA[corpus]
    return {"doc_id": f"{prefix}-{page_id[:keep]}", "corpus": corpus, "id": page_id, "file": f"gold/{page_id}.json",
            "field": field,
            "sha256": text_sha256(text),
            "entities": sorted(entities, key=lambda e: e["start"]),
            "claims": sorted(stored_claims, key=lambda c: (c["start"], c["end"])),
            "sources": [{"start": s, "end": e, "kind": "mention", "hash": span_hash(text[s:e])} for s, e in sorted(outlets)]}


def show(doc: dict, text: str) -> None:
    print(f"== {doc['doc_id']}")
    seen: dict[tuple, int] = {}
    for e in doc["entities"]:
        key = (text[e["start"]:e["end"]], e["label"])
        seen[key] = seen.get(key, 0) + 1
    print("  entities:", "; ".join(f"{t} {label} x{n}" for (t, label), n in sorted(seen.items())))
    covered = {i for e in doc["entities"] for i in range(e["start"], e["end"])}
    loose = sorted({m[0] for m in re.finditer(r"\b[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)*", text) if m.start() not in covered})
    print("  capitalised, not tagged:", ", ".join(loose))
    for c in doc["claims"]:
        who = text[c["speaker"][0]:c["speaker"][1]] if c["speaker"] else None
        print(f"  {c['kind']:<14} [{who}] <{c['cue']}> {[text[s:e] for s, e in c['sources']]} {text[c['start']:c['end']]!r}")
    print("  sources:", [text[s["start"]:s["end"]] for s in doc["sources"]])


def main(argv: list[str]) -> int:
    workdir, corpus_root, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    docs = [document(ann, corpus_root) for ann in sorted(workdir.glob("*.ann"))]
    if "--show" in argv:
        for doc in docs:
            show(doc, page_text(corpus_root, doc["corpus"], doc["id"]))
    corpora = "; ".join(CORPORA[name][3] for name in CORPORA if any(d["corpus"] == name for d in docs))
    header = {**HEADER, "corpus": corpora}
    lines = [json.dumps(header, ensure_ascii=False)] + [json.dumps(d, ensure_ascii=False) for d in docs]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(docs)} documents -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
