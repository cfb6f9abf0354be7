"""Asks an Open Inference Protocol (V2) server for the classes of three iris flowers and checks them.

    python3 /opt/mlk-test/predict.py [--url http://127.0.0.1:8080] [--model iris] [--wait SECONDS]

With --wait it first polls GET /v2/models/MODEL/ready until 200 (the server's /v2/health/ready is not
enough: MLServer answers 200 there once a model that failed to load has been dropped). Prints the
response; exits 0 when the classes are setosa, virginica, versicolor (0, 2, 1), else 1.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request

SAMPLES = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]]
EXPECTED = [0, 2, 1]

p = argparse.ArgumentParser()
p.add_argument("--url", default="http://127.0.0.1:8080")
p.add_argument("--model", default="iris")
p.add_argument("--wait", type=float, default=0)
args = p.parse_args()
base = args.url.rstrip("/")

start = time.monotonic()
while args.wait:
    try:
        with urllib.request.urlopen(f"{base}/v2/models/{args.model}/ready", timeout=2) as r:
            if r.status == 200:
                print(f"ready after {time.monotonic() - start:.1f}s", file=sys.stderr)
                break
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        pass
    if time.monotonic() - start > args.wait:
        sys.exit(f"{args.model} not ready after {args.wait:.0f}s")
    time.sleep(0.5)

body = {"inputs": [{"name": "predict", "shape": [len(SAMPLES), 4], "datatype": "FP64", "data": SAMPLES}]}
req = urllib.request.Request(
    f"{base}/v2/models/{args.model}/infer", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
)
with urllib.request.urlopen(req, timeout=30) as r:
    response = json.load(r)
print(json.dumps(response))
got = response["outputs"][0]["data"]
if got != EXPECTED:
    sys.exit(f"predicted {got}, want {EXPECTED}")
