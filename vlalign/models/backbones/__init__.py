from .visece_video_encoder import POSEC3D_SLOWONLY, ViseceVideoEncoder

__all__ = ['POSEC3D_SLOWONLY', 'ViseceVideoEncoder']
