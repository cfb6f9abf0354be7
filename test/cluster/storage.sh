#!/usr/bin/env bash
# Prints the default StorageClass and the pool of pre-created PersistentVolumes (YAML on stdout).
# There is no provisioner: the real PV controller binds claims to these volumes. The class binds
# Immediately (a claim binds without a consumer, as the primer's model claim expects) and the
# hostPath volumes have no node affinity, so pods that mount them schedule on any node.
# Reclaim policy Retain: a released volume is made Available again by test/cluster/pv-reclaim.sh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cat <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
allowVolumeExpansion: false
YAML

# size count access-modes...
pool() {
  local size="$1" count="$2"; shift 2
  local modes="$*" i name
  local tag; tag="$(tr 'A-Z' 'a-z' <<<"$size")"
  local kind=rwo; [[ "$modes" == *ReadWriteMany* ]] && kind=rwx
  for ((i = 1; i <= count; i++)); do
    name="pool-$kind-$tag-$i"
    cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $name
  labels: {mlk.test/pool: "true", mlk.test/size: "$size"}
spec:
  storageClassName: standard
  capacity: {storage: $size}
  accessModes: [$(sed 's/ /, /g' <<<"$modes")]
  persistentVolumeReclaimPolicy: Retain
  volumeMode: Filesystem
  hostPath: {path: "$STATE_DIR/pv/$name", type: DirectoryOrCreate}
YAML
  done
}

pool 1Gi 6 ReadWriteOnce
pool 5Gi 6 ReadWriteOnce
pool 10Gi 8 ReadWriteOnce
pool 20Gi 4 ReadWriteOnce
pool 50Gi 3 ReadWriteOnce
pool 100Gi 2 ReadWriteOnce
pool 10Gi 3 ReadWriteMany ReadWriteOnce ReadOnlyMany
pool 50Gi 2 ReadWriteMany ReadWriteOnce ReadOnlyMany
