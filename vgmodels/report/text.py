"""The report's prose, written from the measured numbers (no number is typed by hand)."""

from __future__ import annotations

from vgmodels.analysis.case_diagnosis import CaseDiagnosis, g
from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import CHANCE, CaseSummary

DEFECTS = (
    "Two defects of the source code are not copied: its BatchNorm1d was constructed inside forward "
    "(re-created on every call, so it never learned, never switched to eval mode and failed on a "
    "GPU) and is registered once here; and its `require_grad` typos made freezing a layer a no-op, "
    f"while here a frozen layer's parameters get requires_grad = False {cite('S1', 'S2')}."
)


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
    if other:
        layers = " and ".join(str(cfg(x).get("depth")) for x in other)
        text += f"; {' and '.join(x.case for x in other)} have {layers} hidden layers"
    rnn = [x.case for x in ok if x not in mlp]
    if rnn:
        text += f"; {', '.join(rnn)} read the image as a sequence"
    return text


def abstract(s: dict[str, CaseSummary], info: dict, diag: dict[str, CaseDiagnosis]) -> str:
    """One paragraph: what was run, the baseline's failure, how many cases learn, the highest."""
    ok = [x for x in s.values() if not x.missing]
    base = s["baseline"]
    parts = [
        f"We train {len(ok)} cases, variants of a deep multilayer perceptron ({network_text(s)}), "
        f"on the real Fashion-MNIST {cite('xiao')} for {info['epochs']} epochs "
        f"({info['seeds_text']}, profile “{info['profile']}”) and record every layer's gradient "
        "in every epoch."
    ]
    if not base.missing:
        parts.append(
            f"The sigmoid baseline ends at {base.mean:.4f} test accuracy (chance is {CHANCE:.2f}): "
            f"in its first epoch the first hidden layer receives {g(base.vr_epoch1)} times the "
            "gradient of the last hidden layer."
        )
    failing = [x for x in ok if diag[x.case].failing]
    learners = [x for x in ok if not diag[x.case].failing]
    parts.append(
        f"{len(learners)} of {len(ok)} cases learn. {len(failing)} fail, and their records say "
        f"why (section Diagnoses): {_failure_counts(failing, diag)}."
    )
    if learners:
        best = max(learners, key=lambda x: x.mean)
        parts.append(f"The highest test accuracy is {best.case}'s {best.mean:.4f}.")
    missing = [x.case for x in s.values() if x.missing]
    if missing:
        parts.append(f"Missing from these results: {', '.join(missing)}.")
    return " ".join(parts)


FAILED = {
    "diverged": "diverged", "exploded": "ended with an exploded loss",
    "collapsed": "learned, then collapsed", "stuck": "stayed at chance loss",
    "above_chance": "ended above chance loss", "barely": "barely learned",
}  # fmt: skip


def _failure_counts(failing: list[CaseSummary], diag: dict[str, CaseDiagnosis]) -> str:
    """'11 stayed at chance loss (baseline, ...); 2 barely learned (depth3, skip)', by first reason."""
    groups: dict[str, list[str]] = {}
    for x in failing:
        first = next(k for k in FAILED if k in diag[x.case].held)
        groups.setdefault(first, []).append(x.case)
    return "; ".join(
        f"{len(cases)} {FAILED[k]} ({', '.join(cases)})" for k, cases in groups.items()
    )


