"""vlalign: vision-language alignment for action recognition."""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt`` without comments."""
    path = osp.join(osp.dirname(__file__), 'requirements', f'{name}.txt')
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    return [line for line in lines if line and not line.startswith('-')]


def get_version() -> str:
    scope = {}
    with open(osp.join('vlalign', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='vlalign',
    version=get_version(),
    description='Vision-language alignment for (zero-shot) action recognition, '
    'an OpenMMLab plugin for mmaction2',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    include_package_data=True,
    package_data={'vlalign': [
        'py.typed', 'classes/data/*.md', 'classes/data/labels/*.txt',
        'classes/data/protocols/*/*', 'classes/data/texts/*.md',
        'classes/data/texts/*/*']},
    # mmaction2 is installed separately with --no-deps (requirements/mminstall.txt).
    install_requires=read_requirements('build')[:1] + read_requirements('runtime'),
    extras_require={
        'all': read_requirements('optional'),
        'optional': read_requirements('optional'),
        'mim': read_requirements('mminstall'),
        'tests': read_requirements('tests'),
    },
    zip_safe=False,
)
