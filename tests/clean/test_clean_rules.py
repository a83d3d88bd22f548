"""Single-page boilerplate rules, on our own fixture strings written in the style of scraped pages."""

from builder.clean.edits import remove_spans
from builder.clean.phrases import load_phrases
from builder.clean.rules import citation_chips, find_boilerplate, split_lines

PH = load_phrases(("en", "de", "es", "fr"))
PARA = "The harbour board met on Tuesday to discuss the cost of dredging the channel before the summer season begins."
PARA2 = "Members agreed that the work should start in April, although two of them asked for a second quote first."


def clean(text, plain_text=True):
    removals, sources = find_boilerplate(text, PH, plain_text=plain_text)
    out, _ = remove_spans(text, [(r["start"], r["end"]) for r in removals], [])
    return out, removals, sources


def rules_of(removals):
    return {r["text"]: r["rule"] for r in removals}


def test_trend_header_removed_with_keyword_line():
    text = f"harbour dredging\n\n2,000 + Buzz 🇬🇧 GB\nTrend visualization for harbour dredging\n\nDredging Plan Approved\n\n{PARA}"
    out, removals, _ = clean(text)
    assert out == f"Dredging Plan Approved\n\n{PARA}"
    assert set(rules_of(removals).values()) == {"trend-header"}


def test_trend_header_badge_without_caption_takes_the_heading_line_above_it():
    # A volume badge with no "Trend visualization for ..." caption: the short heading-like line above it
    # is the search keyword. This page used to raise a TypeError in the rule.
    text = f"Harbour Dredging\n\n2,000 + Buzz GB\n\n{PARA}"
    out, removals, _ = clean(text)
    assert out == PARA
    assert set(rules_of(removals).values()) == {"trend-header"}


def test_navigation_labels_in_four_languages():
    for label in ("Read more", "Share", "Weiterlesen", "Compartir", "Partager", "Subscribe »"):
        out, removals, _ = clean(f"{PARA}\n\n{label}\n\n{PARA2}")
        assert out == f"{PARA}\n\n{PARA2}", label


def test_navigation_word_inside_prose_is_kept():
    text = f"{PARA}\n\nShare prices rose by four per cent after the announcement, traders said on Friday."
    assert clean(text)[0] == text


def test_read_more_teaser_share_bar_link_bar_and_chrome_patterns():
    chrome = ["Read more: Our guide to the best beaches this summer", "Leer más: Toda la actualidad de la comarca",
              "Share Tweet Email", "About us | Contact | Privacy policy | Terms", "© 2026 Harbour Press Ltd. All rights reserved.",
              "We use cookies to improve your experience on this site.", "Jetzt Hafenblatt Plus abonnieren: vier Wochen gratis testen."]
    text = "\n\n".join([PARA] + chrome + [PARA2])
    out, removals, _ = clean(text, plain_text=False)
    assert out == f"{PARA}\n\n{PARA2}"


def test_image_caption_between_paragraphs_removed_but_subheadings_kept():
    text = "\n\n".join([PARA, "Dredger working near the harbour mouth", PARA2,
                       "Key Points", PARA, "Background", PARA2, "Analysis", "What the Board Decided", PARA,
                       "Potential Outcomes:", PARA2, "Why the cost went up", PARA])
    out, removals, _ = clean(text)
    assert rules_of(removals) == {"Dredger working near the harbour mouth": "image-caption"}
    assert "Key Points" in out and "What the Board Decided" in out and "Why the cost went up" in out


def test_caption_rule_not_applied_to_html_pages():
    text = "\n\n".join([PARA, "Dredger working near the harbour mouth", PARA2])
    assert clean(text, plain_text=False)[0] == text


def test_related_block_to_end_becomes_references():
    text = "\n\n".join([PARA, PARA2, "More References", "Harbour fees to rise in spring",
                        "The board said fees would go up by five per cent to pay for the dredging work.",
                        "Ferry timetable changes", "Sailings will start later from May, the operator said."])
    out, removals, sources = clean(text)
    assert out == f"{PARA}\n\n{PARA2}"
    refs = [(s["name"], s["context"]) for s in sources if s["kind"] == "reference"]
    assert refs == [("Harbour fees to rise in spring", "The board said fees would go up by five per cent to pay for the dredging work."),
                    ("Ferry timetable changes", "Sailings will start later from May, the operator said.")]


