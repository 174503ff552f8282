"""Label files: one name a line, or ``<index><TAB><name>`` lines."""
import pytest

from vlalign.classes import load_class_names
from vlalign.utils.errors import DataError


def test_plain_and_indexed_label_files(tmp_path):
    plain = tmp_path / 'plain.txt'
    plain.write_text('# comment\njump up\nsit down\n\n')
    assert load_class_names(str(plain)) == ['jump up', 'sit down']
    indexed = tmp_path / 'indexed.txt'
    indexed.write_text('0\tjump up\n1\tsit down\n')
    assert load_class_names(str(indexed)) == ['jump up', 'sit down']
    # a digit-led name in a plain file stays a name
    mixed = tmp_path / 'mixed.txt'
    mixed.write_text('3 point shot\nlayup\n')
    assert load_class_names(str(mixed)) == ['3 point shot', 'layup']


@pytest.mark.parametrize('text, match', [
    ('0\ta\n2\tb\n', 'line 2 has index 2'),
    ('a\n\nb\n', ':2: empty class name'),
    ('a\nb\na\n', 'duplicate class name "a"'),
    ('', 'no class names'),
])
def test_bad_label_files_name_file_and_line(tmp_path, text, match):
    path = tmp_path / 'labels.txt'
    path.write_text(text)
    with pytest.raises(DataError, match=match) as err:
        load_class_names(str(path))
    assert str(path) in str(err.value)
