#!/bin/sh
# Checks the image from the inside (build.sh runs it in the root filesystem as uid 1000): the imports,
# training and saving a model, serving it with MLServer, one prediction. The e2e suite runs the same
# commands in pods.   sh /opt/mlk-test/verify.sh [HTTP_PORT [GRPC_PORT [METRICS_PORT]]]
set -eu
http="${1:-8080}" grpc="${2:-8081}" metrics="${3:-8082}"

python3 -c "import sklearn, mlserver, mlserver_sklearn, numpy, joblib; print('python-ml:', 'scikit-learn', sklearn.__version__, 'mlserver', mlserver.__version__, 'numpy', numpy.__version__, 'joblib', joblib.__version__)"
python3 /opt/mlk-test/train_iris.py /tmp/m iris
MLSERVER_HOST=127.0.0.1 MLSERVER_HTTP_PORT="$http" MLSERVER_GRPC_PORT="$grpc" MLSERVER_METRICS_PORT="$metrics" \
  mlserver start /tmp/m >/tmp/mlserver.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
if ! python3 /opt/mlk-test/predict.py --url "http://127.0.0.1:$http" --model iris --wait 120; then
  cat /tmp/mlserver.log >&2
  exit 1
fi
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 0 ] || { cat /tmp/mlserver.log >&2; echo "mlserver exited $rc on SIGTERM" >&2; exit 1; }
echo "python-ml: verified (train, save, serve, predict; clean exit on SIGTERM)"
