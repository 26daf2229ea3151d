"""`python -m vgmodels.sweep`: see `vgmodels.sweep.cli`."""

from vgmodels.sweep.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
