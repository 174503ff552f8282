"""What a config builds at run time: datasets, their transforms and the
readers they use, by family (the class vocabulary is in
:mod:`vlalign.classes`, skeleton layouts in :mod:`vlalign.structures`,
converters and demo generators in :mod:`vlalign.data_prep`):

- skeletons + text: ``PoseTextDataset``, the pickle reader (``pose_io``),
  the one PoseDataset annotation schema (``pose_schema``) that the dataset,
  the converters and the validator tool apply, skeleton transforms;
- precomputed features + narrations: ``FeatureStore`` (HDF5), narration
  embeddings, ``FeatureNarrationDataset``, ``FeatureClassificationDataset``;
- action segmentation features (MS-TCN layout): ``SegmentationFeatureDataset``;
- stage-1 features in the published two-stage zero-shot layout:
  ``ZSLFeatureDataset``;
- egocentric video (EPIC-KITCHENS-100): annotation readers,
  ``EpicVerbNounDataset``, anticipation datasets, ``TemporalOrderSampler``;
- any: ``RandomSplitDataset``, validation carved from a training set;
  ``MultiPoseTextDataset``, several datasets over the union of their classes.
"""
from .anticipation_datasets import (ActionHistoryTextDataset,
                                    AnticipationFeatureDataset)
from .epic_kitchens import (EPIC_100_COLUMNS, EpicSegment,
                            load_epic_annotations, load_epic_classes)
from .feature_store import FeatureStore
from .feature_text_datasets import (FeatureClassificationDataset,
                                    FeatureNarrationDataset,
                                    feature_text_collate, get_start_end_idx)
from .narrations import TextEmbeddings, read_narrations, rewrite_tags
from .multi_dataset import MultiPoseTextDataset
from .pose_io import load_pose_annotations
from .pose_text_dataset import PoseTextDataset
from .random_split import RandomSplitDataset
from .samplers import TemporalOrderSampler
from .segmentation_features import (SegmentationFeatureDataset,
                                    pad_segmentation_batch)
from .transforms import SkeletonFeatures, SkeletonFlip
from .verb_noun_dataset import EpicVerbNounDataset
from .zsl_features import (ZSLFeatureDataset, load_zsl_features,
                           zsl_feature_collate)

__all__ = [
    'ActionHistoryTextDataset', 'AnticipationFeatureDataset',
    'EPIC_100_COLUMNS', 'EpicSegment', 'EpicVerbNounDataset',
    'FeatureClassificationDataset', 'FeatureNarrationDataset', 'FeatureStore',
    'MultiPoseTextDataset',
    'PoseTextDataset', 'RandomSplitDataset', 'SegmentationFeatureDataset',
    'SkeletonFeatures', 'SkeletonFlip', 'TemporalOrderSampler', 'TextEmbeddings',
    'feature_text_collate', 'get_start_end_idx',
    'load_epic_annotations', 'load_epic_classes',
    'load_pose_annotations', 'pad_segmentation_batch', 'read_narrations',
    'rewrite_tags', 'ZSLFeatureDataset', 'load_zsl_features',
    'zsl_feature_collate'
]
