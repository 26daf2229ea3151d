"""The long table of every per-epoch, per-layer quantity, written beside the site."""

from __future__ import annotations

from pathlib import Path

from vgmodels.analysis.tidy import long_frame

PARQUET, CSV = "results.parquet", "results.csv.gz"


def write_tidy(records: list[dict], folder: Path) -> list[Path]:
    """results.parquet and results.csv.gz (gzip: the paper study's is 96 MB as plain text)."""
    frame = long_frame(records)
    folder = Path(folder)
    frame.to_parquet(folder / PARQUET, index=False)
    gzip = {"method": "gzip", "compresslevel": 6, "mtime": 0}  # the same records, the same bytes
    frame.to_csv(folder / CSV, index=False, compression=gzip)
    return [folder / PARQUET, folder / CSV]
