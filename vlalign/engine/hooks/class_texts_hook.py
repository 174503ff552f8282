"""Give the recognizer the class names of the dataset it runs on."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from vlalign.registry import HOOKS
from vlalign.utils.errors import ConfigError


def _dataset_classes(dataloader) -> Optional[tuple]:
    dataset = getattr(dataloader, 'dataset', None)
    metainfo = getattr(dataset, 'metainfo', None) or {}
    return metainfo.get('classes')


def _label_source(dataloader) -> str:
    """The label file behind a dataloader's classes, for messages."""
    dataset = getattr(dataloader, 'dataset', None)
    # Wrappers (RepeatDataset, ...) keep the labelled dataset as ``.dataset``.
    while dataset is not None and not hasattr(dataset, 'class_file'):
        dataset = getattr(dataset, 'dataset', None)
    if dataset is None:
        inner = getattr(dataloader, 'dataset', None)
        return f'the classes of {type(inner).__name__}'
    subset = getattr(dataset, 'class_subset', None)
    if isinstance(subset, str):
        return f'label file {subset} (a subset of {dataset.class_file})'
    if subset is not None:
        return f'the class_subset of label file {dataset.class_file}'
    return f'label file {dataset.class_file}'


def check_num_classes(model, classes, dataloader) -> None:
    """Fail if a fixed-size classification head cannot score ``classes``.

    Text-aligned recognizers score any class list; mmaction2's recognizers
    (a ``cls_head`` with ``num_classes``) only as many as the head has.

    Raises:
        ConfigError: Naming the label file, its count and the model's.
    """
    num = getattr(getattr(model, 'cls_head', None), 'num_classes', None)
    if isinstance(num, int) and classes is not None and len(classes) != num:
        raise ConfigError(
            f'{_label_source(dataloader)} holds {len(classes)} classes but '
            f'the model has {num} (cls_head.num_classes of '
            f'{type(model).__name__})')


@HOOKS.register_module()
class ClassTextsHook(Hook):
    """Set ``model.set_class_texts`` from ``dataset.metainfo['classes']``.

    Before training the model gets the training classes (the texts of its
    labels); before each validation or test run it gets that dataset's
    classes, which may be unseen ones, and re-encodes them once for the run;
    after validation the training classes are restored. A model with a
    fixed number of classes (``cls_head.num_classes``) gets none but must
    match the dataset's count, else :class:`ConfigError`.
    """

    priority = 'NORMAL'

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _set(self, runner, dataloader) -> None:
        classes = _dataset_classes(dataloader)
        model = self._model(runner)
        check_num_classes(model, classes, dataloader)
        if classes is not None and hasattr(model, 'set_class_texts'):
            model.set_class_texts(classes)

    def before_train(self, runner) -> None:
        self._set(runner, runner.train_dataloader)

    def before_val_epoch(self, runner) -> None:
        model = self._model(runner)
        self._train_texts = getattr(model, 'get_class_texts', lambda: None)()
        self._set(runner, runner.val_dataloader)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if getattr(self, '_train_texts', None) is not None:
            self._model(runner).set_class_texts(self._train_texts)

    def before_test_epoch(self, runner) -> None:
        self._set(runner, runner.test_dataloader)
