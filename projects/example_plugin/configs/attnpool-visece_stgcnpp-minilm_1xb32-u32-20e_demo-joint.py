# Visece with attention pooling over frames (example_plugin.AttentionPoolVisece:
# a learned query scores each frame, softmax over T) on the demo recipe.
# Install the plugin once (after vlalign), then train (from the checkout: the
# demo data_root 'data/demo' is relative; `make demo` makes it):
#   pip install --no-build-isolation -e projects/example_plugin
#   python tools/train.py projects/example_plugin/configs/<this file>
# The base comes from the configs installed with vlalign (`vlalign::`), which
# mmengine resolves only after `import vlalign` (tools/train.py does it).
_base_ = 'vlalign::visece/visece_stgcnpp-minilm_1xb32-u32-20e_demo-joint.py'

custom_imports = dict(imports=['example_plugin'], allow_failed_imports=False)

model = dict(type='AttentionPoolVisece')
