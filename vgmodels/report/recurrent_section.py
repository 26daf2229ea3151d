"""The recurrent section: RNN, LSTM and GRU over 28 and 196 steps, gradient norms through time."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from vgmodels.analysis.case_diagnosis import g
from vgmodels.analysis.references import cite
from vgmodels.analysis.summary import mean_curve
from vgmodels.report import section_figs as SF
from vgmodels.report.figure_files import WIDTH, Figure, _save
from vgmodels.report.section_data import RECURRENT, fmt_acc, present, ratio_at, time_matrix
from vgmodels.report.tables import Table

ARCHS = ("rnn", "lstm", "gru")
LENGTHS = {28: "", 196: "_long"}  # steps -> case-id suffix


def intro(records: list[dict]) -> str:
    """The section's opening, with the training settings as the records state them."""
    train = records[0]["config"]["train"]
    clip = f", gradients clipped at norm {train['clip_norm']:g}" if train.get("clip_norm") else ""
    return (
        f"The glossary note names LSTM {cite('lstm')} and GRU {cite('gru')} as the remedy for "
        f"vanishing gradients through time {cite('S3')}: a plain RNN multiplies one Jacobian per "
        "step, as a deep MLP multiplies one per layer. Each case reads the image as a sequence "
        "(28 rows of 28 pixels, or 196 chunks of 4) into one recurrent layer of 128 units, its "
        f"last state into Linear(128, 10), trained with {train['optimizer']} lr "
        f"{train['lr']:g}{clip}. After each epoch, on a fixed probe batch, the same weights run "
        "unrolled step by step and record ‖∂L/∂h_t‖ for every step t: how much of the loss's "
        "gradient reaches the hidden state at step t. A ratio first/last step far below 1 is the "
        "gradient vanishing through time."
    )


def _steps(records: list[dict]) -> int:
    return records[0]["config"]["model"].get("steps", 28)


def recurrent_table(groups: dict[str, list[dict]], cases: list[str]) -> Table:
    """Per case: steps, epochs, test accuracy, seconds per epoch, first/last-step gradient ratio."""
    rows = []
    for c in cases:
        rs = groups[c]
        secs = sum(r["seconds_per_epoch"] for r in rs) / len(rs)
        epochs = "/".join(str(e) for e in sorted({r["epochs_run"] for r in rs}))
        rows.append(
            [
                c,
                str(_steps(rs)),
                epochs,
                fmt_acc(rs),
                f"{secs:.1f}",
                g(ratio_at(rs, 1)),
                g(ratio_at(rs, -1)),
            ]
        )
    caption = (
        "Recurrent models. Test accuracy: mean over seeds (lowest–highest seed). "
        f"Seconds per epoch of training on {' and '.join(_machines(groups, cases))}. Gradient ratio: ‖∂L/∂h₁‖ / ‖∂L/∂h_T‖ "
        "on the probe batch, geometric mean over seeds, after the first and the last epoch."
    )
    cols = ["Case", "Steps", "Epochs", "Test acc.", "s / epoch", "Ratio ep. 1", "Ratio last"]
    return Table("recurrent", caption, cols, rows, [""] * len(rows))


def _machines(groups, cases) -> list[str]:
    """The machines the cases' runs trained on (the table's seconds are theirs)."""
    return list(dict.fromkeys(r["device_name"] for c in cases for r in groups[c]))


def _accuracy_figure(groups, cases, out: Path) -> Figure:
    fig, ax = plt.subplots(figsize=(WIDTH * 0.75, 2.5))
    SF.draw_recurrent_curves(ax, {c: mean_curve(groups[c], "val_acc") for c in cases})
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return Figure(
        "recurrent-acc",
        _save(fig, out, "recurrent-acc.svg"),
        "Recurrent models: validation accuracy",
        "Validation accuracy per epoch, mean over seeds: RNN red, LSTM blue, GRU green; "
        "28 steps solid, 196 steps dashed. The dotted line is chance.",
    )


