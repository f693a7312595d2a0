#!/usr/bin/env bash
# Spark resource discovery for GPUs (spark.executor.resource.gpu.discoveryScript): prints the
# NVIDIA GPUs this host's executor may use, in the JSON Spark expects, e.g.
#   {"name": "gpu", "addresses": ["0", "1"]}
# The same as Spark's examples/src/main/scripts/getGpusResources.sh, kept here because the pyspark
# wheel does not ship the examples. Needs nvidia-smi on the worker.
set -euo pipefail
addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader | paste -sd, - | sed 's/,/", "/g')
echo "{\"name\": \"gpu\", \"addresses\": [\"${addresses}\"]}"
