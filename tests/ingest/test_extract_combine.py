"""Issue 20 on our own pages: a second opinion when the first extractor stops short, sites from a page's own
evidence, stories counted once for site lines, phrase lists, metadata that looks like what it names."""

from __future__ import annotations

from builder.clean.config import CleanConfig
from builder.clean.phrases import load_phrases
from builder.clean.rules import find_boilerplate
from builder.clean.site_lines import CleanStage, build_index, index_keys, keys_table
from builder.ingest.combine import agrees, choose, stopped_short
from builder.ingest.config import IngestConfig
from builder.ingest.extract import extract_page, normalize_text, text_hash
from builder.ingest.metadata import looks_like_person

CFG = IngestConfig(isolate=False)
PH = load_phrases(tuple(CleanConfig().phrase_languages))

SENTENCES = [
    "The lighthouse keeper logged {n} ships passing the point before the fog came down on Thursday night.",
    "Her notebook, kept since the spring of {n}, records every vessel by its flag, its tonnage and its hour.",
    "Fishermen say the new buoy at the harbour mouth has halved the number of near misses this season.",
    "The council will decide next month whether to fund a second keeper for the winter months ahead.",
    "Visitors may climb the tower on Saturdays, though the stairs are narrow and the rail is old and cold.",
    "A local historian has offered to catalogue the logbooks, which go back more than a century to 1911.",
]


def story(n: int, paragraphs: int = 6) -> list[str]:
    return [SENTENCES[i % len(SENTENCES)].format(n=n) + f" Paragraph {i} of story {n} adds a detail of its own."
            for i in range(paragraphs)]


def test_a_longer_second_opinion_that_agrees_replaces_a_short_first_text():
    full = " ".join(story(1))
    intro = story(1)[0]
    assert agrees(intro, full) and not agrees(intro, " ".join(story(2)))
    chosen, which = choose((intro, []), [(full, [])])
    assert which == 1 and chosen[0] == full
    # a longer text about something else (teasers, comments) does not agree: the first text stays
    chosen, which = choose((intro, []), [(" ".join(story(2) * 3), [])])
    assert which == 0 and chosen[0] == intro
    assert choose(None, [None, (full, [])])[1] == 2  # nothing found first: any opinion is better
    assert stopped_short(intro, len(full.split()) * 2) and not stopped_short(full, len(full.split()))


def test_teaser_page_keeps_the_whole_article():
    """An article whose first block is a promoted intro and whose body sits in divs of <br>-separated text:
    the build's text must hold every paragraph, with link offsets exact."""
    body = "<br><br>".join(story(3))
    page = f"""<html><head><title>Keeper's log</title></head><body>
<div class="teaser"><p>{story(3)[0]}</p><a href="/more">Read the full story</a></div>
<div class="wrap"><div class="content"><div>{body.replace("its hour", '<a href="https://logs.example/1">its hour</a>')}</div></div></div>
<footer><a href="/a">About</a> <a href="/b">Contact</a></footer></body></html>"""
    doc = extract_page({"origin": "log.html", "data": page.encode(), "url": "https://keeper.example/log", "kind": "html"}, CFG)
    for paragraph in story(3):
        assert paragraph in doc["text"]
    for link in doc["links"]:
        assert doc["text"][link["start"]:link["end"]] == link["text"]


def _page_without_url(host: str, n: int) -> str:
    menu = "".join(f'<a href="https://www.{host}/section/{k}">Section {k}</a> ' for k in range(4))
    paragraphs = "".join(f"<p>{p}</p>" for p in story(n))
    return f"<html><head><title>Story {n}</title></head><body><nav>{menu}</nav><article>{paragraphs}</article>" \
           f'<p>Partner: <a href="https://ads.example/x">ad</a></p></body></html>'


def test_url_less_pages_of_three_hosts_in_one_folder_get_three_sites(tmp_path, scan):
    folder = tmp_path / "saved"
    folder.mkdir()
    for n, host in enumerate(["quayside.example", "moorland.example", "estuary.example"]):
        (folder / f"page{n}.html").write_text(_page_without_url(host, n), encoding="utf-8")
    (folder / "bare.txt").write_text("\n\n".join(story(9)), encoding="utf-8")
    docs = [extract_page(raw, CFG) for raw in scan([folder], CFG, tmp_path)]
    assert [d["site"] for d in docs] == [None, "quayside.example", "moorland.example", "estuary.example"]
    configured = IngestConfig(isolate=False, default_site="archive.example")
    docs = [extract_page(raw, configured) for raw in scan([folder], configured, tmp_path)]
    assert docs[0]["site"] == "archive.example" and docs[1]["site"] == "quayside.example"


