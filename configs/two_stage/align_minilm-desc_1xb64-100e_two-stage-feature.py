# AlignZSLHead with description ensembles: each class text is the mean of
# the normalised embeddings of its name and of its description (NW-UCLA:
# GAP's paragraphs, named source 'gap:nw_ucla:sentence';
# tools/benchmark_two_stage.py --descriptions gives another file per
# dataset). Everything else as align_minilm_1xb64-100e_two-stage-feature.py.
_base_ = ['./align_minilm_1xb64-100e_two-stage-feature.py']
model = dict(text=dict(
    sources=['gap:nw_ucla:sentence']))
