"""Checkpoint loading that refuses the weights of another model.

mmengine loads checkpoints with ``strict=False`` (``Runner.load_checkpoint``,
``mmengine.runner.load_checkpoint``): missing keys, unexpected keys and
tensors of another shape are only logged, and the model evaluates or exports
with random weights where they did not fit (a 20-joint ST-GCN++ checkpoint
on a 17-joint config scores chance level and exits 0).
:func:`load_state_dict_checked` loads the way mmengine does (same key
revision, same ``_load_from_state_dict`` hooks, so a model's own
compatibility code still runs) but collects what did not fit and refuses it
unless a partial load is asked for. Every tool that evaluates or exports
goes through it (``tools/test.py`` and ``tools/zeroshot.py`` in their
preflight, :func:`vlalign.apis.init_recognizer` for the rest).
"""
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, NamedTuple, Sequence, Tuple

from torch import nn
from torch.nn.modules.module import _IncompatibleKeys

from .errors import VlalignError

# mmengine's Runner strips the prefix a DDP-wrapped model's keys carry.
REVISE_KEYS: Sequence[Tuple[str, str]] = ((r'^module\.', ''), )
_SIZE_MISMATCH = re.compile(r'size mismatch for (\S+?):')
_SHOWN = 3


class CheckpointMismatchError(VlalignError, RuntimeError):
    """A checkpoint's weights do not fit the model."""