def _clean(rows):
    cfg = CleanConfig()
    index = build_index(index_keys(keys_table(rows)), cfg)
    return CleanStage(cfg, index).process([dict(r) for r in rows])[0]


def _text_doc(name: str, text: str, site: str) -> dict:
    text = normalize_text(text)
    return {"id": name, "origin": name, "url": None, "site": site, "text": text, "text_hash": text_hash(text),
            "removals": [], "links": [], "sources": []}


def _wrap(paragraph: str, width: int = 9) -> str:
    """Hard-wrap a paragraph as a plain-text file does (a line every `width` words)."""
    words = paragraph.split()
    return "\n".join(" ".join(words[i:i + width]) for i in range(0, len(words), width))


def test_three_edited_copies_of_a_story_keep_their_words():
    """Three lightly edited copies of one story plus two other stories, plain text, one site."""
    base = story(4, 8)
    copies = [base, base[:5] + ["An editor's note was added to this copy on Friday morning, after readers wrote in."] + base[5:],
              [p.replace("Thursday", "Friday") for p in base[:-1]]]
    texts = ["Harbour Weekly\n\n" + "\n\n".join(_wrap(p) for p in c) for c in copies]
    texts += ["Harbour Weekly\n\n" + "\n\n".join(_wrap(p) for p in story(n)) for n in (5, 6)]
    rows = [_text_doc(f"copy{k}.txt", t, "harbourweekly.example") for k, t in enumerate(texts)]
    docs = {d["origin"]: d for d in _clean(rows)}
    for k in range(3):
        before = len(rows[k]["text"].split())
        assert len(docs[f"copy{k}.txt"]["text"].split()) >= 0.95 * before


def test_running_text_is_never_site_chrome_but_short_repeated_lines_are():
    pitch = "Support the Harbour Weekly: subscribe today"
    rows = [_text_doc(f"s{n}.txt", "\n\n".join([*story(n, 3), pitch]), "harbourweekly.example") for n in range(10, 14)]
    # one long paragraph (40+ words) that every page also carries: running text, kept
    shared = ("The harbour trust, which owns the quay, the slipway and the old net lofts, has asked every paper in "
              "the county to print its notice about the winter closure of the slipway in full, and this one does so "
              "on its second page, as it did last year and the year before.")
    rows += [_text_doc(f"t{n}.txt", "\n\n".join([*story(n, 3), shared, pitch]), "harbourweekly.example") for n in range(14, 18)]
    docs = _clean(rows)
    assert all(pitch not in d["text"] for d in docs)
    assert all(shared in d["text"] for d in docs if d["origin"].startswith("t"))


def test_same_article_on_two_sites_keeps_all_its_lines():
    wire = story(20, 5)
    rows = [_text_doc(f"{site}-wire", "\n\n".join([f"{site} front page", *wire]), site) for site in ("a.example", "b.example")]
    rows += [_text_doc(f"{site}-{n}", "\n\n".join([f"{site} front page", *story(n, 3)]), site)
             for site in ("a.example", "b.example") for n in (21, 22, 23)]
    for d in _clean(rows):
        if d["origin"].endswith("-wire"):
            assert d["text"] == "\n\n".join(wire)


def _marked(text: str) -> set[str]:
    removals, _ = find_boilerplate(normalize_text(text), PH, plain_text=False)
    return {r["text"] for r in removals}


def test_new_chrome_phrases_are_removed_and_prose_is_not():
    chrome = ["Related Roundup: Harbour boats", "Tag: harbour, boats, winter", "Buyer's Guide: Harbour boats",
              "Click here to subscribe to our morning letter", "Follow Harbour Weekly on Twitter for updates",
              "ⓒ 하버 위클리 무단 전재 및 재배포 금지", "Todos os direitos reservados.", "more >>", "Image 1 of 8", "3 / 8",
              "Photo: Ann Lee, Harbour Weekly", "Updated: March 3, 2026 10:15 AM", "November 19, 2019 / 12:21 AM / Updated 14 hours ago"]
    prose = story(30, 3)
    marked = _marked("\n\n".join([prose[0], *chrome, *prose[1:]]))
    assert marked == set(chrome)
    assert not _marked("\n\n".join(["Follow the money, the inspector said, and you will find the boat.", *prose]))


def test_related_heading_in_the_middle_does_not_cut_the_article_after_it():
    prose = story(31, 8)
    text = "\n\n".join([*prose[:5], "Related stories", "Ferry fares rise again", "Quay repairs finish early", *prose[5:]])
    marked = _marked(text)
    assert {"Related stories", "Ferry fares rise again", "Quay repairs finish early"} <= marked
    assert not any(p in marked for p in prose)
    # at the end of a page, a related list still runs to the end
    end = "\n\n".join([*prose, "Related stories", "Ferry fares rise again", "Quay repairs finish early"])
    assert {"Ferry fares rise again", "Quay repairs finish early"} <= _marked(end)


