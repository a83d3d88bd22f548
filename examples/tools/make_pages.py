#!/usr/bin/env python3
"""Build the bundled sample corpus from hand-written article bodies.

Reads examples/tools/bodies/*.txt (the prose, written for this corpus) and writes:
  examples/html/<host>/<slug>.html     site pages with each site's own chrome
  examples/tools/warc_pages/<slug>.html pages that make_warc.py packs into the WARC
  examples/jsonl/dump.jsonl, examples/jsonl/dump_more.jsonl.gz
  examples/broken/* (except truncated.warc.gz, written by make_warc.py)
  examples/expected.json                ground truth for tests

Deterministic: no clock, no unseeded randomness. Run from anywhere:
    python examples/tools/make_pages.py && python examples/tools/make_warc.py
"""
from __future__ import annotations

import gzip
import html as htmlmod
import io
import json
import random
import re
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
EX = TOOLS.parent
BODIES = TOOLS / "bodies"

# --------------------------------------------------------------------------------------------
# Site chrome. Every string here is repeated verbatim on every page of that site.
# --------------------------------------------------------------------------------------------
SITES = {
    "harbourgazette.example": dict(
        name="The Harbour Gazette",
        lang="en-GB",
        nav=["Home", "News", "Local", "Business", "Science", "Sport", "Opinion", "Weather"],
        cookie="We use cookies to give you the best experience on The Harbour Gazette. By continuing to browse you agree to our use of cookies.",
        cookie_buttons=["Accept all", "Manage preferences"],
        share=["Share", "Tweet", "Email"],
        read_more="Read more: The Harbour Gazette's guide to everything happening on the coast this week",
        subscribe="Enjoying the Gazette? Subscribe from £1 a week and support independent local journalism.",
        related_heading="Related articles",
        related=[
            "Quay Street traders launch late-night summer market",
            "Five of the best cliff walks around Gull Point",
            "Letters: readers on the harbour car park charges",
        ],
        prev="Previous", next="Next",
        footer=["© 2026 Harbour Gazette Media Ltd. All rights reserved.",
                "About us | Contact the newsroom | Privacy policy | Terms and conditions"],
        layout="inside",  # read-more, subscribe and related list are <p>/<ul> inside <article>
    ),
    "dailymeridian.example": dict(
        name="The Daily Meridian",
        lang="en-US",
        nav=["Home", "World", "Politics", "Business", "Markets", "Science", "Sports", "Opinion"],
        cookie="The Daily Meridian and its partners use cookies to personalize content and ads. Review our cookie policy to learn more.",
        cookie_buttons=["Got it", "Cookie settings"],
        share=["Share", "Tweet", "Email"],
        read_more="Read more: Sign up for Meridian Morning, our free daily newsletter on markets and politics",
        subscribe="Subscribe to The Daily Meridian: unlimited access for $4.99 a month. Cancel anytime.",
        related_heading="Related articles",
        related=[
            "Opinion: The quiet comeback of the corporate bond",
            "How to read a Fed statement in five minutes",
            "The week in charts: jobs, prices and pipelines",
        ],
        prev="Previous", next="Next",
        footer=["Copyright © 2026 Daily Meridian Publishing Co. All rights reserved.",
                "Advertise with us · Careers · Privacy notice · Do not sell my personal information"],
        layout="mixed",  # read-more and share text inside <article>, subscribe + related in an aside
    ),
    "northfieldpost.example": dict(
        name="Northfield Post",
        lang="en-US",
        nav=["Home", "Local", "Politics", "Business", "Science", "Sports", "Obituaries", "Events"],
        cookie="This site uses cookies. Continued use of the Northfield Post means you accept our privacy policy.",
        cookie_buttons=["OK", "Learn more"],
        share=["Share", "Tweet", "Email"],
        read_more="Read more: Get Northfield Post headlines delivered to your inbox every weekday morning",
        subscribe="Support local news. Become a Northfield Post subscriber today for just $1 for the first month.",
        related_heading="Related articles",
        related=[
            "Photos: Winter Walk brings thousands downtown",
            "Where to find the best pie in Rice County",
            "Obituaries for the week of Feb. 23",
        ],
        prev="Previous", next="Next",
        footer=["© 2026 Northfield Post. All rights reserved. Northfield, Minnesota.",
                "Contact us | Submit a news tip | Advertise | Terms of use"],
        layout="inside",
    ),
    "rheinblick.example": dict(
        name="Rheinblick Nachrichten",
        lang="de",
        nav=["Startseite", "Lokales", "Region", "Politik", "Wirtschaft", "Sport", "Kultur"],
        cookie="Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten. Mit der Nutzung unserer Seite stimmen Sie dem zu.",
        cookie_buttons=["Alle akzeptieren", "Einstellungen"],
        share=["Teilen", "Twittern", "E-Mail"],
        read_more="Weiterlesen: Alle Nachrichten aus Rheinfeld und der Region auf einen Blick",
        subscribe="Jetzt Rheinblick Plus abonnieren: vier Wochen für nur 0,99 Euro testen.",
        related_heading="Das könnte Sie auch interessieren",
        related=[
            "Fotostrecke: Der Rosenmontagszug in Bildern",
            "Wo es in Rheinfeld den besten Flammkuchen gibt",
            "Leserbriefe: Ärger über die Baustelle am Markt",
        ],
        prev="Vorheriger Artikel", next="Nächster Artikel",
        footer=["© 2026 Rheinblick Verlag GmbH. Alle Rechte vorbehalten.",
                "Impressum | Datenschutz | Kontakt | AGB"],
        layout="inside",
    ),
    "diariodelvalle.example": dict(
        name="Diario del Valle",
        lang="es",
        nav=["Portada", "Local", "Provincia", "Economía", "Deportes", "Cultura", "Opinión"],
        cookie="Utilizamos cookies propias y de terceros para mejorar nuestros servicios. Si continúa navegando, consideramos que acepta su uso.",
        cookie_buttons=["Aceptar", "Configurar"],
        share=["Compartir", "Tuitear", "Correo"],
        read_more="Leer más: Toda la actualidad de Valdeoro y su comarca, cada día en tu correo",
        subscribe="Suscríbete al Diario del Valle y apoya el periodismo local por 1 euro el primer mes.",
        related_heading="Noticias relacionadas",
        related=[
            "Galería: la Semana Santa de Valdeoro en imágenes",
            "Cinco rutas de senderismo para la primavera",
            "Cartas al director: el tráfico en la avenida del río",
        ],
        prev="Anterior", next="Siguiente",
        footer=["© 2026 Diario del Valle S.L. Todos los derechos reservados.",
                "Aviso legal | Política de privacidad | Contacto | Publicidad"],
        layout="mixed",
    ),
}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def parse_bodies(path: Path) -> list[dict]:
    """Parse a bodies file: '### slug', 'key: value' lines, '---', then paragraphs."""
    out = []
    for chunk in path.read_text(encoding="utf-8").split("\n### ")[0:]:
        chunk = chunk.lstrip("#").strip()
        if not chunk:
            continue
        head, _, body = chunk.partition("\n---\n")
        lines = head.splitlines()
        rec = {"slug": lines[0].strip()}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            rec[k.strip()] = v.strip()
        rec["paras"] = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
        rec.setdefault("site", path.stem + ".example")
        out.append(rec)
    return out


