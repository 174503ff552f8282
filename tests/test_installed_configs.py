"""Configs installed with the package: ``_base_ = 'vlalign::...'`` works from
any folder, as ``mmaction::`` does for mmaction2."""
import glob
import os
import subprocess
import sys

import yaml

import vlalign

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIM = os.path.join(os.path.dirname(vlalign.__file__), '.mim')

BUILD_SCRIPT = '''
import sys
if sys.argv[1] == 'import':
    import vlalign  # noqa: F401  (registers the vlalign:: scope)
from mmengine import Config
cfg = Config.fromfile('cfg.py')
from vlalign.registry import MODELS
from vlalign.testing import demo_data_samples, demo_inputs
from vlalign.utils import register_all_modules
register_all_modules()
model = MODELS.build(cfg.model)
losses = model(demo_inputs(cfg.model), demo_data_samples([0, 1]), mode='loss')
print('built', type(model).__name__, sorted(losses))
'''


def _run_outside_checkout(tmp_path, mode: str) -> subprocess.CompletedProcess:
    from vlalign.testing import TINY_BERT, TINY_CLASSES
    # The demo recipe from the installed configs, shrunk: tiny text encoder
    # and backbone, so nothing is downloaded and the build is quick.
    (tmp_path / 'cfg.py').write_text(f'''
_base_ = 'vlalign::visece/visece_stgcnpp-minilm_1xb32-u32-20e_demo-joint.py'
model = dict(
    class_texts={list(TINY_CLASSES)!r},
    text_encoder=dict(_delete_=True, type='BertTextEncoder', config={TINY_BERT!r}),
    video_encoder=dict(out_channels={TINY_BERT['hidden_size']}, in_channels=8,
                       backbone=dict(base_channels=8, num_stages=2,
                                     inflate_stages=[], down_stages=[])))
''')
    (tmp_path / 'build.py').write_text(BUILD_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=os.pathsep.join(
        [REPO, os.environ.get('PYTHONPATH', '')]))
    return subprocess.run([sys.executable, 'build.py', mode], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True, timeout=120)


def test_vlalign_base_builds_from_a_folder_outside_the_checkout(tmp_path):
    proc = _run_outside_checkout(tmp_path, 'import')
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "built Visece ['logit_scale', 'loss_t2v', 'loss_v2t']" in proc.stdout


def test_vlalign_base_without_import_vlalign_names_the_cause(tmp_path):
    """mmengine resolves ``_base_`` before ``custom_imports``; its message
    without ``import vlalign`` is the one docs/plugins.md quotes."""
    proc = _run_outside_checkout(tmp_path, 'no-import')
    assert proc.returncode != 0
    assert 'mmengine does not support to load vlalign config' in proc.stderr


def test_mim_folder_is_the_repository_configs():
    """``vlalign/.mim`` holds ``configs/`` and ``model-index.yml``: links in a
    checkout (so editable and PYTHONPATH use see edits at once), copies in a
    built wheel."""
    assert os.path.isdir(os.path.join(MIM, 'configs', '_base_'))
    if os.path.islink(os.path.join(MIM, 'configs')):
        assert os.path.samefile(os.path.join(MIM, 'configs'),
                                os.path.join(REPO, 'configs'))
        assert os.path.samefile(os.path.join(MIM, 'model-index.yml'),
                                os.path.join(REPO, 'model-index.yml'))


def test_model_index_lists_every_metafile():
    """mmengine reads ``.mim/model-index.yml`` and every metafile it imports
    for each ``vlalign::`` base: a missing one breaks them all."""
    with open(os.path.join(REPO, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    on_disk = sorted(os.path.relpath(p, REPO) for p in
                     glob.glob(os.path.join(REPO, 'configs', '*', 'metafile.yml')))
    assert sorted(imports) == on_disk
    for path in imports:
        with open(os.path.join(REPO, path)) as f:
            assert 'Models' in yaml.safe_load(f), path
