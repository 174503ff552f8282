"""Synthetic 2D skeleton actions (COCO-17) for the embedded zero-shot demo.

Every action is a *verb* (a motion primitive) applied to a *body part* on a
*side*, e.g. ``raise`` + ``arm`` + ``left`` = "raise the left arm". The unseen
classes are new combinations of primitives that the seen classes cover: each
unseen verb and each unseen ``(part, side)`` occurs in some seen class, so a
model that aligns skeletons with the words of the class names can in principle
transfer to them.

A sample is produced in four steps:

1. a per-sample body (bone lengths, shoulder/hip width) in body units
   (standing height ~1), see :func:`_sample_body`;
2. per-frame joint angles: a neutral standing pose with slow idle sway plus
   the action's motion program (:data:`_MOTIONS`) over an active window
   between idle frames at the start and the end;
3. forward kinematics on a 2D kinematic tree whose bones may also turn
   towards the camera (``*_d`` angles, orthographic projection), so bones keep
   their 3D length; the lower ankle is kept on the ground;
4. a random similarity transform into the image plus Gaussian joint noise
   and detector-like keypoint scores.

Images use x to the right and y down; the person faces the camera, so the
person's left side (COCO ``left_*`` joints) appears on the image's right.
Samples are never mirrored: left and right are part of the labels.
"""
import dataclasses
import os
import pickle
import re
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from vlalign.utils.atomic_io import atomic_open

__all__ = [
    'COCO_KEYPOINTS', 'ActionSpec', 'ACTIONS', 'CLASSES', 'SEEN', 'UNSEEN',
    'DEFAULT_SAMPLES_PER_CLASS', 'get_action', 'generate_sequence',
    'generate_demo_dataset'
]

COCO_KEYPOINTS: Tuple[str, ...] = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
    'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
    'right_ankle')


@dataclasses.dataclass(frozen=True)
class ActionSpec:
    """One action class of the demo catalogue.

    Attributes:
        name (str): Class name, the text a model aligns with.
        verb (str): Motion primitive, a key of :data:`_MOTIONS`.
        part (str): Body part word of the name: ``'arm'``, ``'hand'``,
            ``'leg'``, ``'knee'``, ``'head'``, ``'torso'`` or ``'body'``.
        side (str): ``'left'``, ``'right'``, ``'both'`` or ``'none'`` (a
            midline part moving symmetrically).
    """

    name: str
    verb: str
    part: str
    side: str


#: The catalogue; its order defines the labels (line index of classes.txt).
ACTIONS: Tuple[ActionSpec, ...] = (
    ActionSpec('raise the left arm', 'raise', 'arm', 'left'),
    ActionSpec('raise the right arm', 'raise', 'arm', 'right'),
    ActionSpec('raise both arms', 'raise', 'arm', 'both'),
    ActionSpec('stretch the left arm sideways', 'stretch', 'arm', 'left'),
    ActionSpec('stretch the right arm sideways', 'stretch', 'arm', 'right'),
    ActionSpec('stretch both arms sideways', 'stretch', 'arm', 'both'),
    ActionSpec('wave the left hand', 'wave', 'hand', 'left'),
    ActionSpec('wave the right hand', 'wave', 'hand', 'right'),
    ActionSpec('wave both hands', 'wave', 'hand', 'both'),
    ActionSpec('punch with the left hand', 'punch', 'hand', 'left'),
    ActionSpec('clap both hands', 'clap', 'hand', 'both'),
    ActionSpec('kick with the left leg', 'kick', 'leg', 'left'),
    ActionSpec('kick with the right leg', 'kick', 'leg', 'right'),
    ActionSpec('raise the left leg sideways', 'raise', 'leg', 'left'),
    ActionSpec('raise the right leg sideways', 'raise', 'leg', 'right'),
    ActionSpec('lift the left knee', 'lift', 'knee', 'left'),
    ActionSpec('lift the right knee', 'lift', 'knee', 'right'),
    ActionSpec('bend the left knee', 'bend', 'knee', 'left'),
    ActionSpec('bend the right knee', 'bend', 'knee', 'right'),
    ActionSpec('nod the head', 'nod', 'head', 'none'),
    ActionSpec('shake the head', 'shake', 'head', 'none'),
    ActionSpec('turn the head to the left', 'turn', 'head', 'left'),
    ActionSpec('turn the head to the right', 'turn', 'head', 'right'),
    ActionSpec('tilt the head to the left', 'tilt', 'head', 'left'),
    ActionSpec('tilt the head to the right', 'tilt', 'head', 'right'),
    ActionSpec('lean to the left', 'lean', 'torso', 'left'),
    ActionSpec('lean to the right', 'lean', 'torso', 'right'),
    ActionSpec('bend the torso forward', 'bend', 'torso', 'none'),
    ActionSpec('squat down', 'squat', 'body', 'both'),
    ActionSpec('jump up', 'jump', 'body', 'both'),
)

