"""Trains logistic regression on the iris data set (shipped with scikit-learn, no download) and saves
it for MLServer: DIR/model.joblib and DIR/model-settings.json (model NAME, mlserver_sklearn).

    python3 /opt/mlk-test/train_iris.py [DIR [NAME]]     (defaults: /tmp/m iris)

Prints {"accuracy": ..., "model": ...} on stdout, and into /dev/termination-log when that is writable
(a pod's termination message).
"""

import json
import os
import sys

import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/m"
name = sys.argv[2] if len(sys.argv) > 2 else "iris"
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
os.makedirs(out, exist_ok=True)
joblib.dump(model, os.path.join(out, "model.joblib"))
settings = {
    "name": name,
    "implementation": "mlserver_sklearn.SKLearnModel",
    "parameters": {"uri": "./model.joblib", "version": "v1"},
}
with open(os.path.join(out, "model-settings.json"), "w") as f:
    json.dump(settings, f)
result = json.dumps({"accuracy": round(model.score(X_test, y_test), 4), "model": os.path.join(out, "model.joblib")})
print(result)
try:
    with open("/dev/termination-log", "w") as f:
        f.write(result)
except OSError:
    pass