def _fading(groups, cases) -> str:
    """What the panels show, from the data: step 1's gradient over step T's at the last epoch."""
    ratios = {c: ratio_at(groups[c], -1) for c in cases}
    ratios = {c: r for c, r in ratios.items() if r is not None}
    if not ratios:
        return ""
    below = [c for c, r in ratios.items() if r < 1]
    said = "; ".join(f"{c} {g(r)}" for c, r in ratios.items())
    return (
        f"Step 1's gradient over step T's after the last epoch: {said}. A ratio below 1 (a "
        "darker top than bottom) is the gradient fading on its way back to the first steps: "
        + (f"{', '.join(below)}" if below else "no case")
        + " here."
    )


def _heatmap_figure(groups, cases, out: Path) -> Figure:
    lengths = [s for s, suf in LENGTHS.items() if any(f"{a}{suf}" in cases for a in ARCHS)]
    mats = {c: time_matrix(groups[c]) for c in cases}
    vmin, vmax = SF.log_bounds(list(mats.values()))
    fig, axes = plt.subplots(
        len(lengths), 3, figsize=(WIDTH, 1.9 * len(lengths) + 0.3), squeeze=False
    )
    im = None
    for row, steps in zip(axes, lengths, strict=True):
        for ax, arch in zip(row, ARCHS, strict=True):
            cid = f"{arch}{LENGTHS[steps]}"
            if cid not in mats:
                ax.text(
                    0.5, 0.5, f"{cid}: not run", ha="center", va="center", transform=ax.transAxes
                )
                ax.set_axis_off()
                continue
            im = SF.draw_time_heatmap(ax, mats[cid], cid, vmin, vmax)
    fig.tight_layout(rect=(0, 0, 0.92, 1))
    if im is not None:
        fig.colorbar(im, cax=fig.add_axes((0.935, 0.15, 0.015, 0.7))).set_label(
            "‖∂L/∂h_t‖", fontsize=7
        )
    return Figure(
        "recurrent-heat",
        _save(fig, out, "recurrent-heat.png"),
        "Gradient norm through time, step × epoch",
        "‖∂L/∂h_t‖ on the probe batch after each epoch (geometric mean over seeds): "
        "rows of a panel are the steps (step 1, the first pixels read, on top), columns "
        "the epochs; one log colour scale for all panels (values beyond it take the end "
        "colours). " + _fading(groups, cases),
    )


def _profile_figure(groups, cases, out: Path) -> Figure:
    lengths = [s for s, suf in LENGTHS.items() if any(f"{a}{suf}" in cases for a in ARCHS)]
    fig, axes = plt.subplots(1, len(lengths), figsize=(WIDTH, 2.6), squeeze=False)
    for ax, steps in zip(axes[0], lengths, strict=True):
        profiles = {}
        for arch in ARCHS:
            cid = f"{arch}{LENGTHS[steps]}"
            if cid in cases:
                m = time_matrix(groups[cid])
                profiles[cid] = (m[:, 0], m[:, -1])
        SF.draw_time_profile(ax, profiles)
        ax.set_title(f"{steps} steps", loc="left")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return Figure(
        "recurrent-profile",
        _save(fig, out, "recurrent-profile.svg"),
        "Gradient norm against step, first and last epoch",
        "‖∂L/∂h_t‖ against step t on the probe batch (log scale, geometric mean over "
        "seeds) after the first epoch (dotted) and the last (solid): the temporal twin "
        "of the gradient-against-layer figure. A line falling towards step 1 is the "
        "gradient vanishing through time.",
    )


def recurrent_section(groups: dict[str, list[dict]], out: Path) -> dict | None:
    """The section's intro, figures and table; None when no recurrent case has records."""
    cases = present(groups, RECURRENT)
    if not cases:
        return None
    figs = [_accuracy_figure(groups, cases, out)]
    if any(time_matrix(groups[c]).size for c in cases):
        figs += [_heatmap_figure(groups, cases, out), _profile_figure(groups, cases, out)]
    missing = [c for c in RECURRENT if c not in cases]
    note = f" Not in these results: {', '.join(missing)}." if missing else ""
    return {
        "intro": intro(groups[cases[0]]) + note,
        "figures": figs,
        "table": recurrent_table(groups, cases),
    }