#: Every class name; the index is the label.
CLASSES: Tuple[str, ...] = tuple(a.name for a in ACTIONS)

#: Held-out classes. Each is a new combination of a seen verb and a seen
#: (part, side): raise <- raise the left arm / stretch the right arm ...;
#: stretch <- stretch the left arm / raise both arms; wave <- wave the right
#: hand / punch with the left hand; kick <- kick with the left leg / raise the
#: right leg; bend <- bend the left knee / lift the right knee; turn <- turn
#: the head to the left / tilt the head to the right.
UNSEEN: Tuple[str, ...] = (
    'raise the right arm',
    'stretch both arms sideways',
    'wave the left hand',
    'kick with the right leg',
    'bend the right knee',
    'turn the head to the right',
)

#: Classes used for training, in label order.
SEEN: Tuple[str, ...] = tuple(n for n in CLASSES if n not in UNSEEN)

#: Samples per class and split written by :func:`generate_demo_dataset`.
DEFAULT_SAMPLES_PER_CLASS: Dict[str, int] = {'train': 40, 'val': 8, 'test': 12}

_SPLITS = ('train', 'val', 'test')
_SIDE_KEYS = {'left': ('l', ), 'right': ('r', ), 'both': ('l', 'r'), 'none': ()}
_SIGN = {'l': 1.0, 'r': -1.0}  # image x direction of the person's side

# Body proportions in body units (ankle to top of head ~ 0.95).
_BONES = {
    'torso': 0.30, 'neck': 0.10, 'head': 0.06, 'shoulder': 0.11, 'hip': 0.065,
    'upper_arm': 0.17, 'forearm': 0.15, 'thigh': 0.245, 'shank': 0.245}

# Neutral standing pose, degrees; ``root_x`` (body units) shifts the hips
# sideways with the feet planted and ``lift`` raises the body off the ground
# (jump). Limb ``*_a`` is the in-plane angle from
# straight down towards the person's side (90 = horizontal sideways, 180 =
# up, negative = across the body); ``*_d`` turns the bone towards the camera
# (90 = pointing at it), so it shortens as cos(d) in the image.
_NEUTRAL = {
    'root_x': 0.0, 'lift': 0.0, 'pelvis_roll': 0.0, 'torso_roll': 0.0,
    'torso_pitch': 0.0, 'head_roll': 0.0, 'head_yaw': 0.0, 'head_pitch': 0.0}
for _s in 'lr':
    _NEUTRAL.update({
        f'arm_up_a_{_s}': 8.0, f'arm_up_d_{_s}': 0.0,
        f'arm_lo_a_{_s}': 10.0, f'arm_lo_d_{_s}': 10.0,
        f'leg_up_a_{_s}': 4.0, f'leg_up_d_{_s}': 0.0,
        f'leg_lo_a_{_s}': 2.0, f'leg_lo_d_{_s}': 0.0})

# Face landmarks on a unit head sphere (x person's left, y down, z camera):
# nose, left_eye, right_eye, left_ear, right_ear.
_FACE = np.array([[0.0, 0.15, 1.0], [0.38, -0.2, 0.85], [-0.38, -0.2, 0.85],
                  [1.0, 0.05, 0.0], [-1.0, 0.05, 0.0]])

# Idle sway amplitude per parameter (body units for root_x, else degrees),
# and the std of a constant per-sample offset.
_SWAY = [('root_x', 0.006), ('pelvis_roll', 1.0), ('torso_roll', 1.5),
         ('head_roll', 2.0), ('head_yaw', 3.0), ('head_pitch', 2.0)]
_OFFSET = [0.0] * len(_SWAY)
for _s in 'lr':
    for _k, _scale in (('arm_up_a', 2.5), ('arm_lo_a', 3.5), ('arm_up_d', 3.0),
                       ('arm_lo_d', 4.0), ('leg_up_a', 1.0)):
        _SWAY.append((f'{_k}_{_s}', _scale))
        _OFFSET.append(_scale)

Params = Dict[str, np.ndarray]


def get_action(action: Union[str, int, ActionSpec]) -> ActionSpec:
    """Look an action up by name or label.

    Args:
        action (str | int | ActionSpec): Class name, label or spec.

    Returns:
        ActionSpec: The catalogue entry.
    """
    if isinstance(action, ActionSpec):
        return action
    if isinstance(action, (int, np.integer)):
        return ACTIONS[int(action)]
    return ACTIONS[CLASSES.index(action)]


