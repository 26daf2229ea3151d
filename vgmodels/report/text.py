"""The report's prose, written from the measured numbers (no number is typed by hand)."""

from __future__ import annotations

from collections import Counter

from vgmodels.analysis.case_diagnosis import LEARNS, CaseDiagnosis
from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import CaseSummary
from vgmodels.report.prose import prose


def defects() -> str:
    """The source-code defect the suite does not copy, with its lines."""
    return prose("defects", cite_s2=cite("S2"), cite_s1_s2=cite("S1", "S2"))


INTRO = (
    "A deep network learns by the chain rule: the gradient that reaches a layer is the product of "
    "one activation derivative and one weight matrix per layer above it. The sigmoid's derivative "
    f"is at most 1/4 {cite('S4')}, so in a deep sigmoid network with small weights the product "
    "shrinks geometrically and the layers next to the input barely move: the vanishing-gradient "
    f"problem {cite('S3', 'S5')}. Saturating units and the scale of the initial weights are its "
    f"usual causes {cite('glorot')}; a signal must also survive the forward pass, which only a "
    f"narrow range of weight scales allows in a deep network {cite('schoenholz')}.",
    "This report trains the 7-layer perceptron of a journal article and a course project "
    f"{cite('S1', 'S2')} under each remedy they and the lecture slides {cite('S5')} name: weight "
    f"scale, activation (ReLU and its relatives, with He initialization {cite('he')}), optimizer "
    f"(Adam {cite('kingma')}, RMSprop, momentum), normalization inside the network (BatchNorm "
    f"{cite('ioffe')}), skip connections, layer-wise training, gradient normalization, a sigmoid "
    f"with a boosted derivative {cite('roodschild')} and a second-order optimizer, SDAGD "
    f"{cite('tan')}; recurrent networks meet the same problem through time, which the LSTM "
    f"{cite('lstm')} and GRU {cite('gru')} cells were built to carry. It records accuracy and "
    f"every layer's gradient per epoch on Fashion-MNIST {cite('xiao')}, diagnoses from these "
    "records why each failing case fails, and ranks all cases. Every number below is computed "
    "from the results file published beside this report.",
)


def network_text(s: dict[str, CaseSummary]) -> str:
    """The baseline network, and which cases have another depth or are not MLPs."""
    cfg = lambda x: (x.records[0].get("config") or {}).get("model", {})  # noqa: E731
    ok = [x for x in s.values() if not x.missing]
    base = next((cfg(x) for x in ok if x.case == "baseline"), {})
    depth, width = base.get("depth", 7), base.get("width", 128)
    text = f"784 → {depth} × {width} → 10"
    mlp = [x for x in ok if cfg(x).get("arch", "mlp") == "mlp"]
    other = [x for x in mlp if cfg(x).get("depth", depth) != depth]
    by_depth: dict[int, list[str]] = {}
    for x in other:
        by_depth.setdefault(cfg(x).get("depth"), []).append(x.case)
    for d, cases in sorted(by_depth.items()):
        names = cases[0] if len(cases) == 1 else ", ".join(cases[:-1]) + " and " + cases[-1]
        text += f"; {names} {'has' if len(cases) == 1 else 'have'} {d} hidden layers"
    rnn = [x.case for x in ok if x not in mlp]
    if rnn:
        text += f"; {', '.join(rnn)} read the image as a sequence"
    return text


def budgets(groups: dict[str, list[dict]]) -> dict:
    """The epochs each case trained (its records' `epochs`): the common budget, the cases with
    another, and the runs that stopped before their budget."""
    groups = {c: rs for c, rs in groups.items() if rs}
    per_case = {
        c: Counter(r["epochs"] for r in rs).most_common(1)[0][0] for c, rs in groups.items()
    }
    main = Counter(per_case.values()).most_common(1)[0][0] if per_case else 0
    others: dict[int, list[str]] = {}
    for case, e in per_case.items():
        if e != main:
            others.setdefault(e, []).append(case)
    stopped = []
    for case, rs in groups.items():
        short = [r for r in rs if r.get("epochs_run", r["epochs"]) < r["epochs"]]
        if short:
            at = sorted({r["epochs_run"] for r in short})
            why = ", its loss no longer finite" if all(r.get("diverged") for r in short) else ""
            stopped.append(
                (
                    case,
                    f"after epoch {'/'.join(map(str, at))} in {len(short)} of {len(rs)} seeds{why}",
                )
            )
    return {
        "main": main,
        "others": sorted(others.items(), key=lambda kv: kv[0]),
        "stopped": stopped,
        "per_case": per_case,
    }


