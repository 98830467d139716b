#!/bin/bash
# One prepared run for a short GPU lease (about 9 minutes of work, plus the machine's start): CUDA kernel parity and
# the other render tests on cuda (mesh rasteriser, fills, resampling), renderer speed, fresh
# world views exported on every CPU core, then depth + refiner training side by side on the
# one GPU, and each result measured by `train promote --dry-run` (the depth run as the mean
# of its second half's checkpoints, as the shipped network was made). Everything worth
# keeping lands in $OUT (or ./gpu_out); nothing is promoted here.
#
# Run from the repository root on a CUDA machine that has torch, lightning and timm
# (kornia, kornia_rs and the other dependencies may be installed from wheels first).
# Adjust MINUTES / VIEWS_PER_CORE to the lease. Measured on one H200 (2026-11-27): 14
# exporters made ~12 views/s at 192x192 and depth training ran ~9.7 steps/s at batch 32.
# The depth run continues the shipped weights with the recipe that made them (whole views,
# relative weight 1.0, the recipe's lr 1e-3: docs/training.md, "Continuing from the shipped
# weights"). ACCELERATOR=cpu runs the same steps on a machine without a GPU (a smoke test of
# this script: the CUDA tests skip, the numbers mean nothing).
set -u
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
OUT=${OUT:-gpu_out}
ACCELERATOR=${ACCELERATOR:-gpu}
MINUTES=${MINUTES:-3}              # per training run
EXPORTERS=${EXPORTERS:-14}         # world-export processes (leave cores for batch workers)
VIEWS_PER_CORE=${VIEWS_PER_CORE:-250}
EXPORT_SECONDS=${EXPORT_SECONDS:-175}
CHECKPOINT_EVERY=${CHECKPOINT_EVERY:-250}  # steps between the depth run's checkpoints (averaged at the end)
R=/tmp/gpu_session; W=/tmp/gpu_session_worlds; mkdir -p "$R" "$OUT"
T0=$(date +%s); say() { echo "[$(( $(date +%s) - T0 ))s] $*"; }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$R/gpu.txt" 2>&1; cat "$R/gpu.txt"
for i in $(seq 0 $((EXPORTERS - 1))); do
  timeout "$EXPORT_SECONDS" python3 -m infinite_nature world export --out "$W/p$i" --count "$VIEWS_PER_CORE" \
    --start-seed $((100000 + i * VIEWS_PER_CORE)) --size 192x192 --quiet > "$R/export_$i.log" 2>&1 &
done
say "CUDA tests"  # the kernel's parity, and every render test that takes the device fixture on cuda
OMP_NUM_THREADS=2 timeout 240 python3 -m pytest -q -p no:cacheprovider tests/render -k cuda \
  > "$R/cuda_tests.log" 2>&1
CUDA_TESTS=$?; tail -3 "$R/cuda_tests.log"
if [ "$ACCELERATOR" = gpu ]; then
  OMP_NUM_THREADS=2 timeout 100 python3 -m infinite_nature bench render --device cuda --sizes 256 512 1024 \
    --backends torch cuda --repeats 20 --json "$R/bench_render.json" > "$R/bench_render.log" 2>&1
  tail -8 "$R/bench_render.log"
fi
wait; say "exported $(ls "$W"/p*/*.camera.json 2>/dev/null | wc -l) views"

COMMON="--worlds $W --accelerator $ACCELERATOR --devices 1 --workers 3 --max-minutes $MINUTES --no-progress
  --sample-every 100000 --validate-every 500"
python3 -m infinite_nature train depth --config configs/train/depth.yaml $COMMON --batch-size 32 --max-steps 3000 \
  --init-weights infinite_nature/weights/default/depth_sky --relative-weight 1.0 --crop-min 1 \
  --checkpoint-every "$CHECKPOINT_EVERY" --out "$R/depth" > "$R/depth.log" 2>&1 &
if [ "$CUDA_TESTS" -eq 0 ]; then  # the refiner splats with the CUDA kernel: only when it passed
  python3 -m infinite_nature train refiner --config configs/train/refiner.yaml $COMMON --batch-size 16 --max-steps 3000 \
    --checkpoint-every 100000 --init-weights infinite_nature/weights/default/refiner --out "$R/refiner" \
    > "$R/refiner.log" 2>&1 &
fi
wait; say "training done"

# The depth network to judge: the mean of the run's checkpoints over its second half.
LAST=$(ls "$R"/depth/checkpoints/step*.ckpt 2>/dev/null | sed 's/.*step\([0-9]*\)\.ckpt/\1/' | sort -n | tail -1)
if [ -n "$LAST" ]; then
  FROM=$(( (LAST / 2 + CHECKPOINT_EVERY - 1) / CHECKPOINT_EVERY * CHECKPOINT_EVERY ))
  python3 -m infinite_nature train average "$R/depth" --from-step "$FROM" > "$R/average.log" 2>&1
  tail -1 "$R/average.log"
fi
export OMP_NUM_THREADS=8
for EXPORT in "$R/depth/export-averaged" "$R/refiner/export"; do
  [ -d "$EXPORT" ] || continue
  NAME=$(echo "${EXPORT#"$R"/}" | tr / _)
  timeout 300 python3 -m infinite_nature train promote "$EXPORT" --dry-run --quiet > "$R/promote_$NAME.log" 2>&1
  say "promote --dry-run $NAME: exit $? (0: it would replace the shipped network)"; tail -4 "$R/promote_$NAME.log"
done
rm -rf "$R"/*/checkpoints "$R"/*/tensorboard
tar czf /tmp/gpu_session.tgz -C /tmp gpu_session && split -b 15M /tmp/gpu_session.tgz "$OUT/gpu_session.tgz."
say "results in $OUT (cat $OUT/gpu_session.tgz.* | tar xz)"
