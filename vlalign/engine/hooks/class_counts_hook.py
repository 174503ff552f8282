"""Give a model the label counts of its training set (class-weighted loss)."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from vlalign.registry import HOOKS


@HOOKS.register_module()
class ClassCountsHook(Hook):
    """Before training, call ``model.set_class_counts(dataset.class_counts())``.

    For models whose cross entropy weights classes by their training
    frequency (e.g. :class:`~vlalign.models.LMActionTeacher` with
    ``class_weighted=True``). The counts come from the whole training set,
    the same on every rank; the weights the model derives are buffers, so
    they are saved in checkpoints. Does nothing for a model or dataset
    without those methods.
    """

    priority = 'NORMAL'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        dataset = runner.train_dataloader.dataset
        while not hasattr(dataset, 'class_counts') and \
                hasattr(dataset, 'dataset'):
            dataset = dataset.dataset  # RepeatDataset and friends
        if hasattr(model, 'set_class_counts') and \
                hasattr(dataset, 'class_counts'):
            model.set_class_counts(dataset.class_counts())