def test_titles_are_unescaped_and_authors_look_like_people():
    page = """<html><head><script type="application/ld+json">{"@type": "NewsArticle",
    "headline": "Keeper&#8217;s log sells for &#163;900", "author": [{"name": "Ann Lee"}, {"name": "humans.txt"},
    {"name": "The Russian"}, {"name": "AP Auto Writer"}]}</script></head>
    <body><article><p>""" + " ".join(story(40)) + "</p></article></body></html>"
    doc = extract_page({"origin": "p.html", "data": page.encode(), "url": "https://quay.example/a", "kind": "html"}, CFG)
    assert doc["title"] == "Keeper\u2019s log sells for \u00a3900"
    assert doc["authors"] == ["Ann Lee"]
    assert looks_like_person("María José García") and looks_like_person("李明")
    assert not looks_like_person("Staff Reporter") and not looks_like_person("humans.txt")


def test_plain_text_headline_only_when_the_first_line_reads_like_one():
    def title(text):
        return extract_page({"origin": "t.txt", "data": text.encode(), "url": None, "kind": "text"}, CFG)["title"]

    assert title("Keeper logs record ships\n\n" + "\n\n".join(story(50))) == "Keeper logs record ships"
    assert title("\n\n".join(story(50))) is None  # the first line is a sentence


def test_headline_that_repeats_the_title_is_not_text():
    prose = story(60, 3)
    text = "\n\n".join(["Keeper logs record ships", *prose])
    for title in ("Keeper logs record ships", "Keeper Logs Record Ships | Harbour Weekly", "Harbour Weekly - Keeper logs record ships"):
        removals, _ = find_boilerplate(text, PH, plain_text=False, title=title)
        assert [(r["text"], r["rule"]) for r in removals] == [("Keeper logs record ships", "headline")], title
    # another title, a sentence that starts like the title, or no title: the first line stays
    for first, title in [("Keeper logs record ships", "Ferry fares rise again"),
                         ("Keeper logs record ships in the fog, the harbour master said on Monday.", "Keeper logs record ships"),
                         ("Keeper logs record ships", None)]:
        removals, _ = find_boilerplate("\n\n".join([first, *prose]), PH, plain_text=False, title=title)
        assert not removals, (first, title)


def test_built_html_text_starts_after_its_headline_and_plain_text_keeps_its_first_line():
    from builder.clean.boilerplate import BoilerplateStage

    paragraphs = "".join(f"<p>{p}</p>" for p in story(61))
    page = (f"<html><head><title>Keeper logs record ships | Harbour Weekly</title></head><body><article>"
            f"<h1>Keeper logs record ships</h1>{paragraphs}</article></body></html>")
    html = extract_page({"origin": "k.html", "data": page.encode(), "url": "https://harbour.example/k", "kind": "html"}, CFG)
    plain = extract_page({"origin": "k.txt", "data": ("Keeper logs record ships\n\n" + "\n\n".join(story(61))).encode(),
                          "url": None, "kind": "text"}, CFG)
    assert html["text"].startswith("Keeper logs record ships\n\n") and plain["title"] == "Keeper logs record ships"
    rows, _ = BoilerplateStage(CleanConfig()).process([html, plain])
    docs = {d["origin"]: d for d in _clean(rows)}
    assert docs["k.html"]["text"] == "\n\n".join(story(61)) and docs["k.html"]["title"] == "Keeper logs record ships"
    assert docs["k.txt"]["text"].startswith("Keeper logs record ships\n\n")  # its title was read from that line


def test_credit_newsletter_contact_reading_time_and_teaser_lines_are_chrome():
    chrome = ["(Reporting by Ann Lee in Dover; Editing by Tom Reed)", "Additional reporting by Mei Chen",
              "Ann Lee contributed reporting from Dover.", "Harbour Weekly's Tom Reed contributed to this report.",
              "Get the tide tables and the morning briefing delivered straight to your inbox.",
              "Sign up for the Harbour Weekly newsletter and never miss a sailing.",
              "Email Ann Lee at ann.lee@harbour.example or call the newsroom.", "The reporter may be reached at the quay office.",
              "Ann Lee writes about the coast. Follow her on Twitter for ferry news.", "4 min read", "Mar 3, 2026 • 11 Minute Read",
              "2026-03-03T10:15:00+01:00", "Keeper's logbook sold at auction [PICTURES]", "Tempo de leitura: 3 minutos",
              "Lesezeit: 4 Minuten"]
    prose = story(62, 3)
    assert _marked("\n\n".join([prose[0], *chrome, *prose[1:]])) == set(chrome)
    kept = ["Reporters who contributed to the inquiry were thanked by the council on Friday.",
            "The harbour master said the letters delivered to the office were read aloud at the meeting.",
            "Readers can follow the keeper's log online, where every ship is listed by its flag.",
            "The logbook [pictured above] was sold at auction for a sum the family would not disclose."]
    assert not _marked("\n\n".join([prose[0], *kept, *prose[1:]]))