def url_of(a: dict) -> str:
    d = a["date"]
    return f"https://www.{a['site']}/{d[0:4]}/{d[5:7]}/{d[8:10]}/{a['slug']}"


def human_date(a: dict, lang: str) -> str:
    y, m, d = int(a["date"][0:4]), int(a["date"][5:7]), int(a["date"][8:10])
    if lang == "de":
        return f"{d:02d}.{m:02d}.{y}"
    if lang == "es":
        return f"{d}/{m}/{y}"
    if lang == "en-US":
        return f"{MONTHS[m - 1]} {d}, {y}"
    return f"{d} {MONTHS[m - 1]} {y}"


def esc(s: str) -> str:
    return htmlmod.escape(s, quote=False)


def render(a: dict, prev: dict | None, nxt: dict | None, url: str | None = None) -> str:
    s = SITES[a["site"]]
    host = a["site"]
    url = url or url_of(a)
    base = f"https://www.{host}"
    nav = "\n".join(
        f'      <li><a href="{base}/{"" if i == 0 else n.lower().replace(" ", "-") + "/"}">{esc(n)}</a></li>'
        for i, n in enumerate(s["nav"]))
    share = (f'<div class="share-bar"><a class="share" href="{base}/share?u={url}">{s["share"][0]}</a> '
             f'<a class="tweet" href="https://twitter.com/intent/tweet?url={url}">{s["share"][1]}</a> '
             f'<a class="email" href="mailto:?subject=&amp;body={url}">{s["share"][2]}</a></div>')
    paras = "\n".join(f"    <p>{p}</p>" for p in a["paras"])
    related = "\n".join(f'      <li><a href="{base}/related/{i}">{esc(r)}</a></li>'
                        for i, r in enumerate(s["related"], 1))
    pager = []
    if prev:
        pager.append(f'    <p class="pager-label">{s["prev"]}</p>\n'
                     f'    <p><a href="{url_of(prev)}">{esc(prev["title"])}</a></p>')
    if nxt:
        pager.append(f'    <p class="pager-label">{s["next"]}</p>\n'
                     f'    <p><a href="{url_of(nxt)}">{esc(nxt["title"])}</a></p>')
    pager_html = '  <nav class="article-pager">\n' + "\n".join(pager) + "\n  </nav>"
    byline = {"de": "Von", "es": "Por"}.get(s["lang"], "By")
    if s["layout"] == "inside":
        article = f"""  <article class="story">
    <h1>{esc(a['title'])}</h1>
    <p class="byline">{byline} {esc(a['author'])} · {human_date(a, s['lang'])}</p>
    {share}
{paras}
    <p>{esc(s['read_more'])}</p>
    <p>{esc(s['subscribe'])}</p>
    <p>{esc(s['related_heading'])}</p>
    <ul class="related">
{related}
    </ul>
  </article>
{pager_html}"""
    else:
        article = f"""  <article class="article">
    <header><h1>{esc(a['title'])}</h1>
    <div class="byline">{byline} <span class="author">{esc(a['author'])}</span> <time datetime="{a['date']}">{human_date(a, s['lang'])}</time></div></header>
    <div class="article-body">
{paras}
    <p>{esc(s['read_more'])}</p>
    <p>{' '.join(s['share'])}</p>
    </div>
  </article>
  <aside class="after-article">
    <p class="subscribe-prompt">{esc(s['subscribe'])}</p>
    <h2>{esc(s['related_heading'])}</h2>
    <ul class="related">
{related}
    </ul>
  </aside>
{pager_html}"""
    buttons = " ".join(f"<button>{esc(b)}</button>" for b in s["cookie_buttons"])
    footer = "\n".join(f"    <p>{esc(f)}</p>" for f in s["footer"])
    return f"""<!DOCTYPE html>
<html lang="{s['lang']}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(a['title'])} | {esc(s['name'])}</title>
<link rel="canonical" href="{esc(url)}">
<meta property="og:url" content="{esc(url)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{htmlmod.escape(a['title'])}">
<meta property="og:site_name" content="{esc(s['name'])}">
<meta name="author" content="{htmlmod.escape(a['author'])}">
<meta property="article:published_time" content="{a['date']}">
<meta property="article:section" content="{esc(a['section'])}">
<link rel="stylesheet" href="{base}/static/site.css">
<script src="{base}/static/analytics.js" defer></script>
</head>
<body>
<div class="cookie-notice" id="cookie-notice"><p>{esc(s['cookie'])}</p> {buttons}</div>
<header class="site-header">
  <a class="logo" href="{base}/">{esc(s['name'])}</a>
  <nav class="main-nav">
    <ul>
{nav}
    </ul>
  </nav>
  <a class="subscribe-button" href="{base}/subscribe">{'Abonnieren' if s['lang'] == 'de' else 'Suscríbete' if s['lang'] == 'es' else 'Subscribe'}</a>
</header>
<main>
{article}
</main>
<footer class="site-footer">
{footer}
</footer>
</body>
</html>
"""


