"""Offline data preparation, used by ``tools/data/`` and the tests, never by
a config at run time:

- :mod:`.converters`: public skeleton formats -> PoseDataset pickles;
- :mod:`.demo`: generators of the embedded demo data of every family.
"""