def test_previous_next_footer_and_neighbour_titles():
    text = f"{PARA}\n\n{PARA2}\n\nPrevious\nPrevious\n\nTen Best Harbour Walks\n\nNext\nNext\n\nLifeboat Crew Honoured"
    out, removals, _ = clean(text)
    assert out == f"{PARA}\n\n{PARA2}"
    assert rules_of(removals)["Lifeboat Crew Honoured"] == "prev-next"


def test_citation_chips_become_sources():
    text = ("The mayor called it \"a fair deal.\" Harbour News+1\n\n"
            "Officials expect delays into the spring. Reuters+2Port Weekly+2\n\n"
            "The figures were published online. www.portdata.org+1")
    out, removals, sources = clean(text)
    assert out == "The mayor called it \"a fair deal.\"\n\nOfficials expect delays into the spring.\n\nThe figures were published online."
    assert [(s["name"], s["count"]) for s in sources] == [("Harbour News", 1), ("Reuters", 2), ("Port Weekly", 2), ("www.portdata.org", 1)]
    assert sources[1]["context"] == "Officials expect delays into the spring."
    assert [r["text"] for r in removals] == ["Harbour News+1", "Reuters+2Port Weekly+2", "www.portdata.org+1"]


def test_no_chip_without_sentence_end_or_in_arithmetic():
    assert citation_chips("The score was 2+2 in the end.\nScore settled at 3+1") == []


def test_list_markers_stripped_items_become_paragraphs():
    text = "Options:\n\n  • First option here\n  • Second option here\n1. Numbered item"
    out, removals, _ = clean(text)
    assert out == "Options:\n\nFirst option here\n\nSecond option here\n\nNumbered item"
    assert {r["rule"] for r in removals} == {"list-marker"}


def test_removal_offsets_point_into_pre_clean_text():
    text = f"{PARA}\n\nRead more\n\n{PARA2} Harbour News+1"
    removals, _ = find_boilerplate(text, PH)
    assert removals and all(text[r["start"]:r["end"]] == r["text"] for r in removals)


def test_split_lines_offsets():
    text = "  a line  \n\nsecond"
    assert [(text[ln.start:ln.end], ln.text) for ln in split_lines(text)] == [("a line", "a line"), ("second", "second")]


def test_related_box_inside_an_article_takes_only_its_links():
    text = "\n\n".join([PARA, "Related:", "Harbour fees to rise in spring", "Shopping:", PARA2, PARA, PARA2, PARA])
    out, removals, _ = clean(text, plain_text=False)
    assert rules_of(removals) == {"Related:": "related-block", "Harbour fees to rise in spring": "related-block"}
    assert "Shopping:" in out


def test_share_bar_needs_an_action_word():
    keep = f"{PARA}\n\nX, Facebook\n\n{PARA2}"
    assert clean(keep, plain_text=False)[0] == keep


def test_merged_line_patterns_answer_like_the_patterns_one_by_one():
    from builder.clean.phrases import merge_line_patterns

    cases = [
        ([r"\bfoo|bar"], "xbar", True),  # the leading \b binds only the first branch: not hoisted
        ([r"\bcookies\b", r"\bjoin\b"], "xjoin", False),
        ([r"(a)\1", r"(b)\1"], "bb", True),  # back-references keep their own group numbers
        ([r"\bba[]|]r", r"^end"], "ba|r", True),
        ([r"(?i)abc", "def"], "ABC", True),  # a global inline flag must open its expression
        # Brackets that open no group must not hide a top-level '|' (else the \b would be hoisted):
        ([r"\bfoo\(|bar"], "xbar", True),  # an escaped parenthesis
        ([r"\bfoo[(]|bar"], "xbar", True),  # a parenthesis in a character set
        ([r"\bfoo[](]|bar"], "xbar", True),  # ... in a set that opens with a literal ']'
        (["\\bfoo(?x: # a comment hides this ( \n)|bar"], "xbar", True),  # ... in a verbose comment
        ([r"(?P<word>ab)", r"(?P<word>cd)"], "cd", True),  # a group name may appear once per expression
    ]
    for patterns, line, expected in cases:
        assert any(p.search(line) for p in merge_line_patterns(patterns)) is expected, (patterns, line)
