"""The training of one run: trainer, loop, probes, record, schedules, FLOPs, stacked seeds, CUDA graphs."""
