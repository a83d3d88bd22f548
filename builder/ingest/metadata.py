"""Title, authors, published date, canonical URL and site name of a parsed page, read where publishers
declare them: JSON-LD (schema.org NewsArticle and kin), then <meta> tags (OpenGraph, Dublin Core,
Parse.ly, Sailthru), then the page itself (<title>, the one <h1>, a byline element, htmldate).

Why not trafilatura's `extract_metadata`: it also extracts categories, tags and licence (which we drop)
and, when no author is declared, prunes a deep copy of the whole page and runs a long list of XPaths over
it; that made metadata a quarter of our extraction time. bench/bench_metadata.py measures both against
the wcxb gold titles, authors and dates.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml.etree import XPath

_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
                  "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "posting",
                  "socialmediaposting", "techarticle", "scholarlyarticle", "report", "webpage", "itempage"}
# <meta> keys (name, property or itemprop, lower-cased), best first.
_TITLE_KEYS = ("og:title", "twitter:title", "headline", "dc.title", "dcterms.title", "parsely-title", "sailthru.title", "title")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author",
                "citation_author", "byl", "og:article:author", "twitter:creator")
_DATE_KEYS = ("article:published_time", "datepublished", "og:published_time", "og:article:published_time",
              "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date", "publish_date",
              "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created", "date",
              "citation_publication_date", "citation_date", "article.published", "datecreated")
_SITE_KEYS = ("og:site_name", "application-name", "publisher", "dc.publisher", "twitter:site")
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·:»]\s+")
# "By", "Written by", "Recipe by:", "Author:" before a name
_BY = re.compile(r"^\s*(?:(?:[\w.]+\s+)?by|author|von|por|par|di|door|av)\b\s*:?\s*", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|\bund\b|\by\b|\bet\b|&)\s*", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"https?://|@|\d|^(?:by|posted|written|author|admin|staff)$", re.IGNORECASE)
# Byline elements; the first group is the commonest explicit markup and wins over the second.
_BYLINE_FIRST = re.compile(r"^(?:author|author-name|author__name)$|authorName|AuthorName|author-name|author__name")
# One XPath for all of them, tested on the attribute nodes rather than on every element: libxml2 then
# converts only existing @class/@id/@rel/@itemprop values to strings, which made it 2-3x faster than
# `.//*[contains(@class, ...) or ...]` on real pages. Each contains() costs a string copy, so a class is
# first screened with three substrings that every class cue holds ("by", "uthor", "username"); the six
# exact cues then run on the few that pass. The union keeps document order.
_BYLINE_CLASS_CUES = ('contains(., "byline") or contains(., "author") or contains(., "Author") '
                      'or contains(., "posted-by") or contains(., "submitted-by") or contains(., "username")')
_BYLINE_XPATH = XPath(
    f'descendant::*/@class[contains(., "by") or contains(., "uthor") or contains(., "username")][{_BYLINE_CLASS_CUES}]/.. '
    '| descendant::*/@id[contains(., "author")]/.. | descendant::*/@rel[. = "author"]/.. '
    '| descendant::*/@itemprop[. = "author"]/..')
_COMMENTS = re.compile(r"comment|replies|discussion", re.IGNORECASE)


@dataclass
class PageMetadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    url: str | None = None
    site_name: str | None = None
    link_host: str | None = None  # the host most of the page's absolute links point to (its own, on most pages)


def _clean(value) -> str | None:
    if not isinstance(value, str):
        return None
    if "&" in value:  # JSON-LD and some meta tags carry HTML entities ('&#8216;', '&#163;', '&amp;')
        value = html.unescape(value)
    value = " ".join(value.split())
    return value or None


def _iso_date(value) -> dt.date | None:
    """The date part of an ISO-8601-ish string ('2024-03-05T10:00:00Z', '2024-03-05', '20240305')."""
    text = _clean(value)
    if not text:
        return None
    match = re.match(r"(\d{4})-?(\d{2})-?(\d{2})", text)
    if not match:
        return None
    try:
        date = dt.date(*map(int, match.groups()))
    except ValueError:
        return None
    return date if 1990 <= date.year <= 2100 else None


def _names(value) -> list[str]:
    """Author names from a JSON-LD author value or a meta/byline string."""
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    if isinstance(value, dict):
        return _names(value.get("name"))
    text = _clean(value)
    if not text:
        return []
    text = _BY.sub("", text)
    return [part for part in _AUTHOR_SPLIT.split(text) if looks_like_person(part)]


# Words of a job, a desk or a group, never of a person's name ("AP Auto Writer", "Staff Reporter", "News Desk").
_ROLE_WORDS = frozenset("""writer editor editors reporter reporters correspondent correspondents staff contributor contributors
columnist desk team newsroom bureau service services agency agencies press wire wires news editorial board
redaktion redacción rédaction""".split())
_FILE_NAME = re.compile(r"\.(?:txt|html?|php|aspx?|jpe?g|png|gif|pdf|xml|json)$", re.IGNORECASE)


def looks_like_person(name: str) -> bool:
    """A name of one to five words, the first not in lower case, not opening with an article ("The Russian"),
    holding no job or desk word ("AP Auto Writer") and no file name ("humans.txt"), address or digits."""
    shortest = 3 if name.isascii() else 2  # "AP" is no name; two Chinese or Korean characters often are
    if not name or not shortest <= len(name) < 60 or _NOT_A_NAME.search(name) or _FILE_NAME.search(name):
        return False
    parts = name.split()
    if not 1 <= len(parts) <= 5 or parts[0][0].islower():
        return False
    lowered = [p.strip(".,").casefold() for p in parts]
    return lowered[0] not in ("the", "a", "an", "el", "la", "le", "der", "die", "das") and not _ROLE_WORDS.intersection(lowered)


def _json_ld_objects(tree):
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]])
                yield item


def _types(item: dict) -> set[str]:
    kinds = item.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _from_json_ld(tree, meta: PageMetadata) -> None:
    articles = [item for item in _json_ld_objects(tree) if _types(item) & _ARTICLE_TYPES]
    # A page often declares a WebPage and the NewsArticle it holds: prefer the article.
    articles.sort(key=lambda item: bool(_types(item) <= {"webpage", "itempage"}))
    for item in articles:
        meta.title = meta.title or _clean(item.get("headline")) or (_clean(item.get("name")) if not _types(item) <= {"webpage"} else None)
        meta.authors = meta.authors or _names(item.get("author") or item.get("creator"))
        meta.published = meta.published or _iso_date(item.get("datePublished") or item.get("dateCreated"))
        publisher = item.get("publisher")
        meta.site_name = meta.site_name or (_clean(publisher.get("name")) if isinstance(publisher, dict) else None)


def _meta_tags(tree) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for element in tree.iterfind(".//meta[@content]"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        content = _clean(element.get("content"))
        if key and content:
            tags.setdefault(key, []).append(content)
    return tags


def _first(tags: dict[str, list[str]], keys) -> str | None:
    return next((tags[k][0] for k in keys if k in tags), None)


def _from_meta_tags(tree, meta: PageMetadata, page_url: str | None) -> None:
    tags = _meta_tags(tree)
    meta.title = meta.title or _first(tags, _TITLE_KEYS)
    if not meta.authors and "written by" in (_first(tags, ("twitter:label1",)) or "").lower():
        meta.authors = _names(_first(tags, ("twitter:data1",)))  # Yoast's "Written by" card
    if not meta.authors:
        for key in _AUTHOR_KEYS:
            names = [name for content in tags.get(key, []) for name in _names(content)]
            if names:
                meta.authors = names
                break
    if meta.published is None:
        meta.published = next((d for k in _DATE_KEYS for d in map(_iso_date, tags.get(k, [])) if d), None)
    meta.site_name = meta.site_name or next((s.lstrip("@") for s in (_first(tags, _SITE_KEYS),) if s and "://" not in s), None)
    declared = _first(tags, ("og:url", "twitter:url"))
    canonical = next((_clean(e.get("href")) for e in tree.iterfind('.//link[@rel="canonical"][@href]')), None)
    meta.url = meta.url or _absolute(canonical, declared or page_url) or _absolute(declared, page_url)


def _absolute(url: str | None, base: str | None) -> str | None:
    """An http(s) URL, relative ones resolved against base; anything else is dropped."""
    if not url:
        return None
    url = urljoin(base or "", url) if not url.startswith("//") else f"https:{url}"
    return url if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname else None


def _in_comments(element) -> bool:
    return any(_COMMENTS.search(f"{a.get('class', '')} {a.get('id', '')}") for a in element.iterancestors())


def _explicit(element) -> bool:
    return element.get("rel") == "author" or element.get("itemprop") == "author" or element.get("id") == "author" \
        or bool(_BYLINE_FIRST.search(element.get("class", "")))


def _byline(tree) -> list[str]:
    found = [e for e in _BYLINE_XPATH(tree) if e.tag not in ("script", "style", "body", "article", "main", "html")]
    for element in sorted(found, key=lambda e: not _explicit(e)):  # stable: document order within each group
        text = element.get("content") or "\n".join(element.itertext())
        if len(text) > 200 or _in_comments(element):
            continue
        for line in text.splitlines():  # "By" / "Ann Lee" / "4 August 2010" often sit on lines of their own
            names = _names(line)
            if names:
                return names
    return []


def _from_page(tree, meta: PageMetadata, url: str | None, extensive_dates: bool) -> None:
    if not meta.title:
        headings = [h for h in tree.iterfind(".//h1") if _clean(h.text_content())]
        title = tree.find(".//title")
        if len(headings) == 1:
            meta.title = _clean(headings[0].text_content())
        elif title is not None and _clean(title.text_content()):
            # "Headline | Site" / "Headline - Site": the longest part is the headline
            meta.title = max(_TITLE_SEPARATOR.split(_clean(title.text_content())), key=len)
    if not meta.authors:
        meta.authors = _byline(tree)
    if meta.published is None:
        from htmldate import find_date  # trafilatura's own date library; only for pages that declare no date

        found = find_date(tree, extensive_search=extensive_dates, original_date=True, url=url)
        meta.published = _iso_date(found)


def _only_the_publisher(authors: list[str], site_name: str | None, url: str | None) -> bool:
    host = (urlsplit(url).hostname or "") if url else ""
    publisher = {_squash(site_name or ""), _squash(host.removeprefix("www.").split(".")[0])} - {""}
    return bool(authors) and all(_squash(a) in publisher for a in authors)


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


_MIN_LINKS_TO_HOST = 3
_MIN_LINK_SHARE = 0.3


def link_majority_host(tree) -> str | None:
    """The host (without www.) that most absolute http(s) links of the page point to, when at least 3 links
    and 30% of them do: a page's menus, section links and tag links point home, so this names the site of a
    page saved without its URL. Ties go to the alphabetically first host, so the answer is stable."""
    counts: dict[str, int] = {}
    total = 0
    for element in tree.iterfind(".//a[@href]"):
        href = element.get("href", "").strip()
        if not href.startswith(("http://", "https://", "//")):
            continue
        try:
            host = (urlsplit(href if not href.startswith("//") else f"https:{href}").hostname or "").lower()
        except ValueError:
            continue
        if host:
            total += 1
            host = host.removeprefix("www.")
            counts[host] = counts.get(host, 0) + 1
    if not counts:
        return None
    host, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return host if count >= _MIN_LINKS_TO_HOST and count >= _MIN_LINK_SHARE * total else None


def page_metadata(tree, url: str | None = None, extensive_dates: bool = False) -> PageMetadata:
    """Metadata of a page parsed by lxml; the tree is only read, never changed. extensive_dates lets htmldate
    search the page text for a date when none is declared (slow)."""
    meta = PageMetadata()
    _from_json_ld(tree, meta)
    _from_meta_tags(tree, meta, url)
    if _only_the_publisher(meta.authors, meta.site_name, meta.url or url):
        # The declared author is the site itself (or a one-person blog): a byline on the page may name the person.
        meta.authors = _byline(tree) or meta.authors
    _from_page(tree, meta, url, extensive_dates)
    meta.authors = list(dict.fromkeys(meta.authors))
    if not meta.url and not url:
        meta.link_host = link_majority_host(tree)
    return meta