def budget_words(b: dict) -> str:
    """'100 epochs (rnn and lstm 4; layerwise_paper_full 900; relu_std1 stopped after epoch 1 ...)'."""
    parts = [
        f"{' and '.join(cases) if len(cases) < 3 else ', '.join(cases)} {e}"
        for e, cases in b["others"]
    ]
    parts += [f"{case} stopped {what}" for case, what in b["stopped"]]
    return f"{b['main']} epochs" + (f" (except {'; '.join(parts)})" if parts else "")


def abstract(s: dict[str, CaseSummary], info: dict, diag: dict[str, CaseDiagnosis]) -> str:
    """One paragraph: what ran for how long, the baseline's failure, who learns, the highest."""
    ok = [x for x in s.values() if not x.missing]
    learners = [x for x in ok if not diag[x.case].failing]
    failing = [x for x in ok if diag[x.case].failing]
    b = budgets({c: x.records for c, x in s.items()})
    best = max(learners, key=lambda x: x.mean) if learners else None
    note = ""
    if best is not None and b["per_case"][best.case] != b["main"]:
        note = f" (trained {b['per_case'][best.case]} epochs, not {b['main']})"
    return prose(
        "abstract",
        n_cases=len(ok),
        network=network_text(s),
        cite_xiao=cite("xiao"),
        budget=budget_words(b),
        seeds_text=info["seeds_text"],
        profile=info["profile"],
        base=None if s["baseline"].missing else s["baseline"],
        learns=LEARNS,
        n_learn=len(learners),
        failing=failing,
        failure_counts=_failure_counts(failing, diag),
        best=best,
        best_note=note,
        missing=[x.case for x in s.values() if x.missing],
    )


FAILED = {
    "diverged": "diverged",
    "exploded": "ended with an exploded loss",
    "collapsed": "learned, then collapsed",
    "stuck": "stayed at chance loss",
    "above_chance": "ended above chance loss",
    "barely": "barely learned",
}


def _failure_counts(failing: list[CaseSummary], diag: dict[str, CaseDiagnosis]) -> str:
    """'11 stayed at chance loss (baseline, ...); 2 barely learned (depth3, skip)', by first reason."""
    groups: dict[str, list[str]] = {}
    for x in failing:
        first = next((k for k in FAILED if k in diag[x.case].held), None)
        groups.setdefault(first, []).append(x.case)
    words = {**FAILED, None: f"stayed below {LEARNS:.2f} test accuracy"}
    return "; ".join(f"{len(cases)} {words[k]} ({', '.join(cases)})" for k, cases in groups.items())


def machines(records: list[dict]) -> list[dict]:
    """Per machine the runs saw: its runs, probed peaks, runs at once, threads, kernel."""
    out = []
    for name in dict.fromkeys(r["device_name"] for r in records):
        rs = [r for r in records if r["device_name"] == name]
        peaks = [r["peak_gflops"] for r in rs if r.get("peak_gflops")]
        lo, hi = (min(peaks), max(peaks)) if peaks else (0, 0)
        out.append(
            {
                "name": name,
                "runs": len(rs),
                "gpu": rs[0].get("device", "cpu") != "cpu",
                "peak": f"{lo:,.0f}" if round(lo) == round(hi) else f"{lo:,.0f}–{hi:,.0f}",
                "peak_varies": round(lo) != round(hi),
                "at_once": max(r.get("concurrent_runs", 1) for r in rs),
                "threads": "/".join(map(str, sorted({r["threads"] for r in rs if "threads" in r})))
                or "?",
                "kernel": rs[0].get("linear_kernel", "aten"),
                "flush": any(r.get("flush_denormal") for r in rs),
            }
        )
    return out


