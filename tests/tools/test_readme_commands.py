"""The README's paclmod5 demo-size command stays true: its --cfg-options
apply to configs/pacl/paclmod5.py, and the resulting datasets and model
(text encoder shrunk) train one step and predict on the demo data."""
import re
import shlex
from pathlib import Path
from unittest.mock import MagicMock

import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate

from vlalign.registry import DATASETS, MODELS
from vlalign.testing import shrink_model_cfg

REPO = Path(__file__).resolve().parents[2]


def documented_options(data_root: str) -> dict:
    text = (REPO / 'README.md').read_text()
    blocks = re.findall(r'```bash\n(.*?)```', text, re.S)
    block = next(b for b in blocks if 'configs/pacl/paclmod5.py 2' in b)
    command = block.replace('\\\n', ' ').replace('$D', data_root)
    words = shlex.split(command.split('--cfg-options', 1)[1])
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *words]).cfg_options


def test_paclmod5_demo_command_builds_and_trains(demo_data):
    options = documented_options(demo_data)
    cfg = Config.fromfile(str(REPO / 'configs' / 'pacl' / 'paclmod5.py'))
    cfg.merge_from_dict(options)
    assert cfg.train_cfg.max_epochs == 2 and cfg.custom_hooks[1].enable

    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(train_set.metainfo['classes']) == 24
    # validation: the seeded carve of the training split, held out of it
    val_set = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(val_set.metainfo['classes']) == 24 and len(val_set) > 0
    clips = lambda ds: {ds.get_data_info(i)['frame_dir']  # noqa: E731
                        for i in range(len(ds))}
    assert clips(val_set).isdisjoint(clips(train_set))
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    assert len(test_set.metainfo['classes']) == 6
    batch = pseudo_collate([train_set[i] for i in range(2)])
    assert batch['inputs'][0].shape == (1, 17, 16, 32, 32)

    model_cfg = cfg.model
    model_cfg.text_encoder.pretrained = 'x'  # shrink replaces it offline
    model = MODELS.build(shrink_model_cfg(model_cfg))
    model.set_class_texts(train_set.metainfo['classes'])
    optim = MagicMock()
    log_vars = model.train_step(batch, optim)
    assert torch.isfinite(log_vars['loss_cls'])
    model.eval()
    model.set_class_texts(test_set.metainfo['classes'])
    with torch.no_grad():
        out = model.test_step(pseudo_collate([test_set[0]]))
    assert out[0].pred_score.shape == (6, )


def test_readme_names_only_files_that_exist():
    """Every config, tool and doc the README names is in the repository."""
    text = (REPO / 'README.md').read_text()
    named = set(re.findall(
        r'\b((?:configs|tools|docs|projects)/[\w./-]+\.(?:py|sh|md))', text))
    assert len(named) > 10
    missing = sorted(p for p in named if not (REPO / p).is_file())
    assert not missing, f'README names missing files: {missing}'
