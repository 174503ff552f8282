"""Errors raised on bad input: they name the file and the sample or field."""


class VlalignError(Exception):
    """Base of vlalign's own errors."""


class DataError(VlalignError, ValueError):
    """A data or label file is malformed."""


class ConfigError(VlalignError, ValueError):
    """A config disagrees with the data or the model."""