def setup(info: dict) -> list[tuple[str, str]]:
    """Setup rows: hardware, software, data, protocol; each machine's facts from its records."""
    ms, speed = info["machines"], info.get("speed") or []
    rows = [
        ("Device", info["device_name"]),
        ("fp32 matmul peak (probed)", prose("setup_peak", machines=ms)),
        ("Software", f"PyTorch {info['torch']}, Python {info['python']}"),
        ("Profile", f"{info['profile']}: {info['seeds_text']}"),
        ("Epochs", prose("setup_budget", **info["budgets"])),
        (
            "Data",
            f"Fashion-MNIST {cite('xiao')}, {info['n_train']:,} train / {info['n_val']:,} "
            f"validation (fixed-seed 90/10 split of the 60,000) / {info['n_test']:,} test; "
            "pixels scaled to [0, 1]",
        ),
        (
            "Baseline (Model 3)",
            "7 hidden layers × 128 sigmoid units, weights N(0, 0.05), biases "
            "0, cross-entropy, SGD lr 0.01, batch 512",
        ),
        ("Runs at once", prose("setup_runs", machines=ms, speed=bool(speed))),
        ("Kernels", prose("setup_kernels", machines=ms)),
    ]
    if any(m["flush"] for m in ms):
        rows.append(("Denormals", _denormals(speed)))
    return rows


def _denormals(speed: list[dict]) -> str:
    """The denormal row: flushed on the CPU, and what the speed benchmark measured of it."""
    text = (
        "flushed to zero on the CPU (torch.set_flush_denormal), since saturated sigmoids "
        "produce denormal floats, which are slow on many CPUs"
    )
    for sp in speed:
        if sp.get("slowdown_without_flush"):
            text += (
                f"; measured here on {sp['case']} ({sp['epochs']} epochs, seed 0): "
                f"{sp['flush_seconds_per_epoch']:.3f} s per epoch flushed, "
                f"{sp['no_flush_seconds_per_epoch']:.3f} s not; test accuracy "
                f"{sp['test_acc_flush']:.4f} flushed, {sp['test_acc_no_flush']:.4f} not"
            )
            if sp.get("flush_effect"):
                text += "; " + _flush_effect(sp)
    return text


def _flush_effect(sp: dict) -> str:
    """What flushing did to the recorded metrics, set against what a second seed does."""
    effect, noise = sp["flush_effect"], sp.get("seed_noise", {})
    if not any(effect.values()):
        return (
            f"every recorded metric ({len(effect)} of them, per epoch and per layer) came out "
            "identical with and without flushing"
        )
    worst = max(effect, key=effect.get)
    verdict = (
        f"flushing moved {', '.join(sp['flush_beyond_noise'])} beyond seed noise"
        if sp.get("flush_beyond_noise")
        else "flushing moved no recorded metric beyond seed noise"
    )
    return (
        f"{verdict}: the largest relative change is {effect[worst]:.1e} ({worst}), "
        f"where a second seed moves it by {noise.get(worst) or 0:.1e}"
    )


def reproduce(
    info: dict, cases: list[str], profile_seeds: int | None = None
) -> list[tuple[str, str]]:
    """(command, what it does): the commands that rebuild this site from scratch and from its file."""
    bench = f"pytest bench/ -p no:cacheprovider --vg-profile {info['profile']}"
    if profile_seeds and info["n_seeds"] != profile_seeds:
        bench += f" --vg-seeds {info['n_seeds']}"
    if cases:
        bench += f" --vg-cases {','.join(cases)}"
    results = f"results/bench-{info['profile']}.json"
    return [
        (f"{bench} --benchmark-json {results}", "train the cases and time the speed table's runs"),
        (f"python -m vgmodels.report --results {results} --out site", "render this site"),
        (
            "python -m vgmodels.report --results site/results.json --out site-copy",
            "render the same text, tables and figures again from the published results file",
        ),
        (
            "python -m vgmodels run baseline --profile quick --seed 0 --out baseline.json",
            "one case, one seed, 20 epochs",
        ),
    ]
