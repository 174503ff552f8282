"""Joint layouts of the skeleton formats vlalign reads (13, 17, 20, 25 joints),
and layouts given in a config as a dict.

mmaction2 hard-codes three layouts (``openpose``, ``nturgb+d``, ``coco``) in
its ``Graph`` and in ``JointToBone``; Penn Action (13 joints) and Kinect v1
(NW-UCLA, 20 joints) have none. A :class:`SkeletonLayout` describes a skeleton
once, as joint names and each joint's parent, and gives everything the
pipeline and the graph networks need: the graph (``inward`` edges and centre,
the ``layout`` dict mmaction2's ``Graph`` accepts), bone pairs and the
left/right pairs for flipping.

Wherever vlalign accepts a layout (transforms, ``graph_cfg.layout``), it takes
a name of :data:`LAYOUTS`, a :class:`SkeletonLayout`, or a config dict::

    layout = dict(name='my_kinect',            # optional
                  joints=['head', 'neck', ...],  # index = joint id
                  parents=[1, 1, ...],           # the root is its own parent
                  graph_edges=[(0, 1), ...],     # optional, default: the bones
                  center=1)                      # optional, default: the root
"""
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from vlalign.utils.errors import ConfigError

# Keys mmengine may add to a dict read from a config (scope of a base file,
# the merge directive); they carry no layout information.
_CONFIG_KEYS = ('_scope_', '_delete_')
_DICT_KEYS = ('name', 'joints', 'parents', 'graph_edges', 'center')
# Layout names mmaction2's Graph knows itself.
MMACTION_GRAPH_LAYOUTS = ('openpose', 'nturgb+d', 'coco')


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class SkeletonLayout:
    """A skeleton: joint names and the parent of each joint.

    Args:
        name (str): Layout name used in configs and messages.
        joints (tuple[str]): Joint names, index = joint id, unique. Names
            starting with ``left_``/``right_`` pair up for flipping (each
            needs its mirror).
        parents (tuple[int]): Parent joint of each joint (the bones); the
            root is its own parent, and every joint's chain of parents ends
            there.
        graph_edges (tuple, optional): Graph edges ``(child, parent)`` when
            they are not the bones. Defaults to ``None`` (the bones).
        center (int, optional): Graph centre (mmaction2's ``Graph``
            partitions by distance to it). Defaults to ``None``: the root.

    Raises:
        ConfigError: A malformed layout; the message names the layout and
            the joints at fault.
    """
    name: str
    joints: Tuple[str, ...]
    parents: Tuple[int, ...]
    graph_edges: Optional[Tuple[Tuple[int, int], ...]] = None
    center: Optional[int] = None

    def __post_init__(self) -> None:
        def fail(problem: str) -> None:
            raise ConfigError(f'layout "{self.name}": {problem}')

        # Tuples: a layout is hashable and cannot change under its users.
        joints, parents = tuple(self.joints), tuple(self.parents)
        object.__setattr__(self, 'joints', joints)
        object.__setattr__(self, 'parents', parents)
        num = len(joints)
        if num != len(parents):
            fail(f'{num} joints but {len(parents)} parents')
        if num == 0:
            fail('has no joints')
        bad = [n for n in joints if not isinstance(n, str) or not n]
        if bad:
            fail(f'joint names must be non-empty strings, got {bad}')
        repeated = sorted({n for n in joints if joints.count(n) > 1})
        if repeated:
            fail(f'repeated joint names {repeated}')
        bad = [f'{joints[i]}: {p!r}' for i, p in enumerate(parents)
               if not _is_int(p) or not 0 <= p < num]
        if bad:
            fail(f'parents must be joint ids in [0, {num}), got {bad}')
        roots = [i for i, p in enumerate(parents) if i == p]
        if len(roots) != 1:
            fail('needs exactly one root (a joint that is its own parent), '
                 f'got {[joints[i] for i in roots]}')
        cut_off = [joints[j] for j in range(num)
                   if not self._reaches(j, roots[0])]
        if cut_off:
            fail(f'joints {cut_off} do not reach the root '
                 f'"{joints[roots[0]]}" through their parents (a cycle)')
        unpaired = [n for n in joints
                    for side, other in (('left_', 'right_'),
                                        ('right_', 'left_'))
                    if n.startswith(side)
                    and other + n[len(side):] not in joints]
        if unpaired:
            fail(f'joints {unpaired} have no mirror joint (each left_X '
                 'needs a right_X and vice versa, for flipping)')
        if self.graph_edges is not None:
            edges = tuple(tuple(e) for e in self.graph_edges)
            bad = [e for e in edges if len(e) != 2 or not all(
                _is_int(v) and 0 <= v < num for v in e)]
            if bad or not edges:
                fail(f'graph_edges must be (child, parent) pairs of joint '
                     f'ids in [0, {num}), got {bad or "none"}')
            object.__setattr__(self, 'graph_edges', edges)
        if self.center is None:
            object.__setattr__(self, 'center', roots[0])
        elif not _is_int(self.center) or not 0 <= self.center < num:
            fail(f'center must be a joint id in [0, {num}) or a joint '
                 f'name, got {self.center!r}')

    def _reaches(self, joint: int, root: int) -> bool:
        for _ in range(len(self.parents)):
            if joint == root:
                return True
            joint = self.parents[joint]
        return joint == root

    @classmethod
    def from_config(cls, cfg: Mapping) -> 'SkeletonLayout':
        """A layout from a config dict (see the module docstring).

        Args:
            cfg (Mapping): ``joints`` and ``parents``; optional ``name``
                (defaults to ``'custom'``), ``graph_edges`` and ``center``
                (a joint id or name).

        Raises:
            ConfigError: Unknown or missing keys, wrong types, a malformed
                layout, or a built-in name given to other joints.
        """
        name = cfg.get('name', 'custom')
        if not isinstance(name, str) or not name:
            raise ConfigError(f'layout dict: name must be a non-empty '
                              f'string, got {name!r}')
        where = f'layout "{name}"'
        unknown = sorted(set(cfg) - set(_DICT_KEYS) - set(_CONFIG_KEYS))
        if unknown:
            raise ConfigError(f'{where}: unknown keys {unknown}; a layout '
                              f'dict takes {list(_DICT_KEYS)}')
        missing = [k for k in ('joints', 'parents') if k not in cfg]
        if missing:
            raise ConfigError(f'{where}: missing keys {missing}')
        fields = {}
        for key in ('joints', 'parents', 'graph_edges'):
            value = cfg.get(key)
            if value is None and key == 'graph_edges':
                continue
            if isinstance(value, (str, bytes)) or not isinstance(
                    value, (list, tuple)):
                raise ConfigError(f'{where}: {key} must be a list, got '
                                  f'{type(value).__name__}')
            fields[key] = tuple(tuple(v) if key == 'graph_edges'
                                and isinstance(v, (list, tuple)) else v
                                for v in value)
        center = cfg.get('center')
        if isinstance(center, str):
            if center not in fields['joints']:
                raise ConfigError(f'{where}: center "{center}" is not one '
                                  f'of its joints {list(fields["joints"])}')
            center = fields['joints'].index(center)
        layout = cls(name, center=center, **fields)
        if name in LAYOUTS and layout != LAYOUTS[name]:
            raise ConfigError(
                f'{where}: "{name}" is a built-in layout with other joints '
                'or parents; give this layout another name')
        return layout

    def to_config(self) -> Dict:
        """The layout as a config dict (:meth:`from_config` reads it)."""
        cfg = dict(name=self.name, joints=list(self.joints),
                   parents=list(self.parents))
        if self.graph_edges is not None:
            cfg['graph_edges'] = [list(e) for e in self.graph_edges]
        if self.center != self.root:
            cfg['center'] = self.center
        return cfg

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    @property
    def root(self) -> int:
        """The joint that is its own parent (its bone is zero)."""
        return next(i for i, p in enumerate(self.parents) if i == p)

    def index(self, joint: Union[int, str]) -> int:
        """The id of a joint given by name (or its id, checked).

        Raises:
            ConfigError: Unknown name or id out of range.
        """
        if isinstance(joint, str):
            if joint not in self.joints:
                raise ConfigError(f'layout "{self.name}" has no joint '
                                  f'"{joint}"; its joints: {list(self.joints)}')
            return self.joints.index(joint)
        if not _is_int(joint) or not 0 <= joint < self.num_joints:
            raise ConfigError(f'layout "{self.name}": joint id {joint!r} is '
                              f'not in [0, {self.num_joints})')
        return int(joint)

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


