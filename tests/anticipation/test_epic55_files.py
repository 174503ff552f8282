"""EPIC-KITCHENS-55 annotation files read as the EPIC-100 ones (the EPIC-55
teacher config reads them)."""
from pathlib import Path

import pytest

from vlalign.datasets.epic_kitchens import (load_epic_annotations,
                                            load_epic_classes)
from vlalign.utils.errors import DataError

# EPIC_train_action_labels.csv: header and the shape of its first rows.
EPIC_55_SEGMENTS = '''uid,participant_id,video_id,narration,start_timestamp,stop_timestamp,start_frame,stop_frame,verb,verb_class,noun,noun_class,all_nouns,all_noun_classes
0,P01,P01_01,open door,00:00:00.14,00:00:03.37,8,202,open,3,door,8,['door'],[8]
1,P01,P01_01,turn on light,00:00:02.21,00:00:03.40,132,204,turn-on,6,light,114,['light'],[114]
'''
EPIC_55_VERBS = '''verb_id,class_key,verbs
0,take,"['take', 'grab']"
1,put,"['put', 'leave']"
'''


def test_epic55_segments_and_classes(tmp_path: Path) -> None:
    seg_file = tmp_path / 'EPIC_train_action_labels.csv'
    seg_file.write_text(EPIC_55_SEGMENTS)
    segs = load_epic_annotations(str(seg_file))
    assert [s.narration_id for s in segs] == ['0', '1']
    assert (segs[1].video_id, segs[1].start_frame, segs[1].verb_class,
            segs[1].noun_class) == ('P01_01', 132, 6, 114)
    verbs = tmp_path / 'EPIC_verb_classes.csv'
    verbs.write_text(EPIC_55_VERBS)
    assert load_epic_classes(str(verbs)) == ['take', 'put']


def test_a_file_with_neither_id_column_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / 'x.csv'
    bad.write_text(EPIC_55_SEGMENTS.replace('uid,', 'row,', 1))
    with pytest.raises(DataError, match="missing required columns "
                       r"\['narration_id'\]"):
        load_epic_annotations(str(bad))
