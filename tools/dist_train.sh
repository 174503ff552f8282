#!/usr/bin/env bash
# Usage: [NNODES=1 NODE_RANK=0 PORT=29500 MASTER_ADDR=127.0.0.1 PYTHON=python] \
#     bash tools/dist_train.sh CONFIG GPUS [train.py args...]
# GPUS is the number of processes per node; on a CPU-only machine they
# run with the gloo backend (tools/train.py takes care of that).

set -x

CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
TOOLS_DIR="$(cd "$(dirname "$0")" && pwd)"

# Any arguments from the third one are passed on to train.py.
PYTHONPATH="$TOOLS_DIR/..":$PYTHONPATH \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --master_port="$PORT" \
    --nproc_per_node="$GPUS" \
    "$TOOLS_DIR/train.py" "$CONFIG" --launcher pytorch "${@:3}"
