"""vlalign: vision-language alignment for action recognition (OpenMMLab plugin)."""
from .utils import compat as _compat

_compat.apply_all()

from .version import __version__  # noqa: E402

__all__ = ['__version__']
