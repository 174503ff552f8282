"""No config chooses anything on the split it reports.

The rule, checked on every config under ``configs/`` (``_base_`` files are
checked through the configs that use them):

* A config *selects on validation* when its ``CheckpointHook`` keeps a best
  checkpoint (``save_best`` set), when it has an ``EarlyStoppingHook``, or
  when a parameter scheduler reads a validation metric
  (``ReduceOnPlateau*``). Only then does the validation split feed a choice.
* The *reported split* is the test dataloader's dataset.
* A dataset's *source* is what decides which samples it holds: for every
  innermost dataset (wrappers such as ``RepeatDataset`` and
  ``RandomSplitDataset`` followed down through ``dataset``, and each of
  ``datasets``), its annotation file (``ann_file`` or ``narration_file``,
  joined to ``data_root`` when relative) and its ``split``. A class subset,
  ``indices`` or a ``RandomSplitDataset`` carve of a source is still that
  source: a subset of the test split is test data.
* Fails: a config that selects on validation while a validation source is
  also a test source.
* Fails: a validation set carved from a source (``RandomSplitDataset``,
  ``part='val'``) whose training set does not hold the complementary
  ``part='train'`` carve of that same source with the same ``val_fraction``,
  ``seed`` and ``group_by``: otherwise validation samples may also be
  training samples, or the carve is not held out at all.

Not covered: two different annotation files over the same videos (e.g. a
retrieval file and a classification file of one set of held-out videos) look
like two sources here; such configs say in their header why they keep no
best checkpoint. Configs without a test dataloader report nothing and pass.
"""
import glob
import os
import os.path as osp
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple

import pytest
from mmengine.config import Config

import vlalign  # noqa: F401 (registers the scope)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True)
    if f'{os.sep}_base_{os.sep}' not in p)

#: Keys whose value names the annotation file of a dataset.
ANNOTATION_KEYS = ('ann_file', 'narration_file')
#: Keys that pick a part of that file.
SPLIT_KEYS = ('split', )
Source = Tuple[Tuple[str, Any], ...]
Carve = Tuple[str, float, int, Optional[str]]


def _leaves(ds: Any, carves: Tuple = ()) -> Iterator[Tuple[Mapping, Tuple]]:
    """Innermost dataset configs, each with the RandomSplitDataset layers
    (part, val_fraction, seed, group_by) above it."""
    if not isinstance(ds, Mapping):
        return
    if ds.get('type') == 'RandomSplitDataset':
        carves = carves + ((ds.get('part'), float(ds.get('val_fraction', 0.1)),
                            int(ds.get('seed', 0)), ds.get('group_by')), )
    if isinstance(ds.get('dataset'), Mapping):
        yield from _leaves(ds['dataset'], carves)
    elif isinstance(ds.get('datasets'), (list, tuple)):
        for sub in ds['datasets']:
            yield from _leaves(sub, carves)
    else:
        yield ds, carves


def source(leaf: Mapping) -> Source:
    """Which samples a dataset config can hold (see the module docstring)."""
    root = leaf.get('data_root') or ''
    out = []
    for key in ANNOTATION_KEYS:
        value = leaf.get(key)
        if isinstance(value, str):
            path = value if osp.isabs(value) or not root else \
                osp.join(root, value)
            out.append((key, osp.normpath(path)))
    for key in SPLIT_KEYS:
        if leaf.get(key) is not None:
            out.append((key, leaf[key]))
    if not any(k in ANNOTATION_KEYS for k, _ in out):
        # No annotation file to compare: the whole config (less how samples
        # are transformed) stands for the source, conservatively.
        skip = {'pipeline', 'test_mode', 'class_subset', 'indices'}
        out += sorted((k, repr(v)) for k, v in leaf.items() if k not in skip)
    return tuple(out)


def _loader_dataset(cfg: Config, split: str) -> Optional[Mapping]:
    loader = cfg.get(f'{split}_dataloader')
    return loader.get('dataset') if isinstance(loader, Mapping) else None


def sources(cfg: Config, split: str) -> Set[Source]:
    return {source(leaf) for leaf, _ in _leaves(_loader_dataset(cfg, split))}


def selection_readers(cfg: Config) -> List[str]:
    """What in ``cfg`` makes a choice from validation metrics."""
    if not cfg.get('val_dataloader') or not cfg.get('val_cfg'):
        return []
    readers = []
    hooks = [dict(h) for h in (cfg.get('custom_hooks') or [])]
    hooks += [dict(h) for h in (cfg.get('default_hooks') or {}).values()
              if isinstance(h, Mapping)]
    for hook in hooks:
        kind = str(hook.get('type', ''))
        if 'CheckpointHook' in kind and hook.get('save_best'):
            readers.append(f'{kind}(save_best={hook["save_best"]!r})')
        if 'EarlyStopping' in kind:
            readers.append(f'{kind}(monitor={hook.get("monitor")!r})')
    for sched in cfg.get('param_scheduler') or []:
        if isinstance(sched, Mapping) and \
                'ReduceOnPlateau' in str(sched.get('type', '')):
            readers.append(str(sched['type']))
    return readers


