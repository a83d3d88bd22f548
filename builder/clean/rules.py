"""Single-page boilerplate rules. Each rule is a small named function over the page's lines.

A line rule returns the indexes of the lines it removes; the rule's name goes into the audit trail.
Rules only mark: `find_boilerplate` returns removals with offsets into the text it was given, and
the clean stage decides whether to cut them (builder/clean/edits.py) or keep them as marks.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import NamedTuple

from builder.clean.phrases import Phrases, label_key
from builder.hashing import stable_hash


class Line(NamedTuple):
    start: int
    end: int
    text: str


class Page(NamedTuple):
    """A page's lines with what several rules ask of every line, worked out once."""
    lines: list[Line]
    keys: list[str]  # label_key of each line (navigation, related block, Previous/Next footer)
    words: list[list[str]]  # words of each line (chrome patterns, image captions)


def read_page(text: str) -> Page:
    lines = split_lines(text)
    return Page(lines, [label_key(ln.text) for ln in lines], [words(ln.text) for ln in lines])


_TERMINAL = re.compile(r"[.!?…:;,\"'”’»)\]]$")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*$")
_WORD = re.compile(r"\w[\w'’-]*")
_VOLUME = re.compile(r"^\d[\d.,\s]*\+?\s*([^\W\d_]+)")
_LIST_MARKER = re.compile(r"^(?:[•·▪‣◦●○■□–*-]|\d{1,2}[.)])[ \t]+(?=\S)")
STOPWORDS = frozenset("a an the of in on at to for and or by with from as de la le les el los las del der die das und en y et".split())


