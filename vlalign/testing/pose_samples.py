"""Seeded synthetic COCO-17 pose samples for benchmarks (not a dataset)."""
from typing import Dict

import numpy as np

# A standing COCO-17 person, (x, y) in units of body height, origin at the
# hip centre, y down.
_REST = np.array([
    [0.00, -0.88], [-0.03, -0.91], [0.03, -0.91], [-0.07, -0.89],
    [0.07, -0.89], [-0.13, -0.72], [0.13, -0.72], [-0.17, -0.47],
    [0.17, -0.47], [-0.19, -0.22], [0.19, -0.22], [-0.09, 0.0],
    [0.09, 0.0], [-0.10, 0.27], [0.10, 0.27], [-0.10, 0.53],
    [0.10, 0.53]], dtype=np.float64)


def walking_people_sample(rng: np.random.Generator, num_frames: int) -> Dict:
    """One raw sample: 1-2 persons moving across a 480x640 frame.

    Args:
        rng (np.random.Generator): Random source.
        num_frames (int): T.

    Returns:
        dict: ``keypoint`` [M, T, 17, 2] float32, ``keypoint_score``
        [M, T, 17] float32, ``img_shape`` (480, 640), ``total_frames``.
    """
    num_person = int(rng.integers(1, 3))
    t = np.arange(num_frames)[:, None]
    kps, scores = [], []
    for _ in range(num_person):
        height = rng.uniform(180, 320)
        phase = rng.uniform(0, 2 * np.pi)
        freq = rng.uniform(0.1, 0.3)
        pose = np.repeat(_REST[None], num_frames, 0)  # [T, 17, 2]
        swing = np.sin(freq * t + phase)  # [T, 1]
        # Arms swing and one hand waves; legs stride.
        pose[:, [7, 9], 0] += 0.10 * swing
        pose[:, [8, 10], 0] -= 0.10 * swing
        pose[:, 10, 1] -= 0.25 * (swing[:, 0] > 0) * swing[:, 0]
        pose[:, [13, 15], 0] += 0.12 * swing
        pose[:, [14, 16], 0] -= 0.12 * swing
        pose += rng.normal(0, 0.01, pose.shape)
        centre = np.array([rng.uniform(150, 490), rng.uniform(200, 300)])
        velocity = rng.uniform(-2, 2, 2)
        xy = pose * height + centre + velocity * t[:, :, None]
        kps.append(xy)
        score = rng.uniform(0.3, 1.0, (num_frames, 17))
        score[rng.random(score.shape) < 0.05] = 0  # missed detections
        scores.append(score)
    return dict(keypoint=np.stack(kps).astype(np.float32),
                keypoint_score=np.stack(scores).astype(np.float32),
                img_shape=(480, 640), total_frames=num_frames,
                start_index=0, modality='Pose')
