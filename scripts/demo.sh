#!/usr/bin/env bash
# The product's main job on the local CESS network (README "Quick start").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export CESS_GENESIS="${CESS_GENESIS:-$(cd .. && pwd)/shared/cess/cess-testnet-spec-raw.json}"
exec npx --no-install tsx src/devnet/demo.ts
