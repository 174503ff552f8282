"""A recognizer from a module outside the package, found via custom_imports,
trains for one iteration from a config file."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN_CFG = os.path.join(
    REPO, 'projects', 'example_plugin', 'configs',
    'maxpool-visece_stgcnpp-minilm_1xb32-u32-20e_demo-joint.py')


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
                   [os.path.join(REPO, 'projects', 'example_plugin'), REPO,
                    os.environ.get('PYTHONPATH', '')]))
    work_dir = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, os.path.join(REPO, 'tools', 'train.py'), str(cfg),
         '--work-dir', str(work_dir)],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'MaxPoolVisece' in log or 'MaxPoolVisece' in (
        work_dir / cfg.name).read_text()
    assert 'Iter(train) [1/1]' in log and 'loss_v2t' in log
    assert (work_dir / 'iter_1.pth').exists()


def test_plugin_class_is_found_through_the_registry():
    sys.path.insert(0, os.path.join(REPO, 'projects', 'example_plugin'))
    try:
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(['example_plugin'])
        from vlalign.registry import MODELS
        cls = MODELS.get('MaxPoolVisece')
        assert cls is not None and cls.__module__ == \
            'example_plugin.max_pool_visece'
    finally:
        sys.path.pop(0)
