from pydantic import Field

from builder.config_section import Section


class DedupConfig(Section):
    """Duplicate detection: exact text, canonical URL, near-duplicates."""

    enabled: bool = True
