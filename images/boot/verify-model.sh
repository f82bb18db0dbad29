#!/bin/bash
# verify-model.sh MODEL_ID FOLDER
#
# Run by the GPU instances' boot after `aws s3 sync` brought a model from the
# shared compute model bucket: refuses, on stderr and with exit status 1, a
# model whose weights are missing or differ from the SHA256SUMS manifest that
# `npx projen models:upload` wrote beside them. The boot then stops before any
# server starts (and says so on the alarm topic), instead of serving nothing or
# the wrong weights.
set -uo pipefail
model="${1:?usage: verify-model.sh MODEL_ID FOLDER}"
folder="${2:?usage: verify-model.sh MODEL_ID FOLDER}"

refuse() {
  echo "PanOps: refusing to start the server for ${model}: $1" >&2
  exit 1
}

upload_hint="upload them with: npx projen models:upload -- --model ${model} --from <folder> --bucket <model bucket>"
[ -f "${folder}/SHA256SUMS" ] || refuse "its weights are missing (no SHA256SUMS under ${folder}); ${upload_hint}"
[ -s "${folder}/SHA256SUMS" ] || refuse "its SHA256SUMS manifest is empty; ${upload_hint}"
if ! (cd "${folder}" && sha256sum --check --strict --quiet SHA256SUMS) >&2; then
  refuse "a weight file is missing or its checksum differs from SHA256SUMS; ${upload_hint}"
fi
echo "PanOps: weights of ${model} verified ($(wc -l < "${folder}/SHA256SUMS") files against SHA256SUMS)"
