"""The claims table: each claim of SOURCES.md the suite can test, and its verdict on the records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vgmodels.analysis import worked_examples as W
from vgmodels.analysis.verdicts import (
    Computed,
    DepthAt300,
    Explodes,
    Groups,
    Helps,
    Outcome,
    ThroughTime,
    Unsaturated,
)


@dataclass(frozen=True)
class Claim:
    """One source claim in a few words, and the check that tests it."""

    source: str
    text: str
    check: Callable[[Groups], Outcome]


@dataclass(frozen=True)
class ClaimRow:
    """A row of the Reproduction table."""

    source: str
    claim: str
    protocol: str
    measured: str
    verdict: str
    reason: str


def _derivatives() -> list[tuple[str, float, str]]:
    d = W.activation_derivatives()
    return [("σ'(0)", d["sigmoid'(0)"], "=0.25"), ("max σ'", d["max sigmoid'"], "=0.25")]


def _sigmoid_tails() -> list[tuple[str, float, str]]:
    d = W.activation_derivatives()
    quoted = "0.0066–0.0069"
    return [("σ'(5)", d["sigmoid'(5)"], quoted), ("σ'(−5)", d["sigmoid'(-5)"], quoted)]


def _tanh() -> list[tuple[str, float, str]]:
    d = W.activation_derivatives()
    return [("tanh'(0)", d["tanh'(0)"], "=1"), ("tanh'(2)", d["tanh'(2)"], "0.071"),
            ("tanh'(3)", d["tanh'(3)"], "0.010")]  # fmt: skip


def _chain() -> list[tuple[str, float, str]]:
    c = W.shrinking_chain(layers=5, factor=0.1, lr=0.01)
    return [("gradient", c["gradient"], "=1e-5"), ("update", c["update"], "=1e-7")]


def _dying_forward() -> list[tuple[str, float, str]]:
    e = W.dying_relu_example()
    h, p = e["h"], e["softmax"]
    return [("h₁", h[0], "1.372"), ("h₂", h[1], "-1.69"), ("p₁", p[0], "0.467"),
            ("p₂", p[1], "0.355"), ("p₃", p[2], "0.178"), ("loss", e["loss"], "0.761")]  # fmt: skip


def _dying_backward() -> list[tuple[str, float, str]]:
    e = W.dying_relu_example()
    return [("∂L/∂a₂", e["grad_into_unit2"], "0.302"), ("∂L/∂h₂", e["dL/dh2"], "=0"),
            ("max |∂L/∂w| of unit 2", e["unit2_weight_grad_max"], "=0")]  # fmt: skip


def _negative_side() -> list[tuple[str, float, str]]:
    d = W.activation_derivatives()
    return [("softplus'(−3)", d["softplus'(-3)"], ">0"), ("ELU'(−3)", d["elu'(-3)"], ">0"),
            ("ReLU'(−3)", d["relu'(-3)"], "=0")]  # fmt: skip


def _zero_init() -> list[tuple[str, float, str]]:
    z = W.zero_init_spread(steps=3)
    return [("largest difference between two units of a layer", z["spread"], "=0")]


def _mynorm() -> list[tuple[str, float, str]]:
    m = W.mynorm_check()
    return [("mean", m["mean"], "0.000000"), ("std", m["std"], "1.000000"),
            ("max |ours − formula|", m["value_diff"], "0.000000"),
            ("max gradient difference", m["grad_diff"], "0.000000")]  # fmt: skip


def _helps(source: str, case: str, what: str, against: str = "baseline") -> Claim:
    return Claim(source, f"{what} helps ({case} vs {against})", Helps(case, against))


CLAIMS: list[Claim] = [
    Claim("S1", "3 hidden sigmoid layers converge in 300 epochs (training acc. → ~0.7)",
          DepthAt300("depth3", learns=True)),
    Claim("S1", "5 hidden layers barely learn in 300 epochs (training acc. ~0.1)",
          DepthAt300("depth5", learns=False)),
    Claim("S1", "7 hidden layers are no better (training acc. ~0.1)",
          DepthAt300("baseline", learns=False)),
    _helps("S1", "std1", "weights N(0, 1)"),
    _helps("S1", "std10", "weights N(0, 10)"),
    _helps("S1, S3", "relu", "ReLU"),
    _helps("S1", "tanh", "tanh"),
    _helps("S1, S5", "adam", "Adam"),
    _helps("S1", "rmsprop", "RMSprop"),
    _helps("S1, S3", "batchnorm", "BatchNorm1d between Linear and sigmoid"),
    Claim("S5", "BatchNorm keeps pre-activations where σ' is strong (under 2% saturated)",
          Unsaturated("batchnorm")),
    _helps("S1, S2", "mynorm", "MyNormalization"),
    Claim("S2", "MyNormalization is (x − mean) / std over the whole tensor, unbiased, no ε",
          Computed(_mynorm, "our layer against the formula, torch autograd")),
    _helps("S1", "skip_article", "the article's skip h1 → h3"),
    _helps("S2", "skip", "the course's skip wiring h1 → h3, h4 → h7"),
    _helps("S1", "layerwise_paper", "layer-wise training, split budget"),
    _helps("S1", "layerwise_paper_full", "layer-wise training at the article's budget"),
    _helps("S2", "layerwise_greedy", "greedy layer-wise training, split budget"),
    _helps("S2", "layerwise_greedy_full", "greedy layer-wise training at the course's budget"),
    _helps("S2", "grad_norm", "gradient normalization after the sigmoid (code)"),
    _helps("S2", "grad_norm_pre", "gradient normalization before the sigmoid (text)"),
    Claim("S3", "a plain RNN's gradient through 196 steps vanishes; LSTM's and GRU's less "
          "(‖∂L/∂h₁‖ / ‖∂L/∂h_T‖, last epoch)", ThroughTime("rnn_long", ("lstm_long", "gru_long"))),
    _helps("S3", "lstm_long", "LSTM over 196 steps", against="rnn_long"),
    _helps("S3", "gru_long", "GRU over 196 steps", against="rnn_long"),
    Claim("S4", "σ'(0) = 0.25 is the sigmoid's maximum", Computed(_derivatives)),
    Claim("S4", "σ'(±5) ≈ 0.0066–0.0069", Computed(_sigmoid_tails)),
    Claim("S4", "tanh'(0) = 1, tanh'(2) ≈ 0.071, tanh'(3) ≈ 0.010", Computed(_tanh)),
    Claim("S4", "5 layers of derivative 0.1 shrink a gradient to 1e-5; lr 0.01 updates by 1e-7",
          Computed(_chain)),
    Claim("S4", "dying ReLU example: h = [1.372, −1.69], softmax [0.467, 0.355, 0.178], loss 0.761",
          Computed(_dying_forward)),
    Claim("S4", "dying ReLU example: 0.302 reaches the dead unit, yet its weight gradient is 0",
          Computed(_dying_backward)),
    Claim("S4", "softplus and ELU keep a non-zero derivative for negative inputs",
          Computed(_negative_side)),
    Claim("S4", "zero initialization leaves hidden units symmetric (3 SGD steps)",
          Computed(_zero_init, "our zero-init model, torch autograd")),
    Claim("S5", "exploding gradients give NaN or huge losses (ReLU, N(0, 1))",
          Explodes("relu_std1")),
    _helps("S5", "grad_clip", "gradient clipping", against="relu_std1"),
    _helps("S5", "sgd_momentum", "momentum"),
    _helps("S5", "sigmoid_boost", "Roodschild's sigmoid, derivative + 0.05"),
    Claim("S5", "plain SGD worsens beyond 3 hidden layers (depth3 vs depth5)",
          Helps("depth3", "depth5")),
    Claim("S5", "plain SGD worsens beyond 3 hidden layers (depth3 vs baseline)",
          Helps("depth3", "baseline")),
    _helps("S5", "sdagd_depth5", "SDAGD at 5 hidden layers", against="depth5"),
    _helps("S5", "sdagd", "SDAGD at 7 hidden layers"),
]  # fmt: skip


def group(records: list[dict]) -> Groups:
    """Records by case id, every case kept (cases outside REMEDIES too), seeds in order."""
    out: Groups = {}
    for r in sorted(records, key=lambda r: r["seed"]):
        out.setdefault(r["case"], []).append(r)
    return out


def reproduction(
    records: list[dict], claims: list[Claim] | None = None, supplement: list[dict] = ()
) -> list[ClaimRow]:
    """One row per claim: what we ran, our number, the verdict, and the likely reason if not.

    A depth claim at the article's 300 epochs reads the `supplement` runs (profile paper300)
    of its case where there are some.
    """
    groups, extra = group(records), group(list(supplement))
    rows = []
    for c in CLAIMS if claims is None else claims:
        at300 = isinstance(c.check, DepthAt300) and c.check.case in extra
        o = c.check(extra if at300 else groups)
        rows.append(ClaimRow(c.source, c.text, o.protocol, o.measured, o.verdict, o.reason))
    return rows
