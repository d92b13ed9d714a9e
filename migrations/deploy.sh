#!/usr/bin/env bash
# Deploys (or upgrades) the Homeostat program and publishes (or upgrades) its IDL on a
# cluster, idempotently. Needs the Solana toolchain and the Anchor CLI 1.2.2 — not
# installable on the project's build machines, so this script is run by the team that
# goes live, on their own machine.
#
#   migrations/deploy.sh <cluster-url> [--dry-run]
#
# The program keypair (target/deploy/homeostat-keypair.json) must be the one whose address
# is in `declare_id!` and Anchor.toml; the provider wallet (Anchor.toml) pays and becomes
# the upgrade authority.
set -euo pipefail
cd "$(dirname "$0")/.."

url="${1:?usage: migrations/deploy.sh <cluster-url> [--dry-run]}"
dry_run="${2:-}"
program_id="$(grep -o 'declare_id!("[^"]*")' programs/homeostat/src/lib.rs | cut -d'"' -f2)"

run() {
    echo "+ $*"
    if [ "$dry_run" != "--dry-run" ]; then
        "$@"
    fi
}

for tool in solana anchor; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found: install the Solana toolchain and Anchor 1.2.2" >&2; exit 1; }
done

run anchor build
if solana program show "$program_id" --url "$url" >/dev/null 2>&1; then
    echo "program $program_id exists on $url: upgrading"
    run anchor upgrade target/deploy/homeostat.so --program-id "$program_id" --provider.cluster "$url"
else
    echo "program $program_id not on $url: deploying"
    run anchor deploy --program-name homeostat --provider.cluster "$url"
fi
# The IDL the repository commits (CI keeps it equal to the source).
if anchor idl fetch "$program_id" --provider.cluster "$url" >/dev/null 2>&1; then
    run anchor idl upgrade "$program_id" --filepath idl/homeostat.json --provider.cluster "$url"
else
    run anchor idl init "$program_id" --filepath idl/homeostat.json --provider.cluster "$url"
fi
