"""The report's prose, written from the measured numbers (no number is typed by hand)."""

from __future__ import annotations

from ..remedies import FAMILIES
from .summary import CHANCE, PUBLISHED_MLP, CaseSummary, family_cases

MARGIN = 0.05  # a remedy "beats" the baseline when its mean test accuracy is 5 points higher

DEFECTS = (
    "Two defects of the source code are not copied: its BatchNorm1d was constructed inside forward "
    "(re-created on every call, so it never learned, never switched to eval mode and failed on a GPU) "
    "and is registered once here; its skip-connection listing is garbled, so the skips follow the "
    "paper's text (layer 1's output added to layer 3's, layer 4's to layer 6's)."
)


INTRO = (
    "A deep network learns by the chain rule: the gradient that reaches a layer is the product of one "
    "activation derivative and one weight matrix per layer above it. The sigmoid's derivative is at "
    "most 1/4, so in a deep sigmoid network with small weights the product shrinks geometrically and the "
    "layers next to the input barely move: the vanishing-gradient problem.",
    "This report trains the same 7-layer multilayer perceptron under each remedy the literature offers "
    "(weight scale, activation, optimizer, normalization inside the network, skip connections, layer-wise "
    "training, gradient normalization and a boosted sigmoid derivative), records accuracy and every "
    "layer's gradient per epoch, and ranks the remedies. Every number below is computed from the results "
    "file published beside this report.",
)


def _ok(summaries: dict[str, CaseSummary]) -> list[CaseSummary]:
    return [s for s in summaries.values() if not s.missing]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def _vr(x: float | None) -> str:
    return "not measurable" if x is None else f"{x:.2g}"


def abstract(s: dict[str, CaseSummary], info: dict) -> str:
    """One paragraph: what was run, the baseline's failure, the best remedy, how many beat it."""
    ok = _ok(s)
    base = s["baseline"]
    parts = [
        f"We train {len(ok)} variants of a deep multilayer perceptron (784 → 7 × 128 → 10) on the real "
        f"Fashion-MNIST for {info['epochs']} epochs ({info['seeds_text']}, profile “{info['profile']}”) "
        "and record every layer's gradient in every epoch."
    ]
    if not base.missing:
        parts.append(
            f"The sigmoid baseline ends at {base.mean:.4f} test accuracy (chance is {CHANCE:.2f}): in its "
            f"first epoch the first hidden layer receives {_vr(base.vr_epoch1)} times the gradient of the "
            "last hidden layer."
        )
        better = [x for x in ok if x.case != "baseline" and x.mean - base.mean > MARGIN]
        best = max(ok, key=lambda x: x.mean)
        parts.append(
            f"{len(better)} of {len(ok) - 1} other cases beat it by more than {100 * MARGIN:.0f} points. "
            f"The best, {best.case}, reaches {best.mean:.4f} ({_pct(best.mean - base.mean)} points above the "
            f"baseline), with a first-to-last gradient ratio of {_vr(best.vr_epoch1)} in epoch 1."
        )
    missing = [x.case for x in s.values() if x.missing]
    if missing:
        parts.append(f"Missing from these results: {', '.join(missing)}.")
    return " ".join(parts)


def findings(s: dict[str, CaseSummary]) -> list[str]:
    """Numbered findings, each a sentence built from the table's numbers."""
    out = []
    base = s["baseline"]
    depth = [s[c] for c in ("depth3", "depth5", "baseline") if not s[c].missing]
    if depth:
        text = ", ".join(
            f"{d.case} {d.mean:.4f} (vanishing ratio {_vr(d.vr_epoch1)})" for d in depth
        )
        out.append(f"Depth alone breaks the sigmoid network: test accuracy {text}.")
    if base.missing:
        return out + ["The baseline is missing, so no remedy can be compared with it."]
    groups = family_cases()
    for fam, label in FAMILIES.items():
        if fam == "problem":
            continue
        cases = [s[c] for c in groups[fam] if not s[c].missing]
        if not cases:
            continue
        best = max(cases, key=lambda x: x.mean)
        if best.mean - base.mean <= MARGIN:
            out.append(
                f"{label.capitalize()}: no case beats the baseline by {100 * MARGIN:.0f} points in this "
                f"budget (best: {best.case} at {best.mean:.4f})."
            )
            continue
        sig = ""
        if best.p_value is not None:
            sig = (
                " (significant, p < 0.05)"
                if best.p_value < 0.05
                else f" (not significant, p = {best.p_value:.2f})"
            )
        out.append(
            f"{label.capitalize()}: best is {best.case} at {best.mean:.4f}, "
            f"{_pct(best.mean - base.mean)} points above the baseline{sig}."
        )
    conv = [x for x in _ok(s) if x.convergence is not None]
    if conv:
        fastest = min(conv, key=lambda x: x.convergence)
        out.append(
            f"{len(conv)} of {len(_ok(s))} cases reach 0.80 validation accuracy; {fastest.case} gets there "
            f"first, in epoch {fastest.convergence:g}."
        )
    else:
        out.append("No case reaches 0.80 validation accuracy within this budget.")
    div = [x for x in _ok(s) if x.diverged]
    if div:
        out.append("Diverged (NaN or inf met, recorded and stopped): " +
                   ", ".join(f"{x.case} in {x.diverged} of {x.n} seeds" for x in div) + ".")  # fmt: skip
    r = s["resnet_bn_relu"]
    if not r.missing:
        rel = "above" if r.mean > PUBLISHED_MLP else "below"
        out.append(
            f"Once gradients flow, the same 7 × 128 budget goes far: resnet_bn_relu reaches {r.mean:.4f}, "
            f"{rel} the published MLP 256-128-100 ({PUBLISHED_MLP})."
        )
    return out


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
            f"Fashion-MNIST, {info['n_train']:,} train / {info['n_val']:,} validation (fixed-seed "
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
    if info.get("concurrent_runs", 1) > 1:
        threads = "/".join(map(str, info["run_threads"])) or "?"
        rows.append((
            "Seeds at once",
            f"the seeds of each case trained {info['concurrent_runs']} at once, one process of "
            f"{threads} thread{'' if threads == '1' else 's'} each; their seconds (Table 1, the "
            "wall-time figure) are those of runs sharing the CPU, while Table 2 times each case "
            "alone; each record equals a separate run on that many threads",
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


def reproduce(info: dict) -> list[str]:
    """Commands that regenerate these results and this report."""
    seeds = f" --vg-seeds {info['n_seeds']}" if info["n_seeds"] > 1 else ""
    return [
        "make report",
        f"pytest bench/ --vg-profile {info['profile']}{seeds} --benchmark-json results.json",
        "python -m vgmodels.report --results results.json --out site",
        "python -m vgmodels run baseline --profile quick --seed 0 --out baseline.json",
    ]
