"""Zero-shot evaluation cost as the label set grows: Visece and PACL.

For each recognizer and each label-set size (60, 120, 400, 1000 by default)
a fresh process builds the model from its config (the CPU recipes: ST-GCN++
and the real all-MiniLM-L6-v2, offline), sets that many generated class names
("<verb> <object>") and scores ``--num-clips`` random clips against all of
them, as ``tools/zeroshot.py`` does. It reports the time to encode the class
texts, the time to score the clips, and the peak resident memory the
evaluation added over the built model (sampled every 2 ms). PACL scores every
frame against every class; ``test_cfg.class_chunk_size`` bounds that memory,
and ``--unchunked`` also measures PACL with all classes at once for contrast.

Example:
    python tools/benchmark/zeroshot_scaling.py --out zs_scaling.json
"""
import argparse
import itertools
import json
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

# Runnable from a checkout without installing vlalign.
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

CONFIGS = {
    'visece': 'configs/visece/visece_stgcnpp-minilm_1xb32-u32-30e_'
              'penn-action-joint.py',
    'pacl': 'configs/pacl/pacl_stgcnpp-minilm_1xb32-u32-30e_'
            'penn-action-joint.py',
}
_VERBS = ('open', 'close', 'lift', 'push', 'pull', 'throw', 'catch', 'kick',
          'carry', 'drop', 'wave', 'point at', 'clap', 'turn', 'shake',
          'fold', 'pour', 'wipe', 'sweep', 'climb', 'jump over', 'crawl under',
          'roll', 'spin', 'hold', 'swing', 'stack', 'hang', 'tear', 'squeeze',
          'step on', 'lean on', 'sit on', 'stand on', 'walk around',
          'run towards', 'hit', 'pat', 'rub', 'balance')
_OBJECTS = ('a door', 'a box', 'a ball', 'a chair', 'a rope', 'a bag', 'a cup',
            'a towel', 'a ladder', 'a broom', 'a bottle', 'a book', 'a table',
            'a bench', 'a stick', 'a racket', 'a bucket', 'a blanket',
            'a pillow', 'a hat', 'a shoe', 'a jacket', 'a phone', 'a window',
            'a drawer', 'a plate', 'a basket', 'a hammer', 'a kettle', 'a fence')


def class_names(num: int) -> List[str]:
    """``num`` distinct generated action names (at most 1200)."""
    names = [f'{v} {o}' for v, o in itertools.product(_VERBS, _OBJECTS)]
    if num > len(names):
        raise ValueError(f'at most {len(names)} generated names')
    return names[:num]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``sys.argv[1:]`` if ``argv`` is None)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', nargs='+', default=list(CONFIGS),
                        choices=list(CONFIGS))
    parser.add_argument('--num-classes', type=int, nargs='+',
                        default=[60, 120, 400, 1000])
    parser.add_argument('--num-clips', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--repeats', type=int, default=3,
                        help='runs per measurement; the fastest is reported')
    parser.add_argument('--unchunked', action='store_true',
                        help='also run PACL with class_chunk_size=None')
    parser.add_argument('--out', help='also write the JSON to this file')
    parser.add_argument('--worker', nargs=3, metavar=('MODEL', 'L', 'CHUNK'),
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _rss_mb() -> float:
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


class PeakRSS:
    """Highest resident set size (MB) seen while the ``with`` block runs."""

    def __enter__(self) -> 'PeakRSS':
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb())
            time.sleep(0.002)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def measure(model_name: str, num_classes: int, chunk: Optional[int],
            num_clips: int, batch_size: int, repeats: int = 1) -> Dict:
    """One measurement, in this process (run by ``--worker``)."""
    import torch
    from mmengine import Config

    from vlalign.registry import MODELS
    from vlalign.testing import demo_data_samples, demo_inputs
    from vlalign.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIGS[model_name]))
    if model_name == 'pacl':
        cfg.model.setdefault('test_cfg', {})['class_chunk_size'] = chunk
    model = MODELS.build(cfg.model).eval()
    names = class_names(num_classes)
    batches = []
    for i in range(0, num_clips, batch_size):
        n = min(batch_size, num_clips - i)
        batches.append(dict(inputs=list(demo_inputs(cfg.model, batch_size=n,
                                                    num_frames=32)),
                            data_samples=demo_data_samples([0] * n)))
    score_s = float('inf')
    with torch.no_grad():
        model.text_encoder(['warm up the encoder'])  # lazy init, not timed
    with torch.no_grad(), PeakRSS() as mem:
        # Class texts are encoded once per evaluation run (a frozen encoder
        # also memoises them), so they are timed once, cold.
        tic = time.perf_counter()
        model.set_class_texts(names)
        model.class_embeddings()
        text_s = time.perf_counter() - tic
        # Scoring: the fastest of ``repeats`` runs, the least disturbed by
        # other jobs on the machine.
        for _ in range(repeats):
            tic = time.perf_counter()
            for batch in batches:
                out = model.test_step(batch)
            score_s = min(score_s, time.perf_counter() - tic)
    assert out[0].pred_score.shape == (num_classes, )
    return dict(model=model_name, num_classes=num_classes,
                class_chunk_size=chunk if model_name == 'pacl' else None,
                text_s=round(text_s, 3), score_s=round(score_s, 3),
                total_s=round(text_s + score_s, 3),
                ms_per_clip_and_class=round(
                    1e3 * score_s / (num_clips * num_classes), 5),
                peak_added_mb=round(mem.peak - mem.start, 1))


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    if args.worker:
        model, num, chunk = args.worker
        row = measure(model, int(num), None if chunk == 'none' else int(chunk),
                      args.num_clips, args.batch_size, args.repeats)
        print(json.dumps(row))
        return row
    runs = []
    for model in args.models:
        chunks = ['64']
        if model == 'pacl' and args.unchunked:
            chunks.append('none')
        runs += [(model, num, c) for c in chunks for num in args.num_classes]
    rows = []
    for i, (model, num, chunk) in enumerate(runs):
        print(f'[{i + 1}/{len(runs)}] {model}, {num} classes'
              + (f', class_chunk_size={chunk}' if model == 'pacl' else ''),
              file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, __file__, '--worker', model, str(num), chunk,
             '--num-clips', str(args.num_clips),
             '--batch-size', str(args.batch_size),
             '--repeats', str(args.repeats)],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        if proc.returncode != 0:
            sys.exit(f'measurement {model}/{num} failed:\n{proc.stderr[-3000:]}')
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    report = dict(setup=dict(num_clips=args.num_clips,
                             batch_size=args.batch_size,
                             repeats=args.repeats,
                             configs=CONFIGS), results=rows)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    print(_table(rows), file=sys.stderr)
    return report


def _table(rows: List[Dict]) -> str:
    lines = ['| model | classes | chunk | text s | score s | total s | '
             'peak added MB |', '|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['num_classes']} | "
            f"{r['class_chunk_size'] or '-'} | {r['text_s']} | "
            f"{r['score_s']} | {r['total_s']} | {r['peak_added_mb']} |")
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