def words(a: dict) -> int:
    return len(re.sub(r"<[^>]+>", " ", " ".join(a["paras"])).split())


def plain_text(a: dict) -> str:
    paras = [re.sub(r"<[^>]+>", "", p) for p in a["paras"]]
    return a["title"] + "\n\n" + "\n\n".join(htmlmod.unescape(p) for p in paras) + "\n"


def rel(p: Path) -> str:
    return p.relative_to(EX.parent).as_posix()


def main() -> None:
    arts = []
    for f in sorted(BODIES.glob("*.txt")):
        arts.extend(parse_bodies(f))
    by_slug = {a["slug"]: a for a in arts}
    assert len(by_slug) == len(arts), "duplicate slug"

    # Previous/Next neighbours: all rendered pages of a site, ordered by date.
    per_site: dict[str, list[dict]] = {}
    for a in arts:
        if a["kind"] in ("html", "jsonl-html", "gz-html", "warc"):
            per_site.setdefault(a["site"], []).append(a)
    neigh = {}
    for site, lst in per_site.items():
        lst.sort(key=lambda a: (a["date"], a["slug"]))
        for i, a in enumerate(lst):
            neigh[a["slug"]] = (lst[i - 1] if i > 0 else None, lst[i + 1] if i + 1 < len(lst) else None)

    for a in arts:
        n = words(a)
        lo = 150 if SITES.get(a["site"], {}).get("lang") in ("de", "es") or a["kind"] != "html" else 180
        assert lo <= n <= 400, (a["slug"], n)

    expected: dict = {"sites": {}, "near_duplicates": [], "exact_duplicates": [], "languages": {},
                      "broken": {}, "chrome_lines": {}, "quotes": []}

    def add_site(host: str, path: str) -> None:
        expected["sites"].setdefault(host, []).append(path)

    # ---- html/ ------------------------------------------------------------------------------
    html_out = EX / "html"
    pages: dict[str, str] = {}
    for a in arts:
        if a["kind"] != "html":
            continue
        p = html_out / a["site"] / f"{a['slug']}.html"
        p.parent.mkdir(parents=True, exist_ok=True)
        page = render(a, *neigh[a["slug"]])
        p.write_text(page, encoding="utf-8")
        pages[a["slug"]] = page
        add_site(a["site"], rel(p))
        a["path"] = rel(p)
        lang = SITES[a["site"]]["lang"]
        if lang in ("de", "es"):
            expected["languages"][rel(p)] = lang

    # exact duplicate: same page at a URL with tracking parameters
    dup_src = by_slug["council-approves-harbour-wall-repairs"]
    dup_url = url_of(dup_src) + "?utm_source=newsletter&utm_medium=email"
    dup_path = html_out / dup_src["site"] / f"{dup_src['slug']}-newsletter.html"
    dup_path.write_text(render(dup_src, *neigh[dup_src["slug"]], url=dup_url), encoding="utf-8")
    add_site(dup_src["site"], rel(dup_path))

    # near duplicates: wire stories reprinted by two sites
    wires: dict[str, list[str]] = {}
    for a in arts:
        if a.get("wire"):
            wires.setdefault(a["wire"], []).append(a["path"])
    expected["near_duplicates"] = [sorted(v) for _, v in sorted(wires.items())]

    # ---- warc pages ---------------------------------------------------------------------------
    wp = TOOLS / "warc_pages"
    wp.mkdir(exist_ok=True)
    for a in arts:
        if a["kind"] == "warc":
            (wp / f"{a['slug']}.html").write_text(render(a, *neigh[a["slug"]]), encoding="utf-8")
            add_site(a["site"], f"examples/warc/crawl.warc.gz#{url_of(a)}")
            a["path"] = f"examples/warc/crawl.warc.gz#{url_of(a)}"

    # ---- jsonl --------------------------------------------------------------------------------
    jdir = EX / "jsonl"
    jdir.mkdir(exist_ok=True)

    def html_line(slug: str, fetched: str) -> dict:
        a = by_slug[slug]
        return {"url": url_of(a), "fetched_at": fetched, "source": SITES[a["site"]]["name"],
                "html": render(a, *neigh[slug])}

    def text_line(slug: str) -> dict:
        a = by_slug[slug]
        return {"url": f"https://www.{a['site']}/news/{a['date'][:10]}/{a['slug']}",
                "fetched_at": a["fetched"], "source": a["source"], "text": plain_text(a)}

    dump_path = "examples/jsonl/dump.jsonl"
    lines: list[str] = []
    recs = [
        ("farmers-market-moves-downtown", html_line("farmers-market-moves-downtown", "2026-03-05T15:02:44Z")),
        ("water-rates-rise", text_line("water-rates-rise")),
        ("airline-merger-talks", html_line("airline-merger-talks", "2026-03-04T13:10:09Z")),
        (None, None),  # invalid, truncated line
        ("tidal-energy-trial", text_line("tidal-energy-trial")),
        ("@dup", {"url": url_of(dup_src) + "?utm_source=rss&utm_medium=feed", "fetched_at": "2026-02-03T09:00:00Z",
                  "source": "The Harbour Gazette", "html": pages[dup_src["slug"]]}),
        ("fish-market-prices", html_line("fish-market-prices", "2026-03-06T10:31:00Z")),
        ("@repeat2", None),  # exact repeat of line 2
        ("bike-share-expands", text_line("bike-share-expands")),
    ]
    for i, (slug, obj) in enumerate(recs, 1):
        if slug is None:
            lines.append('{"url": "https://www.northfieldpost.example/2026/03/05/snow-emergency", '
                         '"fetched_at": "2026-03-05T06:00:00Z", "html": "<!DOCTYPE html><html><head><title>Snow emer')
            expected["broken"][f"{dump_path}#{i}"] = "invalid json"
            continue
        if slug == "@repeat2":
            lines.append(lines[1])
            add_site("valleycourier.example", f"{dump_path}#{i}")
            continue
        lines.append(json.dumps(obj, ensure_ascii=False))
        if slug == "@dup":
            add_site(dup_src["site"], f"{dump_path}#{i}")
            continue
        a = by_slug[slug]
        a["path"] = f"{dump_path}#{i}"
        add_site(a["site"], a["path"])
    (EX / "jsonl" / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected["exact_duplicates"] = [
        [dup_src["path"], rel(dup_path), f"{dump_path}#6"],
        [f"{dump_path}#2", f"{dump_path}#8"],
    ]

    more = [html_line("fed-minutes-show-divide", "2026-02-18T19:40:12Z"), text_line("orchard-frost-damage")]
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(("\n".join(json.dumps(o, ensure_ascii=False) for o in more) + "\n").encode("utf-8"))
    (jdir / "dump_more.jsonl.gz").write_bytes(buf.getvalue())
    for i, slug in enumerate(["fed-minutes-show-divide", "orchard-frost-damage"], 1):
        a = by_slug[slug]
        a["path"] = f"examples/jsonl/dump_more.jsonl.gz#{i}"
        add_site(a["site"], a["path"])

    # ---- broken inputs ------------------------------------------------------------------------
    b = EX / "broken"
    b.mkdir(exist_ok=True)
    rng = random.Random(7)
    (b / "junk.html").write_bytes(rng.randbytes(384))
    (b / "empty.html").write_bytes(b"")
    (b / "truncated.html").write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Breaking: harbour</title>\n</head>\n<body>\n<div class=\"cookie-not", encoding="utf-8")
    (b / "latin1.html").write_bytes(LATIN1_PAGE.encode("cp1252"))
    (b / "bad_utf8.txt").write_bytes(
        b"Council tax bills in Westmouth will rise by 4.99% from April, the council confirmed.\n\n"
        b"The increase was agreed at a meeting on Thursday \x81\x8d\x90\x9d\xc3\x28 \xe2\x82 \xf0\x28\x8c\x28 "
        b"\xff\xfe\x81\x9d after a debate that lasted \x8d\x90 four hours.\n\n"
        b"Residents can\x81 read the full budget \xc0\xaf\x9d\x8f online.\n")
    (b / "notes.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(200))
    (b / "bad.jsonl").write_text(
        '{"url": "https://www.dailymeridian.example/2026/03/01/no-body", "source": "The Daily Meridian", "fetched_at": "2026-03-01T12:00:00Z"}\n'
        '["https://www.dailymeridian.example/2026/03/01/array", "<p>not an object</p>"]\n'
        '{"url": "https://www.dailymeridian.example/2026/03/01/empty-text", "text": ""}\n',
        encoding="utf-8")
    expected["broken"].update({
        "examples/broken/junk.html": "binary",
        "examples/broken/empty.html": "empty",
        "examples/broken/truncated.html": "truncated",
        "examples/broken/bad_utf8.txt": "undecodable",
        "examples/broken/notes.pdf": "unsupported file type",
        "examples/broken/bad.jsonl#1": "no text field",
        "examples/broken/bad.jsonl#2": "not a json object",
        "examples/broken/bad.jsonl#3": "empty",
        "examples/broken/truncated.warc.gz": "truncated",
        "examples/warc/crawl.warc.gz#https://www.harbourgazette.example/2026/02/28/missing-page": "http status 404",
        "examples/warc/crawl.warc.gz#https://www.dailymeridian.example/static/img/logo.png": "unsupported content type",
    })
    add_site("westmouthecho.example", "examples/broken/latin1.html")

    # ---- chrome lines -------------------------------------------------------------------------
    for host, s in SITES.items():
        expected["chrome_lines"][host] = [s["cookie"], s["read_more"], s["subscribe"], *s["related"], *s["footer"]]
        if s["related_heading"] != "Related articles":
            expected["chrome_lines"][host].append(s["related_heading"])

    # ---- quotes (hand-picked, checked against the bodies) --------------------------------------
    for slug, speaker, quote in QUOTES:
        a = by_slug[slug]
        src = htmlmod.unescape(" ".join(a["paras"]))
        assert quote in src, (slug, quote)
        assert speaker.split()[-1] in src, (slug, speaker)
        expected["quotes"].append({"path": a["path"], "speaker": speaker, "quote": quote})

    for host in expected["sites"]:
        expected["sites"][host].sort()
    (EX / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    # sanity: every chrome line appears on every html page of its site
    for host, lst in expected["chrome_lines"].items():
        for p in (EX / "html" / host).glob("*.html"):
            t = htmlmod.unescape(p.read_text(encoding="utf-8"))
            for line in lst:
                assert line in t, (p, line)
    print(f"{len(arts)} bodies, {sum(1 for _ in html_out.rglob('*.html'))} html files")


QUOTES = [
    ("council-approves-harbour-wall-repairs", "Margaret Holloway",
     "We could not keep patching this wall with sandbags and good intentions,"),
    ("ferry-operator-adds-fuel-surcharge", "Fiona Kerr",
     "Nobody likes a surcharge, and we will remove it the moment prices come down,"),
    ("seal-pup-count-record", "Ian Castellan",
     "It is genuinely good news, but it is not a reason to relax,"),
    ("carrow-rovers-reach-county-cup-final", "Luke Farrant", "I just shut my eyes and hoped,"),
    ("ecb-holds-rates-steady", "Christine Lagarde",
     "We are in a good place, but a good place is not a place to fall asleep,"),
    ("ecb-holds-rates-steady", "Katrin Vogel",
     "They are clearly keeping the door open to another cut, but they are not walking through it,"),
    ("central-library-reopens-after-flood", "Priya Nair",
     "People kept stopping me in the supermarket to ask when we would be back,"),
    ("lifeboat-crew-night-rescue", "Martin Penhallow", "Without that torch we might have been searching until midnight,"),
    ("senate-panel-advances-ai-disclosure-bill", "Laura Bennett",
     "Voters have a right to know whether the candidate they are watching actually said the words coming out of her mouth,"),
    ("chipmaker-revenue-beats-forecasts", "Hollis Grant",
     "Demand is running ahead of our ability to build, and that is a good problem to have,"),
    ("ice-storm-knocks-out-power", "Carla Jennings",
     "It sounded like gunshots all night — branch after branch snapping,"),
    ("housing-starts-fall-january", "Robert Fennimore", "Weather explains some of this, but not all of it,"),
    ("mars-sample-return-delay", "Meera Jha",
     "Every delay means another generation of students waiting for the answer,"),
    ("school-board-redraws-bus-routes", "Teresa Alvarez",
     "I have kids getting on the bus at 6:15 in the dark, and that is just not acceptable,"),
    ("glacier-melt-study", "Anna Bergstrom", "We expected to see retreat, but the acceleration surprised us,"),
    ("hawks-advance-to-state-semifinal", "Linda Marsh", "At halftime nobody yelled,"),
    ("hospital-wing-funding-vote", "Karen Vossberg",
     "An emergency room is the worst possible place for someone in a psychiatric crisis,"),
    ("brewery-expansion-jobs", "Erin Matsuda",
     "We've been turning down orders from distributors in Wisconsin and Iowa for two years,"),
    ("stadtrat-beschliesst-neue-radwege", "Sabine Lorenz",
     "Wir wollen, dass auch Kinder und ältere Menschen sicher mit dem Rad zur Schule oder zum Einkaufen fahren können"),
    ("sequia-restricciones-agua", "Javier Morales",
     "No es una decisión agradable, pero los embalses están al 28 por ciento y tenemos que garantizar el agua de boca"),
    ("water-rates-rise", "Rachel Ostrowski", "We are fixing pipes that were laid when Eisenhower was president,"),
    ("airline-merger-talks", "Helen Marsh", "Scale matters more than ever in this business,"),
    ("streaming-service-price-rise", "Naomi Castillo", "We are giving people more reasons to stay, and that costs money,"),
    ("comet-observed-from-college-observatory", "Ruth Amundsen",
     "It is a small, dim thing, but it has traveled from the very edge of the solar system to be here,"),
]

LATIN1_PAGE = """<!DOCTYPE html>
<html>
<head>
<title>Westmouth café owner wins national award for “ethical” coffee</title>
<link rel="canonical" href="https://www.westmouthecho.example/2026/03/08/cafe-owner-wins-award">
<meta property="og:url" content="https://www.westmouthecho.example/2026/03/08/cafe-owner-wins-award">
<meta name="author" content="Anneliese Müller">
<meta property="article:published_time" content="2026-03-08T09:00:00Z">
</head>
<body>
<article>
<h1>Westmouth café owner wins national award for “ethical” coffee</h1>
<p>By Anneliese Müller</p>
<p>A small café on Westmouth’s Regent Street has been named the best independent coffee shop in the south-west at a ceremony in Bristol, beating more than 200 entries.</p>
<p>René Dubois, who opened Café Süd in a former bakery in 2019, said the award was “a bit surreal” for a business that began with a single second-hand espresso machine. He buys beans directly from three co-operatives in Honduras and Ethiopia and pays growers about £1.40 more per kilo than the market price.</p>
<p>The judges praised the café’s crème brûlée latte, its naïve murals painted by pupils from a nearby primary school and its refusal to use disposable cups. Customers who forget a reusable cup are lent a china one for a £2 deposit.</p>
<p>Dubois, who grew up near Zürich before moving to Devon, said prices would not rise because of the award. “People come here for the coffee and the company, not for a certificate on the wall,” he said.</p>
<p>The café employs seven people and plans to start roasting its own beans in the autumn. Its owner says the next goal is simple: à la carte breakfasts, served every day from 8am, and a second café in Port Carrow next year.</p>
</article>
</body>
</html>
"""

if __name__ == "__main__":
    main()
