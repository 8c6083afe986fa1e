#!/usr/bin/env bash
# Runs every benchmark and writes bench/results/*.md (bench/results/quick/ with --quick).
#   bench/run.sh            the real run (about 10 minutes on 2 cores; run it on a quiet machine)
#   bench/run.sh --quick    a development run, within 3 minutes; figures indicative only
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

args=()
for a in "$@"; do
  case "$a" in
    --quick) args+=(--quick) ;;
    *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
  esac
done

projects=(bench/Generator bench/Dispatch bench/Onnx bench/Loop)  # the loop last: its ratios are the most sensitive to other load
for p in "${projects[@]}"; do
  dotnet build "$p" -c Release --nologo -v quiet
done
for p in "${projects[@]}"; do
  echo "== $p"
  dotnet run -c Release --no-build --project "$p" -- "${args[@]}"
done