LayoutSpec = Union[str, SkeletonLayout, Mapping]
"""What configs may give as a layout: a name, a layout, or a dict."""


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
        # Kinect v1 in the Kinect SDK's order (NW-UCLA, UTKinect, MSRC-12),
        # rooted at the hip centre. Data sets that store these 20 joints in
        # another order are reordered by name when converted
        # (tools/data/convert_*.py --joint-names ... --target-layout).
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


def get_layout(layout: LayoutSpec) -> SkeletonLayout:
    """A layout by name, from a config dict, or the layout itself.

    Args:
        layout (str | SkeletonLayout | Mapping): A name of :data:`LAYOUTS`,
            a layout, or a dict ``joints=[...], parents=[...]`` (optional
            ``name``, ``graph_edges``, ``center``).

    Raises:
        ConfigError: Unknown name (the message lists the known ones), a
            malformed dict, or another type.
    """
    if isinstance(layout, SkeletonLayout):
        return layout
    if isinstance(layout, Mapping):
        return SkeletonLayout.from_config(layout)
    if not isinstance(layout, str):
        raise ConfigError(f'a skeleton layout is a name, a SkeletonLayout or '
                          f'a dict(joints=[...], parents=[...]); got '
                          f'{type(layout).__name__} {layout!r}')
    if layout not in LAYOUTS:
        raise ConfigError(f'unknown skeleton layout "{layout}"; known: '
                          f'{sorted(LAYOUTS)}, or give a dict(joints=[...], '
                          'parents=[...])')
    return LAYOUTS[layout]


