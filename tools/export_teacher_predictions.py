"""Export a trained anticipation teacher's predictions per segment uid.

Runs the teacher (``LMActionTeacher``) of CONFIG with CHECKPOINT over the
datasets of the chosen dataloaders and writes one ``.pt`` file holding
``{'version': 1, 'meta': {...}, 'predictions': [{'uid', 'action_logits' [A],
'lm_feature' [C], 'verb_logits' [V], 'noun_logits' [N]}, ...]}``, which
``AnticipationFeatureDataset(teacher_file=...)`` joins by uid. The file is
written atomically (temp file + rename).

Example:
    python tools/export_teacher_predictions.py \
        configs/anticipation/lmteacher_minilm_1xb32-10e_demo-text.py \
        work_dirs/lmteacher/epoch_10.pth \
        --out data/anticipation_demo/teacher_predictions.pt --splits train val
"""
import argparse
import copy
import time

import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='teacher config file')
    parser.add_argument('checkpoint', help='teacher checkpoint')
    parser.add_argument('--out', required=True, help='output .pt file')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'],
                        choices=['train', 'val', 'test'],
                        help='dataloaders whose datasets are exported; a uid '
                        'in several is exported once')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def _set_test_mode(ds_cfg: dict) -> None:
    """``test_mode=True`` on the innermost dataset config(s), below wrappers
    such as ``RandomSplitDataset``, which take no such argument."""
    inner = ds_cfg.get('dataset')
    if isinstance(inner, dict):
        _set_test_mode(inner)
    elif isinstance(ds_cfg.get('datasets'), (list, tuple)):
        for sub in ds_cfg['datasets']:
            _set_test_mode(sub)
    else:
        ds_cfg['test_mode'] = True


def main() -> None:
    args = parse_args()
    from vlalign.apis.inference import init_recognizer
    from vlalign.data_prep.writers import save_teacher_predictions
    from vlalign.registry import DATASETS

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = init_recognizer(cfg, args.checkpoint, device=args.device)
    records, seen = [], set()
    start = time.perf_counter()
    with torch.no_grad():
        for split in args.splits:
            ds_cfg = copy.deepcopy(cfg[f'{split}_dataloader']['dataset'])
            _set_test_mode(ds_cfg)
            dataset = DATASETS.build(ds_cfg)
            loader = DataLoader(dataset, batch_size=args.batch_size,
                                shuffle=False, collate_fn=pseudo_collate)
            print(f'{split}: {len(dataset)} segments', flush=True)
            done, report = 0, max(1, len(loader) // 10)
            for step, batch in enumerate(loader, start=1):
                batch = model.data_preprocessor(batch, False)
                out = model(batch['inputs'], batch['data_samples'],
                            mode='tensor')
                for i, sample in enumerate(batch['data_samples']):
                    uid = sample.metainfo['uid']
                    if uid not in seen:
                        seen.add(uid)
                        records.append(dict(
                            uid=uid, action_logits=out['action'][i],
                            lm_feature=out['feature'][i],
                            verb_logits=out['verb'][i],
                            noun_logits=out['noun'][i]))
                done += len(batch['data_samples'])
                if step % report == 0 or step == len(loader):
                    print(f'{split}: {done}/{len(dataset)} '
                          f'({time.perf_counter() - start:.1f}s)', flush=True)
    meta = dict(config=args.config, checkpoint=args.checkpoint,
                splits=list(args.splits),
                num_actions=int(model.num_classes['action']))
    save_teacher_predictions(records, args.out, meta)
    print(f'Wrote {len(records)} teacher predictions to {args.out} in '
          f'{time.perf_counter() - start:.1f}s')


if __name__ == '__main__':
    main()
