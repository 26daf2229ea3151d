"""vgmodels: remedies for vanishing gradients in deep MLPs on Fashion-MNIST, measured and ranked."""

__version__ = "0.1.0"
