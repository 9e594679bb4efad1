# shellcheck shell=bash source-path=SCRIPTDIR/..
# Run one recipe step in a fresh shell, so that `set -e` holds inside it
# whatever the caller's context: bash step.sh CONFIG-DUMP COMPONENT STEP.
# TREE and DEST come from the environment.
set -euo pipefail

RAISIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "$RAISIN_DIR/lib/common.sh"
# shellcheck source=lib/build.sh
source "$RAISIN_DIR/lib/build.sh"
# shellcheck source=/dev/null
source "$1"
load_registry
"$(fprefix "$2")_$3"
