"""The numbered findings: each a sentence from the measured numbers, none endorsing a failure."""

from __future__ import annotations

from vgmodels.analysis.case_diagnosis import CaseDiagnosis, g
from vgmodels.analysis.diagnosis import FAILURES
from vgmodels.analysis.references import cite
from vgmodels.analysis.stats import welch
from vgmodels.analysis.summary import PUBLISHED_MLP, CaseSummary, family_cases
from vgmodels.remedies import FAMILIES
from vgmodels.report.tables import off_budget


def fmt_ci(s: CaseSummary, base: CaseSummary) -> str:
    """The difference to the baseline's mean as its 95% Welch interval in points, and whether the
    seeds decide its sign (the rule of the Reproduction section)."""
    iv = welch(s.accs, base.accs)
    if iv is None:
        return "no interval (fewer than 2 seeds a side)"
    if iv.lo == iv.hi:
        return "no spread in either case's seeds"
    sign = "above" if iv.lo > 0 else "below" if iv.hi < 0 else None
    decided = f"every plausible value {sign} 0" if sign else "undecided: the interval holds 0"
    return f"95% CI {100 * iv.lo:+.1f} to {100 * iv.hi:+.1f} points, {decided}"


def delta(s: CaseSummary, base: CaseSummary) -> str:
    return f"{100 * (s.mean - base.mean):+.1f} points"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _learners(cases: list[CaseSummary], diag: dict[str, CaseDiagnosis]) -> list[CaseSummary]:
    return [c for c in cases if not diag[c.case].failing]


def depth_finding(s: dict[str, CaseSummary], diag: dict[str, CaseDiagnosis]) -> str | None:
    """Depth alone: accuracies, gradient ratios, and the shallowest's test against the baseline."""
    depth = [s[c] for c in ("depth3", "depth5", "baseline") if c in s and not s[c].missing]
    if not depth:
        return None
    acc = _and([f"{d.case} {d.mean:.4f}" for d in depth])
    vr = _and([g(d.vr_epoch1) for d in depth])
    text = (
        f"Depth alone breaks the sigmoid network: test accuracy {acc}; in epoch 1 the first "
        f"hidden layer receives {vr} of the last hidden layer's gradient."
    )
    shallow = depth[0]
    if shallow.case != "baseline" and not s["baseline"].missing:
        diff = 100 * (shallow.mean - s["baseline"].mean)
        text += (
            f" {shallow.case} is {diff:.1f} points above the baseline ({fmt_ci(shallow, s['baseline'])})"
            + (
                f", and it fails too: {diag[shallow.case].short}."
                if diag[shallow.case].failing
                else "."
            )
        )
    return text


def family_finding(
    label: str,
    cases: list[CaseSummary],
    base: CaseSummary,
    diag: dict[str, CaseDiagnosis],
    changes: dict[str, str],
    pitfalls: bool,
    other: dict[str, int] | None = None,
) -> str:
    """One family: who learns and who fails; no 'best' for a family of one or for pitfalls."""
    label = label[0].upper() + label[1:]
    learners = _learners(cases, diag)
    failing = [c for c in cases if diag[c.case].failing]
    if pitfalls or len(cases) == 1:
        parts = [_one_case(c, base, diag[c.case]) for c in cases]
        return f"{label}: " + ("none is a remedy: " if pitfalls else "") + "; ".join(parts) + "."
    verb = "learns" if len(learners) == 1 else "learn"
    text = f"{label}: {len(learners)} of {len(cases)} cases {verb}"
    if learners:
        top = max(learners, key=lambda c: c.mean)
        budget = f", trained {other[top.case]} epochs" if top.case in (other or {}) else ""
        text += (
            f"; the highest test accuracy is {top.case}'s {top.mean:.4f} ({delta(top, base)}"
            f"{budget}, "
            f"{fmt_ci(top, base)}), which changes {changes[top.case]}"
        )
        single = [c for c in learners if ";" not in changes[c.case]]
        if single and top not in single:
            one = max(single, key=lambda c: c.mean)
            text += (
                f"; of the cases that change one thing, {one.case} ({changes[one.case]}) is "
                f"highest at {one.mean:.4f}"
            )
    if failing:
        text += "; failing: " + ", ".join(f"{c.case} ({diag[c.case].short})" for c in failing)
    return text + "."


def _one_case(c: CaseSummary, base: CaseSummary, d: CaseDiagnosis) -> str:
    """A case said alone: its accuracy against the baseline, and why it fails where it does."""
    if not d.failing:
        loss = f" and learns, but: {d.short}" if any(k in d.held for k in FAILURES) else ""
        return f"{c.case} reaches {c.mean:.4f} ({delta(c, base)}, {fmt_ci(c, base)}){loss}"
    if c.mean - base.mean > 0.05:
        return f"{c.case} reaches {c.mean:.4f} ({delta(c, base)}, {fmt_ci(c, base)}) but fails: {d.short}"
    return f"{c.case} fails ({d.short}; test accuracy {c.mean:.4f})"


def findings(
    s: dict[str, CaseSummary], diag: dict[str, CaseDiagnosis], changes: dict[str, str]
) -> list[str]:
    """Numbered findings, each built from Table 1's numbers and the diagnoses."""
    out = []
    ok = [x for x in s.values() if not x.missing]
    depth = depth_finding(s, diag)
    if depth:
        out.append(depth)
    base = s["baseline"]
    if base.missing:
        return out + ["The baseline is missing, so no case can be compared with it."]
    groups = family_cases()
    _, other = off_budget(s)
    for fam, label in FAMILIES.items():
        cases = [s[c] for c in groups[fam] if not s[c].missing and c != "baseline"]
        if fam == "problem" or not cases:
            continue
        out.append(family_finding(label, cases, base, diag, changes, fam == "pitfalls", other))
    conv = [x for x in ok if x.convergence is not None]
    if conv:
        fastest = min(conv, key=lambda x: x.convergence)
        out.append(
            f"{len(conv)} of {len(ok)} cases reach 0.80 validation accuracy in most seeds; "
            f"{fastest.case} first, in epoch {fastest.convergence:g} (median over seeds)."
        )
    else:
        out.append("No case reaches 0.80 validation accuracy in most seeds within this budget.")
    r = s.get("resnet_bn_relu")
    if r is not None and not r.missing and not diag[r.case].failing:
        rel = "above" if r.mean > PUBLISHED_MLP else "below"
        n = changes[r.case].count(";") + 1
        out.append(
            f"Once gradients flow, the 7 × 128 budget goes far: resnet_bn_relu reaches "
            f"{r.mean:.4f}, {rel} the {PUBLISHED_MLP} listed for an MLP 256-128-100 in the "
            f"Fashion-MNIST benchmark table {cite('mlp8833')}, a community entry whose protocol "
            f"is not stated. It changes {n} things at once, so no single one earns the credit."
        )
    return out


def significance_note(s: dict[str, CaseSummary]) -> str:
    """How differences to the baseline are stated: the Reproduction section's interval."""
    return (
        "Differences to the baseline are the difference of mean test accuracies with its 95% "
        "Welch-Satterthwaite interval over seeds (one-sample where a side's seeds all agree, as "
        "the baseline's at chance do); the seeds decide the sign only where the interval "
        "excludes 0, the rule the Reproduction section applies to the sources' claims. "
        "Accuracies in brackets are the lowest and highest seed."
    )