# ---------------------------------------------------------------- timelines
class _Timeline:
    """Timing of one sample: idle frames around an active window.

    Args:
        num_frames (int): T.
        rng (np.random.Generator): Source of the idle lengths.

    Attributes:
        u (np.ndarray): [T] progress through the active window, 0 before it
            and 1 after it, so every motion below is neutral on idle frames.
    """

    def __init__(self, num_frames: int, rng: np.random.Generator) -> None:
        t = num_frames
        idle = max(2, int(0.15 * t))
        start = int(rng.integers(1, idle + 1))
        end = t - int(rng.integers(1, idle + 1))
        self.num_frames = t
        self.u = np.clip((np.arange(t) - start) / (end - start), 0.0, 1.0)

    def phase(self, n: int, lag: float = 0.0) -> np.ndarray:
        """Position in [0, 1) within each of ``n`` repetitions, [T].

        Args:
            n (int): Number of repetitions in the active window.
            lag (float): Late start as a fraction of the window (for
                asymmetry between the two sides of a "both" action).

        Returns:
            np.ndarray: [T] phase, 0 on the idle frames before and after.
        """
        u = np.clip((self.u - lag) / (1.0 - lag), 0.0, 1.0)  # still ends at 1
        v = u * n - np.floor(u * n)
        v[u >= 1.0] = 0.0  # floor(n) == n: the last repetition has ended
        return v

    def pulses(self, n: int, rise: float, lag: float = 0.0) -> np.ndarray:
        """Smooth 0->1->0 pulses (go to a pose, hold it, come back).

        Args:
            n (int): Number of pulses in the active window.
            rise (float): Fraction of a pulse spent rising (and falling).
            lag (float): Late start, see :meth:`phase`.

        Returns:
            np.ndarray: [T] weights in [0, 1].
        """
        v = self.phase(n, lag)
        return _smoothstep(v / rise) * _smoothstep((1.0 - v) / rise)

    def cycles(self, c: float, phase: float = 0.0) -> np.ndarray:
        """Phase of ``c`` oscillations over the active window, radians [T]."""
        return 2.0 * np.pi * c * self.u + phase


def _smoothstep(x: np.ndarray) -> np.ndarray:
    """C1-smooth ramp from 0 (x <= 0) to 1 (x >= 1)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _blend(p: Params, key: str, target: float, w: np.ndarray) -> None:
    """Move ``p[key]`` towards ``target`` by weight ``w`` (keeps idle sway)."""
    p[key] = p[key] + (target - p[key]) * w


def _smooth_noise(rng: np.random.Generator, t: int,
                  scales: np.ndarray) -> np.ndarray:
    """Slow random sway, one row per scale: two sinusoids of 0.3-2 cycles
    per sequence with amplitude ~ N(0, scale), [K, T]."""
    k = len(scales)
    x = np.arange(t) / t
    f = rng.uniform(0.3, 2.0, (k, 2, 1))
    ph = rng.uniform(0.0, 2.0 * np.pi, (k, 2, 1))
    a = rng.normal(0.0, 1.0, (k, 2, 1)) * np.asarray(scales)[:, None, None]
    return (a * np.sin(2 * np.pi * f * x + ph)).sum(axis=1)


# ---------------------------------------------------------- motion programs
# Each takes (params, sides, part, timeline, rng) and edits params in place.
# Amplitudes, repetitions and speeds are drawn per sample.
def _lags(sides: Sequence[str], rng: np.random.Generator) -> List[float]:
    """Small per-side delays so "both" actions are not perfectly in sync."""
    return [0.0] + [float(rng.uniform(0.0, 0.04)) for _ in sides[1:]]


def _raise(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
           rng: np.random.Generator) -> None:
    """Raise the straight arm(s) overhead through the side, or a leg sideways."""
    n, rise = int(rng.integers(1, 3)), rng.uniform(0.25, 0.4)
    for s, lag in zip(sides, _lags(sides, rng)):
        w = tl.pulses(n, rise, lag)
        if part == 'arm':
            top = rng.uniform(150.0, 178.0)
            _blend(p, f'arm_up_a_{s}', top, w)
            _blend(p, f'arm_lo_a_{s}', top + rng.uniform(-4.0, 10.0), w)
            _blend(p, f'arm_up_d_{s}', rng.uniform(-5.0, 15.0), w)
            _blend(p, f'arm_lo_d_{s}', rng.uniform(-5.0, 15.0), w)
        else:
            top = rng.uniform(35.0, 55.0)
            _blend(p, f'leg_up_a_{s}', top, w)
            _blend(p, f'leg_lo_a_{s}', top + rng.uniform(-5.0, 5.0), w)
            # Balance: lean the upper body over the standing leg.
            p['torso_roll'] -= _SIGN[s] * rng.uniform(0.1, 0.25) * top * w
            p['root_x'] -= _SIGN[s] * rng.uniform(0.01, 0.03) * w


def _stretch(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
             rng: np.random.Generator) -> None:
    """Hold the straight arm(s) out horizontally to the side."""
    n, rise = int(rng.integers(1, 3)), rng.uniform(0.2, 0.35)
    for s, lag in zip(sides, _lags(sides, rng)):
        w = tl.pulses(n, rise, lag)
        top = rng.uniform(82.0, 98.0)
        _blend(p, f'arm_up_a_{s}', top, w)
        _blend(p, f'arm_lo_a_{s}', top + rng.uniform(-3.0, 6.0), w)
        _blend(p, f'arm_up_d_{s}', rng.uniform(-5.0, 10.0), w)
        _blend(p, f'arm_lo_d_{s}', rng.uniform(-5.0, 10.0), w)


def _wave(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Lift the hand(s) above the shoulder and swing the forearm side to side."""
    rise = rng.uniform(0.12, 0.25)
    c, amp = rng.uniform(2.5, 6.0), rng.uniform(18.0, 35.0)
    phase = rng.uniform(0.0, 2.0 * np.pi)
    for s, lag in zip(sides, _lags(sides, rng)):
        w = tl.pulses(1, rise, lag)
        _blend(p, f'arm_up_a_{s}', rng.uniform(105.0, 140.0), w)
        _blend(p, f'arm_up_d_{s}', rng.uniform(0.0, 25.0), w)
        _blend(p, f'arm_lo_a_{s}', rng.uniform(165.0, 190.0), w)
        _blend(p, f'arm_lo_d_{s}', rng.uniform(0.0, 20.0), w)
        p[f'arm_lo_a_{s}'] += amp * w * np.sin(tl.cycles(c, phase))


