from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
from .text_encoders import *  # noqa: F401,F403
from .zsl_heads import *  # noqa: F401,F403
