"""Per-frame similarity over time, with the action type of each frame."""
from typing import Optional, Sequence

import numpy as np

from vlalign.utils.atomic_io import atomic_open

_TYPE_COLOURS = dict(regular='tab:green', null='tab:gray', wrong='tab:red')


def plot_similarity_over_time(similarity: Sequence[float],
                              frame_types: Optional[Sequence[str]] = None,
                              out_file: Optional[str] = None,
                              title: Optional[str] = None,
                              dpi: int = 100):
    """Plot cosine similarity per frame; shade frames by action type.

    Uses matplotlib's object API on an Agg canvas (no display, global
    backend untouched).

    Args:
        similarity (Sequence[float]): ``[T]`` per-frame similarity.
        frame_types (Sequence[str], optional): ``[T]`` action type per frame
            (``regular``/``null``/``wrong`` get fixed colours, others the
            default cycle). Defaults to ``None`` (no shading).
        out_file (str, optional): PNG written atomically (temp file +
            ``os.replace``). Defaults to ``None``.
        title (str, optional): Defaults to ``None``.
        dpi (int): Defaults to ``100``.

    Returns:
        matplotlib.figure.Figure: The figure.

    Raises:
        ImportError: If matplotlib is not installed.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch
    except ImportError as exc:  # optional dependency
        raise ImportError('similarity plots need matplotlib: '
                          '`pip install matplotlib`') from exc
    sim = np.asarray(similarity, dtype=float).reshape(-1)
    fig = Figure(figsize=(10, 3), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    handles = []
    if frame_types is not None:
        frame_types = list(frame_types)
        if len(frame_types) != len(sim):
            raise ValueError(f'{len(frame_types)} frame types for '
                             f'{len(sim)} frames')
        extra = iter(['tab:blue', 'tab:orange', 'tab:purple', 'tab:brown'])
        colours = {}
        start = 0
        for t in range(1, len(sim) + 1):
            if t == len(sim) or frame_types[t] != frame_types[start]:
                kind = frame_types[start]
                if kind not in colours:
                    colours[kind] = _TYPE_COLOURS.get(kind) or next(
                        extra, 'tab:olive')
                    handles.append(Patch(color=colours[kind], alpha=0.25,
                                         label=kind))
                ax.axvspan(start - 0.5, t - 0.5, color=colours[kind],
                           alpha=0.25, lw=0)
                start = t
    line, = ax.plot(np.arange(len(sim)), sim, color='black', lw=1,
                    label='cosine similarity')
    ax.set_xlim(-0.5, len(sim) - 0.5)
    ax.set_ylim(min(-0.05, float(sim.min(initial=0)) - 0.05), 1.05)
    ax.set_xlabel('frame')
    ax.set_ylabel('cos(pred, label emb.)')
    ax.legend(handles=[line, *handles], loc='lower right', fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    if out_file:
        with atomic_open(out_file, 'wb') as f:
            fig.savefig(f, format='png')
    return fig
