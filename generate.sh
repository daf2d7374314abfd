#!/usr/bin/env bash
# Regenerates skyportal_client/ and docs/ from openapi.yaml with our templates/.
# Runs offline once the build venv exists; running it twice changes nothing.
set -euo pipefail
cd "$(dirname "$0")"

GENERATOR_VERSION=5.4.0   # the last `python` generator with the package layout users import
PYYAML_VERSION=6.0.2
venv=.build-venv

if ! command -v java >/dev/null 2>&1; then
  echo "generate.sh: java is needed to run openapi-generator $GENERATOR_VERSION." >&2
  echo "  Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless" >&2
  echo "  macOS:         brew install openjdk@17" >&2
  exit 1
fi

if ! "$venv/bin/openapi-generator-cli" version 2>/dev/null | grep -qx "$GENERATOR_VERSION" \
   || ! "$venv/bin/python" -c "import yaml; assert yaml.__version__ == '$PYYAML_VERSION'" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "openapi-generator-cli==$GENERATOR_VERSION" "PyYAML==$PYYAML_VERSION"
fi

# The generator's YAML reader does not resolve anchors, which openapi.yaml uses to
# state each column's element type once; hand it the resolved document as JSON.
resolved=$(mktemp -d)
trap 'rm -rf "$resolved"' EXIT
"$venv/bin/python" - openapi.yaml "$resolved/openapi.json" <<'PY'
import json, sys, yaml
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as dst:
    json.dump(yaml.safe_load(src), dst)
PY

# Only generated files are removed first, so a template that stops producing a
# file cannot leave a stale copy behind.
if [ -f .openapi-generator/FILES ]; then
  xargs rm -f < .openapi-generator/FILES
fi

"$venv/bin/openapi-generator-cli" generate \
  --generator-name python \
  --input-spec "$resolved/openapi.json" \
  --config generator-config.yaml \
  --template-dir templates \
  --output . \
  --global-property apiTests=false,modelTests=false \
  > "$resolved/generator.log" 2>&1 || { cat "$resolved/generator.log" >&2; exit 1; }

# The generator makes the folders of its stock layout even when it writes nothing in them.
rmdir skyportal_client/apis skyportal_client/models 2>/dev/null || true
