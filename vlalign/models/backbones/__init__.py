from .dilated_tcn import DilatedTCN
from .layout_stgcn import LayoutSTGCN
from .visece_video_encoder import POSEC3D_SLOWONLY, ViseceVideoEncoder

__all__ = ['DilatedTCN', 'LayoutSTGCN', 'POSEC3D_SLOWONLY',
           'ViseceVideoEncoder']
