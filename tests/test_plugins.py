"""The example plugin (projects/example_plugin): recognizers from a package
outside vlalign, found via custom_imports, built and trained from their
config files, and the docs' code blocks are that code."""
import os
import re
import subprocess
import sys

import pytest
import torch
from mmengine import Config

from vlalign.registry import MODELS
from vlalign.testing import (TINY_BERT, TINY_CLASSES, demo_data_samples,
                             demo_inputs, shrink_model_cfg)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN_ROOT = os.path.join(REPO, 'projects', 'example_plugin')
PLUGIN_CFGS = {
    name: os.path.join(PLUGIN_ROOT, 'configs',
                       f'{prefix}-visece_stgcnpp-minilm_1xb32-u32-20e_demo-joint.py')
    for name, prefix in (('MaxPoolVisece', 'maxpool'),
                         ('AttentionPoolVisece', 'attnpool'))}
PLUGIN_CFG = PLUGIN_CFGS['MaxPoolVisece']


@pytest.fixture
def plugin_on_path(monkeypatch):
    """What ``pip install -e projects/example_plugin`` amounts to."""
    monkeypatch.syspath_prepend(PLUGIN_ROOT)


def test_custom_imports_plugin_trains_one_iteration(tmp_path, tiny_demo_config):
    cfg = tiny_demo_config(PLUGIN_CFG, extra='''
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=100,
                 _delete_=True)
param_scheduler = []
log_processor = dict(by_epoch=False)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(by_epoch=False,
                     interval=1, save_best=None))
''')
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join(
                   [PLUGIN_ROOT, REPO, os.environ.get('PYTHONPATH', '')]))
    work_dir = tmp_path / 'work'
    # From a folder outside the checkout: the plugin config's base is
    # ``vlalign::...``, no relative path.
    proc = subprocess.run(
        [sys.executable, os.path.join(REPO, 'tools', 'train.py'), str(cfg),
         '--work-dir', str(work_dir)],
        env=env, cwd=str(tmp_path), capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'MaxPoolVisece' in log or 'MaxPoolVisece' in (
        work_dir / cfg.name).read_text()
    assert 'Iter(train) [1/1]' in log and 'loss_v2t' in log
    assert (work_dir / 'iter_1.pth').exists()


def test_plugin_class_is_found_through_the_registry(plugin_on_path):
    from mmengine.utils import import_modules_from_strings
    import_modules_from_strings(['example_plugin'])
    for name in PLUGIN_CFGS:
        cls = MODELS.get(name)
        assert cls is not None and cls.__module__.startswith('example_plugin.')


def test_plugin_configs_use_the_installed_base():
    for path in PLUGIN_CFGS.values():
        text = open(path).read()
        assert "_base_ = 'vlalign::visece/" in text and '../' not in text


def _tiny_plugin_model_cfg(cfg_file: str, embed_frames: bool) -> dict:
    """The plugin config's model, tiny, with a trainable text encoder and a
    video and a text embedder into a shared 16-d space."""
    model = shrink_model_cfg(Config.fromfile(cfg_file).model.to_dict())
    width = TINY_BERT['hidden_size']
    model['text_encoder']['frozen'] = False
    venc = model['video_encoder']
    # Two ST-GCN++ stages at the config's width (32 channels out).
    venc['backbone'].update(num_stages=2, inflate_stages=[], down_stages=[])
    venc.update(in_channels=venc['backbone']['base_channels'],
                out_channels=width, dropout=0.0)
    model.update(
        class_texts=list(TINY_CLASSES), embed_frames=embed_frames,
        video_embedder=dict(type='Linear', in_features=width, out_features=16),
        text_embedder=dict(type='Linear', in_features=width, out_features=16))
    return model


@pytest.mark.parametrize('embed_frames', [False, True])
@pytest.mark.parametrize('name', list(PLUGIN_CFGS))
def test_pooling_plugin_trains_with_both_embedders(plugin_on_path, name,
                                                   embed_frames):
    """Only ``pool_frames`` is overridden, so both embedders stay where
    Visece puts them: one backward reaches every trainable weight."""
    torch.manual_seed(0)
    model_cfg = _tiny_plugin_model_cfg(PLUGIN_CFGS[name], embed_frames)
    model = MODELS.build(model_cfg)
    assert type(model).__name__ == name
    model.init_weights()
    # A bias right before a BatchNorm that normalises with batch statistics
    # gets an exactly cancelled gradient (ST-GCN++'s 1x1 mstcn branch feeds
    # one): with running statistics BN is an affine map, so every weight
    # that reaches the loss shows a non-zero gradient.
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()
    inputs = demo_inputs(model_cfg, batch_size=4)
    losses = model(inputs, demo_data_samples([0, 1, 2, 3]), mode='loss')
    assert {'loss_v2t', 'loss_t2v'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert any(n.startswith('text_encoder.') for n in trainable)
    no_grad = [n for n, p in trainable.items()
               if p.grad is None or not p.grad.abs().sum() > 0]
    assert not no_grad, f'no gradient reaches {no_grad}'
    # The pooling is the plugin's: [B, T, C] -> [B, C] at the width the
    # embedder placement gives.
    frames = model.extract_feat(inputs)[0]
    if embed_frames:
        frames = model.video_embedder(frames)
    assert frames.shape[-1] == model.pool_channels
    assert model.pool_frames(frames).shape == (frames.shape[0],
                                               model.pool_channels)


def _python_blocks(markdown: str) -> list:
    return re.findall(r'```python\n(.*?)```', markdown, flags=re.S)


@pytest.mark.parametrize('name', list(PLUGIN_CFGS))
def test_docs_pooling_example_is_the_shipped_code(plugin_on_path, name):
    """docs/plugins.md shows each pooling in at most 10 lines, and every one
    of them is in the shipped plugin module."""
    import example_plugin
    doc = open(os.path.join(REPO, 'docs', 'plugins.md')).read()
    blocks = [b for b in _python_blocks(doc) if f'class {name}(' in b]
    assert len(blocks) == 1, f'docs/plugins.md has no block for {name}'
    lines = blocks[0].rstrip('\n').split('\n')
    assert len(lines) <= 10, lines
    module = sys.modules[getattr(example_plugin, name).__module__]
    source = open(module.__file__).read()
    missing = [line for line in (l.split('  #')[0].rstrip() for l in lines)
               if line.strip() and not line.lstrip().startswith('#')
               and line not in source]
    assert not missing, f'not in {module.__name__}: {missing}'
