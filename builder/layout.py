"""The layout of a build or release folder, in one place for the writer and every reader.

  README.md                                    YAML header: one config per table with rows, with its files
  data/<table>/<split>-00000-of-00001.parquet  a table's split: a build has documents, rejects and
                                               corpus_entities (train only); a release has its configs
  build.json                                   counts of a build, the tool versions it ran with (no
                                               timestamps: rebuilds are identical)
"""

from __future__ import annotations

from pathlib import Path

from builder.errors import UserError

README = "README.md"
BUILD_SUMMARY = "build.json"


def table_path(name: str, split: str = "train", index: int = 0, total: int = 1) -> str:
    """A table's file, relative to the folder (the path the README's data_files name)."""
    return f"data/{name}/{split}-{index:05d}-of-{total:05d}.parquet"


def table_folder(folder: Path, name: str) -> Path:
    return Path(folder) / "data" / name


def table_files(folder: Path, name: str) -> list[Path]:
    """Every Parquet file of a table, in name order (none when the table is absent)."""
    return sorted(table_folder(folder, name).glob("*.parquet"))


def build_documents(build_dir: Path) -> list[Path]:
    """The documents files of a build; a folder without them is a user's mistake, said in one line."""
    files = table_files(build_dir, "documents")
    if not files:
        raise UserError(f"no build at {build_dir}: run `newscorpus build` first, or pass --build DIR.")
    return files
