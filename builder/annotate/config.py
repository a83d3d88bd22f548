from pydantic import Field

from builder.config_section import Section


class AnnotateConfig(Section):
    """Machine annotation layers."""

    entities: bool = Field(True, description="run the entity annotator")
