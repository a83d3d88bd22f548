from pydantic import Field

from builder.config_section import Section


class ReleaseConfig(Section):
    """What a release holds and how it is described."""

    pretty_name: str = "newscorpus sample"
    license: str = "cc-by-4.0"
