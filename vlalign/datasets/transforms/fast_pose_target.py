"""A vectorised drop-in for mmaction2's ``GeneratePoseTarget``.

mmaction2 draws each Gaussian (one per person, frame and joint or limb) with
its own handful of numpy calls on a window of a few pixels, so on CPU the
PoseC3D pipeline spends most of its time in Python overhead. This transform
draws the same windows for all frames, persons, joints and limbs at once:

* joints: a Gaussian is separable, ``exp(-(dx^2 + dy^2) / 2s^2) =
  exp(-dx^2 / 2s^2) * exp(-dy^2 / 2s^2)``, so each window is the outer
  product of two short vectors;
* limbs: each limb's window is cut into tiles of 4 x 8 pixels and the
  distance to the segment (across it, plus along it past an end) is
  computed for a few thousand tiles per numpy call;
* patches are written in row blocks aligned to 8 pixels with ``np.take`` /
  ``np.maximum`` / ``np.put``, one person at a time, so overlapping persons
  keep the larger value as upstream's ``np.maximum`` does; with ``double``
  each block is also written mirrored into the flipped half, which is never
  copied as a whole.

The windows are exactly mmaction2's (``int()`` truncation of ``mu -+ 3 *
sigma`` computed in float64 from float32 coordinates, clipped to the
image), so the output matches ``GeneratePoseTarget`` to float32 rounding
(max abs difference ~1e-6), including its edge cases: scores below ``eps``
skipped, keypoints outside the image, limbs shorter than one pixel drawn as
a joint Gaussian at the start point, and, with ``with_kp=True,
with_limb=True``, limb maps drawn into channels ``0..L-1`` (over the joint
maps) while channels ``V..V+L-1`` stay zero, as mmaction2 1.2.0 (and pyskl)
do.
"""
import mmap
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from vlalign.registry import TRANSFORMS
from vlalign.structures.skeleton_layouts import (LayoutSpec, SkeletonLayout,
                                               get_layout)

COCO_SKELETONS = ((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9),
                  (0, 6), (6, 8), (8, 10), (5, 11), (11, 13), (13, 15),
                  (6, 12), (12, 14), (14, 16), (11, 12))

# Heatmaps are written in aligned blocks of up to this many pixels of a row:
# np.take / np.put cost about the same per index whether it moves one float
# or a block of 8, so blocks make the scatter several times cheaper (at the
# price of computing a few pixels past each window, masked to zero).
BLOCK = 8
# Cost of moving one block, in pixels: picks the block width for joints.
BLOCK_COST = 10
# Limb windows are cut into tiles of this many rows x blocks.
LIMB_TILE = (4, 1)
# Added to a scaled distance outside mmaction2's windows: its square (and a
# sum of a few) stays finite in float32, its Gaussian is exactly 0.
FAR = np.float32(1e18)
# Tiles (or joints) drawn per batch: small enough that the temporaries
# stay in cache and are recycled by the allocator.
CHUNK = 2048
# Outputs at least this large get a huge-page backed mapping of their own.
HUGE_PAGE_MIN_BYTES = 4 << 20


