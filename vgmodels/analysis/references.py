"""The report's references, numbered in one fixed order, and the [n] citations the text uses."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list: a short key the code cites by, the entry, a link."""

    key: str
    text: str
    url: str = ""


REFERENCES = [
    Reference(
        "S1",
        "JST-HaUI journal article (2023), “The problem of vanishing gradients…”: "
        "Models 1–3 (3, 5 and 7 hidden sigmoid layers) and six remedies on Fashion-MNIST. "
        "Source S1 of this suite.",
    ),
    Reference(
        "S2",
        "AI VIET NAM (2024), course project “Vanishing Gradient”: the training "
        "protocol, the baseline and the remedy notebooks reproduced here. Source S2.",
    ),
    Reference(
        "S3",
        "Glossary note on vanishing gradients: causes (sigmoid and tanh derivatives, "
        "depth) and remedies (ReLU, BatchNorm, LSTM/GRU). Source S3.",
    ),
    Reference(
        "S4",
        "Blog post with worked numbers on the sigmoid's and tanh's derivatives, the "
        "dying ReLU and zero initialization. Source S4.",
    ),
    Reference(
        "S5",
        "Lecture slides on vanishing and exploding gradients and their remedies "
        "(clipping, momentum, Adam, BatchNorm, skip connections, layer-wise training). "
        "Source S5.",
    ),
    Reference(
        "roodschild",
        "M. Roodschild, J. Gotay Sardiñas and A. Will (2020). A new approach "
        "for the vanishing gradient problem on sigmoid activation. Progress in Artificial "
        "Intelligence 9(4), 351–360.",
        "https://doi.org/10.1007/s13748-020-00218-y",
    ),
    Reference(
        "glorot",
        "X. Glorot and Y. Bengio (2010). Understanding the difficulty of training "
        "deep feedforward neural networks. AISTATS 2010, PMLR 9, 249–256.",
        "https://proceedings.mlr.press/v9/glorot10a.html",
    ),
    Reference(
        "he",
        "K. He, X. Zhang, S. Ren and J. Sun (2015). Delving deep into rectifiers: "
        "surpassing human-level performance on ImageNet classification. ICCV 2015, "
        "1026–1034.",
        "https://arxiv.org/abs/1502.01852",
    ),
    Reference(
        "ioffe",
        "S. Ioffe and C. Szegedy (2015). Batch normalization: accelerating deep "
        "network training by reducing internal covariate shift. ICML 2015, PMLR 37, "
        "448–456.",
        "https://arxiv.org/abs/1502.03167",
    ),
    Reference(
        "kingma",
        "D. P. Kingma and J. Ba (2015). Adam: a method for stochastic optimization. ICLR 2015.",
        "https://arxiv.org/abs/1412.6980",
    ),
    Reference(
        "xiao",
        "H. Xiao, K. Rasul and R. Vollgraf (2017). Fashion-MNIST: a novel image "
        "dataset for benchmarking machine learning algorithms. arXiv:1708.07747.",
        "https://arxiv.org/abs/1708.07747",
    ),
    Reference(
        "mlp8833",
        "Fashion-MNIST repository, README, “Benchmark” table: the row "
        "“MLP 256-128-100, no preprocessing, 0.8833 test accuracy”, submitted by a user "
        "(@heitorrapela, code at github.com/heitorrapela/fashion-mnist-mlp); a community "
        "entry whose training protocol the table does not state, not a peer-reviewed result.",
        "https://github.com/zalandoresearch/fashion-mnist#benchmark",
    ),
    Reference(
        "tan",
        "H. H. Tan and K. H. Lim (2020). Vanishing gradient analysis in stochastic "
        "diagonal approximate greatest descent optimization. Journal of Information Science "
        "and Engineering 36(5), 1007–1019.",
    ),
    Reference(
        "schoenholz",
        "S. S. Schoenholz, J. Gilmer, S. Ganguli and J. Sohl-Dickstein "
        "(2017). Deep information propagation. ICLR 2017.",
        "https://arxiv.org/abs/1611.01232",
    ),
    Reference(
        "lstm",
        "S. Hochreiter and J. Schmidhuber (1997). Long short-term memory. Neural "
        "Computation 9(8), 1735–1780.",
        "https://doi.org/10.1162/neco.1997.9.8.1735",
    ),
    Reference(
        "gru",
        "K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, "
        "H. Schwenk and Y. Bengio (2014). Learning phrase representations using RNN "
        "encoder–decoder for statistical machine translation. EMNLP 2014, 1724–1734.",
        "https://arxiv.org/abs/1406.1078",
    ),
    # beyond the sources: the remedies after 2016 ("Beyond the sources" section)
    Reference(
        "pennington",
        "J. Pennington, S. S. Schoenholz and S. Ganguli (2017). Resurrecting the sigmoid in "
        "deep learning through dynamical isometry: theory and practice. NeurIPS 2017.",
        "https://arxiv.org/abs/1711.04735",
    ),
    Reference(
        "xiao_cnn",
        "L. Xiao, Y. Bahri, J. Sohl-Dickstein, S. S. Schoenholz and J. Pennington (2018). "
        "Dynamical isometry and a mean field theory of CNNs: how to train 10,000-layer vanilla "
        "convolutional neural networks. ICML 2018, PMLR 80.",
        "https://arxiv.org/abs/1806.05393",
    ),
    Reference(
        "bachlechner",
        "T. Bachlechner, B. P. Majumder, H. H. Mao, G. W. Cottrell and J. McAuley (2020). "
        "ReZero is all you need: fast convergence at large depth. arXiv:2003.04887.",
        "https://arxiv.org/abs/2003.04887",
    ),
    Reference(
        "de_smith",
        "S. De and S. L. Smith (2020). Batch normalization biases residual blocks towards the "
        "identity function in deep networks (SkipInit). NeurIPS 2020.",
        "https://arxiv.org/abs/2002.10444",
    ),
    Reference(
        "klambauer",
        "G. Klambauer, T. Unterthiner, A. Mayr and S. Hochreiter (2017). Self-normalizing "
        "neural networks. NeurIPS 2017.",
        "https://arxiv.org/abs/1706.02515",
    ),
    Reference(
        "mishkin",
        "D. Mishkin and J. Matas (2016). All you need is a good init. ICLR 2016.",
        "https://arxiv.org/abs/1511.06422",
    ),
]
NUMBER = {r.key: i for i, r in enumerate(REFERENCES, 1)}


def cite(*keys: str) -> str:
    """'[3]' or '[3, 7]': the numbers of the given references, as the text writes them."""
    return "[" + ", ".join(str(NUMBER[k]) for k in keys) + "]"


_CITATION = re.compile(r"\[(\d+(?:, \d+)*)\]")


def link_citations(text) -> Markup:
    """HTML-escaped text whose [n] citations link to the reference list (a Jinja filter)."""

    def anchor(m: re.Match) -> str:
        nums = m.group(1).split(", ")
        if not all(1 <= int(n) <= len(REFERENCES) for n in nums):
            return m.group(0)
        links = ", ".join(f'<a href="#ref-{n}">{n}</a>' for n in nums)
        return f'<span class="cite">[{links}]</span>'

    return Markup(_CITATION.sub(anchor, str(escape(text))))
