# Train the plugin's recognizer on the demo data:
#   PYTHONPATH=projects/example_plugin:$PYTHONPATH \
#   python tools/train.py projects/example_plugin/configs/<this file>
_base_ = ['../../../configs/visece/visece_stgcnpp-minilm_1xb32-u32-20e_demo-joint.py']

custom_imports = dict(imports=['example_plugin'], allow_failed_imports=False)

model = dict(type='MaxPoolVisece')
