# EPIC-KITCHENS-100 with text-initialised heads: the 97 verb and 300 noun
# classifiers start from all-MiniLM-L6-v2 embeddings of the class keys
# (EPIC_100_verb_classes.csv / EPIC_100_noun_classes.csv; 'board:chopping'
# is embedded as 'chopping board').
_base_ = ['./verbnoun-xattn_mstemporal_8xb32-u16-50e_epic-kitchens-100-feature.py']

model = dict(
    cls_head=dict(
        text_init=dict(
            text_encoder=dict(
                type='BertTextEncoder', pretrained='all-MiniLM-L6-v2',
                pooling='mean'),
            verb_classes='data/epic_kitchens_100/EPIC_100_verb_classes.csv',
            noun_classes='data/epic_kitchens_100/EPIC_100_noun_classes.csv')))
