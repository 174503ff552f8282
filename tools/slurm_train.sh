#!/usr/bin/env bash
# Usage: [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 SRUN_ARGS="" PYTHON=python] \
#     bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py args...]
# WORK_DIR is optional: a fourth argument that does not start with "-".

export MASTER_PORT=${MASTER_PORT:-$((12000 + RANDOM % 20000))}
set -x

PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}
TOOLS_DIR="$(cd "$(dirname "$0")" && pwd)"

WORK_DIR_ARGS=()
PY_ARGS=("${@:4}")
if [[ $# -ge 4 && "$4" != -* ]]; then
    WORK_DIR_ARGS=(--work-dir="$4")
    PY_ARGS=("${@:5}")
fi

# SRUN_ARGS is split into words on purpose.
PYTHONPATH="$TOOLS_DIR/..":$PYTHONPATH \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$TOOLS_DIR/train.py" "${CONFIG}" "${WORK_DIR_ARGS[@]}" \
    --launcher="slurm" "${PY_ARGS[@]}"
