"""Where the bundled annotation data lives: the label set, lexicons, reporting verbs, boilerplate phrases,
review keys. In a checkout `builder/annotations` is a link to the repository's `annotations/`; in an
installed wheel it is a copy (package data), so a plain `pip install` has them too."""

from pathlib import Path

ANNOTATIONS = Path(__file__).resolve().parent / "annotations"
LEXICONS = ANNOTATIONS / "lexicons"
