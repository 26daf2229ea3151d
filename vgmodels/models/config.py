"""ModelConfig: every knob of every model the suite builds, one frozen dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ACTIVATION_NAMES = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "prelu",
    "softplus",
    "swish",
    "gelu",
    "selu",
)
SATURATING = {"sigmoid", "tanh"}
RELU_FAMILY = {"relu", "leaky_relu", "prelu", "elu"}
ARCHS = ("mlp", "rnn", "lstm", "gru")
RECURRENT = ("rnn", "lstm", "gru")
NORMS = ("none", "batchnorm", "mynorm", "layernorm")
INITS = ("normal", "xavier", "kaiming", "zero", "default")
# beyond the sources (vgmodels.models.init): orthogonal x gain, N(0, gain^2 / fan_in), LeCun
# normal (SELU), LSUV (orthogonal, then rescaled to unit output variance on a training batch)
INITS += ("orthogonal", "scaled_normal", "lecun", "lsuv")
# course: h1 -> h3 and h4 -> h7 (S2); article: h1 -> h3 only (S1); preact: residual blocks
SKIPS = ("none", "course", "article", "preact", "rezero")  # rezero: h + alpha * f(h), alpha = 0
SKIP_ADDS = {"course": {2: 0, 6: 3}, "article": {2: 0}}  # hidden index -> index of the added output
# post: Linear -> act -> GradNorm (the course's solution code); pre: Linear -> GradNorm -> act
GRAD_NORMS = ("none", "post", "pre")


@dataclass(frozen=True)
class ModelConfig:
    """Every knob of a model; the defaults are the source's Model 3 (7 x 128 sigmoid MLP)."""

    arch: str = "mlp"  # mlp, or a recurrent layer reading the image as a sequence
    depth: int = 7  # hidden Linear layers (recurrent: recurrent layers)
    width: int = 128
    activation: str = "sigmoid"
    init: str = "normal"
    init_std: float = 0.05
    norm: str = "none"
    skip: str = "none"
    grad_norm: str = "none"
    boost_beta: float = 0.0  # > 0: sigmoid with derivative sigmoid' + beta
    standardize_input: bool = False
    steps: int = 28  # recurrent: time steps the 784 pixels are read in (28 rows, or 196 x 4)
    in_features: int = 784
    classes: int = 10
    # beyond the sources; left out of as_dict at their defaults, so older records stay as they were
    init_gain: float = (
        1.0  # orthogonal / scaled_normal: sigma_w (the weights' scale x sqrt(fan_in))
    )
    bias_std: float = 0.0  # orthogonal / scaled_normal: biases N(0, bias_std^2) (sigma_b)
    center_bias: bool = False  # biases start at -W @ (1/2): a sigmoid layer acts as tanh(z/2)/2
    jacobian_probe: int = 0  # > 0: probe samples of the hidden-to-hidden Jacobian's spectrum

    def __post_init__(self):
        for name, value, allowed in (
            ("arch", self.arch, ARCHS),
            ("activation", self.activation, ACTIVATION_NAMES),
            ("norm", self.norm, NORMS),
            ("init", self.init, INITS),
            ("skip", self.skip, SKIPS),
            ("grad_norm", self.grad_norm, GRAD_NORMS),
        ):
            if value not in allowed:
                raise ValueError(f"unknown {name} {value!r}; accepted: {', '.join(allowed)}")
        if self.depth < 1 or self.width < 1:
            raise ValueError(f"depth and width must be >= 1, got {self.depth} and {self.width}")
        if self.skip == "preact" and self.depth % 2 != 1:
            raise ValueError("skip='preact' needs an odd depth (stem + blocks of two)")
        if self.skip in SKIP_ADDS and self.depth <= max(SKIP_ADDS[self.skip]):
            raise ValueError(
                f"skip={self.skip!r} needs at least {max(SKIP_ADDS[self.skip]) + 1} layers"
            )
        if self.init_gain <= 0 or self.bias_std < 0 or self.jacobian_probe < 0:
            raise ValueError(
                f"init_gain must be > 0, bias_std and jacobian_probe >= 0; got {self.init_gain}, "
                f"{self.bias_std}, {self.jacobian_probe}"
            )
        if self.arch in RECURRENT and self.in_features % self.steps:
            raise ValueError(f"{self.in_features} inputs do not split into {self.steps} steps")

    @property
    def recurrent(self) -> bool:
        return self.arch in RECURRENT

    def as_dict(self) -> dict:
        """Every knob; the later ones only where they differ from their defaults."""
        d = asdict(self)
        for name, default in LATE_DEFAULTS.items():
            if d[name] == default:
                del d[name]
        return d


LATE_DEFAULTS = {"init_gain": 1.0, "bias_std": 0.0, "center_bias": False, "jacobian_probe": 0}


def describe(cfg: ModelConfig) -> str:
    """The wiring in one line, e.g. '784 -> 7 x [Linear 128 -> sigmoid] -> Linear 10; adds ...'."""
    if cfg.recurrent:
        per = cfg.in_features // cfg.steps
        return (
            f"{cfg.steps} steps x {per} pixels -> {cfg.arch.upper()} {cfg.width} "
            f"-> last state -> Linear {cfg.classes}"
        )
    if cfg.skip == "preact":
        blocks = (cfg.depth - 1) // 2
        return (
            f"{cfg.in_features} -> Linear {cfg.width} -> {blocks} x pre-activation residual "
            f"[{cfg.norm} -> {cfg.activation} -> Linear] x 2 -> {cfg.norm} -> {cfg.activation} "
            f"-> Linear {cfg.classes}"
        )
    if cfg.skip == "rezero":
        return (
            f"{cfg.in_features} -> Linear {cfg.width} -> {cfg.activation} -> {cfg.depth - 1} x "
            f"[h + alpha * {cfg.activation}(Linear h)], alpha learned from 0 -> Linear {cfg.classes}"
        )
    act = cfg.activation + (f" (derivative + {cfg.boost_beta:g})" if cfg.boost_beta else "")
    parts = ["Linear", *(["GradNorm"] if cfg.grad_norm == "pre" else [])]
    parts += [cfg.norm] if cfg.norm != "none" else []
    parts += [act, *(["GradNorm"] if cfg.grad_norm == "post" else [])]
    text = f"{cfg.in_features} -> {cfg.depth} x [{' -> '.join(parts)}] -> Linear {cfg.classes}"
    if cfg.skip in SKIP_ADDS:
        adds = ", ".join(
            f"h{src + 1} added to h{dst + 1}" for dst, src in SKIP_ADDS[cfg.skip].items()
        )
        text += f"; {adds}"
    return text