class LoadReport(NamedTuple):
    """What did not fit when a state dict was loaded.

    Attributes:
        missing (list[str]): Model keys the checkpoint lacks.
        unexpected (list[str]): Checkpoint keys the model has no place for.
        mismatched (list[str]): ``key: checkpoint shape vs model shape``.
    """

    missing: List[str]
    unexpected: List[str]
    mismatched: List[str]

    @property
    def fits(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def summary(self, shown: int = _SHOWN) -> str:
        """``2 missing keys (a, b), 1 shape mismatch (c: ...)``."""
        parts = []
        for what, keys in (('missing key|s', self.missing),
                           ('unexpected key|s', self.unexpected),
                           ('shape mismatch|es', self.mismatched)):
            if keys:
                name, plural = what.split('|')
                more = f', ... {len(keys) - shown} more' \
                    if len(keys) > shown else ''
                parts.append(f'{len(keys)} {name}'
                             f'{plural if len(keys) > 1 else ""} '
                             f'({", ".join(keys[:shown])}{more})')
        return '; '.join(parts)


def checkpoint_state_dict(checkpoint: Mapping) -> 'OrderedDict':
    """The state dict of a loaded checkpoint, keys revised as mmengine does.

    Args:
        checkpoint (Mapping): An mmengine checkpoint (``state_dict`` inside)
            or a bare state dict.

    Returns:
        OrderedDict: The weights, ``module.`` prefixes stripped, with the
        original ``_metadata`` kept (version-dependent loading needs it).
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    for pattern, repl in REVISE_KEYS:
        state_dict = OrderedDict(
            (re.sub(pattern, repl, k), v) for k, v in state_dict.items())
    state_dict._metadata = metadata
    return state_dict


def load_state_dict_report(module: nn.Module,
                           state_dict: Mapping) -> LoadReport:
    """Load ``state_dict`` into ``module`` as mmengine's ``load_state_dict``
    does (tensors of another shape are skipped) and report what did not fit.

    Args:
        module (nn.Module): The model (not a DDP wrapper).
        state_dict (Mapping): From :func:`checkpoint_state_dict`.

    Returns:
        LoadReport: Missing, unexpected and mismatched keys (BN's
        ``num_batches_tracked`` is never reported missing, as in mmengine).
    """
    missing: List[str] = []
    unexpected: List[str] = []
    errors: List[str] = []
    metadata = getattr(state_dict, '_metadata', None)

    def load(mod: nn.Module, local: Dict, prefix: str = '') -> None:
        local_metadata = {} if metadata is None else metadata.get(
            prefix[:-1], {})
        # strict=True: unexpected keys are collected, never raised here.
        mod._load_from_state_dict(local, prefix, local_metadata, True,
                                  missing, unexpected, errors)
        for name, child in mod._modules.items():
            if child is not None:
                child_prefix = f'{prefix}{name}.'
                load(child, {k: v for k, v in local.items()
                             if k.startswith(child_prefix)}, child_prefix)
        # As mmengine: post-hooks may edit the lists in place.
        for hook in getattr(mod, '_load_state_dict_post_hooks', {}).values():
            hook(mod, _IncompatibleKeys(missing, unexpected))

    load(module, dict(state_dict))
    mismatched = []
    for message in errors:
        match = _SIZE_MISMATCH.search(message)
        if match is None:
            raise RuntimeError(message)  # not a shape problem: as torch does
        shapes = re.findall(r'torch\.Size\(\[[^\]]*\]\)', message)
        shown = ' vs model '.join(s[len('torch.Size('):-1] for s in shapes)
        mismatched.append(f'{match.group(1)}: checkpoint {shown}'
                          if len(shapes) == 2 else match.group(1))
    missing = [k for k in missing if 'num_batches_tracked' not in k]
    return LoadReport(missing, unexpected, mismatched)


def load_state_dict_checked(module: nn.Module, checkpoint: Mapping,
                            source: str,
                            allow_partial: bool = False) -> LoadReport:
    """Load a checkpoint into ``module``; refuse weights that do not fit.

    Args:
        module (nn.Module): The model built from the config.
        checkpoint (Mapping): The loaded checkpoint (or state dict).
        source (str): The checkpoint file, for the message.
        allow_partial (bool): Keep what fits and report the rest instead of
            refusing (fine-tuning from another model on purpose). Defaults
            to ``False``.

    Returns:
        LoadReport: What did not fit (empty unless ``allow_partial``).

    Raises:
        CheckpointMismatchError: If anything did not fit and
            ``allow_partial`` is False; names the first keys of each kind.
    """
    report = load_state_dict_report(module, checkpoint_state_dict(checkpoint))
    if not report.fits and not allow_partial:
        raise CheckpointMismatchError(
            f'checkpoint {source} does not fit the model '
            f'{type(module).__name__}: {report.summary()}. Is it a '
            'checkpoint of this config? (--allow-partial-load loads what '
            'fits on purpose)')
    return report


def load_checkpoint_checked(module: nn.Module, filename: str,
                            allow_partial: bool = False) -> LoadReport:
    """Read a checkpoint file and load it into ``module``, refusing weights
    that do not fit (:func:`load_state_dict_checked`).

    Args:
        module (nn.Module): The model built from the config.
        filename (str): Local path or URL (mmengine's ``CheckpointLoader``;
            local files load with :func:`~vlalign.utils.compat.
            load_from_trusted_local`).
        allow_partial (bool): Only warn about what does not fit. Defaults to
            ``False``.

    Returns:
        LoadReport: What did not fit (empty unless ``allow_partial``).

    Raises:
        CheckpointError: If the file cannot be read as a checkpoint.
        CheckpointMismatchError: If its weights do not fit the model.
    """
    import warnings

    from mmengine.runner.checkpoint import CheckpointLoader

    from .launch import CheckpointError
    try:
        loaded = CheckpointLoader.load_checkpoint(filename,
                                                  map_location='cpu')
    except Exception as e:  # noqa: BLE001 - any failure means unloadable
        raise CheckpointError(f'checkpoint {filename} cannot be loaded: '
                              f'{type(e).__name__}: {e}'[:400]) from None
    if not isinstance(loaded, Mapping):
        raise CheckpointError(f'checkpoint {filename} cannot be loaded: it '
                              f'holds a {type(loaded).__name__}, not a state '
                              'dict')
    report = load_state_dict_checked(module, loaded, filename, allow_partial)
    if not report.fits:
        warnings.warn(f'checkpoint {filename} only partly fits the model '
                      f'(--allow-partial-load): {report.summary()}')
    return report