def resolve_graph_cfg(backbone: Mapping) -> Dict:
    """Backbone config with a vlalign layout in ``graph_cfg`` replaced by the
    dict mmaction2's ``Graph`` accepts.

    A name of :data:`LAYOUTS`, a :class:`SkeletonLayout` or a layout dict
    (``joints``/``parents``) is replaced; mmaction2's own names
    (``'coco'``, ``'openpose'``, ``'nturgb+d'``) and its ``num_node`` dicts
    pass through, as does a backbone without ``graph_cfg``.

    Raises:
        ConfigError: ``graph_cfg`` without a ``layout`` (mmaction2 would
            silently take COCO's), or a layout nobody knows.
    """
    graph_cfg = backbone.get('graph_cfg')
    if not isinstance(graph_cfg, Mapping):
        return backbone
    layout = graph_cfg.get('layout')
    if layout is None:
        raise ConfigError(
            f'{backbone.get("type", "backbone")}: graph_cfg has no layout. '
            'Name the layout of the data, once, in the data config '
            '(layout = ...) and set graph_cfg=dict(layout=_base_.layout) in '
            'the recipe (see configs/_base_/models/visece_stgcnpp_minilm.py)')
    if isinstance(layout, str) and layout in MMACTION_GRAPH_LAYOUTS:
        return backbone
    if isinstance(layout, Mapping) and 'num_node' in layout:
        return backbone
    if isinstance(layout, str) and layout not in LAYOUTS:
        raise ConfigError(
            f'unknown graph layout "{layout}"; known: {sorted(LAYOUTS)} '
            f'(vlalign), {list(MMACTION_GRAPH_LAYOUTS)} (mmaction2), or a '
            'dict(joints=[...], parents=[...])')
    return dict(backbone, graph_cfg=dict(
        graph_cfg, layout=get_layout(layout).graph_layout()))
