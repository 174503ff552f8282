"""The whole recipe through the tools, as users type it: the teacher trains
on 2 processes (dist_train.sh), its predictions are exported, the student
trains with them on 2 processes (``dist_train.sh`` runs ``train.py``)."""
import re
from pathlib import Path
from typing import Callable, Dict

import torch

from vlalign.datasets.anticipation_datasets import load_teacher_predictions
from vlalign.datasets.epic_kitchens import load_epic_annotations

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'anticipation'
TEACHER_DEMO = CONFIG_DIR / 'lmteacher_bert-mini_1xb32-30e_demo-text.py'
STUDENT_DEMO = CONFIG_DIR / 'antstudent_transformer_1xb32-20e_demo-feature.py'


def test_teacher_export_student(demo_config: Callable, ant_data: Dict,
                                tools, tmp_path: Path) -> None:
    env = tools.tool_env(PORT=str(tools.free_port()))
    teacher_cfg = demo_config(TEACHER_DEMO)
    work = tmp_path / 'teacher'
    proc = tools.run_tool(['tools/dist_train.sh', teacher_cfg, '2',
                           '--work-dir', work], cwd=tmp_path, env=env)
    assert 'Epoch(val) [1]' in proc.stdout
    assert 'anticipation/action/mean_top5_recall' in proc.stdout
    # validation is the reported split: no best checkpoint, the last epoch
    assert not list(work.glob('best_*.pth'))
    ckpt = [work / 'epoch_1.pth']
    assert ckpt[0].exists(), sorted(p.name for p in work.iterdir())

    # export: one record per uid of train and val, atomically written
    teacher_file = Path(ant_data['actions']).parent / 'teacher_predictions.pt'
    proc = tools.run_tool(['tools/export_teacher_predictions.py', teacher_cfg,
                           ckpt[0], '--out', teacher_file, '--splits', 'train',
                           'val'], cwd=tmp_path)
    assert re.search(r'Wrote \d+ teacher predictions', proc.stdout)
    preds = load_teacher_predictions(str(teacher_file))
    segs = load_epic_annotations(ant_data['train']) + \
        load_epic_annotations(ant_data['val'])
    firsts = {min((s for s in segs if s.video_id == v),
                  key=lambda s: s.start_frame).narration_id
              for v in {s.video_id for s in segs}}
    assert set(preds) == {s.narration_id for s in segs} - firsts
    record = next(iter(preds.values()))
    assert record['action_logits'].shape == (ant_data['num_actions'],)
    assert record['lm_feature'].shape == (32,)
    assert not list(teacher_file.parent.glob('.tmp_*'))

    # the student reads them (the demo config's teacher_file)
    student_cfg = demo_config(STUDENT_DEMO)
    env = tools.tool_env(PORT=str(tools.free_port()))
    proc = tools.run_tool(['tools/dist_train.sh', student_cfg, '2',
                           '--work-dir', tmp_path / 'student'],
                          cwd=tmp_path, env=env)
    assert 'loss_distill' in proc.stdout
    assert 'Epoch(val) [1]' in proc.stdout
    assert (tmp_path / 'student' / 'last_checkpoint').exists()

    state = torch.load(tmp_path / 'student' / 'epoch_1.pth',
                       map_location='cpu', weights_only=False)
    assert 'heads.action.weight' in state['state_dict']
