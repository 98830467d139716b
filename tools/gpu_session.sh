#!/bin/bash
# One prepared run for a short GPU lease (about 8 minutes of work): CUDA kernel parity and
# the other render tests on cuda (mesh rasteriser, fills, resampling), renderer speed, fresh
# world views exported on every CPU core, then depth + refiner training side by side on the
# one GPU. Everything worth keeping lands in $OUT (or ./gpu_out).
#
# Run from the repository root on a CUDA machine that has torch, lightning and timm
# (kornia, kornia_rs and the other dependencies may be installed from wheels first).
# Adjust MINUTES / VIEWS_PER_CORE to the lease. Tested on one H200 (2026-11-27), where
# 14 exporters made ~12 views/s at 192x192 and depth training ran ~9.7 steps/s at batch 32.
# The depth run continues the shipped weights with their last recipe (per-view normalised
# losses, relative weight 1.0, lr 2e-4: model card, 2026-12-03).
set -u
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
OUT=${OUT:-gpu_out}
MINUTES=${MINUTES:-3.5}            # per training run
EXPORTERS=${EXPORTERS:-14}         # world-export processes (leave cores for batch workers)
VIEWS_PER_CORE=${VIEWS_PER_CORE:-250}
EXPORT_SECONDS=${EXPORT_SECONDS:-175}
R=/tmp/gpu_session; W=/tmp/gpu_session_worlds; mkdir -p "$R" "$OUT"
T0=$(date +%s); say() { echo "[$(( $(date +%s) - T0 ))s] $*"; }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$R/gpu.txt"
for i in $(seq 0 $((EXPORTERS - 1))); do
  timeout "$EXPORT_SECONDS" python3 -m infinite_nature world export --out "$W/p$i" --count "$VIEWS_PER_CORE" \
    --start-seed $((100000 + i * VIEWS_PER_CORE)) --size 192x192 --quiet > "$R/export_$i.log" 2>&1 &
done
say "CUDA tests"  # the kernel's parity, and every render test that takes the device fixture on cuda
OMP_NUM_THREADS=2 timeout 240 python3 -m pytest -q -p no:cacheprovider tests/render -k cuda \
  > "$R/cuda_tests.log" 2>&1
CUDA_TESTS=$?; tail -3 "$R/cuda_tests.log"
OMP_NUM_THREADS=2 timeout 100 python3 -m infinite_nature bench render --device cuda --sizes 256 512 1024 \
  --backends torch cuda --repeats 20 --json "$R/bench_render.json" > "$R/bench_render.log" 2>&1
tail -8 "$R/bench_render.log"
wait; say "exported $(ls "$W"/p*/*.camera.json 2>/dev/null | wc -l) views"

COMMON="--worlds $W --accelerator gpu --devices 1 --workers 3 --max-minutes $MINUTES --no-progress
  --checkpoint-every 100000 --sample-every 100000 --validate-every 500"
python3 -m infinite_nature train depth --config configs/train/depth.yaml $COMMON --batch-size 32 --max-steps 3000 \
  --init-weights infinite_nature/weights/default/depth_sky --learning-rate 2e-4 --relative-weight 1.0 \
  --out "$R/depth" > "$R/depth.log" 2>&1 &
if [ "$CUDA_TESTS" -eq 0 ]; then  # the refiner splats with the CUDA kernel: only when it passed
  python3 -m infinite_nature train refiner --config configs/train/refiner.yaml $COMMON --batch-size 16 --max-steps 3000 \
    --init-weights infinite_nature/weights/default/refiner --out "$R/refiner" > "$R/refiner.log" 2>&1 &
fi
wait; say "training done"
rm -rf "$R"/*/checkpoints "$R"/*/tensorboard
tar czf /tmp/gpu_session.tgz -C /tmp gpu_session && split -b 15M /tmp/gpu_session.tgz "$OUT/gpu_session.tgz."
say "results in $OUT (cat $OUT/gpu_session.tgz.* | tar xz)"
