"""The worker process of the local multi-process runner: Beam's SDK harness (``sdk_worker_main``) with the
launcher's cache of DoFn state/timer look-ups (``pipeline/dofn_specs.py``) installed first.

Each worker builds the operations of every stage it runs, and Beam inspects every DoFn's methods again for each
(~1.6 ms a look-up, ~200 ParDos). ``make_runner`` starts ``python -m pipeline.sdk_worker`` where it started
``python -m apache_beam.runners.worker.sdk_worker_main``; the harness itself is Beam's, unchanged.
"""

from __future__ import annotations

import sys

from apache_beam.runners.worker import sdk_worker_main

from pipeline import dofn_specs


def main() -> None:
    dofn_specs.install()
    sdk_worker_main.main(sys.argv)


if __name__ == "__main__":
    main()
