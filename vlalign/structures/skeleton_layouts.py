"""Joint layouts of the skeleton formats vlalign reads (13, 17, 20, 25 joints).

mmaction2 hard-codes three layouts (``openpose``, ``nturgb+d``, ``coco``) in
its ``Graph`` and in ``JointToBone``; Penn Action (13 joints) and Kinect v1
(NW-UCLA, 20 joints) have none. A :class:`SkeletonLayout` describes a skeleton
once, as joint names and each joint's parent, and gives everything the
pipeline and the graph networks need: the graph (``inward`` edges and centre,
the ``layout`` dict mmaction2's ``Graph`` accepts), bone pairs and the
left/right pairs for flipping.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

from vlalign.utils.errors import ConfigError


@dataclass(frozen=True)
class SkeletonLayout:
    """A skeleton: joint names and the parent of each joint.

    Args:
        name (str): Layout name used in configs.
        joints (tuple[str]): Joint names, index = joint id. Names starting
            with ``left_``/``right_`` pair up for flipping.
        parents (tuple[int]): Parent joint of each joint (the bones); the
            root (the graph centre) is its own parent.
        graph_edges (tuple, optional): Graph edges ``(child, parent)`` when
            they are not the bones. Defaults to ``None`` (the bones).
    """
    name: str
    joints: Tuple[str, ...]
    parents: Tuple[int, ...]
    graph_edges: Optional[Tuple[Tuple[int, int], ...]] = None

    def __post_init__(self) -> None:
        if len(self.joints) != len(self.parents):
            raise ValueError(f'layout {self.name}: {len(self.joints)} joints '
                             f'but {len(self.parents)} parents')
        roots = [i for i, p in enumerate(self.parents) if i == p]
        if len(roots) != 1:
            raise ValueError(f'layout {self.name}: needs exactly one root '
                             f'(a joint that is its own parent), got {roots}')

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    @property
    def center(self) -> int:
        return next(i for i, p in enumerate(self.parents) if i == p)

    @property
    def bone_pairs(self) -> List[Tuple[int, int]]:
        """``(joint, parent)`` per joint; the root's bone is zero."""
        return [(i, p) for i, p in enumerate(self.parents)]

    @property
    def inward(self) -> List[Tuple[int, int]]:
        """Graph edges ``(child, parent)``, without the root's self-loop."""
        if self.graph_edges is not None:
            return [tuple(e) for e in self.graph_edges]
        return [(i, p) for i, p in enumerate(self.parents) if i != p]

    def graph_layout(self) -> Dict:
        """The ``layout`` dict accepted by mmaction2's ``Graph``."""
        return dict(num_node=self.num_joints, inward=self.inward,
                    center=self.center)

    @property
    def flip_pairs(self) -> Tuple[List[int], List[int]]:
        """``(left_kp, right_kp)`` index lists for mmaction2's ``Flip``."""
        index = {n: i for i, n in enumerate(self.joints)}
        left, right = [], []
        for n, i in index.items():
            if n.startswith('left_'):
                left.append(i)
                right.append(index['right_' + n[len('left_'):]])
        return left, right


LAYOUTS: Dict[str, SkeletonLayout] = {
    layout.name: layout
    for layout in (
        # Penn Action's hand annotations.
        SkeletonLayout(
            'penn13',
            ('head', 'left_shoulder', 'right_shoulder', 'left_elbow',
             'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
             'right_hip', 'left_knee', 'right_knee', 'left_ankle',
             'right_ankle'),
            (0, 0, 0, 1, 2, 3, 4, 1, 2, 7, 8, 9, 10)),
        # COCO keypoints (HRNet / PoseC3D 2D poses). mmaction2's bones
        # (JointToBone) hang the hips on the nose, its graph on the
        # shoulders: both kept, so 'coco17' equals upstream 'coco' in each.
        SkeletonLayout(
            'coco17',
            ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
             'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
             'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
             'left_knee', 'right_knee', 'left_ankle', 'right_ankle'),
            (0, 0, 0, 1, 2, 0, 0, 5, 6, 7, 8, 0, 0, 11, 12, 13, 14),
            graph_edges=((15, 13), (13, 11), (16, 14), (14, 12), (11, 5),
                         (12, 6), (9, 7), (7, 5), (10, 8), (8, 6), (5, 0),
                         (6, 0), (1, 0), (3, 1), (2, 0), (4, 2))),
        # Kinect v1 (NW-UCLA, MSR Action3D, UTD-MHAD), rooted at the hip
        # centre.
        SkeletonLayout(
            'kinect_v1_20',
            ('hip_center', 'spine', 'shoulder_center', 'head',
             'left_shoulder', 'left_elbow', 'left_wrist', 'left_hand',
             'right_shoulder', 'right_elbow', 'right_wrist', 'right_hand',
             'left_hip', 'left_knee', 'left_ankle', 'left_foot',
             'right_hip', 'right_knee', 'right_ankle', 'right_foot'),
            (0, 0, 1, 2, 2, 4, 5, 6, 2, 8, 9, 10, 0, 12, 13, 14, 0, 16, 17,
             18)),
        # Kinect v2 (NTU RGB+D), rooted at the spine shoulder. Bones as
        # mmaction2's JointToBone (hand tip -> thumb -> hand), graph as its
        # Graph (tips and thumbs on the hands).
        SkeletonLayout(
            'ntu25',
            ('spine_base', 'spine_mid', 'neck', 'head', 'left_shoulder',
             'left_elbow', 'left_wrist', 'left_hand', 'right_shoulder',
             'right_elbow', 'right_wrist', 'right_hand', 'left_hip',
             'left_knee', 'left_ankle', 'left_foot', 'right_hip',
             'right_knee', 'right_ankle', 'right_foot', 'spine_shoulder',
             'left_hand_tip', 'left_thumb', 'right_hand_tip',
             'right_thumb'),
            (1, 20, 20, 2, 20, 4, 5, 6, 20, 8, 9, 10, 0, 12, 13, 14, 0, 16,
             17, 18, 20, 22, 7, 24, 11),
            graph_edges=((0, 1), (1, 20), (2, 20), (3, 2), (4, 20), (5, 4),
                         (6, 5), (7, 6), (8, 20), (9, 8), (10, 9), (11, 10),
                         (12, 0), (13, 12), (14, 13), (15, 14), (16, 0),
                         (17, 16), (18, 17), (19, 18), (21, 7), (22, 7),
                         (23, 11), (24, 11))),
    )
}


def get_layout(layout: Union[str, SkeletonLayout]) -> SkeletonLayout:
    """A layout by name (or the layout itself).

    Raises:
        ConfigError: Unknown name; the message lists the known ones.
    """
    if isinstance(layout, SkeletonLayout):
        return layout
    if layout not in LAYOUTS:
        raise ConfigError(f'unknown skeleton layout "{layout}"; known: '
                          f'{sorted(LAYOUTS)}')
    return LAYOUTS[layout]


def resolve_graph_cfg(backbone: Dict) -> Dict:
    """Backbone config with a vlalign layout name in ``graph_cfg`` replaced
    by the dict mmaction2's ``Graph`` accepts (its own names pass through).
    """
    graph_cfg = backbone.get('graph_cfg')
    if not isinstance(graph_cfg, dict):
        return backbone
    name = graph_cfg.get('layout')
    if isinstance(name, str) and name in LAYOUTS:
        backbone = dict(backbone, graph_cfg=dict(
            graph_cfg, layout=LAYOUTS[name].graph_layout()))
    return backbone
