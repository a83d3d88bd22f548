"""Page metadata: where publishers declare it (JSON-LD, meta tags) and where pages show it (title, byline)."""

import datetime as dt

from trafilatura.utils import load_html

from builder.ingest.metadata import page_metadata

JSON_LD = """<html><head><title>Harbour pilots strike | The Lantern Post</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "name": "Harbour pilots strike | The Lantern Post"},
  {"@type": "NewsArticle", "headline": "Harbour pilots strike over night shifts",
   "author": [{"@type": "Person", "name": "Ines Varga"}, {"@type": "Person", "name": "Tom Reyes"}],
   "datePublished": "2026-03-14T06:30:00+01:00", "publisher": {"@type": "Organization", "name": "The Lantern Post"}}]}
</script>
<meta property="og:title" content="Pilots strike (social headline)">
<link rel="canonical" href="/news/pilots-strike"></head>
<body><h1>Harbour pilots strike over night shifts</h1><p>Text.</p></body></html>"""


def meta_of(html: str, url: str | None = None):
    return page_metadata(load_html(html), url)


def test_json_ld_article_wins_over_the_webpage_and_the_meta_tags():
    meta = meta_of(JSON_LD, "https://lanternpost.example/news/pilots-strike?utm_source=x")
    assert meta.title == "Harbour pilots strike over night shifts"
    assert meta.authors == ["Ines Varga", "Tom Reyes"]
    assert meta.published == dt.date(2026, 3, 14)
    assert meta.site_name == "The Lantern Post"
    assert meta.url == "https://lanternpost.example/news/pilots-strike"  # relative canonical resolved


def test_meta_tags_when_there_is_no_json_ld():
    html = """<html><head><title>x</title><meta property="og:title" content="Tram line opens">
    <meta property="og:site_name" content="Valley Courier"><meta name="byl" content="By Ruth Okafor and Leo Brandt">
    <meta name="pubdate" content="20260201"><meta property="og:url" content="https://valley.example/tram"></head>
    <body><p>Text.</p></body></html>"""
    meta = meta_of(html)
    assert (meta.title, meta.site_name, meta.url) == ("Tram line opens", "Valley Courier", "https://valley.example/tram")
    assert meta.authors == ["Ruth Okafor", "Leo Brandt"]
    assert meta.published == dt.date(2026, 2, 1)


def test_page_fallbacks_title_element_and_byline_outside_the_comments():
    html = """<html><head><title>Bakery wins county prize - Hillside Gazette</title></head><body>
    <div class="byline"><span>By</span>
      <a rel="author" href="/staff/nell">Nell Ashdown</a>
      <time>12 May 2026</time></div>
    <p>Text of the article.</p>
    <section class="comments"><span class="comment-author">Reader Bob</span></section></body></html>"""
    meta = meta_of(html)
    assert meta.title == "Bakery wins county prize"
    assert meta.authors == ["Nell Ashdown"]


def test_the_site_as_author_gives_way_to_a_byline():
    html = """<html><head><script type="application/ld+json">{"@type": "BlogPosting", "headline": "Six knots",
    "author": {"@type": "Organization", "name": "Knotwork"}, "publisher": {"name": "Knotwork"}}</script></head>
    <body><p class="author">Written by: Priya Lund</p><p>Text.</p></body></html>"""
    assert meta_of(html, "https://knotwork.example/six").authors == ["Priya Lund"]


def test_bad_declarations_are_ignored_not_fatal():
    html = """<html><head><script type="application/ld+json">{not json</script>
    <meta name="author" content="https://social.example/@someone"><meta name="date" content="yesterday">
    <link rel="canonical" href="javascript:void(0)"></head><body><h1>Only a heading</h1></body></html>"""
    meta = meta_of(html)
    assert meta.title == "Only a heading"
    assert meta.authors == [] and meta.url is None and meta.published is None
