"""Give the recognizer the class names of the dataset it runs on."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from vlalign.registry import HOOKS


def _dataset_classes(dataloader) -> Optional[tuple]:
    dataset = getattr(dataloader, 'dataset', None)
    metainfo = getattr(dataset, 'metainfo', None) or {}
    return metainfo.get('classes')


@HOOKS.register_module()
class ClassTextsHook(Hook):
    """Set ``model.set_class_texts`` from ``dataset.metainfo['classes']``.

    Before training the model gets the training classes (the texts of its
    labels); before each validation or test run it gets that dataset's
    classes, which may be unseen ones, and re-encodes them once for the run;
    after validation the training classes are restored.
    """

    priority = 'NORMAL'

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _set(self, runner, dataloader) -> None:
        classes = _dataset_classes(dataloader)
        model = self._model(runner)
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
