"""Regenerate annotations/first_names.tsv, the first-name gender list that pronoun resolution reads (he/she).

Source: the nomquamgender package (MIT licence, Copyright (c) 2022 Ian Van Buskirk), name-gender data pooled
from 36 public sources. Kept: alphabetic names seen in at least 3 sources and 500 times, whose share of
female bearers p(gf) is at most 0.1 (m) or at least 0.9 (f) -- the package's own default threshold.
Ambiguous names (Alex, Jordan) stay out: resolution then ignores gender for them.

    pip install nomquamgender==0.1.4 && python bench/make_first_names.py
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "annotations" / "first_names.tsv"
MIN_SOURCES, MIN_COUNT, THRESHOLD = 3, 500, 0.1

HEADER = """# First names and the gender most of their bearers have (f/m), for resolving "he"/"she" to a person.
# Derived by bench/make_first_names.py from nomquamgender 0.1.4 (MIT licence):
# Copyright (c) 2022 Ian Van Buskirk. Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software and associated documentation files (the "Software"), to deal in the Software without
# restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute,
# sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do
# so, subject to the following conditions: The above copyright notice and this permission notice shall be
# included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT
# WARRANTY OF ANY KIND.
"""


def main() -> None:
    with importlib.resources.files("nomquamgender").joinpath("name_data.json").open(encoding="utf-8") as f:
        data = json.load(f)
    rows = []
    for name, (sources, count, p_female, *_) in data.items():
        if not name.isalpha() or not name.isascii() or sources < MIN_SOURCES or count < MIN_COUNT:
            continue
        if p_female <= THRESHOLD or p_female >= 1 - THRESHOLD:
            rows.append(f"{name}\t{'f' if p_female >= 0.5 else 'm'}")
    OUT.write_text(HEADER + "\n".join(sorted(rows)) + "\n", encoding="utf-8")
    print(f"{len(rows)} names -> {OUT}")


if __name__ == "__main__":
    main()
