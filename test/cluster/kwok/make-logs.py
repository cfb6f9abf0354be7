#!/usr/bin/env python3
"""Writes the log files kwok serves for every pod: argv[1] current, argv[2] previous (crashed) container.

kwok reads them like a kubelet reads container logs, so each line is in the CRI log format:
`<RFC3339Nano timestamp> <stdout|stderr> F <message>`; kubectl logs shows only the message
(and the timestamp with --timestamps)."""
import datetime
import sys

start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)


def stamp(i, stream="stdout"):
    t = (start + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
    return f"{t} {stream} F {t[:23]}Z"


lines = [f"{stamp(0)} INFO mlk-test-workload starting (simulated by kwok)",
         f"{stamp(1)} INFO loading model weights from /models/current",
         f"{stamp(2)} INFO model loaded in 1.92s"]
for i in range(3, 300):
    if i % 50 == 0:
        lines.append(f"{stamp(i)} WARNING slow request: 812ms for POST /v1/predict")
    elif i % 3 == 0:
        lines.append(f"{stamp(i)} INFO step={i} loss={2.5 / (i + 1) ** 0.5:.4f} lr=0.0003")
    else:
        lines.append(f"{stamp(i)} INFO 127.0.0.1 \"POST /v1/predict HTTP/1.1\" 200 {40 + i % 17}ms")
with open(sys.argv[1], "w") as f:
    f.write("\n".join(lines) + "\n")

previous = lines[:40] + [
    f"{stamp(41, 'stderr')} ERROR Traceback (most recent call last):",
    f"{stamp(41, 'stderr')} ERROR   File \"/app/train.py\", line 88, in <module>",
    f"{stamp(41, 'stderr')} ERROR RuntimeError: simulated failure (mlk test cluster)",
]
with open(sys.argv[2], "w") as f:
    f.write("\n".join(previous) + "\n")
