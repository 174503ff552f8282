"""Confusion-matrix plot, written as a PNG without a display."""
from typing import Optional, Sequence

import numpy as np

from vlalign.utils.atomic_io import atomic_open


def plot_confusion_matrix(matrix: np.ndarray,
                          class_names: Optional[Sequence[str]] = None,
                          out_file: Optional[str] = None,
                          title: Optional[str] = None,
                          cmap: str = 'Blues',
                          annotate: Optional[bool] = None,
                          dpi: int = 100):
    """Draw a confusion matrix; optionally save it as a PNG atomically.

    Uses matplotlib's object API on an Agg canvas (no ``pyplot``), so it
    needs no display, leaves the global backend alone and is safe in worker
    processes.

    Args:
        matrix (np.ndarray): ``[L, L]``, row = true class, column =
            predicted; counts or fractions.
        class_names (list[str], optional): ``L`` names for the axes.
            Defaults to ``None`` (indices).
        out_file (str, optional): PNG path; written to a temporary file in
            the same folder, then ``os.replace``-d, so a reader never sees a
            partial image. Defaults to ``None`` (not saved).
        title (str, optional): Figure title. Defaults to ``None``.
        cmap (str): Matplotlib colour map. Defaults to ``'Blues'``.
        annotate (bool, optional): Write the value in each cell. Defaults to
            ``None``: only up to 20 classes, where it stays legible.
        dpi (int): Resolution of the PNG. Defaults to ``100``.

    Returns:
        matplotlib.figure.Figure: The figure.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f'a confusion matrix is [L, L], got {matrix.shape}')
    num = matrix.shape[0]
    names = ([str(i) for i in range(num)] if class_names is None else
             [str(n) for n in class_names])
    if len(names) != num:
        raise ValueError(f'{len(names)} class names for a {num}-class matrix')
    if annotate is None:
        annotate = num <= 20

    # Grow the figure with the class count so 60 or 120 names stay readable.
    side = min(max(5.0, 0.28 * num + 2.5), 40.0)
    fontsize = 9 if num <= 20 else max(4, 9 - num // 20)
    fig = Figure(figsize=(side, side), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(matrix, cmap=cmap, interpolation='nearest')
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(np.arange(num))
    ax.set_yticks(np.arange(num))
    ax.set_xticklabels(names, rotation=90, fontsize=fontsize)
    ax.set_yticklabels(names, fontsize=fontsize)
    ax.set_xlabel('predicted class')
    ax.set_ylabel('true class')
    if title:
        ax.set_title(title)
    if annotate:
        is_float = np.issubdtype(matrix.dtype, np.floating)
        high = matrix.max() / 2 if matrix.size else 0
        for i in range(num):
            for j in range(num):
                value = matrix[i, j]
                ax.text(j, i, f'{value:.2f}' if is_float else str(value),
                        ha='center', va='center', fontsize=fontsize - 1,
                        color='white' if value > high else 'black')
    fig.tight_layout()

    if out_file is not None:
        with atomic_open(out_file, 'wb') as f:
            fig.savefig(f, format='png')
    return fig
