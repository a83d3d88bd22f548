"""croissant.json: the release described in Croissant 1.1 (the metadata format Kaggle, OpenML and the Hub
read), generated from the same Features and manifest as the README, so the three never disagree.

  distribution  one cr:FileObject per Parquet file (path, sha256), one cr:FileSet per table that gathers them
  recordSet     one per table with rows (the README's configs); a field per column, typed from its datasets
                Feature, with a `split` field taken from the file name; lists are arrays, structs sub-fields,
                ClassLabels integers whose names the description gives (and the manifest's entity_labels)
"""

from __future__ import annotations

import json

from datasets import ClassLabel, List

FILE = "croissant.json"
CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/", "citeAs": "cr:citeAs", "column": "cr:column",
    "equivalentProperty": "cr:equivalentProperty",
    "conformsTo": "dct:conformsTo", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract", "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes", "isArray": "cr:isArray",
    "arrayShape": "cr:arrayShape", "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath",
    "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated",
    "replace": "cr:replace", "samplingRate": "cr:samplingRate", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
}
_TYPES = {"string": "sc:Text", "large_string": "sc:Text", "bool": "sc:Boolean", "date32": "sc:Date",
          "float32": "sc:Float", "float64": "sc:Float", "int32": "sc:Integer", "int64": "sc:Integer"}


def _data_type(feature) -> str:
    if isinstance(feature, ClassLabel):
        return "sc:Integer"
    if feature.dtype.startswith("timestamp"):
        return "sc:DateTime"
    return _TYPES[feature.dtype]


def _field(table: str, path: list[str], feature, description: str = "") -> dict:
    field_id = "/".join([table, *path])
    source = {"fileSet": {"@id": f"parquet-{table}"}, "extract": {"column": path[0]}}
    if len(path) > 1:
        source["transform"] = {"jsonPath": path[-1]}
    node = {"@type": "cr:Field", "@id": field_id, "name": path[-1], "source": source}
    if isinstance(feature, ClassLabel):
        description = (description + " " if description else "") + "ClassLabel id: " + ", ".join(
            f"{i} {name}" for i, name in enumerate(feature.names))
    if description:
        node["description"] = description
    if isinstance(feature, List):
        node["isArray"], node["arrayShape"] = True, "-1"
        feature = feature.feature
    if isinstance(feature, dict):
        node["subField"] = [_field(table, [*path, name], sub) for name, sub in feature.items()]
    else:
        node["dataType"] = _data_type(feature)
    return node


def croissant(manifest: dict, features: dict, descriptions: dict[str, dict[str, str]], *, description: str,
              license: str, citation: str = "", url: str = ".") -> dict:
    """The JSON-LD document. `features`: config -> datasets.Features; `descriptions`: config -> column -> text.
    No date: a release carries no clock value (its files are byte-identical run to run)."""
    parquet = [e for e in manifest["files"] if e["path"].endswith(".parquet")]
    distribution = [{"@type": "cr:FileObject", "@id": e["path"], "name": e["path"], "contentUrl": e["path"],
                     "contentSize": f"{e['bytes']} B", "encodingFormat": "application/x-parquet", "sha256": e["sha256"]}
                    for e in parquet]
    record_sets = []
    for table, feats in features.items():
        if not any(e["config"] == table for e in parquet):
            continue  # a table with no rows has no file and no config (see build_output.empty_tables_note)
        distribution.append({"@type": "cr:FileSet", "@id": f"parquet-{table}", "name": f"parquet-{table}",
                             "containedIn": [{"@id": e["path"]} for e in parquet if e["config"] == table],
                             "encodingFormat": "application/x-parquet", "includes": f"data/{table}/*.parquet"})
        split = {"@type": "cr:Field", "@id": f"{table}/split", "name": "split", "dataType": "sc:Text",
                 "description": "train, validation or test (from the file name)",
                 "source": {"fileSet": {"@id": f"parquet-{table}"}, "extract": {"fileProperty": "filename"},
                            "transform": {"regex": "^(train|validation|test)-.*\\.parquet$"}}}
        columns = [_field(table, [name], feature, descriptions.get(table, {}).get(name, ""))
                   for name, feature in feats.items()]
        record_sets.append({"@type": "cr:RecordSet", "@id": table, "name": table,
                            "description": f"{manifest['tables'][table]['rows']} rows", "field": [split, *columns]})
    return {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": "http://mlcommons.org/croissant/1.1",
        "name": manifest.get("name") or "newscorpus", "description": description, "license": license,
        "url": url, "version": manifest["version"], **({"citeAs": citation.strip()} if citation.strip() else {}),
        "distribution": distribution, "recordSet": record_sets,
    }


def render(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