def zeros_float32(shape: Tuple[int, ...]) -> np.ndarray:
    """A zeroed float32 array; large ones on huge pages where possible.

    ``np.zeros`` takes calloc'ed memory that numpy does not advise for huge
    pages, so a fresh 13-50 MB heatmap array is faulted in 4 KB pages as it
    is written, which costs more than drawing it. A private anonymous
    mapping advised ``MADV_HUGEPAGE`` is zeroed by the kernel in 2 MB pages.
    Elsewhere (no ``MADV_HUGEPAGE``, small arrays) this is ``np.zeros``.

    Args:
        shape (tuple[int]): Array shape.

    Returns:
        np.ndarray: Zeros of ``shape``, float32, C-contiguous, writeable.
    """
    nbytes = 4 * int(np.prod(shape))
    if nbytes < HUGE_PAGE_MIN_BYTES or not hasattr(mmap, 'MADV_HUGEPAGE'):
        return np.zeros(shape, dtype=np.float32)
    try:
        buf = mmap.mmap(-1, nbytes,
                        flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except OSError:  # e.g. out of mappings: let the allocator decide
        return np.zeros(shape, dtype=np.float32)
    try:
        buf.madvise(mmap.MADV_HUGEPAGE)
    except OSError:  # THP unavailable: plain 4 KB pages, still zeroed
        pass
    return np.frombuffer(buf, dtype=np.float32).reshape(shape)


def layout_limb_pairs(layout: SkeletonLayout) -> Tuple[List[int], List[int]]:
    """Left/right limb indices of a layout's inward edges, for flipping.

    An edge pairs with the edge its mirror image (left and right joints
    swapped) lands on; the edge touching a ``left_`` joint goes first.

    Args:
        layout (SkeletonLayout): The skeleton.

    Returns:
        tuple[list[int], list[int]]: ``(left_limb, right_limb)``.
    """
    left_kp, right_kp = layout.flip_pairs
    mirror = list(range(layout.num_joints))
    for lj, rj in zip(left_kp, right_kp):
        mirror[lj], mirror[rj] = rj, lj
    edges = [frozenset(e) for e in layout.inward]
    index = {e: i for i, e in enumerate(edges)}
    lefts = set(left_kp)
    left_limb, right_limb = [], []
    for i, (a, b) in enumerate(layout.inward):
        j = index.get(frozenset((mirror[a], mirror[b])))
        if j is None or j == i or not ({a, b} & lefts):
            continue
        left_limb.append(i)
        right_limb.append(j)
    return left_limb, right_limb


def _windows(lo: np.ndarray, hi: np.ndarray, size: int,
             sigma: float) -> Tuple[np.ndarray, np.ndarray]:
    """mmaction2's clipped window ``[st, ed)`` along one axis.

    Upstream computes ``int(c - 3 * sigma)`` from a float32 scalar and a
    Python float, i.e. in float64 and truncated toward zero; so do we.

    Args:
        lo (np.ndarray): Lower coordinates (float32), any shape.
        hi (np.ndarray): Upper coordinates (float32), same shape.
        size (int): Image size along the axis.
        sigma (float): Gaussian sigma.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``st`` and ``ed`` (int64); the window
        is empty where ``ed <= st``.
    """
    st = np.trunc(lo.astype(np.float64) - 3 * sigma)
    ed = np.trunc(hi.astype(np.float64) + 3 * sigma) + 1
    # Clip in float first so that far-away (or huge) coordinates cannot
    # overflow the integer conversion.
    st = np.clip(st, 0, size).astype(np.int64)
    ed = np.clip(ed, 0, size).astype(np.int64)
    return st, ed


def _offsets(size: int, origin: np.ndarray, centre: np.ndarray,
             st: np.ndarray, ed: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel minus centre along one axis of N patches, and a penalty that
    puts pixels outside the window ``[st, ed)`` out of reach.

    Args:
        size (int): Patch length.
        origin (np.ndarray): First pixel of each patch [N] (int).
        centre (np.ndarray): Centre coordinate [N], float32.
        st (np.ndarray): Window start [N] (int).
        ed (np.ndarray): Window end (exclusive) [N] (int), ``> st``.

    Returns:
        tuple[np.ndarray, np.ndarray]: Offsets [size, N] and penalties
        [size, N] (0 inside the window, :data:`FAR` outside), float32.
        ``[pixel, N]`` so that numpy's inner loops run over the N patches.
    """
    pix = np.arange(size, dtype=np.float32)[:, None] + origin.astype(
        np.float32)
    # > 0 exactly outside [st, ed - 1] (masks in arithmetic: numpy's masked
    # assignment is many times slower).
    out = np.maximum(st.astype(np.float32) - pix,
                     pix - (ed - 1).astype(np.float32))
    return pix - centre, (out > 0) * FAR


class _Canvas:
    """Heatmaps ``[T, C, H, W]`` seen as aligned row blocks, with a
    max-scatter of patches.

    With ``flip_chan`` the canvas is ``[2T, C, H, W]`` and every patch drawn
    into frame ``t``, channel ``c`` is also drawn mirrored into frame
    ``T + t``, channel ``flip_chan[c]``: the flipped copy of ``double``
    without copying (and so without touching) the all-zero parts of it.
    The two halves stay mirror images, so only the first is read back.

    Args:
        arr (np.ndarray): Zeroed heatmaps, float32, C-contiguous.
        flip_chan (np.ndarray, optional): Channel of the flipped copy that
            each channel goes to [C] (a permutation). Defaults to None.
    """

    def __init__(self, arr: np.ndarray,
                 flip_chan: Optional[np.ndarray] = None) -> None:
        self.arr = arr
        num_t, self.num_c, self.h, self.w = arr.shape
        # Nothing drawn yet: the first scatter needs no read-back.
        self.fresh = True
        self.flip_shift = None
        if flip_chan is not None:
            # Plane p = t * C + c goes to p + flip_shift[c].
            self.flip_shift = (num_t // 2) * self.num_c + (
                np.asarray(flip_chan) - np.arange(self.num_c))

    def block(self, limit: int = BLOCK) -> int:
        """The widest block (at most ``limit``) that tiles a row exactly."""
        return next(b for b in (8, 4, 2, 1) if b <= limit and self.w % b == 0)

    def scatter_max(self, plane: np.ndarray, oy: np.ndarray, obx: np.ndarray,
                    patch: np.ndarray, block: int) -> None:
        """``arr[plane, oy:oy+ty, ox:ox+tx] = max(arr[...], patch)`` with
        ``ox = obx * block``, for n patches.

        Args:
            plane (np.ndarray): Plane index ``frame * C + channel`` [n].
            oy (np.ndarray): Top row of each patch [n].
            obx (np.ndarray): Leftmost block of each patch [n].
            patch (np.ndarray): Values [ty, tx, n] (pixel-major, as drawn),
                ``tx`` a multiple of ``block``. Patches of one call must not
                overlap except where they hold equal values.
            block (int): Block width, a divisor of W.
        """
        ty, tx, n = patch.shape
        nbx, w_blocks = tx // block, self.w // block
        # Blocks as single opaque items: np.take / np.put move them several
        # times faster than fancy indexing of a [-1, block] view does.
        item = f'V{4 * block}'
        blocks = self.arr.reshape(-1).view(item)
        # One copy into block order [ty, nbx, n, block].
        vals = np.ascontiguousarray(
            patch.reshape(ty, nbx, block, n).transpose(0, 1, 3, 2))
        rows = (np.arange(ty) * w_blocks)[:, None, None]
        cols = np.arange(nbx)[None, :, None]
        idx = ((plane * self.h + oy) * w_blocks + obx) + (rows + cols)
        if self.fresh:
            self.fresh = False
        else:
            cur = np.take(blocks, idx).view(np.float32).reshape(vals.shape)
            vals = np.maximum(cur, vals, out=cur)
        np.put(blocks, idx, vals.view(item))
        if self.flip_shift is not None:
            # Mirrored: block obx + j lands on w_blocks - 1 - obx - j,
            # its pixels reversed.
            plane = plane + self.flip_shift[plane % self.num_c]
            idx = ((plane * self.h + oy) * w_blocks + (w_blocks - 1 - obx)
                   ) + (rows - cols)
            np.put(blocks, idx,
                   np.ascontiguousarray(vals[..., ::-1]).view(item))


@TRANSFORMS.register_module()
class FastGeneratePoseTarget(BaseTransform):
    """Pseudo heatmaps from joint coordinates: mmaction2's
    ``GeneratePoseTarget``, vectorised (same arguments, same output to
    float32 rounding, many times faster on CPU).

    Required Keys:

        - keypoint ``[M, T, V, 2]`` (pixels)
        - keypoint_score ``[M, T, V]`` (optional)
        - img_shape ``(H, W)``

    Added Keys:

        - imgs ``[T', C, H', W']`` float32, or heatmap_imgs when ``imgs``
          is already present; ``T' = 2T`` with ``double``, ``H' =
          int(H * scaling + 0.5)``, ``C = V`` (joints), ``L`` (limbs) or
          ``V + L`` (both; see the module docstring for the channel layout).

    Args:
        sigma (float): The sigma of the Gaussian maps. Defaults to ``0.6``.
        use_score (bool): Scale each Gaussian by the keypoint score (the
            smaller of the two scores for a limb). Defaults to ``True``.
        with_kp (bool): Heatmaps of joints. Defaults to ``True``.
        with_limb (bool): Heatmaps of limbs. At least one of ``with_kp`` and
            ``with_limb`` must be True. Defaults to ``False``.
        skeletons (Sequence[Sequence[int]]): Limbs as ``(start, end)`` joint
            pairs. Defaults to mmaction2's COCO-17 limbs.
        double (bool): Append a horizontally flipped copy (left and right
            channels swapped) along the frame axis. Defaults to ``False``.
        left_kp (Sequence[int]): Left joints, swapped with ``right_kp`` in
            the flipped copy. Defaults to COCO-17's.
        right_kp (Sequence[int]): Right joints. Defaults to COCO-17's.
        left_limb (Sequence[int]): Left limbs (indices into ``skeletons``),
            used for the flipped copy when ``with_kp=False``. Defaults to
            those of the COCO-17 limbs.
        right_limb (Sequence[int]): Right limbs. Defaults to COCO-17's.
        scaling (float): Heatmap size relative to ``img_shape``. Defaults
            to ``1.0``.
        layout (str | SkeletonLayout | dict, optional): A layout name
            (e.g. ``'penn13'``) or dict (``joints``, ``parents``); when given it supplies ``skeletons`` (its
            inward edges), ``left_kp``/``right_kp`` (its flip pairs) and
            ``left_limb``/``right_limb`` (edges that mirror each other),
            replacing those arguments. Defaults to None.
    """

    def __init__(self,
                 sigma: float = 0.6,
                 use_score: bool = True,
                 with_kp: bool = True,
                 with_limb: bool = False,
                 skeletons: Sequence[Sequence[int]] = COCO_SKELETONS,
                 double: bool = False,
                 left_kp: Sequence[int] = (1, 3, 5, 7, 9, 11, 13, 15),
                 right_kp: Sequence[int] = (2, 4, 6, 8, 10, 12, 14, 16),
                 left_limb: Sequence[int] = (0, 2, 4, 5, 6, 10, 11, 12),
                 right_limb: Sequence[int] = (1, 3, 7, 8, 9, 13, 14, 15),
                 scaling: float = 1.,
                 layout: Optional[LayoutSpec] = None) -> None:
        if not (with_kp or with_limb):
            raise ValueError('At least one of "with_limb" and "with_kp" '
                             'should be set as True.')
        self.layout = None if layout is None else get_layout(layout)
        if self.layout is not None:
            skeletons = tuple(self.layout.inward)
            left_kp, right_kp = self.layout.flip_pairs
            left_limb, right_limb = layout_limb_pairs(self.layout)
        self.sigma = sigma
        self.use_score = use_score
        self.with_kp = with_kp
        self.with_limb = with_limb
        self.double = double
        # Same threshold as upstream: Gaussians of smaller scores are skipped.
        self.eps = 1e-4
        self.skeletons = tuple(tuple(s) for s in skeletons)
        self.left_kp = tuple(left_kp)
        self.right_kp = tuple(right_kp)
        self.left_limb = tuple(left_limb)
        self.right_limb = tuple(right_limb)
        self.scaling = scaling
        self._limbs = np.asarray(self.skeletons, dtype=np.int64).reshape(-1, 2)

    # ------------------------------------------------------------------ #
    # Drawing
    # ------------------------------------------------------------------ #
    def _draw_points(self, canvas: _Canvas, frame: np.ndarray,
                     chan: np.ndarray, person: np.ndarray, mu: np.ndarray,
                     value: np.ndarray) -> None:
        """Gaussians centred on points, in their ``3 * sigma`` windows.

        Args:
            canvas (_Canvas): Output heatmaps.
            frame (np.ndarray): Frame index [N].
            chan (np.ndarray): Channel index [N].
            person (np.ndarray): Person index [N], non-decreasing; one
                (frame, channel) holds at most one point per person.
            mu (np.ndarray): Centres ``(x, y)`` [N, 2], float32.
            value (np.ndarray): Peak values [N], float32, all ``>= eps``.
        """
        h, w = canvas.h, canvas.w
        st_x, ed_x = _windows(mu[:, 0], mu[:, 0], w, self.sigma)
        st_y, ed_y = _windows(mu[:, 1], mu[:, 1], h, self.sigma)
        keep = (ed_x > st_x) & (ed_y > st_y)
        if not keep.all():
            frame, chan, person, mu, value = (
                frame[keep], chan[keep], person[keep], mu[keep], value[keep])
            st_x, ed_x, st_y, ed_y = (
                st_x[keep], ed_x[keep], st_y[keep], ed_y[keep])
        if not len(mu):
            return
        # One patch shape for all: the tallest window and the most blocks
        # of the block width that moves the fewest indices and pixels.
        spans = {b: int((-(-ed_x // b) - st_x // b).max())
                 for b in {canvas.block(lim) for lim in (8, 4, 2, 1)}}
        b = min(spans, key=lambda b: spans[b] * (BLOCK_COST + b))
        nbx = spans[b]
        ty = int((ed_y - st_y).max())
        obx = np.minimum(st_x // b, w // b - nbx)
        oy = np.minimum(st_y, h - ty)
        # exp(-(x - mu)^2 / 2s^2) = exp(-(k * (x - mu))^2) per patch column
        # and row, [pixel, N]; pixels outside mmaction2's window are put out
        # of reach.
        k = np.float32(np.sqrt(0.5) / self.sigma)
        ox = obx * b
        gx, pen_x = _offsets(nbx * b, ox, mu[:, 0], st_x, ed_x)  # [tx, N]
        gy, pen_y = _offsets(ty, oy, mu[:, 1], st_y, ed_y)  # [ty, N]
        gx *= k
        gy *= k
        gx += pen_x
        gy += pen_y
        np.square(gx, out=gx)
        np.square(gy, out=gy)
        # Peak value folded in: v * exp(-d) = exp(log(v) - d).
        np.subtract(np.log(value), gx, out=gx)
        np.negative(gy, out=gy)
        np.exp(gx, out=gx)
        np.exp(gy, out=gy)
        plane = frame * canvas.num_c + chan
        for a in range(0, len(mu), CHUNK):
            c = slice(a, a + CHUNK)
            patch = gy[:, None, c] * gx[None, :, c]  # [ty, tx, n]
            self._scatter_by_person(canvas, plane[c], person[c], oy[c],
                                    obx[c], patch, b)

    def _draw_limbs(self, canvas: _Canvas, frame: np.ndarray,
                    chan: np.ndarray, person: np.ndarray, start: np.ndarray,
                    end: np.ndarray, value: np.ndarray) -> None:
        """Gaussians of the distance to segments ``start -> end`` in their
        bounding boxes grown by ``3 * sigma``.

        Args:
            canvas (_Canvas): Output heatmaps.
            frame (np.ndarray): Frame index [N].
            chan (np.ndarray): Channel index [N].
            person (np.ndarray): Person index [N], non-decreasing.
            start (np.ndarray): Start points [N, 2], float32.
            end (np.ndarray): End points [N, 2], float32, at least one
                pixel from ``start``.
            value (np.ndarray): Peak values [N], float32, all ``>= eps``.
        """
        h, w = canvas.h, canvas.w
        st_x, ed_x = _windows(np.minimum(start[:, 0], end[:, 0]),
                              np.maximum(start[:, 0], end[:, 0]), w,
                              self.sigma)
        st_y, ed_y = _windows(np.minimum(start[:, 1], end[:, 1]),
                              np.maximum(start[:, 1], end[:, 1]), h,
                              self.sigma)
        # Tiles of ty rows x nb blocks per window; empty windows get none.
        b = canvas.block()
        w_blocks = w // b
        ty = min(LIMB_TILE[0], h)
        nb = min(LIMB_TILE[1], w_blocks)
        bx0 = st_x // b
        nx = np.maximum(-(-(-(-ed_x // b) - bx0) // nb), 0)
        ny = np.maximum(-(-(ed_y - st_y) // ty), 0)
        ntile = nx * ny
        owner = np.repeat(np.arange(len(start)), ntile)  # [n] limb per tile
        if not len(owner):
            return
        k = np.arange(len(owner)) - np.repeat(np.cumsum(ntile) - ntile, ntile)
        nx_t = nx[owner]
        # The last tile of a row or column may be shifted back to stay in
        # the image; it then overlaps its neighbour with identical values.
        obx = np.minimum(bx0[owner] + (k % nx_t) * nb, w_blocks - nb)
        oy = np.minimum(st_y[owner] + (k // nx_t) * ty, h - ty)
        # Per limb, in units of sqrt(2) * sigma: the unit vector along the
        # limb and the limb's length.
        u = end - start
        length = np.sqrt(np.square(u).sum(1))
        scale = np.float32(np.sqrt(0.5) / self.sigma)
        u = u * (scale / length)[:, None]
        length *= scale
        log_value = np.log(value)
        plane = frame * canvas.num_c + chan
        # Chunks of tiles keep the temporaries in cache (and off fresh
        # pages).
        for a in range(0, len(owner), CHUNK):
            o = owner[a:a + CHUNK]
            self._draw_limb_tiles(
                canvas, b, ty, oy[a:a + CHUNK], obx[a:a + CHUNK], nb * b,
                start[o], u[o], length[o], log_value[o],
                (st_x[o], ed_x[o], st_y[o], ed_y[o]), plane[o], person[o])

    def _draw_limb_tiles(self, canvas: _Canvas, b: int, ty: int,
                         oy: np.ndarray, obx: np.ndarray, tx: int,
                         start: np.ndarray, u: np.ndarray, length: np.ndarray,
                         log_value: np.ndarray, window: Tuple[np.ndarray, ...],
                         plane: np.ndarray, person: np.ndarray) -> None:
        """Draw n limb tiles of ``ty x tx`` pixels.

        Args:
            canvas (_Canvas): Output heatmaps.
            b (int): Block width.
            ty (int): Tile rows.
            oy (np.ndarray): Top row of each tile [n].
            obx (np.ndarray): Leftmost block of each tile [n].
            tx (int): Tile columns, a multiple of ``b``.
            start (np.ndarray): Start point of the tile's limb [n, 2].
            u (np.ndarray): Unit vector along the limb, scaled by
                ``1 / (sqrt(2) * sigma)`` [n, 2].
            length (np.ndarray): Limb length, same scale [n].
            log_value (np.ndarray): Log of the limb's peak value [n].
            window (tuple[np.ndarray]): mmaction2's window of the limb,
                ``(st_x, ed_x, st_y, ed_y)``, each [n].
            plane (np.ndarray): Plane ``frame * C + channel`` [n].
            person (np.ndarray): Person index [n], non-decreasing.
        """
        st_x, ed_x, st_y, ed_y = window
        ux, uy = u[:, 0], u[:, 1]
        half = length * np.float32(0.5)
        # Offsets from the start point, per tile column and row, [pixel, n].
        dx, pen_x = _offsets(tx, obx * b, start[:, 0], st_x, ed_x)
        dy, pen_y = _offsets(ty, oy, start[:, 1], st_y, ed_y)
        # Across the limb (r) and along it from its middle (a), as outer
        # sums of column and row terms, [ty, tx, n]; pixels outside
        # mmaction2's window are put out of reach.
        rx = dx * uy
        rx += pen_x
        ry = dy * -ux
        ry += pen_y
        ay = dy * uy
        ay -= half
        r = ry[:, None, :] + rx[None, :, :]
        a = ay[:, None, :] + (dx * ux)[None, :, :]
        # Squared distance to the segment: across it, plus along it past an
        # end, max(|a| - length / 2, 0) (upstream's three cases).
        np.square(r, out=r)
        np.abs(a, out=a)
        a -= half
        # max with a zeros array: numpy's SIMD loop (a scalar 0 is slow).
        np.maximum(a, np.zeros_like(a), out=a)
        np.square(a, out=a)
        r += a
        # Peak value folded in: v * exp(-d) = exp(log(v) - d).
        np.subtract(log_value, r, out=r)
        patch = np.exp(r, out=r)
        self._scatter_by_person(canvas, plane, person, oy, obx, patch, b)

    @staticmethod
    def _scatter_by_person(canvas: _Canvas, plane: np.ndarray,
                           person: np.ndarray, oy: np.ndarray,
                           obx: np.ndarray, patch: np.ndarray,
                           block: int) -> None:
        """Max-scatter patches [ty, tx, n] one person at a time: patches of
        different persons may overlap in a plane, those of one person never
        do."""
        cuts = [0, *(np.flatnonzero(np.diff(person)) + 1), len(person)]
        for a, b in zip(cuts[:-1], cuts[1:]):
            canvas.scatter_max(plane[a:b], oy[a:b], obx[a:b],
                               patch[:, :, a:b], block)

    # ------------------------------------------------------------------ #
    # Transform
    # ------------------------------------------------------------------ #
    def _flip_indices(self, num_c: int) -> np.ndarray:
        """Channel order of the flipped copy, built as upstream does."""
        indices = np.arange(num_c, dtype=np.int64)
        left, right = (self.left_kp, self.right_kp) if self.with_kp else (
            self.left_limb, self.right_limb)
        for l, r in zip(left, right):  # noqa: E741
            indices[l] = r
            indices[r] = l
        return indices

    def gen_an_aug(self, results: Dict, out: Optional[np.ndarray] = None,
                   flip_chan: Optional[np.ndarray] = None) -> np.ndarray:
        """Heatmaps of all frames.

        Args:
            results (dict): Holds ``keypoint`` [M, T, V, 2], optionally
                ``keypoint_score`` [M, T, V], and ``img_shape``.
            out (np.ndarray, optional): Zeroed float32 array
                [T, C, H', W'] (``[2T, ...]`` with ``flip_chan``) to draw
                into. Defaults to a new one.
            flip_chan (np.ndarray, optional): Also draw the flipped copy
                into frames ``T..2T-1``, channel ``c`` into ``flip_chan[c]``.
                Defaults to None.

        Returns:
            np.ndarray: Heatmaps [T, C, H', W'] (or ``out``), float32.
        """
        all_kps = results['keypoint'].astype(np.float32)
        m, t, v = all_kps.shape[:3]
        if 'keypoint_score' in results and self.use_score:
            scores = np.asarray(results['keypoint_score'])
        else:
            scores = np.ones((m, t, v), dtype=np.float32)

        img_h, img_w = results['img_shape']
        img_h = int(img_h * self.scaling + 0.5)
        img_w = int(img_w * self.scaling + 0.5)
        # float32 arithmetic, as upstream: the windows depend on it.
        all_kps[..., :2] *= self.scaling
        kps = all_kps[..., :2]

        num_c = (v if self.with_kp else 0) + (
            len(self.skeletons) if self.with_limb else 0)
        if out is None:
            out = zeros_float32((t, num_c, img_h, img_w))
        if not (m and t and num_c and img_h > 0 and img_w > 0):
            return out
        canvas = _Canvas(out, flip_chan)
        # Upstream compares the score scalar with eps in float64.
        valid = scores.astype(np.float64) >= self.eps  # [M, T, V]
        scores32 = scores.astype(np.float32)
        grid_m, grid_t = np.meshgrid(np.arange(m), np.arange(t),
                                     indexing='ij')  # [M, T]

        if self.with_kp:
            sel = np.nonzero(valid)  # person-major order, as needed
            self._draw_points(canvas, sel[1], sel[2], sel[0], kps[sel],
                              scores32[sel])

        if self.with_limb and len(self._limbs):
            s_idx, e_idx = self._limbs[:, 0], self._limbs[:, 1]
            # Per limb: the smaller score must reach eps.
            lval = np.minimum(scores[:, :, s_idx], scores[:, :, e_idx])
            lvalid = lval.astype(np.float64) >= self.eps  # [M, T, L]
            start = kps[:, :, s_idx]  # [M, T, L, 2]
            end = kps[:, :, e_idx]
            d2 = np.square(start[..., 0] - end[..., 0]) + np.square(
                start[..., 1] - end[..., 1])  # float32, as upstream
            short = d2 < 1
            chan = np.broadcast_to(np.arange(len(s_idx)), lvalid.shape)
            fr = np.broadcast_to(grid_t[..., None], lvalid.shape)
            pe = np.broadcast_to(grid_m[..., None], lvalid.shape)
            # Limbs shorter than a pixel: a joint Gaussian at the start
            # point with the start's score (upstream does the same).
            sel = np.nonzero(lvalid & short)
            if len(sel[0]):
                self._draw_points(canvas, fr[sel], chan[sel], pe[sel],
                                  start[sel],
                                  scores32[:, :, s_idx][sel])
            sel = np.nonzero(lvalid & ~short)
            if len(sel[0]):
                self._draw_limbs(canvas, fr[sel], chan[sel], pe[sel],
                                 start[sel], end[sel],
                                 lval[sel].astype(np.float32))
        return out

    def transform(self, results: Dict) -> Dict:
        """Add the heatmaps as ``imgs`` (``heatmap_imgs`` if ``imgs``
        exists).

        Args:
            results (dict): Holds ``keypoint`` [M, T, V, 2], optionally
                ``keypoint_score`` [M, T, V], and ``img_shape``.

        Returns:
            dict: ``results`` with heatmaps [T, C, H', W'] (``[2T, ...]``
            with ``double``).
        """
        key = 'heatmap_imgs' if 'imgs' in results else 'imgs'
        if not self.double:
            results[key] = self.gen_an_aug(results)
            return results
        t = results['keypoint'].shape[1]
        img_h, img_w = results['img_shape']
        num_c = (results['keypoint'].shape[2] if self.with_kp else 0) + (
            len(self.skeletons) if self.with_limb else 0)
        out = zeros_float32((2 * t, num_c, int(img_h * self.scaling + 0.5),
                             int(img_w * self.scaling + 0.5)))
        indices = self._flip_indices(num_c)
        if np.array_equal(np.sort(indices), np.arange(num_c)):
            # flipped[:, c] = heatmap[:, indices[c], :, ::-1]
            flip_chan = np.argsort(indices)
            self.gen_an_aug(results, out, flip_chan)
        else:
            # Overlapping left/right lists: copy exactly as upstream.
            self.gen_an_aug(results, out[:t])
            for c in range(num_c):
                out[t:, c] = out[:t, indices[c], :, ::-1]
        results[key] = out
        return results

    def __repr__(self) -> str:
        layout = '' if self.layout is None else \
            f', layout={self.layout.name!r}'
        return (f'{self.__class__.__name__}('
                f'sigma={self.sigma}, '
                f'use_score={self.use_score}, '
                f'with_kp={self.with_kp}, '
                f'with_limb={self.with_limb}, '
                f'skeletons={self.skeletons}, '
                f'double={self.double}, '
                f'left_kp={self.left_kp}, '
                f'right_kp={self.right_kp}, '
                f'left_limb={self.left_limb}, '
                f'right_limb={self.right_limb}, '
                f'scaling={self.scaling}{layout})')
