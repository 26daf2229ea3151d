"""A pytest plugin for test_resume: the bench suite it is loaded into (`-p
tests.runs.kill_at_first_record`) kills its own process group, Ray's workers included, with
SIGKILL the moment its first record is on disk. The kill lands between two records at a known
point, whatever the machine's speed; a poll from outside would race the next record."""

import os
import signal

from vgmodels.runs import queue

_save = queue.save


def _save_then_die(folder, record, name=None):
    path = _save(folder, record, name)
    os.killpg(os.getpgrp(), signal.SIGKILL)
    return path  # never reached


queue.save = _save_then_die
