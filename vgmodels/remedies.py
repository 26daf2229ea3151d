"""REMEDIES: every case id -> its model config and training config, in one table."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from vgmodels.models import ModelConfig


@dataclass(frozen=True)
class TrainConfig:
    """Optimizer, batch, schedule; the baseline is plain SGD lr 1e-2, batch 512, cross-entropy."""

    optimizer: str = "sgd"  # sgd | adam | rmsprop | adamw | sdagd
    lr: float = 1e-2  # sdagd: the radius R of its relative step length
    momentum: float = 0.0
    weight_decay: float = 0.0
    batch_size: int = 512
    lr_schedule: str = "constant"  # constant | onecycle
    clip_norm: float | None = None
    label_smoothing: float = 0.0
    schedule: str = "none"  # none | layerwise_paper | layerwise_greedy
    budget: str = "split"  # layer-wise: split the profile's epochs over stages, or full per stage

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Case:
    """One remedy case: id, family, what it shows, and what it changes."""

    id: str
    family: str
    description: str
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    heavy: bool = False  # long runs: in profiles that include them, else only when asked by id

    def config(self) -> dict:
        return {"model": self.model.as_dict(), "train": self.train.as_dict()}


BASE_MODEL = ModelConfig()
BASE_TRAIN = TrainConfig()


SDAGD_TRAIN = replace(BASE_TRAIN, optimizer="sdagd", lr=0.1)  # lr is its radius R


def _case(id, family, description, train=None, **model) -> Case:
    return Case(id, family, description, replace(BASE_MODEL, **model), train or BASE_TRAIN)


def _relu(**kw):
    return dict(activation="relu", **kw)


def _full_budget(case: Case, description: str) -> Case:
    """The same schedule with every stage the profile's epochs: the sources' own budget."""
    train = replace(case.train, budget="full")
    return replace(case, id=f"{case.id}_full", description=description, train=train, heavy=True)


LAYERWISE_PAPER = _case(
    "layerwise_paper",
    "layerwise",
    "the article's 7 trainings of a growing 2-2-2-1 network, profile budget split",
    replace(BASE_TRAIN, schedule="layerwise_paper"),
)
LAYERWISE_GREEDY = _case(
    "layerwise_greedy",
    "layerwise",
    "the course's 4 stages, new head and optimizer each, profile budget split",
    replace(BASE_TRAIN, schedule="layerwise_greedy"),
)

_CASES = [
    _case("depth3", "problem", "3 hidden sigmoid layers: shallow enough to learn", depth=3),
    _case("depth5", "problem", "5 hidden sigmoid layers", depth=5),
    _case("baseline", "problem", "Model 3: 7x128 sigmoid, N(0, 0.05), SGD lr 1e-2"),
    _case(
        "baseline_default",
        "problem",
        "the course's baseline: Model 3 with PyTorch's default Linear init",
        init="default",
    ),  # fmt: skip
    _case("std1", "weight", "weights N(0, 1)", init_std=1.0),
    _case("std10", "weight", "weights N(0, 10): saturated sigmoids", init_std=10.0),
    _case("relu", "activation", "ReLU instead of sigmoid", **_relu()),
    _case(
        "relu_lr0.05", "activation", "ReLU, SGD lr 5e-2", replace(BASE_TRAIN, lr=0.05), **_relu()
    ),
    _case("tanh", "activation", "tanh", activation="tanh"),
    _case("leaky_relu", "activation", "LeakyReLU (slope 0.01)", activation="leaky_relu"),
    _case("elu", "activation", "ELU", activation="elu"),
    _case("prelu", "activation", "PReLU (learned slope)", activation="prelu"),
    _case("softplus", "activation", "Softplus", activation="softplus"),
    _case("swish", "activation", "Swish / SiLU", activation="swish"),
    _case("gelu", "activation", "GELU", activation="gelu"),
    _case("adam", "optimizer", "Adam lr 1e-3", replace(BASE_TRAIN, optimizer="adam", lr=1e-3)),
    _case(
        "rmsprop", "optimizer", "RMSprop lr 1e-3", replace(BASE_TRAIN, optimizer="rmsprop", lr=1e-3)
    ),
    _case(
        "sgd_momentum",
        "optimizer",
        "SGD lr 1e-2, momentum 0.9",
        replace(BASE_TRAIN, momentum=0.9),
    ),  # fmt: skip
    _case("batchnorm", "normalization", "BatchNorm1d between Linear and sigmoid", norm="batchnorm"),
    _case("mynorm", "normalization", "whole-tensor (x-mean)/std after each Linear", norm="mynorm"),
    _case("skip", "skip", "the course's adds: h1 -> h3 and h4 -> h7 (S2)", skip="course"),
    _case("skip_article", "skip", "the article's one add: h1 -> h3 (S1)", skip="article"),
    LAYERWISE_PAPER,
    _full_budget(
        LAYERWISE_PAPER, "the article's 7 trainings, every stage the profile's epochs (last 3x)"
    ),
    LAYERWISE_GREEDY,
    _full_budget(LAYERWISE_GREEDY, "the course's 4 stages, every stage the profile's epochs"),
    _case(
        "grad_norm",
        "gradnorm",
        "gradient standardized after every hidden sigmoid (the course's code)",
        grad_norm="post",
    ),  # fmt: skip
    _case(
        "grad_norm_pre",
        "gradnorm",
        "gradient standardized between Linear and sigmoid (the course's text)",
        grad_norm="pre",
    ),  # fmt: skip
    _case(
        "sigmoid_boost",
        "other",
        "sigmoid with derivative + 0.05 (Roodschild 2020)",
        boost_beta=0.05,
    ),
    _case(
        "sdagd",
        "other",
        "SDAGD, radius 0.1 per weight tensor (Tan & Lim 2020)",
        SDAGD_TRAIN,
    ),  # fmt: skip
    _case("sdagd_depth3", "other", "SDAGD at 3 hidden layers", SDAGD_TRAIN, depth=3),
    _case("sdagd_depth5", "other", "SDAGD at 5 hidden layers", SDAGD_TRAIN, depth=5),
    _case("zero_init", "pitfalls", "all weights 0: hidden units stay symmetric", init="zero"),
    _case("relu_std1", "pitfalls", "ReLU with N(0, 1) weights: exploding", **_relu(init_std=1.0)),
    _case(
        "grad_clip",
        "pitfalls",
        "relu_std1 + gradient clipping at norm 1.0",
        replace(BASE_TRAIN, clip_norm=1.0),
        **_relu(init_std=1.0),
    ),  # fmt: skip
    _case("xavier", "modern", "sigmoid with Glorot (Xavier) normal init", init="xavier"),
    _case("kaiming_relu", "modern", "ReLU with He (Kaiming) normal init", **_relu(init="kaiming")),
    _case("layernorm", "modern", "LayerNorm between Linear and sigmoid", norm="layernorm"),
    _case(
        "resnet_bn_relu",
        "modern",
        "standardized inputs, pre-activation residual BN-ReLU blocks, AdamW one-cycle",
        TrainConfig(
            optimizer="adamw",
            lr=3e-3,
            weight_decay=0.05,
            lr_schedule="onecycle",
            label_smoothing=0.1,
        ),
        activation="relu",
        norm="batchnorm",
        skip="preact",
        init="default",
        standardize_input=True,
    ),  # fmt: skip
]

RNN_TRAIN = TrainConfig(optimizer="adam", lr=1e-3, clip_norm=1.0)


def _recurrent(arch: str, steps: int) -> Case:
    long = steps != 28
    what = f"{steps} steps of {784 // steps} pixels" + ("" if long else " (image rows)")
    return Case(
        f"{arch}_long" if long else arch,
        "recurrent",
        f"{arch.upper()} 128 over {what}, last state -> Linear",
        ModelConfig(arch=arch, depth=1, activation="tanh", init="default", steps=steps),
        RNN_TRAIN,
        heavy=long,
    )


_CASES += [_recurrent(a, s) for s in (28, 196) for a in ("rnn", "lstm", "gru")]

# Controls (appended: the ids above keep their order). Plain SGD at SDAGD's own lr, so that
# "SDAGD helps" is not a larger step in disguise; S2's text placement of gradient normalization
# (after the Linear) with the init its text leaves unnamed: PyTorch's default, as its baseline.
SGD_AT_SDAGD_LR = replace(SDAGD_TRAIN, optimizer="sgd")
_CASES += [
    _case(
        "grad_norm_pre_default",
        "gradnorm",
        "grad_norm_pre with PyTorch's default Linear init (the course's text names no init)",
        grad_norm="pre",
        init="default",
    ),
    _case("sgd_lr0.1_depth3", "other", "plain SGD at SDAGD's lr 0.1, 3 hidden layers",
          SGD_AT_SDAGD_LR, depth=3),
    _case("sgd_lr0.1_depth5", "other", "plain SGD at SDAGD's lr 0.1, 5 hidden layers",
          SGD_AT_SDAGD_LR, depth=5),
    _case("sgd_lr0.1", "other", "plain SGD at SDAGD's lr 0.1, 7 hidden layers", SGD_AT_SDAGD_LR),
]  # fmt: skip

REMEDIES: dict[str, Case] = {c.id: c for c in _CASES}

FAMILIES = {
    "problem": "problem (depth)",
    "weight": "weight increasing",
    "activation": "better activation",
    "optimizer": "better optimizer",
    "normalization": "normalize inside",
    "skip": "skip connection",
    "layerwise": "train some layers",
    "gradnorm": "gradient normalization",
    "other": "other methods",
    "pitfalls": "pitfalls",
    "modern": "modern practice",
    "recurrent": "recurrent (through time)",
}


def get_case(case_id: str) -> Case:
    """The case of that id, or ValueError naming the accepted ids."""
    try:
        return REMEDIES[case_id]
    except KeyError:
        raise ValueError(f"unknown case {case_id!r}; accepted: {', '.join(REMEDIES)}") from None
