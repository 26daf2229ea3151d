"""The claims table: each testable claim of the five sources, the line that makes it, and its check.

One row per claim; a row cites its source's file and lines in ../shared/sources/ with a short
phrase in the source's words and an English gloss (tests/analysis/test_citations.py checks each
phrase at its lines). To add a claim, append a Claim to CLAIMS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vgmodels.analysis import computed_claims as K
from vgmodels.analysis.verdicts import (
    FIRST_GRAD,
    SATURATED,
    THROUGH_TIME,
    TRAIN_ACC,
    TRAIN_LOSS,
    About,
    Compare,
    Computed,
    Explodes,
    Groups,
    Outcome,
)

SOURCE_FILES = {
    "S1": "000_3ba0b06fb0d362d6.txt",
    "S2": "001_705c3ab640dda52f.txt",
    "S3": "002_e54ca060ab13544d.txt",
    "S4": "003_7b968ead77dab6a6.txt",
    "S5": "004_62c9fdad29850c43.txt",
}


@dataclass(frozen=True)
class Cite:
    """A phrase of a source at its lines (1-based, inclusive), with an English gloss."""

    source: str
    first: int
    last: int
    phrase: str
    gloss: str

    @property
    def file(self) -> str:
        return SOURCE_FILES[self.source]

    @property
    def where(self) -> str:
        """'S1 000_3ba0b06fb0d362d6.txt:156–158'."""
        lines = str(self.first) if self.first == self.last else f"{self.first}–{self.last}"
        return f"{self.source} {self.file}:{lines}"


@dataclass(frozen=True)
class Claim:
    """One source claim in a few words, the lines that make it, and the check that tests it."""

    cites: tuple[Cite, ...]
    text: str
    check: Callable[..., Outcome]

    @property
    def source(self) -> str:
        return ", ".join(dict.fromkeys(c.source for c in self.cites))


@dataclass(frozen=True)
class ClaimRow:
    """A row of the Reproduction table."""

    source: str
    cites: tuple[Cite, ...]
    claim: str
    protocol: str
    measured: str
    difference: str
    verdict: str
    reason: str
    seeds: int | None = None


def C(source: str, first: int, last: int, phrase: str, gloss: str) -> Cite:
    return Cite(source, first, last, phrase, gloss)


FULL_NOTE = (
    "no budget-matched plain baseline was run: the comparison is paper300's 300-epoch baseline, "
    "which ends at chance loss (ln 10 = 2.303) on every seed"
)
SATURATION_NOTE = (
    "the baseline's sigmoids are not saturated either (N(0, 0.05) keeps |z| small): at this init "
    "there is no saturation for BatchNorm to remove"
)
# fmt: off
CLAIMS: list[Claim] = [
    # --- S1: depth at the article's 300 epochs (profile paper300) ----------------------------
    Claim((C("S1", 157, 158, "train accuracy tiệm cận 0,7", "training accuracy approaching 0.7"),),
          "3 hidden sigmoid layers: training accuracy about 0.7 after 300 epochs (± 0.1)",
          About("depth3", TRAIN_ACC, 0.7, 0.1)),
    Claim((C("S1", 157, 157, "loss giảm từ trên 2,3 đến tầm 0,7", "loss falls from above 2.3 to about 0.7"),),
          "3 hidden sigmoid layers: training loss about 0.7 after 300 epochs (± 0.1)",
          About("depth3", TRAIN_LOSS, 0.7, 0.1)),
    Claim((C("S1", 160, 160, "từ 2,307 đến khoảng 2,303", "from 2.307 to about 2.303"),),
          "5 hidden layers: training loss about 2.303 after 300 epochs (± 0.01)",
          About("depth5", TRAIN_LOSS, 2.303, 0.01)),
    Claim((C("S1", 163, 164, "train accuracy của Model 2 là dao động quanh 0,1",
             "Model 2's training accuracy hovers around 0.1"),),
          "5 hidden layers: training accuracy about 0.1 after 300 epochs (± 0.05)",
          About("depth5", TRAIN_ACC, 0.1, 0.05)),
    Claim((C("S1", 164, 164, "quanh 0,1 tương tự như Model 3", "around 0.1, like Model 3"),),
          "7 hidden layers (Model 3): training accuracy about 0.1 after 300 epochs (± 0.05)",
          About("baseline", TRAIN_ACC, 0.1, 0.05)),
    # --- the remedies on Model 3 ----------------------------------------------------------------
    Claim((C("S1", 206, 209, "ta cần tăng std (tương đương tăng variance) trong một mức độ phù hợp",
             "we must raise the std (the variance) to a suitable degree"),
           C("S2", 338, 338, "khởi tạo trọng số ban đầu với các giá trị lớn hơn nhằm tăng giá trị gradient",
             "initialize with larger weights to raise the gradient")),
          "weights N(0, 1), a raised std, help (std1 vs baseline); neither source claims a result "
          "for N(0, 10)", Compare("std1")),
    Claim((C("S1", 225, 226, "gradient của các hidden layer đầu nhận được sẽ lớn hơn so với Sigmoid",
             "the first hidden layers receive a larger gradient than with sigmoid"),),
          "ReLU: the first hidden layer's gradient is larger than with sigmoid",
          Compare("relu", metric=FIRST_GRAD)),
    Claim((C("S1", 225, 226, "gradient của các hidden layer đầu nhận được sẽ lớn hơn so với Sigmoid",
             "the first hidden layers receive a larger gradient than with sigmoid"),),
          "tanh: the first hidden layer's gradient is larger than with sigmoid",
          Compare("tanh", metric=FIRST_GRAD)),
    Claim((C("S1", 231, 231, "Sử dụng ReLU giúp giảm thiểu được vấn đề gradient vanishing",
             "using ReLU helps reduce the vanishing-gradient problem"),
           C("S3", 35, 35, "điều này giúp giảm thiểu vấn đề vanishing gradient",
             "this helps reduce the vanishing gradient")),
          "ReLU helps (relu vs baseline)", Compare("relu")),
    Claim((C("S1", 221, 222, "derivative của nó tốt hơn so với sigmoid ví dụ Tanh function",
             "an activation whose derivative is better than sigmoid's, e.g. tanh"),),
          "tanh helps (tanh vs baseline)", Compare("tanh")),
    Claim((C("S1", 238, 239, "Adam optimizer để thử nghiệm giảm thiểu vấn đề của vanishing",
             "Adam, to try to reduce the vanishing problem"),
           C("S5", 545, 545, "Optimizer:** Adam", "(Better Optimizer slide) optimizer: Adam")),
          "Adam helps (adam vs baseline)", Compare("adam")),
    Claim((C("S5", 591, 591, "$\\alpha = 0.001$ ,  $\\beta_1 = 0.9$ ,  $\\beta_2 = 0.999$  and  $\\epsilon = 10^{-8}$",
             "Adam's default settings (Kingma & Ba's Algorithm 1)"),),
          "our adam case runs Adam's default settings", Computed(K.adam_defaults, "our adam case's optimizer")),
    Claim((C("S1", 435, 436, "thay đổi optimizer tốt hơn cho việc giảm thiểu vấn đề vanishing",
             "switch to a better optimizer to reduce vanishing"),
           C("S1", 444, 444, "RMSProp (torch.optim.RMSProp)", "RMSProp (torch.optim.RMSProp)")),
          "RMSprop helps (rmsprop vs baseline)", Compare("rmsprop")),
    Claim((C("S5", 553, 553, "SGD với momentum", "(Better Optimizer slide) SGD with momentum"),),
          "momentum helps (sgd_momentum vs baseline)", Compare("sgd_momentum")),
    Claim((C("S1", 266, 266, "Sử dụng BatchNorm layer giúp giảm thiểu được vấn đề gradient",
             "using a BatchNorm layer helps reduce the gradient [vanishing] problem"),),
          "BatchNorm1d between Linear and sigmoid helps (batchnorm vs baseline)", Compare("batchnorm")),
    Claim((C("S3", 37, 37, "Giúp chuẩn hóa đầu ra của các lớp để giữ cho gradient không bị quá nhỏ",
             "normalizes the layers' outputs so the gradient does not get too small"),),
          "BatchNorm: the first hidden layer's gradient is larger than without it",
          Compare("batchnorm", metric=FIRST_GRAD)),
    Claim((C("S5", 695, 695, "giữ hoạt động trong range màu xanh  $[-4,4]$  nơi có đạo hàm mạnh",
             "keeps activity in the [−4, 4] range where the derivative is strong"),),
          "BatchNorm keeps fewer sigmoid units saturated than the baseline (records count |z| > 4.6, "
          "σ beyond 0.99 of its range, not S5's 4)",
          Compare("batchnorm", metric=SATURATED, side=-1, note=SATURATION_NOTE)),
    Claim((C("S1", 533, 534, "MyNormalization() một hàm tuỳ chỉnh với mục đích cung cấp một giải pháp hiệu quả",
             "MyNormalization(), a custom function meant as an effective solution"),),
          "MyNormalization helps (mynorm vs baseline)", Compare("mynorm")),
    Claim((C("S2", 568, 570, "mean = torch.mean(x) std = torch.std(x) return (x - mean) / std",
             "whole-tensor mean and (unbiased) std, no epsilon"),),
          "MyNormalization is (x − mean) / std over the whole tensor, unbiased, no ε",
          Computed(K.mynorm, "our layer against the formula, torch autograd")),
    Claim((C("S1", 280, 281, "Phương pháp này có thể giúp khắc phục được vấn đề vanishing",
             "this method can help overcome the vanishing problem"),
           C("S1", 503, 504, "từ hidden layer 1 qua hai hidden layer 2 và hidden layer 3",
             "from hidden layer 1 over hidden layers 2 and 3")),
          "the article's skip h1 → h3 helps (skip_article vs baseline)", Compare("skip_article")),
    Claim((C("S2", 575, 575, "giúp gradient có thể lan truyền trực tiếp qua các lớp mà không bị triệt tiêu",
             "lets the gradient flow straight through the layers without vanishing"),),
          "the course's skips h1 → h3, h4 → h7 help (skip vs baseline)", Compare("skip")),
    Claim((C("S5", 731, 731, "\\left( \\frac{\\partial F}{\\partial x} + 1 \\right)", "∂L/∂x = ∂L/∂H (∂F/∂x + 1)"),),
          "a skip connection adds 1 to the local derivative", Computed(K.skip_gradient)),
    Claim((C("S1", 308, 308, "Sử dụng chiến thuật train từng nhóm layer nhỏ giúp giảm thiểu được",
             "training small groups of layers in turn helps reduce [vanishing]"),
           C("S1", 312, 312, "Train sub model 1 với 100 epoch", "train sub-model 1 for 100 epochs")),
          "the article's layer-wise training at its own budget (6 × 100 + 300 epochs) helps",
          Compare("layerwise_paper_full", against_profile="paper300", note=FULL_NOTE)),
    Claim((C("S2", 653, 653, "Bằng cách chỉ huấn luyện một số lớp cụ thể, mô hình có thể tập trung",
             "by training only some layers the model can focus [on learning]"),),
          "the course's 4 layer-wise stages at its own budget (4 × 100 epochs) help",
          Compare("layerwise_greedy_full", against_profile="paper300", note=FULL_NOTE)),
    Claim((C("S2", 804, 804, "giúp cải thiện quá trình học của các lớp sâu hơn trong mạng",
             "helps improve the learning of the network's deeper layers"),),
          "gradient normalization after each sigmoid (the solution notebooks' placement) helps",
          Compare("grad_norm")),
    Claim((C("S2", 844, 844, "sử dụng lớp GradientNormalizationLayer sau các lớp Linear",
             "use the GradientNormalizationLayer after the Linear layers"),),
          "gradient normalization after each Linear, N(0, 0.05) init (the text's placement) helps",
          Compare("grad_norm_pre")),
    Claim((C("S2", 844, 844, "sử dụng lớp GradientNormalizationLayer sau các lớp Linear",
             "use the GradientNormalizationLayer after the Linear layers"),),
          "the same with PyTorch's default init (the text names no init) helps",
          Compare("grad_norm_pre_default", against="baseline_default")),
    # --- S3: gated recurrent units over 196 steps ---------------------------------------------
    Claim((C("S3", 39, 39, "được thiết kế đặc biệt để giải quyết vấn đề vanishing gradient",
             "designed specifically to solve the vanishing gradient"),),
          "LSTM keeps more gradient through 196 steps than a plain RNN",
          Compare("lstm_long", "rnn_long", THROUGH_TIME)),
    Claim((C("S3", 39, 39, "được thiết kế đặc biệt để giải quyết vấn đề vanishing gradient",
             "designed specifically to solve the vanishing gradient"),),
          "GRU keeps more gradient through 196 steps than a plain RNN",
          Compare("gru_long", "rnn_long", THROUGH_TIME)),
    Claim((C("S3", 39, 39, "liên quan đến chuỗi thời gian", "in time-series [sequence] learning"),),
          "LSTM over 196 steps beats a plain RNN (lstm_long vs rnn_long)", Compare("lstm_long", "rnn_long")),
    Claim((C("S3", 39, 39, "liên quan đến chuỗi thời gian", "in time-series [sequence] learning"),),
          "GRU over 196 steps beats a plain RNN (gru_long vs rnn_long)", Compare("gru_long", "rnn_long")),
    # --- S4: worked numbers ---------------------------------------------------------------------
    Claim((C("S4", 23, 25, "Đây là giá trị lớn nhất mà đạo hàm Sigmoid có thể đạt được",
             "this is the largest value the sigmoid's derivative can reach"),),
          "σ'(0) = 0.25 is the sigmoid's maximum", Computed(K.derivatives)),
    Claim((C("S4", 28, 29, "\\sigma'(-5) \\approx 0.0067 \\times (1 - 0.0067) \\approx 0.0066",
             "σ'(−5) ≈ 0.0066 (and σ'(5) ≈ 0.0069)"),),
          "σ'(±5) ≈ 0.0066–0.0069", Computed(K.sigmoid_tails)),
    Claim((C("S4", 94, 95, "\\tanh'(3) \\approx 1 - 0.995^2 \\approx 0.010", "tanh'(3) ≈ 0.010 (tanh'(2) ≈ 0.071)"),),
          "tanh'(0) = 1, tanh'(2) ≈ 0.071, tanh'(3) ≈ 0.010", Computed(K.tanh)),
    Claim((C("S4", 76, 76, "\\Delta w_1 = 0.00001 \\times 0.01 = 0.0000001",
             "the first layer's update is 1e-5 × 0.01 = 1e-7"),),
          "5 layers of derivative 0.1 shrink a gradient to 1e-5; lr 0.01 updates by 1e-7", Computed(K.chain)),
    Claim((C("S4", 236, 236, "L = -\\log(p_1) = -\\log(0.467) = 0.761", "loss = −log 0.467 = 0.761"),),
          "dying ReLU example: h = [1.372, −1.69], softmax [0.467, 0.355, 0.178], loss 0.761",
          Computed(K.dying_forward)),
    Claim((C("S4", 274, 274, "Gradient của node $h_2$ bằng 0", "the gradient of node h₂ is 0"),),
          "dying ReLU example: 0.302 reaches the dead unit, yet its weight gradient is 0",
          Computed(K.dying_backward)),
    Claim((C("S4", 117, 117, "có đạo hàm luôn dương nhưng không bằng 0", "its derivative is always positive, never 0"),
           C("S4", 126, 126, "ELU có đạo hàm âm nhỏ khi $x < 0$", "ELU has a small [non-zero] derivative for x < 0")),
          "softplus and ELU keep a non-zero derivative for negative inputs", Computed(K.negative_side)),
    Claim((C("S4", 580, 580, "nhận cùng gradient (0.0), khiến chúng không thể phân biệt",
             "receive the same gradient (0.0), so they cannot differentiate"),),
          "zero initialization leaves hidden units symmetric (our zero-init MLP, 3 SGD steps)",
          Computed(K.zero_init, "our zero-init model, torch autograd")),
    Claim((C("S4", 574, 578, "Tất cả gradient đều bằng 0 cho tất cả samples",
             "every gradient is 0 for every sample"),),
          "S4's zero-initialized 2-unit ReLU MLP: uniform softmax, every weight gradient 0",
          Computed(K.zero_init_relu_mlp)),
    Claim((C("S4", 358, 359, "w_1 = 0 - 0.01 \\times (-10.0) = 0.1", "w₁ = 0 − 0.01 × (−10) = 0.1"),
           C("S4", 397, 397, "w_1 = 0 - 0.01 \\times (-0.75) = 0.0075", "w₁ = 0 − 0.01 × (−0.75) = 0.0075")),
          "zero-initialized linear and logistic regressions still move after one step",
          Computed(K.zero_init_regressions)),
    # --- S5: slides -------------------------------------------------------------------------------
    Claim((C("S5", 375, 375, "0,25^7 \\approx 6.10^{-5}", "0.25⁷ ≈ 6·10⁻⁵"),),
          "7 sigmoid layers at the derivative's maximum shrink a gradient to about 6e-5",
          Computed(K.sigmoid_chain)),
    Claim((C("S5", 103, 103, "chỉ 7 layers =  $10^7$", "only 7 layers give 10⁷"),
           C("S5", 155, 155, "chỉ 7 layers =  $0.1^7$", "only 7 layers give 0.1⁷")),
          "a 7-layer linear chain of weights 10 gives 1e7, of 0.1 gives 1e-7", Computed(K.linear_chain)),
    Claim((C("S5", 132, 132, "loss là NaN, loss rất lớn và không có dấu hiệu giảm",
             "the loss is NaN, or very large and not decreasing"),),
          "exploding gradients give NaN or huge losses (relu_std1: ReLU, N(0, 1))", Explodes("relu_std1")),
    Claim((C("S5", 1013, 1013, "The derivative of both functions differs by a constant equal to  $\\beta$",
             "the two derivatives differ by the constant β"),),
          "Roodschild's boosted sigmoid: backward is σ' + β exactly (β = 0.05)", Computed(K.boost_derivative)),
    Claim((C("S5", 999, 999, "A new approach for the vanishing gradient problem on sigmoid activation",
             "(listed under Other Methods)"),),
          "Roodschild's sigmoid, derivative + 0.05, helps (sigmoid_boost vs baseline)", Compare("sigmoid_boost")),
    Claim((C("S5", 1091, 1091, "Vanishing Gradient Analysis in Stochastic Diagonal Approximate Greatest Descent",
             "(listed under Other Methods)"),),
          "SDAGD helps at 7 hidden layers, against plain SGD at its own step size 0.1 (sdagd vs sgd_lr0.1)",
          Compare("sdagd", "sgd_lr0.1")),
]
# fmt: on


def group(records: list[dict]) -> Groups:
    """Records by case id, every case kept (cases outside REMEDIES too), seeds in order."""
    out: Groups = {}
    for r in sorted(records, key=lambda r: r["seed"]):
        out.setdefault(r["case"], []).append(r)
    return out


def reproduction(
    records: list[dict], claims: list[Claim] | None = None, supplement: list[dict] = ()
) -> list[ClaimRow]:
    """One row per claim: what we ran, our numbers, the difference, the verdict and why.

    `supplement`: runs of another profile (paper300) read by the claims at the article's 300
    epochs and by the budget-matched comparisons.
    """
    groups, extra = group(records), group(list(supplement))
    rows = []
    for c in CLAIMS if claims is None else claims:
        o = c.check(groups, extra)
        rows.append(ClaimRow(c.source, c.cites, c.text, o.protocol, o.measured, o.difference,
                             o.verdict, o.reason, o.seeds))  # fmt: skip
    return rows
