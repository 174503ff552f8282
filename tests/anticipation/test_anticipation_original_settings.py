"""The anticipation teachers' "original setting" configs (EGTEA Gaze+ and
EPIC-KITCHENS-55): the values, read from the built configs, equal the
original experiments' (issue 14), and their sort_seg sampler and validation
carve build on generated data."""
from pathlib import Path
from typing import Dict

from mmengine.config import Config
from mmengine.runner import Runner

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'anticipation'
EGTEA = CONFIG_DIR / 'lmteacher_bert-base_1xb16-5e_egtea-split1-text.py'
EK55 = CONFIG_DIR / 'lmteacher_distilbert_1xb16-8e_ek55-text.py'


def _inner(ds: Dict) -> Dict:
    while 'dataset' in ds:
        ds = ds['dataset']
    return ds


def _common(cfg: Config, hist_len: int, epochs: int) -> None:
    assert cfg.train_dataloader.batch_size == 16
    sampler = cfg.train_dataloader.sampler
    assert sampler.type == 'TemporalOrderSampler'  # sort_seg
    assert sampler.batch_size == 16
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.param_scheduler[-1].end == epochs
    assert cfg.model.text_encoder.max_length == 512
    for loader in ('train', 'val', 'test'):
        assert _inner(cfg[f'{loader}_dataloader'].dataset).hist_len == \
            hist_len
    # multi-task: verb and noun heads are trained beside the action head
    weights = cfg.model.loss_weights
    assert weights.action > 0 and weights.verb > 0 and weights.noun > 0


def test_egtea_original_setting() -> None:
    cfg = Config.fromfile(str(EGTEA))
    _common(cfg, hist_len=15, epochs=5)
    for loader in ('train', 'val', 'test'):
        assert _inner(cfg[f'{loader}_dataloader'].dataset).gappy is True
    assert cfg.model.class_weighted is True
    assert 'ClassCountsHook' in [h.type for h in cfg.custom_hooks]
    assert cfg.model.text_encoder.pretrained == 'bert-base-uncased'


def test_epic55_original_setting() -> None:
    cfg = Config.fromfile(str(EK55))
    _common(cfg, hist_len=5, epochs=8)
    assert cfg.model.text_encoder.pretrained == 'distilbert-base-uncased'
    assert cfg.model.class_weighted is False


def test_sampler_and_carve_build_on_generated_data(ant_data: Dict) -> None:
    """EGTEA's train dataloader on EPIC-format demo data: the carve leaves
    whole videos out, batches come in temporal order."""
    cfg = Config.fromfile(str(EGTEA))
    for loader in ('train', 'val'):
        ds = _inner(cfg[f'{loader}_dataloader'].dataset)
        ds.update(ann_file=ant_data['train'], context_files=[],
                  action_file=ant_data['actions'],
                  verb_class_file=ant_data['verb_classes'],
                  noun_class_file=ant_data['noun_classes'], gappy=False)
    train = Runner.build_dataloader(dict(cfg.train_dataloader, num_workers=0,
                                         persistent_workers=False))
    val = Runner.build_dataloader(dict(cfg.val_dataloader, num_workers=0,
                                       persistent_workers=False))
    videos = lambda ds: {ds.get_data_info(i)['video_id']  # noqa: E731
                         for i in range(len(ds))}
    assert videos(train.dataset) and videos(val.dataset)
    assert videos(train.dataset).isdisjoint(videos(val.dataset))
    when = {info['uid']: (info['video_id'], info['start_frame'])
            for info in map(train.dataset.get_data_info,
                            range(len(train.dataset)))}
    for batch in train:
        keys = [when[s.metainfo['uid']] for s in batch['data_samples']]
        assert len(keys) <= 16 and keys == sorted(keys)