def setup(info: dict) -> list[tuple[str, str]]:
    """Setup rows: hardware, software, data, protocol."""
    rows = [
        ("Device", info["device_name"]),
        (
            "fp32 matmul peak (probed)",
            f"{info['peak_gflops']:.0f} GFLOP/s, the faster of the libraries PyTorch carries on a "
            "2048 × 2048 product; MFU is achieved matmul FLOP/s over this peak",
        ),  # fmt: skip
        ("Software", f"PyTorch {info['torch']}, Python {info['python']}"),
        ("Profile", f"{info['profile']}: {info['epochs']} epochs, {info['seeds_text']}"),
        (
            "Data",
            f"Fashion-MNIST {cite('xiao')}, {info['n_train']:,} train / {info['n_val']:,} validation (fixed-seed "
            f"90/10 split of the 60,000) / {info['n_test']:,} test; pixels scaled to [0, 1]",
        ),  # fmt: skip
        (
            "Baseline (Model 3)",
            "7 hidden layers × 128 sigmoid units, weights N(0, 0.05), biases 0, "
            "cross-entropy, SGD lr 0.01, batch 512",
        ),  # fmt: skip
        (
            "Layer-wise budget",
            "the layer-wise cases split the same epoch budget in the source's "
            "proportions (paper300: the exact 6 × 100 + 300 epochs)",
        ),  # fmt: skip
    ]
    if info.get("concurrent_runs", 1) > 1 and info.get("device", "cpu") != "cpu":
        rows.append((
            "Runs at once",
            f"the {info['concurrent_runs']} seeds of a case trained as one stacked model "
            "(torch.func.vmap), full-batch steps replayed from a CUDA graph where the step allows "
            "(not SDAGD, a learning-rate schedule or the recurrent family); the layer-wise, SDAGD "
            "and recurrent cases one seed at a time; each record equals its seed's run alone up "
            "to float rounding, and its seconds are the stacked run's (its MFU a 1/S share)",
        ))  # fmt: skip
    elif info.get("concurrent_runs", 1) > 1:
        threads = "/".join(map(str, info["run_threads"])) or "?"
        rows.append((
            "Runs at once",
            f"{info['concurrent_runs']} runs trained at once (Ray tasks), one process of "
            f"{threads} thread{'' if threads == '1' else 's'} each; their seconds (Table 1, the "
            "wall-time figure) are those of runs sharing the CPU, while the speed table times each case "
            "alone; each record equals a run alone on that many threads",
        ))  # fmt: skip
    optimizers = "fused Adam/AdamW, multi-tensor SGD and RMSprop"
    if info.get("linear_kernel") == "onednn":
        rows.append((
            "Kernels",
            "Linear layers run oneDNN's fp32 inner product (AVX-512) for the forward product, the "
            "input gradient and the 784-wide weight gradient, MKL's sgemm for the 128 × 128 weight "
            f"gradients and the 10-wide head; {optimizers}",
        ))  # fmt: skip
    elif info.get("device") == "cpu":
        rows.append((
            "Kernels",
            "Linear layers run PyTorch's addmm (MKL's fp32 sgemm): a probe found oneDNN's inner "
            f"product less than 1.25× faster on this CPU; {optimizers}",
        ))  # fmt: skip
    if info.get("flush_denormal"):
        text = ("flushed to zero on the CPU (torch.set_flush_denormal), since saturated sigmoids "
                "produce denormal floats, which are slow on many CPUs")  # fmt: skip
        for sp in info.get("speed", []):
            if sp.get("slowdown_without_flush"):
                text += (
                    f"; measured here on {sp['case']} ({sp['epochs']} epochs, seed 0): "
                    f"{sp['flush_seconds_per_epoch']:.3f} s per epoch flushed, "
                    f"{sp['no_flush_seconds_per_epoch']:.3f} s not; test accuracy "
                    f"{sp['test_acc_flush']:.4f} flushed, {sp['test_acc_no_flush']:.4f} not"
                )
                if sp.get("flush_effect"):
                    text += "; " + _flush_effect(sp)
        rows.append(("Denormals", text))
    return rows


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
        ("python -m vgmodels.report --results site/results.json --out site-copy",
         "render the same text, tables and figures again from the published results file"),
        ("python -m vgmodels run baseline --profile quick --seed 0 --out baseline.json",
         "one case, one seed, 20 epochs"),
    ]  # fmt: skip
