from .compat import adapt_cfg_for_device, init_cpu_distributed
from .setup_env import register_all_modules

__all__ = ['adapt_cfg_for_device', 'init_cpu_distributed',
           'register_all_modules']