def problems(cfg: Config) -> List[str]:
    """Every violation of the rule in ``cfg``; empty when it is honest."""
    found = []
    readers = selection_readers(cfg)
    if readers:
        shared = sources(cfg, 'val') & sources(cfg, 'test')
        if shared:
            found.append(f'{", ".join(readers)} choose on validation data '
                         f'that the reported test split also holds: '
                         f'{sorted(shared)}')
    train = {(source(leaf), c) for leaf, carves in
             _leaves(_loader_dataset(cfg, 'train')) for c in carves}
    for leaf, carves in _leaves(_loader_dataset(cfg, 'val')):
        for part, frac, seed, group in carves:
            if part != 'val':
                found.append(f'the val dataloader takes part={part!r} of a '
                             f'RandomSplitDataset of {source(leaf)}')
            elif (source(leaf), ('train', frac, seed, group)) not in train:
                found.append(
                    f'the val carve (val_fraction={frac}, seed={seed}, '
                    f'group_by={group!r}) of {source(leaf)} has no matching '
                    'part="train" carve in the train dataloader')
    return found


def test_configs_found():
    assert len(CONFIGS) > 50
    assert any(osp.join('configs', 'semantic_tcn') in p for p in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_nothing_is_chosen_on_the_reported_split(path):
    cfg = Config.fromfile(path)
    assert not problems(cfg), '\n'.join(problems(cfg))


# ---------------------------------------------------- the rule on known cases
def _cfg(train: Dict, val: Dict, test: Optional[Dict], save_best='auto',
         custom_hooks=(), param_scheduler=()) -> Config:
    return Config(dict(
        train_dataloader=dict(dataset=train), val_dataloader=dict(dataset=val),
        test_dataloader=dict(dataset=test) if test else None,
        val_cfg=dict(type='ValLoop'),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           save_best=save_best)),
        custom_hooks=list(custom_hooks), param_scheduler=list(param_scheduler)))


NTU = dict(type='PoseTextDataset', ann_file='data/ntu60_2d.pkl')
TRAIN = dict(NTU, split='xsub_train')
TEST = dict(NTU, split='xsub_val')


def _carve(part, ds, **kw):
    return dict(type='RandomSplitDataset', part=part, dataset=ds,
                **dict(dict(val_fraction=0.05, seed=0), **kw))


def test_rule_flags_the_old_ntu_and_semantic_tcn_recipes():
    # val = test = xsub_val with save_best (the NTU base before issue 14)
    assert problems(_cfg(dict(type='RepeatDataset', dataset=TRAIN, times=10),
                         dict(TEST, test_mode=True), TEST))
    # the ZSL config: a seen-class subset of the test split is test data
    assert problems(_cfg(TRAIN, dict(TEST, class_subset='seen.txt'), TEST))
    # early stopping on the test bundle (the MS-TCN recipe before issue 14)
    bundle = dict(type='SegmentationFeatureDataset', data_root='d',
                  ann_file='splits/test.split1.bundle')
    flagged = problems(_cfg(dict(bundle, ann_file='splits/train.bundle'),
                            bundle, dict(bundle, data_root='d/'),
                            save_best=None,
                            custom_hooks=[dict(type='EarlyStoppingHook',
                                               monitor='align/cos_mean')]))
    assert flagged and 'EarlyStoppingHook' in flagged[0]
    assert problems(_cfg(TRAIN, TEST, TEST, save_best=None, param_scheduler=[
        dict(type='ReduceOnPlateauLR', monitor='acc/top1')]))


def test_rule_passes_honest_recipes_and_flags_bad_carves():
    # last epoch reported: val = test is only a progress display
    assert not problems(_cfg(TRAIN, TEST, TEST, save_best=None))
    # a carve of training data for validation
    good = _cfg(dict(type='RepeatDataset', times=10,
                     dataset=_carve('train', TRAIN)), _carve('val', TRAIN),
                TEST)
    assert not problems(good)
    # a carve of the test split is still the test split
    assert problems(_cfg(_carve('train', TEST), _carve('val', TEST), TEST))
    # val carved with another seed than train: the parts may overlap
    assert 'no matching' in problems(
        _cfg(_carve('train', TRAIN), _carve('val', TRAIN, seed=1), TEST))[0]
    # a val part carved from data the train set holds uncarved
    assert problems(_cfg(TRAIN, _carve('val', TRAIN), TEST))
    # no test dataloader: nothing reported, nothing to protect
    assert not problems(_cfg(TRAIN, TEST, None))