def _punch(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
           rng: np.random.Generator) -> None:
    """Fist guard at the chin, then quick straight punches at the camera."""
    rise = rng.uniform(0.1, 0.2)
    c = float(rng.integers(2, 5))
    sharp = rng.uniform(1.5, 3.0)  # > 1: fast strike, longer guard
    for s in sides:
        guard = tl.pulses(1, rise)
        strike = guard * (0.5 - 0.5 * np.cos(tl.cycles(c))) ** sharp
        _blend(p, f'arm_up_a_{s}', rng.uniform(12.0, 25.0), guard)
        _blend(p, f'arm_up_d_{s}', rng.uniform(25.0, 45.0), guard)
        _blend(p, f'arm_lo_a_{s}', -rng.uniform(140.0, 160.0), guard)
        _blend(p, f'arm_lo_d_{s}', rng.uniform(50.0, 70.0), guard)
        # Strike: whole arm points at the camera, slightly across the body.
        _blend(p, f'arm_up_a_{s}', -rng.uniform(0.0, 20.0), strike)
        _blend(p, f'arm_up_d_{s}', rng.uniform(72.0, 85.0), strike)
        _blend(p, f'arm_lo_a_{s}', -rng.uniform(0.0, 30.0), strike)
        _blend(p, f'arm_lo_d_{s}', rng.uniform(78.0, 90.0), strike)
        # The other fist stays up in guard.
        o = 'r' if s == 'l' else 'l'
        g2 = guard * rng.uniform(0.6, 1.0)
        _blend(p, f'arm_up_a_{o}', rng.uniform(12.0, 25.0), g2)
        _blend(p, f'arm_up_d_{o}', rng.uniform(25.0, 45.0), g2)
        _blend(p, f'arm_lo_a_{o}', -rng.uniform(140.0, 160.0), g2)
        _blend(p, f'arm_lo_d_{o}', rng.uniform(50.0, 70.0), g2)


