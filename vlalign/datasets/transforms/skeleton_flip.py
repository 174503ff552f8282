"""Horizontal flip of poses that swaps left and right joints of a layout."""
from mmaction.datasets.transforms import Flip

from vlalign.registry import TRANSFORMS
from vlalign.structures.skeleton_layouts import LayoutSpec, get_layout


@TRANSFORMS.register_module()
class SkeletonFlip(Flip):
    """mmaction2's ``Flip`` on keypoints, with ``left_kp``/``right_kp`` taken
    from a :class:`SkeletonLayout` instead of written out in each config.

    Place it before ``PreNormalize2D``: it mirrors pixel ``x`` about the
    image width (``img_shape``).

    Args:
        layout (str | SkeletonLayout | dict): E.g. ``'penn13'``, or a dict
            ``joints=[...], parents=[...]``.
        flip_ratio (float): Probability of flipping. Defaults to ``0.5``.
    """

    def __init__(self, layout: LayoutSpec,
                 flip_ratio: float = 0.5) -> None:
        self.layout = get_layout(layout)
        left, right = self.layout.flip_pairs
        super().__init__(flip_ratio=flip_ratio, left_kp=left, right_kp=right)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(layout={self.layout.name}, '
                f'flip_ratio={self.flip_ratio})')
