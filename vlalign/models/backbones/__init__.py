from .dilated_tcn import DilatedTCN
from .visece_video_encoder import POSEC3D_SLOWONLY, ViseceVideoEncoder

__all__ = ['DilatedTCN', 'POSEC3D_SLOWONLY', 'ViseceVideoEncoder']
