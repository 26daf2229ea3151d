"""Which records a report is about: one profile's runs, its supplements, and sweep runs."""

from __future__ import annotations

from collections import Counter

from vgmodels.report.sweep_tables import split_records

# a profile whose report may carry another profile's runs, used only where a claim needs them
# (the article's 300-epoch depth claim: paper300 runs of depth3, depth5, baseline beside paper)
SUPPLEMENTS = {"paper": ("paper300",)}


def partition(records: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """(the report's runs, supplementary runs of another profile, sweep runs).

    ValueError where the runs mix profiles that do not supplement one another. Without any
    ordinary run, a sweep's own runs are the report's runs.
    """
    single, swept = split_records(records)
    if not single:
        return swept, [], swept
    counts = Counter(r["profile"] for r in single)
    for main in sorted(counts, key=lambda p: -counts[p]):
        if all(p == main or p in SUPPLEMENTS.get(main, ()) for p in counts):
            return (
                [r for r in single if r["profile"] == main],
                [r for r in single if r["profile"] != main],
                swept,
            )
    raise ValueError(
        f"results mix profiles {', '.join(sorted(counts))}; pass results of one profile"
    )
