"""Zero-shot accuracy of any checkpoint on any label list.

    python tools/zeroshot.py CONFIG CHECKPOINT --labels LABELS.txt \\
        [--split UNSEEN.txt] [--prompts person] [--descriptions F|SOURCE ...] \\
        [--calibrate-on CALIBRATION_JSON | --gamma G] [--out metrics.json]

Prints a table (ZSL top-1/top-5 over the unseen classes, GZSL seen, unseen
and harmonic mean over all classes, calibrated figures with
``--calibrate-on``, a record of tools/benchmark_zeroshot.py that is refused
if it used this evaluation's unseen classes or test samples, or ``--gamma``)
and writes JSON with ``--out``. Distributed: ``tools/dist_test.sh CONFIG
CHECKPOINT N --labels ...`` runs the same evaluation on N processes.
"""
import os.path as osp
import runpy
import sys

if __name__ == '__main__':
    # tools/test.py with --labels required; run by path, since `test` is
    # also the name of a standard-library package.
    test_main = runpy.run_path(osp.join(osp.dirname(__file__), 'test.py'),
                               run_name='vlalign_tools_test')['main']
    sys.exit(test_main(require_labels=True))
