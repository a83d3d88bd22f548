"""Long texts in pieces the model can take, and batches sized by characters.

spaCy refuses a text over `nlp.max_length` (E088, 1,000,000 characters) and its parser and NER need memory in
proportion to the characters of a batch, so one long document could take a worker's memory with it. A text
over `annotate.chunk_chars` is cut into consecutive pieces that cover it exactly, each parsed on its own and
joined back into one Doc (`spacy.tokens.Doc.from_docs`), so every offset is the whole text's.

Cuts fall only at line ends (the clean stage writes one paragraph per line): a name never crosses a line (the
entity annotator keeps each span within one), nor does a sentence once its paragraph is parsed alone, so no
span or claim crosses a cut and there is nothing to deduplicate; quotes continued across paragraphs and
document-level linking read the joined Doc. Only a single paragraph longer than the limit is cut inside, at
its last sentence end (else its last space) before the limit: there a sentence may be split in two.

No spaCy import here: the pieces are plain strings.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, TypeVar

Item = TypeVar("Item")

# A sentence end inside a paragraph: ., ! or ? (maybe closing a quote or bracket), then a space.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s")


def _cut(text: str, start: int, limit: int) -> int:
    """Where the piece that begins at `start` ends: after the last line break, sentence end or space
    within `limit` characters; hard at `limit` when there is none (a run of characters with no space)."""
    end = start + limit
    line = text.rfind("\n", start, end)
    if line >= start:
        return line + 1
    sentences = [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
    if sentences:
        return sentences[-1]
    space = max(text.rfind(" ", start, end), text.rfind("\t", start, end))
    return space + 1 if space > start else end


def split_text(text: str, limit: int) -> list[str]:
    """`text` as consecutive pieces of at most `limit` characters whose concatenation is `text`."""
    if len(text) <= limit:
        return [text]
    pieces, start = [], 0
    while len(text) - start > limit:
        end = _cut(text, start, limit)
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def char_batches(items: Iterable[Item], size_of, max_items: int, max_chars: int) -> Iterator[list[Item]]:
    """`items` in consecutive batches of at most `max_items` items and, unless one item alone is larger,
    `max_chars` characters (`size_of(item)` each): the model's memory follows characters, not documents."""
    batch: list[Item] = []
    chars = 0
    for item in items:
        size = size_of(item)
        if batch and (len(batch) == max_items or chars + size > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(item)
        chars += size
    if batch:
        yield batch
