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


def check_mim_configs() -> None:
    """``vlalign/.mim/{configs,model-index.yml}`` link to the repository's
    (committed symlinks, as mmaction2 links them for editable installs):
    editable and ``PYTHONPATH`` use read ``configs/`` through them, a wheel or
    sdist gets copies (MANIFEST.in), so ``_base_ = 'vlalign::...'`` works.
    A checkout without symlink support leaves small text files instead."""
    root = osp.dirname(osp.abspath(__file__))
    for name in ('configs', 'model-index.yml'):
        path = osp.join(root, 'vlalign', '.mim', name)
        if not osp.exists(osp.join(path, '_base_') if name == 'configs'
                          else path):
            raise RuntimeError(
                f'{path} must link to ../../{name}: clone with symlinks '
                f'(git config core.symlinks true) or run '
                f'`ln -sfn ../../{name} vlalign/.mim/{name}`')


check_mim_configs()

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
