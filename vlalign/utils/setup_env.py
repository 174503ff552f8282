"""Register every module of mmaction2 and vlalign and set the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import mmaction2's and vlalign's modules so their registries are full.

    ``Registry.get`` searches parents' registered classes but never imports
    their ``locations``, so mmaction2's packages are imported here explicitly.

    Args:
        init_default_scope (bool): Set the default scope to ``'vlalign'``.
            Defaults to ``True``.
    """
    import mmaction.datasets  # noqa: F401
    import mmaction.engine  # noqa: F401
    import mmaction.evaluation  # noqa: F401
    import mmaction.models  # noqa: F401
    import mmaction.structures  # noqa: F401
    import mmaction.visualization  # noqa: F401  (ActionVisualizer)

    import vlalign.datasets  # noqa: F401
    import vlalign.engine  # noqa: F401
    import vlalign.evaluation  # noqa: F401
    import vlalign.models  # noqa: F401
    import vlalign.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or current.scope_name != 'vlalign':
        if current is not None:
            warnings.warn(f'The current default scope "{current.scope_name}" '
                          'is not "vlalign"; a new "vlalign" scope is set.')
        name = f'vlalign-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='vlalign')