def _clap(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Hands in front of the chest, forearms swing in until the hands meet."""
    w = tl.pulses(1, rng.uniform(0.12, 0.25))
    c = rng.uniform(3.0, 7.0)
    closed = w * (0.5 - 0.5 * np.cos(tl.cycles(c)))
    for s in sides:
        _blend(p, f'arm_up_a_{s}', rng.uniform(0.0, 8.0), w)
        _blend(p, f'arm_up_d_{s}', rng.uniform(50.0, 65.0), w)
        _blend(p, f'arm_lo_d_{s}', rng.uniform(35.0, 50.0), w)
        _blend(p, f'arm_lo_a_{s}', -rng.uniform(15.0, 35.0), w)
        _blend(p, f'arm_lo_a_{s}', -rng.uniform(90.0, 105.0), closed)


def _kick(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Forward kicks: chamber the knee, snap the leg out, bring it back."""
    n = int(rng.integers(1, 4))
    duty = rng.uniform(0.55, 0.85)  # kick time / repetition, rest is standing
    hip, knee = rng.uniform(60.0, 90.0), rng.uniform(60.0, 100.0)
    # Phase within each kick, 0..1 (stays 0 in the rest part and idle frames).
    k = np.clip(tl.phase(n) / duty, 0.0, 1.0)
    k[k >= 1.0] = 0.0
    up = hip * np.sin(np.pi * k) ** 2
    # Knee bent at 1/4 and 3/4 of the kick, straight at the top (1/2).
    flex = knee * np.sin(2.0 * np.pi * k) ** 2
    for s in sides:
        p[f'leg_up_d_{s}'] = p[f'leg_up_d_{s}'] + up
        p[f'leg_lo_d_{s}'] = p[f'leg_lo_d_{s}'] + up - flex
        active = tl.pulses(1, 0.1)
        for o in 'lr':  # arms out a little for balance
            _blend(p, f'arm_up_a_{o}', rng.uniform(15.0, 35.0), active)
        p['torso_pitch'] -= rng.uniform(0.0, 12.0) * up / hip


def _lift(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Knee up to hip height in front, shank hanging (marching step)."""
    n, rise = int(rng.integers(1, 4)), rng.uniform(0.2, 0.35)
    for s in sides:
        w = tl.pulses(n, rise)
        up = rng.uniform(75.0, 100.0)
        _blend(p, f'leg_up_d_{s}', up, w)
        _blend(p, f'leg_lo_d_{s}', up - rng.uniform(80.0, 105.0), w)
        _blend(p, f'leg_up_a_{s}', rng.uniform(0.0, 12.0), w)


def _bend(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Bend a knee (foot up behind) or bend the torso forward (a bow)."""
    n, rise = int(rng.integers(1, 4)), rng.uniform(0.2, 0.35)
    if part == 'knee':
        for s in sides:
            w = tl.pulses(n, rise)
            _blend(p, f'leg_up_d_{s}', -rng.uniform(0.0, 15.0), w)
            _blend(p, f'leg_lo_d_{s}', -rng.uniform(85.0, 125.0), w)
        return
    w = tl.pulses(min(n, 2), rise)
    _blend(p, 'torso_pitch', rng.uniform(35.0, 65.0), w)
    _blend(p, 'head_pitch', rng.uniform(5.0, 25.0), w)
    for s in 'lr':  # arms dangle in front of the body
        _blend(p, f'arm_up_a_{s}', rng.uniform(0.0, 8.0), w)
        _blend(p, f'arm_lo_a_{s}', rng.uniform(-5.0, 8.0), w)


def _nod(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
         rng: np.random.Generator) -> None:
    """Head pitches down and back up a few times."""
    w = tl.pulses(1, rng.uniform(0.05, 0.15))
    c, amp = float(rng.integers(2, 5)), rng.uniform(15.0, 30.0)
    p['head_pitch'] += amp * w * (0.5 - 0.5 * np.cos(tl.cycles(c)))


def _shake(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
           rng: np.random.Generator) -> None:
    """Head turns left and right a few times."""
    w = tl.pulses(1, rng.uniform(0.05, 0.15))
    c, amp = rng.uniform(2.0, 4.5), rng.uniform(25.0, 45.0)
    p['head_yaw'] += amp * w * np.sin(tl.cycles(c, rng.choice([0.0, np.pi])))


def _turn(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Turn the head towards one side and hold (yaw > 0: person's left)."""
    w = tl.pulses(int(rng.integers(1, 3)), rng.uniform(0.15, 0.3))
    for s in sides:
        _blend(p, 'head_yaw', _SIGN[s] * rng.uniform(45.0, 75.0), w)


def _tilt(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Tilt the head, ear towards the shoulder of that side."""
    w = tl.pulses(int(rng.integers(1, 3)), rng.uniform(0.15, 0.3))
    for s in sides:
        _blend(p, 'head_roll', _SIGN[s] * rng.uniform(18.0, 35.0), w)


def _lean(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Lean the upper body sideways; hips shift the other way, arms hang."""
    w = tl.pulses(int(rng.integers(1, 3)), rng.uniform(0.2, 0.35))
    for s in sides:
        roll = _SIGN[s] * rng.uniform(15.0, 32.0) * w
        p['torso_roll'] += roll
        p['root_x'] -= _SIGN[s] * rng.uniform(0.01, 0.04) * w
        # Arm angles are relative to the torso: undo most of the roll so
        # the arms keep hanging roughly down.
        k = rng.uniform(0.6, 0.9)
        for o in 'lr':
            p[f'arm_up_a_{o}'] += _SIGN[o] * k * roll
            p[f'arm_lo_a_{o}'] += _SIGN[o] * k * roll


def _squat(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
           rng: np.random.Generator) -> None:
    """Thighs forward, knees out, torso forward, arms reach forward."""
    n, rise = int(rng.integers(1, 4)), rng.uniform(0.25, 0.4)
    w = tl.pulses(n, rise)
    thigh, shin = rng.uniform(65.0, 90.0), rng.uniform(10.0, 30.0)
    knees_out = rng.uniform(6.0, 18.0)
    arms = rng.uniform(50.0, 85.0)
    for s in sides:
        _blend(p, f'leg_up_d_{s}', thigh, w)
        _blend(p, f'leg_lo_d_{s}', -shin, w)
        _blend(p, f'leg_up_a_{s}', knees_out, w)
        _blend(p, f'arm_up_d_{s}', arms, w)
        _blend(p, f'arm_lo_d_{s}', arms + rng.uniform(0.0, 10.0), w)
        _blend(p, f'arm_up_a_{s}', rng.uniform(0.0, 10.0), w)
        _blend(p, f'arm_lo_a_{s}', rng.uniform(0.0, 10.0), w)
    _blend(p, 'torso_pitch', rng.uniform(15.0, 35.0), w)


def _jump(p: Params, sides: Sequence[str], part: str, tl: _Timeline,
          rng: np.random.Generator) -> None:
    """Crouch, take off, fly with straight legs, land in a crouch."""
    n = int(rng.integers(1, 4))
    v = tl.phase(n)
    crouch = np.where(v < 0.3, np.sin(np.pi * v / 0.3),
                      np.where(v > 0.7, np.sin(np.pi * (v - 0.7) / 0.3), 0.0))
    flight = np.where((v >= 0.3) & (v <= 0.7),
                      np.sin(np.pi * (v - 0.3) / 0.4), 0.0)
    depth, height = rng.uniform(35.0, 60.0), rng.uniform(0.08, 0.2)
    swing = rng.uniform(20.0, 100.0)  # arms swing up during the flight
    for s in sides:
        p[f'leg_up_d_{s}'] += depth * crouch
        p[f'leg_lo_d_{s}'] -= 0.4 * depth * crouch
        p[f'arm_up_a_{s}'] += swing * flight
        p[f'arm_lo_a_{s}'] += swing * flight
        p[f'arm_up_d_{s}'] += 0.6 * depth * crouch  # arms forward in the crouch
    p['torso_pitch'] += 0.4 * depth * crouch
    p['lift'] += height * flight


_MOTIONS: Dict[str, Callable] = {
    'raise': _raise, 'stretch': _stretch, 'wave': _wave, 'punch': _punch,
    'clap': _clap, 'kick': _kick, 'lift': _lift, 'bend': _bend, 'nod': _nod,
    'shake': _shake, 'turn': _turn, 'tilt': _tilt, 'lean': _lean,
    'squat': _squat, 'jump': _jump}


# ------------------------------------------------------ body and kinematics
def _sample_body(rng: np.random.Generator) -> Dict[str, float]:
    """Per-sample bone lengths (body units) with small left/right asymmetry."""
    body = {k: v * (1.0 + rng.normal(0.0, 0.05)) for k, v in _BONES.items()}
    # Body turned up to ~25 deg away from the camera: narrower shoulders/hips.
    yaw = np.cos(np.deg2rad(rng.uniform(-25.0, 25.0)))
    body['shoulder'] *= yaw
    body['hip'] *= yaw
    for k in ('upper_arm', 'forearm', 'thigh', 'shank'):
        for s in 'lr':
            body[f'{k}_{s}'] = body[k] * (1.0 + rng.normal(0.0, 0.01))
    return body


def _forward_kinematics(p: Params, body: Dict[str, float]
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Joint positions from joint angles.

    Image angles are measured from straight down, positive towards +x (the
    person's left): a bone of length ``L`` at angle ``a`` adds
    ``L * (sin a, cos a)`` to its parent joint.

    Args:
        p (dict): Per-frame angles (deg) and offsets, each [T].
        body (dict): Bone lengths from :func:`_sample_body`.

    Returns:
        tuple[np.ndarray, np.ndarray]: keypoints [T, 17, 2] in body units
        (pelvis near the origin, ground at y = 0 up to the jump lift) and
        visibility [T, 17] in [0, 1] (foreshortened limbs, hidden face parts).
    """
    r = {k: np.deg2rad(v) for k, v in p.items() if k not in ('root_x', 'lift')}
    t = len(p['root_x'])
    x, y = np.empty((17, t)), np.empty((17, t))  # joint-major: cheap row writes
    vis = np.ones((17, t))
    roll, proll = r['torso_roll'], r['pelvis_roll']
    px, py = p['root_x'], np.zeros(t)  # pelvis centre
    # root_x shifts the hips sideways with the feet planted: tilt the legs.
    leg = 0.5 * (body['thigh_l'] + body['shank_l'] +
                 body['thigh_r'] + body['shank_r'])
    leg_base = proll + np.arcsin(np.clip(px / leg, -0.5, 0.5))
    torso = body['torso'] * np.cos(r['torso_pitch'])
    nx, ny = px + torso * np.sin(roll), py - torso * np.cos(roll)  # neck
    for s, (sh, el, wr, hp, kn, an) in (('l', (5, 7, 9, 11, 13, 15)),
                                         ('r', (6, 8, 10, 12, 14, 16))):
        g = _SIGN[s]
        x[sh] = nx + body['shoulder'] * np.sin(g * np.pi / 2 - roll)
        y[sh] = ny + body['shoulder'] * np.cos(g * np.pi / 2 - roll)
        x[hp] = px + body['hip'] * np.sin(g * np.pi / 2 - proll)
        y[hp] = py + body['hip'] * np.cos(g * np.pi / 2 - proll)
        # Each bone: in-plane angle relative to the torso/pelvis, length
        # shortened by the turn towards the camera.
        for parent, child, bone, seg, base in (
                (sh, el, 'upper_arm', 'arm_up', roll),
                (el, wr, 'forearm', 'arm_lo', roll),
                (hp, kn, 'thigh', 'leg_up', leg_base),
                (kn, an, 'shank', 'leg_lo', leg_base)):
            d = r[f'{seg}_d_{s}']
            length = body[f'{bone}_{s}'] * np.cos(d)
            angle = g * r[f'{seg}_a_{s}'] - base
            x[child] = x[parent] + length * np.sin(angle)
            y[child] = y[parent] + length * np.cos(angle)
            vis[child] = 1.0 - 0.3 * np.sin(d) ** 2
    # Head: rigid sphere rotated by yaw, pitch, then rolled in the image.
    head_roll = roll + r['head_roll']
    neck = body['neck'] * np.cos(0.5 * r['head_pitch'])
    cx, cy = nx + neck * np.sin(head_roll), ny - neck * np.cos(head_roll)
    yaw, pitch = r['head_yaw'], r['head_pitch']
    fx, fy, fz = (c[:, None] for c in _FACE.T)
    x1 = fx * np.cos(yaw) + fz * np.sin(yaw)
    z1 = -fx * np.sin(yaw) + fz * np.cos(yaw)
    y2 = fy * np.cos(pitch) + z1 * np.sin(pitch)
    z2 = -fy * np.sin(pitch) + z1 * np.cos(pitch)
    cr, sr = np.cos(head_roll), np.sin(head_roll)
    x[:5] = cx + body['head'] * (x1 * cr - y2 * sr)
    y[:5] = cy + body['head'] * (x1 * sr + y2 * cr)
    # Face points turned away from the camera are less visible.
    vis[:5] = np.clip(1.0 + 1.5 * np.minimum(z2, 0.0), 0.2, 1.0)
    # Ground contact: the lower ankle stands on y = 0; then the jump lift.
    y -= np.maximum(y[15], y[16]) + p['lift']
    return np.stack([x.T, y.T], axis=-1), vis.T


def _sample_params(spec: ActionSpec, tl: _Timeline,
                   rng: np.random.Generator) -> Params:
    """Neutral pose + idle sway + the action's motion program, each [T]."""
    t = tl.num_frames
    p = {k: np.full(t, v) for k, v in _NEUTRAL.items()}
    # Idle sway: slow weight shift, head and arm drift; arms also get a
    # constant per-sample offset (people hold their arms differently).
    keys, scales = zip(*_SWAY)
    sway = _smooth_noise(rng, t, np.array(scales))
    offset = rng.normal(0.0, 1.0, len(keys)) * np.array(_OFFSET)
    for k, row, o in zip(keys, sway, offset):
        p[k] = p[k] + row + o
    _MOTIONS[spec.verb](p, _SIDE_KEYS[spec.side], spec.part, tl, rng)
    return p


def generate_sequence(action: Union[str, int, ActionSpec],
                      rng: np.random.Generator,
                      num_frames: Optional[int] = None,
                      img_shape: Tuple[int, int] = (256, 256)
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Generate one noisy skeleton sequence of an action.

    Args:
        action (str | int | ActionSpec): Class name, label or spec.
        rng (np.random.Generator): Source of all randomness of the sample.
        num_frames (int, optional): T. Defaults to a random length in [40, 80].
        img_shape (tuple[int, int]): Image (H, W) in pixels.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``keypoint`` [T, 17, 2] float32 pixel
        (x, y) coordinates inside the image and ``keypoint_score`` [T, 17]
        float32 in (0, 1].
    """
    spec = get_action(action)
    t = int(rng.integers(40, 81)) if num_frames is None else int(num_frames)
    if t < 8:
        raise ValueError(f'num_frames must be >= 8, got {t}')
    h, w = img_shape
    tl = _Timeline(t, rng)
    body = _sample_body(rng)
    kp, vis = _forward_kinematics(_sample_params(spec, tl, rng), body)

    # Small camera roll about the pelvis, then the body size in pixels: a
    # random target height, shrunk if needed so the whole sequence fits.
    ang = np.deg2rad(rng.uniform(-6.0, 6.0))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    kp = kp @ rot.T
    lo, hi = kp.reshape(-1, 2).min(0), kp.reshape(-1, 2).max(0)
    margin = 0.03 * np.array([w, h])
    fit = np.min((np.array([w, h]) - 2 * margin) / np.maximum(hi - lo, 1e-6))
    scale = min(rng.uniform(0.45, 0.85) * h / 0.95, fit)
    free = np.array([w, h]) - 2 * margin - scale * (hi - lo)
    offset = margin + rng.uniform(0.0, 1.0, 2) * np.maximum(free, 0.0)
    offset -= scale * lo
    kp = kp * scale + offset

    # Detector-like jitter: per-sample noise level, per frame and joint.
    kp += rng.normal(0.0, rng.uniform(0.003, 0.01) * scale, kp.shape)
    kp[..., 0] = np.clip(kp[..., 0], 0.0, w - 1.0)
    kp[..., 1] = np.clip(kp[..., 1], 0.0, h - 1.0)
    score = rng.uniform(0.85, 0.97) * vis
    score -= np.abs(rng.normal(0.0, 0.04, vis.shape))
    score = np.clip(score, 0.05, 1.0)
    return kp.astype(np.float32), score.astype(np.float32)


# ------------------------------------------------------------------ dataset
def _slug(name: str) -> str:
    """File-name friendly name: 'raise the left arm' -> 'raise_the_left_arm'."""
    return re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')


def _atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, so a
    reader never sees a partial file."""
    with atomic_open(path, 'wb') as f:
        f.write(data)


def _lines(names: Sequence[str]) -> bytes:
    """UTF-8 text with one name per line (line index = position)."""
    return ''.join(f'{n}\n' for n in names).encode('utf-8')


def generate_demo_dataset(
        out_dir: str,
        samples_per_class: Union[int, Mapping[str, int]] = (
            DEFAULT_SAMPLES_PER_CLASS),
        seed: int = 0,
        img_shape: Tuple[int, int] = (256, 256)) -> Dict[str, object]:
    """Write the demo skeleton dataset (all seen and unseen classes).

    Files in ``out_dir``: ``demo_skeleton.pkl`` in mmaction2's PoseDataset
    format (``{'split': {'train'|'val'|'test': [frame_dir, ...]},
    'annotations': [...]}``, each annotation with ``keypoint`` [1, T, 17, 2]
    and ``keypoint_score`` [1, T, 17] float32), ``classes.txt`` (line index =
    label), ``seen.txt`` and ``unseen.txt``. Each file is written atomically.

    Sample ``i`` of class ``label`` in split ``s`` draws from its own
    generator seeded by ``(seed, label, s, i)``, so the output is fully
    determined by the seed and a sample does not change when the number of
    samples of another split or class changes.

    Args:
        out_dir (str): Output folder, created if missing.
        samples_per_class (int | Mapping[str, int]): Samples per class for
            each split, as ``{'train': n, 'val': n, 'test': n}`` (missing
            splits get 0), or one int for every split.
        seed (int): Dataset seed.
        img_shape (tuple[int, int]): Image (H, W) in pixels.

    Returns:
        dict: Summary with the written paths (``ann_file``, ``classes_file``,
        ``seen_file``, ``unseen_file``), ``num_classes``, ``num_seen``,
        ``num_unseen`` and ``num_samples`` per split.
    """
    if isinstance(samples_per_class, (int, np.integer)):
        counts = {s: int(samples_per_class) for s in _SPLITS}
    else:
        unknown = set(samples_per_class) - set(_SPLITS)
        if unknown:
            raise ValueError(f'unknown splits {sorted(unknown)}; use {_SPLITS}')
        counts = {s: int(samples_per_class.get(s, 0)) for s in _SPLITS}
    img_shape = (int(img_shape[0]), int(img_shape[1]))
    os.makedirs(out_dir, exist_ok=True)

    split: Dict[str, List[str]] = {s: [] for s in _SPLITS}
    annotations = []
    for label, spec in enumerate(ACTIONS):
        for split_id, s in enumerate(_SPLITS):
            for i in range(counts[s]):
                rng = np.random.default_rng(
                    np.random.SeedSequence(seed, spawn_key=(label, split_id, i)))
                kp, score = generate_sequence(spec, rng, img_shape=img_shape)
                frame_dir = f'{s}_{label:02d}_{_slug(spec.name)}_{i:04d}'
                split[s].append(frame_dir)
                annotations.append({
                    'frame_dir': frame_dir,
                    'label': label,
                    'img_shape': img_shape,
                    'original_shape': img_shape,
                    'total_frames': int(kp.shape[0]),
                    'keypoint': kp[None],
                    'keypoint_score': score[None],
                })

    paths = {
        'ann_file': os.path.join(out_dir, 'demo_skeleton.pkl'),
        'classes_file': os.path.join(out_dir, 'classes.txt'),
        'seen_file': os.path.join(out_dir, 'seen.txt'),
        'unseen_file': os.path.join(out_dir, 'unseen.txt'),
    }
    # Protocol 4: same bytes for the same content on every supported Python.
    data = {'split': split, 'annotations': annotations}
    _atomic_write(paths['ann_file'], pickle.dumps(data, protocol=4))
    _atomic_write(paths['classes_file'], _lines(CLASSES))
    _atomic_write(paths['seen_file'], _lines(SEEN))
    _atomic_write(paths['unseen_file'], _lines(UNSEEN))
    return dict(out_dir=out_dir, **paths, num_classes=len(CLASSES),
                num_seen=len(SEEN), num_unseen=len(UNSEEN),
                num_samples={s: len(v) for s, v in split.items()})
