"""readability-lxml's main text of a page, as text and link offsets like trafilatura's (builder/ingest/text_tree.py).

readability (Mozilla's Arc90 algorithm) scores paragraphs and takes the best-scoring container with its
siblings: a different method from trafilatura's XPath rules and link-density pruning, so the two fail on
different pages. builder/ingest/combine.py decides which to trust where.
"""

from __future__ import annotations

import lxml.html

from builder.ingest.text_tree import text_and_links

# readability's HTML tags -> trafilatura's output vocabulary, which text_tree walks
_TAGS = {"p": "p", "h1": "head", "h2": "head", "h3": "head", "h4": "head", "h5": "head", "h6": "head",
         "li": "item", "dt": "item", "dd": "item", "blockquote": "quote", "pre": "code", "td": "cell", "th": "cell",
         "br": "lb", "ul": "list", "ol": "list", "dl": "list", "table": "table", "tr": "row", "a": "ref"}


def readability_text(html: str, url: str | None) -> tuple[str, list[dict]] | None:
    """(text, links) of readability-lxml's summary of the page, or None when it finds nothing."""
    from readability import Document
    from readability.readability import Unparseable

    try:
        summary = Document(html, url=url).summary(html_partial=True)
    except (Unparseable, ValueError, TypeError):  # empty documents, odd markup
        return None
    if not summary or not summary.strip():
        return None
    try:
        tree = lxml.html.fromstring(summary)
    except (lxml.etree.ParserError, ValueError):
        return None
    for element in tree.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        tag = _TAGS.get(element.tag, "div" if element.tag in ("div", "section", "article", "main", "figure") else None)
        if tag == "ref":
            href = element.get("href")
            element.attrib.clear()
            if href:
                element.set("target", href)
            else:
                tag = "hi"
        if tag:
            element.tag = tag
    text, links = text_and_links(tree, url)
    return (text, links) if text.strip() else None
