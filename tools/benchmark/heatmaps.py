"""Time FastGeneratePoseTarget against mmaction2's GeneratePoseTarget.

Generates seeded COCO-17 skeletons (48 frames, 1-2 walking and waving
persons in a 480x640 frame), brings them to 56x56 and 64x64 with
PoseCompact + Resize as a PoseC3D pipeline does, then runs both transforms on
identical copies for three option sets (joints; limbs; joints + limbs with
``double``) and prints JSON: milliseconds per sample for each, the speedup
and the largest absolute difference of their heatmaps.

Example:
    python tools/benchmark/heatmaps.py --num-samples 200 --out heatmaps.json
"""
import argparse
import copy
import json
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import numpy as np

# Runnable from a checkout without installing vlalign.
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from vlalign.testing.pose_samples import walking_people_sample  # noqa: E402

OPTION_SETS = {
    'joints': dict(with_kp=True, with_limb=False),
    'limbs': dict(with_kp=False, with_limb=True),
    'joints+limbs+double': dict(with_kp=True, with_limb=True, double=True),
}
SIZES = (56, 64)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``sys.argv[1:]`` if ``argv`` is None)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--num-samples', type=int, default=200,
                        help='generated samples (default: 200)')
    parser.add_argument('--frames', type=int, default=48,
                        help='frames per sample (default: 48)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--timer', choices=('cpu', 'wall'), default='cpu',
                        help="'cpu': this process's CPU time (default; steady "
                        "on a shared machine), 'wall': elapsed time")
    parser.add_argument('--out', help='also write the JSON to this file')
    return parser.parse_args(argv)


def prepare(samples: List[Dict], size: int) -> List[Dict]:
    """PoseCompact + Resize to ``size x size``, as in PoseC3D pipelines."""
    from mmaction.datasets.transforms import PoseCompact, Resize
    compact = PoseCompact(hw_ratio=1., allow_imgpad=True)
    resize = Resize(scale=(size, size), keep_ratio=False)
    return [resize(compact(copy.deepcopy(s))) for s in samples]


def compare(upstream, fast, samples: List[Dict], timer=time.process_time
            ) -> Dict:
    """Run both transforms on copies of each sample (copying is not timed).

    Each sample's heatmaps are compared and dropped at once, so memory stays
    flat (a joints+limbs+double output is ~50 MB) and both transforms see
    the allocator in the same steady state; the order alternates so neither
    always runs on a warmer cache.

    Args:
        upstream: mmaction2's transform.
        fast: vlalign's transform.
        samples (list[dict]): Inputs, not modified.
        timer (callable): Clock in seconds.

    Returns:
        dict: ``upstream_s``, ``fast_s`` (seconds in total) and
        ``max_abs_diff``.
    """
    spent = {'upstream': 0., 'fast': 0.}
    diff = 0.
    for i, sample in enumerate(samples):
        order = [('upstream', upstream), ('fast', fast)]
        outs = {}
        for name, transform in order if i % 2 == 0 else order[::-1]:
            inp = copy.deepcopy(sample)
            tic = timer()
            outs[name] = transform(inp)['imgs']
            spent[name] += timer() - tic
        diff = max(diff, float(np.abs(outs['upstream'] - outs['fast']).max()))
        del outs
    return dict(upstream_s=spent['upstream'], fast_s=spent['fast'],
                max_abs_diff=diff)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    from mmaction.datasets.transforms import GeneratePoseTarget

    from vlalign.datasets.transforms.fast_pose_target import \
        FastGeneratePoseTarget

    timer = time.process_time if args.timer == 'cpu' else time.perf_counter
    rng = np.random.default_rng(args.seed)
    raw = [walking_people_sample(rng, args.frames) for _ in range(args.num_samples)]
    results = []
    for size in SIZES:
        samples = prepare(raw, size)
        for name, opts in OPTION_SETS.items():
            res = compare(GeneratePoseTarget(**opts),
                          FastGeneratePoseTarget(**opts), samples, timer)
            n = len(samples)
            results.append(dict(
                size=f'{size}x{size}', options=name,
                upstream_ms_per_sample=round(1e3 * res['upstream_s'] / n, 3),
                fast_ms_per_sample=round(1e3 * res['fast_s'] / n, 3),
                speedup=round(res['upstream_s'] / res['fast_s'], 2),
                max_abs_diff=res['max_abs_diff']))
    report = dict(num_samples=args.num_samples, frames=args.frames,
                  joints=17, timer=args.timer, results=results)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    speedups = [r['speedup'] for r in results]
    print(f'summary: speedup min {min(speedups):.1f}x, max '
          f'{max(speedups):.1f}x over {len(results)} cases; max abs diff '
          f'{max(r["max_abs_diff"] for r in results):.2e}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
