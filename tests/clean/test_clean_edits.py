"""Applying removals to a text: whitespace handling and link offsets."""

from builder.clean.edits import remove_spans


def span(text, part, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def test_whole_lines_go_with_their_line_breaks():
    text = "Para one.\n\nCaption here\n\nPara two.\nLabel\n\nLast."
    out, _ = remove_spans(text, [span(text, "Caption here"), span(text, "Label")], [])
    assert out == "Para one.\n\nPara two.\n\nLast."


def test_last_line_takes_the_break_before_it():
    text = "Para one.\n\nNext"
    assert remove_spans(text, [span(text, "Next")], [])[0] == "Para one."


def test_links_after_an_edit_shift_and_links_on_removed_text_drop():
    text = "Intro line.\n\nShare\n\nSee the report here. Daily Post+1\n\nEnd with link."
    links = [{"start": s, "end": e, "url": u} for (s, e), u in
             [(span(text, "report"), "a"), (span(text, "Daily Post"), "b"), (span(text, "link"), "c"), (span(text, "Intro"), "d")]]
    out, kept = remove_spans(text, [span(text, "Share"), span(text, "Daily Post+1")], links)
    assert out == "Intro line.\n\nSee the report here.\n\nEnd with link."
    assert [(out[k["start"]:k["end"]], k["url"]) for k in kept] == [("report", "a"), ("link", "c"), ("Intro", "d")]


def test_adjacent_removals_leave_no_blank_runs():
    text = "A.\n\nx\n\ny\n\nz\n\nB."
    out, _ = remove_spans(text, [span(text, "x"), span(text, "y"), span(text, "z")], [])
    assert out == "A.\n\nB."