def split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            lines.append(Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return lines


def words(line: str) -> list[str]:
    return _WORD.findall(line)


def is_paragraph(line: str) -> bool:
    """Running prose: several words ending like a sentence."""
    return len(words(line)) >= 12 and bool(_SENTENCE_END.search(line))


def is_heading_like(line: str) -> bool:
    return 0 < len(words(line)) <= 15 and not _SENTENCE_END.search(line.rstrip(":?"))


def is_title_case(line_words: list[str]) -> bool:
    """Every content word capitalised, as in headings ('The Moscow Mission: A High-Stakes Push')."""
    content = [w for w in line_words if w.lower() not in STOPWORDS and w[0].isalpha()]
    return all(w[0].isupper() for w in content)


# ------------------------------------------------------------------ line rules


def trend_header(page: Page, ph: Phrases) -> list[int]:
    """'trump putin' / '1,000 + Buzz 🇦🇺 AU' / 'Trend visualization for trump putin' at the top of a trend page."""
    lines = page.lines
    top = lines[:5]
    badge = [i for i, ln in enumerate(top)
             if (m := _VOLUME.match(ln.text)) and m.group(1).lower() in ph.trend_volume_words]
    caption = [i for i, ln in enumerate(top) if ln.text.lower().startswith(ph.trend_caption_prefixes)]
    if not badge and not caption:
        return []
    found = set(badge + caption)
    keyword = {lines[i].text.lower()[len(p):].strip() for i in caption for p in ph.trend_caption_prefixes
               if lines[i].text.lower().startswith(p)}
    first = min(found)
    for i in range(first):  # the search keyword line(s) above the badge
        if lines[i].text.lower() in keyword or (badge and is_heading_like(lines[i].text) and len(page.words[i]) <= 8):
            found.add(i)
    return sorted(found)


def navigation(page: Page, ph: Phrases) -> list[int]:
    """A line that is only a navigation or action label: 'Previous', 'Read more', 'Teilen', 'Suscríbete'."""
    return [i for i, key in enumerate(page.keys) if key in ph.navigation]


def share_bar(page: Page, ph: Phrases) -> list[int]:
    """A line made only of share buttons: 'Share Tweet Email', 'Compartir Tuitear Correo'."""
    out = []
    for i, ln in enumerate(page.lines):
        tokens = _share_buttons(ln.text, ph)
        # two or more buttons, one of them an action ('share', 'teilen'): 'X, Facebook' alone may be prose
        if tokens and len(tokens) >= 2 and any(t in ph.navigation for t in tokens):
            out.append(i)
    return out


_BUTTON = re.compile(r"[^\s|·•/]+")  # what lies between the gaps of spaces, pipes, dots and slashes


def _share_buttons(text: str, ph: Phrases) -> list[str] | None:
    """The line's labels if it has at most 8 and all are share words; None as soon as one is not
    (most lines are prose: this stops at their first word instead of splitting and normalising every word)."""
    tokens = []
    for button in _BUTTON.finditer(text):
        key = label_key(button.group())
        if not key:
            continue
        if key not in ph.share_words or len(tokens) == 8:
            return None
        tokens.append(key)
    return tokens


def read_more_teaser(page: Page, ph: Phrases) -> list[int]:
    """'Read more: <another article>' and its translations (the colon is what makes it a teaser)."""
    out = []
    for i, ln in enumerate(page.lines):
        lower = ln.text.lower()
        if not lower.startswith(ph.read_more_prefixes):
            continue
        for prefix in ph.read_more_prefixes:
            if lower.startswith(prefix) and lower[len(prefix):].lstrip().startswith(":") and len(words(lower)) <= 30:
                out.append(i)
                break
    return out


def chrome_pattern(page: Page, ph: Phrases) -> list[int]:
    """Cookie notices, copyright lines, subscription prompts (regular expressions in the data files)."""
    out = []
    for i, ln in enumerate(page.lines):
        if len(page.words[i]) <= 40:
            for pattern in ph.line_patterns:
                if pattern.search(ln.text):
                    out.append(i)
                    break
    return out


_LINK_GAP = re.compile(r"\s[|·•]\s")


def link_bar(page: Page, ph: Phrases) -> list[int]:
    """Footer menus: 'About us | Contact | Privacy policy', 'Impressum · Datenschutz · Kontakt'."""
    out = []
    for i, ln in enumerate(page.lines):
        if "|" not in ln.text and "·" not in ln.text and "•" not in ln.text:
            continue  # no separator, one part: most lines, skipped without a regex split
        parts = [p.strip() for p in _LINK_GAP.split(ln.text)]
        if len(parts) >= 3 and all(0 < len(words(p)) <= 6 and not re.search(r"\d|[.!?]$", p) for p in parts):
            out.append(i)
    return out


def image_caption(page: Page, ph: Phrases) -> list[int]:
    """A short descriptive line standing alone between paragraphs ('Steve Witkoff Kremlin meeting').

    What separates it from a kept subheading: a caption comes right after a paragraph, has 3-15 words
    and no final punctuation, is in sentence case (a lower-case content word: 'meeting', 'peace plan'),
    and does not open with a question word. Subheadings are title case ('Key Points'), end with a colon
    ('Potential Outcomes:'), are one or two words ('Background') or ask ('Why this matters').
    """
    lines, out = page.lines, []
    for i in range(1, len(lines) - 1):
        text, ws = lines[i].text, page.words[i]
        if not (3 <= len(ws) <= 15) or _TERMINAL.search(text) or is_title_case(ws):
            continue
        if text.startswith("#") or ws[0].lower() in ph.question_words:
            continue  # a markdown heading, or a question-style subheading
        if not is_paragraph(_CHIPS.sub("", lines[i - 1].text)):
            continue
        nxt = _CHIPS.sub("", lines[i + 1].text)
        if is_paragraph(nxt) or is_heading_like(nxt):
            out.append(i)
    return out


LINE_RULES = {
    "trend-header": trend_header,
    "navigation": navigation,
    "share-bar": share_bar,
    "read-more": read_more_teaser,
    "chrome-pattern": chrome_pattern,
    "link-bar": link_bar,
}
PLAIN_TEXT_RULES = {"image-caption": image_caption}  # trafilatura already drops figure captions in HTML


_TITLE_SEPARATORS = "|-–—:·•»/"


def headline(page: Page, title: str | None) -> list[int]:
    """The headline: a line among the first four that is the page's declared title (JSON-LD headline,
    og:title, <title>), with the short labels above it (a section kicker 'News', a date, 'Review'). The
    headline is the document's `title`, so the text starts with the article. The title may carry the site's
    name after or before a separator ('Ferry sails again | Tidewater Times'); the line must be all of the
    headline, not a sentence that starts like it. A line of five or more words, or one that ends like a
    sentence, above it means the article has begun: nothing is removed."""
    if not title:
        return []
    key = label_key(title)
    for i, line in enumerate(page.keys[:4]):
        if line and (key == line or (key.startswith(line) and key[len(line):].lstrip()[:1] in _TITLE_SEPARATORS)
                     or (key.endswith(line) and key[:-len(line)].rstrip()[-1:] in _TITLE_SEPARATORS)):
            return list(range(i + 1))
        if len(page.words[i]) > 4 or _SENTENCE_END.search(page.lines[i].text):
            return []
    return []


# ------------------------------------------------------------------ blocks: related lists, Previous/Next


def related_block(page: Page, ph: Phrases, text_length: int) -> list[int]:
    """'More References' / 'Related' / 'Noticias relacionadas' and its items.

    In the second half of a page the block runs to the end of the page, or to the first two prose
    paragraphs in a row (the article goes on after a related box: teaser lists alternate titles and
    snippets, they do not hold two paragraphs of running text in a row); earlier, it is a related box
    inside the article: the heading and at most three link titles after it.
    """
    lines = page.lines
    for i, ln in enumerate(lines):
        if page.keys[i] not in ph.related_headings:
            continue
        if ln.start >= text_length / 2:
            end = next((j for j in range(i + 1, len(lines) - 1)
                        if is_paragraph(lines[j].text) and is_paragraph(lines[j + 1].text)), len(lines))
            return list(range(i, end))
        block = [i]
        for j in range(i + 1, min(i + 4, len(lines))):
            if not is_heading_like(lines[j].text) or lines[j].text.endswith(":"):
                break
            block.append(j)
        return block
    return []


TEASER_PAIRS = 3  # a run of this many (linked headline, standfirst) pairs is a teaser list


def teaser_list(page: Page, links: list[dict]) -> list[int]:
    """Runs of teasers for other articles: a headline that is one link, then a line of standfirst with no
    link ('Ferry fares rise again' / 'Operators blame the price of fuel'), at least TEASER_PAIRS times
    in a row. An article's own paragraphs are not whole links, and a list of links alone (references,
    sources) has no unlinked line after each item."""
    if len(links) < TEASER_PAIRS:
        return []
    whole = {(ln["start"], ln["end"]) for ln in links}
    starts = sorted(ln["start"] for ln in links)

    def unlinked(line: Line) -> bool:
        k = bisect_left(starts, line.start)
        return k == len(starts) or starts[k] >= line.end

    lines, out, i = page.lines, [], 0
    while i + 1 < len(lines):
        run = i
        while (run + 1 < len(lines) and (lines[run].start, lines[run].end) in whole and len(page.words[run]) <= 15
               and unlinked(lines[run + 1])
               and 0 < len(page.words[run + 1]) <= 30 and " " in lines[run].text
               and not _SENTENCE_END.search(lines[run + 1].text)):
            run += 2
        if run - i >= 2 * TEASER_PAIRS:
            out.extend(range(i, run))
            i = run
        else:
            i += 1
    return out


def prev_next_footer(page: Page, ph: Phrases, removed: set[int]) -> list[int]:
    """Previous/Next labels at the end of a page and the neighbouring article title after each run of them."""
    footer: list[int] = []
    keys = page.keys
    i = len(keys) - 1
    while i >= 0:
        if i in removed and keys[i] not in ph.prev_next:
            i -= 1  # other chrome (related list, copyright) may sit after the footer
            continue
        if keys[i] in ph.prev_next:
            footer.append(i)
        elif i > 0 and keys[i - 1] in ph.prev_next and len(page.words[i]) <= 25:
            footer.append(i)  # title of the previous/next article
        else:
            break
        i -= 1
    return sorted(footer)


def reference_items(lines: list[Line], block: list[int], links: list[dict]) -> list[dict]:
    """Headline (+ snippet) pairs of a related/references block -> source links of kind 'reference'."""
    items, k = [], 1  # block[0] is the heading
    while k < len(block):
        head = lines[block[k]]
        snippet = None
        if k + 1 < len(block):
            cand = lines[block[k + 1]].text
            looks_snippet = _TERMINAL.search(cand) or len(words(cand)) >= 20
            if looks_snippet and len(cand) > len(head.text) and not head.text.endswith("."):
                snippet = cand
        url = next((ln["url"] for ln in links if ln["start"] < head.end and ln["end"] > head.start), None)
        items.append({"id": stable_hash(f"reference|{head.start}|{head.end}", 8), "kind": "reference",
                      "name": head.text, "url": url, "context": snippet})
        k += 2 if snippet else 1
    return items


# ------------------------------------------------------------------ spans inside lines

_NAME_WORD = r"(?:[A-Z0-9][\w&'’.-]*|www\.[\w.-]+|[a-z][\w-]*\.(?:com|org|net|gov|edu|io|co\.uk|de|es|fr|in)|of|the|and|de|la|le|del|für|und|y|et)"
_CHIPS = re.compile(
    rf"(?<=[.!?…\"'”’)\]])[ \t]+((?:{_NAME_WORD}(?: {_NAME_WORD}){{0,6}}\+\d{{1,3}})+)[ \t]*$", re.MULTILINE
)
_CHIP = re.compile(r"(.+?)\+(\d{1,3})")
_CHIP_COUNT = re.compile(r"\+\d")  # every chip ends in one; _CHIPS tries every position before saying no
_SENTENCE_START = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)]))\s+(?=[\"'“‘«(]?[A-Z0-9])")


def citation_chips(text: str) -> list[tuple[dict, list[dict]]]:
    """'... a "man of peace." AP News+1' -> (removal of the chip, one citation source per outlet)."""
    if not _CHIP_COUNT.search(text):
        return []  # most pages: one scan for '+<digit>' rules them out
    found = []
    for match in _CHIPS.finditer(text):
        start, end = match.span(1)
        line_start = text.rfind("\n", 0, start) + 1
        sentence = _SENTENCE_START.split(text[line_start:match.start()])[-1].strip()
        removal = {"start": start, "end": end, "text": text[start:end], "rule": "citation-chip"}
        sources = [{"id": stable_hash(f"citation|{start}|{n}", 8), "kind": "citation", "name": chip.group(1).strip(),
                    "count": int(chip.group(2)), "context": sentence}
                   for n, chip in enumerate(_CHIP.finditer(match.group(1)))]
        found.append((removal, sources))
    return found


def list_markers(lines: list[Line]) -> list[dict]:
    """'  • item' / '2. item' -> the marker goes, the item stays (as its own paragraph)."""
    out = []
    for ln in lines:
        m = _LIST_MARKER.match(ln.text)
        if m:
            out.append({"start": ln.start, "end": ln.start + len(m.group().rstrip()), "text": m.group().rstrip(),
                        "rule": "list-marker"})
    return out


def find_boilerplate(text: str, ph: Phrases, links: list[dict] | None = None,
                     plain_text: bool = True, title: str | None = None) -> tuple[list[dict], list[dict]]:
    """(removals, sources) of one page; removal offsets are into `text`, sorted. `title` is the page's
    declared title (HTML pages): a first line that repeats it is the headline."""
    page = read_page(text)
    lines = page.lines
    marks: dict[int, str] = dict.fromkeys(headline(page, title), "headline")
    block = related_block(page, ph, len(text))
    sources = reference_items(lines, block, links or []) if block else []
    for i in block:
        marks.setdefault(i, "related-block")
    rules = {**LINE_RULES, **(PLAIN_TEXT_RULES if plain_text else {})}
    for name, rule in rules.items():
        for i in rule(page, ph):
            marks.setdefault(i, name)
    for i in teaser_list(page, links or []):
        marks.setdefault(i, "teaser-list")
    for i in prev_next_footer(page, ph, set(marks)):
        marks.setdefault(i, "prev-next")
    removals = [{"start": lines[i].start, "end": lines[i].end, "text": lines[i].text, "rule": rule}
                for i, rule in marks.items()]
    kept_lines = [ln for i, ln in enumerate(lines) if i not in marks]
    kept_starts = {ln.start for ln in kept_lines}
    for removal, chip_sources in citation_chips(text):
        if text.rfind("\n", 0, removal["start"]) + 1 in kept_starts:  # chips on removed lines go with them
            removals.append(removal)
            sources.extend(chip_sources)
    if plain_text:  # in HTML, lists are structure (trafilatura drops the markers); a "1)" in a <p> is prose
        removals += list_markers(kept_lines)
    return sorted(removals, key=lambda r: (r["start"], r["end"])), sources