HARBOUR = ["The harbour board met on Tuesday to discuss the cost of dredging the channel before the summer season begins.",
           "Engineers have long complained that the old dredger has suffered from {a} since its launch in 2016. The board pays for repairs.",
           "Just months after the last {a} was repaired, the board has ordered a new one. The changes are not obvious from the quay.",
           "Members agreed that the work should start in April, although two of them asked for a second quote first."]
FAULTS = "problems with its pumps, winches and hull"


def test_br_separated_paragraph_with_a_link_stays_one_paragraph():
    """A frame of <br>-separated text with inline links: trafilatura emits each link on its own, cutting its
    paragraph in two ('... suffered from' / 'problems with ...since its launch'); the build's text keeps it whole."""
    link = f'<a href="https://harbour.example/faults">{FAULTS}</a>'
    body = "\n<br> <br>".join(p.format(a=link) for p in HARBOUR)
    page = (f'<html><head><title>Board orders a dredger</title></head><body><div class="article"><h1>Board orders a dredger</h1>'
            f'<div class="content">{body}<br><br><div class="linkback">Filed under: <a href="/t/harbour">Harbour</a></div></div>'
            f'</div></body></html>')
    doc = extract_page({"origin": "d.html", "data": page.encode(), "url": "https://harbour.example/d", "kind": "html"}, CFG)
    blocks = doc["text"].split("\n\n")
    for paragraph in HARBOUR:
        assert paragraph.format(a=FAULTS) in blocks
    for link in doc["links"]:
        assert doc["text"][link["start"]:link["end"]] == link["text"]
    assert sum(link["text"] == FAULTS for link in doc["links"]) == 2


def test_a_bare_link_between_pieces_of_running_text_joins_them_and_real_breaks_stay():
    import lxml.etree as etree

    from builder.ingest.text_tree import text_and_links

    def text_of(xml):
        text, links = text_and_links(etree.fromstring(xml), None)
        assert all(text[link["start"]:link["end"]] == link["text"] for link in links)
        return text.split("\n\n")

    # the shape trafilatura leaves: the text before the link ends in a space, the text after starts with one
    assert text_of(f'<body><p>The dredger has suffered from </p><ref target="/f">{FAULTS}</ref><p> since 2016.</p></body>') == [
        f"The dredger has suffered from {FAULTS} since 2016."]
    assert text_of(f'<body><p>Engineers reported </p><ref target="/f">{FAULTS}</ref><p>, and the board listened.</p></body>') == [
        f"Engineers reported {FAULTS}, and the board listened."]
    # a paragraph that ends, then a link, then a paragraph: three blocks
    assert len(text_of(f'<body><p>The board met.</p><ref target="/f">{FAULTS}</ref><p>Members agreed.</p></body>')) == 3
    # a list of links, one per paragraph, after a heading-like line: not run together
    assert len(text_of('<body><p>Further reading</p><p><ref target="/a">Dredging costs</ref></p>'
                       '<p><ref target="/b">Harbour fees</ref></p></body>')) == 3


def test_teaser_list_of_linked_headlines_and_standfirsts_is_chrome_but_a_link_list_and_prose_are_not():
    prose = story(63, 3)
    teasers = [("Ferry fares rise again", "Operators blame the price of fuel"), ("Quay repairs finish early", "The north wall reopens on Monday"),
               ("Keeper retires after forty years", "A dinner is planned at the harbour hall")]
    lines = prose + [line for pair in teasers for line in pair]
    text = "\n\n".join(lines)
    links = [{"start": text.index(title), "end": text.index(title) + len(title), "url": f"https://harbour.example/{n}", "text": title}
             for n, (title, _) in enumerate(teasers)]
    removals, _ = find_boilerplate(text, PH, links, plain_text=False)
    assert {r["text"] for r in removals if r["rule"] == "teaser-list"} == {line for pair in teasers for line in pair}
    # two teasers are not a list; standfirsts that end like sentences are an article's own list of items
    short = "\n\n".join(prose + [line for pair in teasers[:2] for line in pair])
    assert not find_boilerplate(short, PH, links[:2], plain_text=False)[0]
    items = "\n\n".join(prose + [line for title, stand in teasers for line in (title, stand + ".")])
    links = [{**link, "start": items.index(link["text"]), "end": items.index(link["text"]) + len(link["text"])} for link in links]
    assert not find_boilerplate(items, PH, links, plain_text=False)[0]
