"""argparse types for the numbers tools take, so a bad value is a usage
error naming the option (``argument --top-k: must be >= 1, got 0``) rather
than a traceback from deep inside the run, or a silent empty result.

Example::

    parser.add_argument('--top-k', type=positive_int, default=3)
    parser.add_argument('--val-fraction', type=fraction(), default=0.2)
"""
import argparse
import math
from typing import Callable


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'must be an integer, got {text!r}') from None


def positive_int(text: str) -> int:
    """An integer >= 1 (counts, top-k)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {value}')
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (seeds: ``numpy.random.default_rng`` refuses
    negative ones)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f'must be >= 0, got {value}')
    return value


def fraction(low_open: bool = False,
             high_open: bool = True) -> Callable[[str], float]:
    """A float in ``[0, 1)`` (by default): a share of samples held out.

    Args:
        low_open (bool): Exclude 0. Defaults to ``False``.
        high_open (bool): Exclude 1. Defaults to ``True``.

    Returns:
        callable: The argparse ``type``.
    """
    interval = f'{"(" if low_open else "["}0, 1{")" if high_open else "]"}'

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'must be a number in {interval}, got {text!r}') from None
        if not math.isfinite(value) or value < 0 or value > 1 or (
                low_open and value == 0) or (high_open and value == 1):
            raise argparse.ArgumentTypeError(
                f'must be in {interval}, got {text}')
        return value

    parse.__name__ = 'fraction'
    return parse
