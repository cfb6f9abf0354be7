# Creates the cluster's certificates and keys with openssl; sourced by up.sh, not run.
# Everything lands in $PKI_DIR. Existing files are kept, so a restart reuses them.

# new_ca NAME CN
new_ca() {
  [ -f "$PKI_DIR/$1.crt" ] && return
  openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 \
    -keyout "$PKI_DIR/$1.key" -out "$PKI_DIR/$1.crt" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
}

# new_cert NAME CA SUBJECT USAGE [SANS]   USAGE: server, client or both; SANS: "DNS:a,IP:b"
new_cert() {
  local name="$1" ca="$2" subject="$3" usage="$4" sans="${5:-}"
  [ -f "$PKI_DIR/$name.crt" ] && return
  local eku
  case "$usage" in
    server) eku=serverAuth ;;
    client) eku=clientAuth ;;
    both) eku=serverAuth,clientAuth ;;
  esac
  local ext="$PKI_DIR/$name.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [ -n "$sans" ] && echo "subjectAltName=$sans"
  } >"$ext"
  openssl req -new -nodes -newkey rsa:2048 -keyout "$PKI_DIR/$name.key" -out "$PKI_DIR/$name.csr" -subj "$subject" 2>/dev/null
  openssl x509 -req -sha256 -days 3650 -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/$ca.crt" -CAkey "$PKI_DIR/$ca.key" \
    -CAcreateserial -extfile "$ext" -out "$PKI_DIR/$name.crt" 2>/dev/null
  rm -f "$PKI_DIR/$name.csr" "$ext"
}

make_pki() {
  mkdir -p "$PKI_DIR"
  chmod 700 "$PKI_DIR"
  new_ca ca mlk-local-ca
  new_ca front-proxy-ca mlk-local-front-proxy-ca
  new_cert apiserver ca "/CN=kube-apiserver" server \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$SERVICE_IP"
  new_cert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" client
  new_cert admin ca "/O=system:masters/CN=mlk-admin" client
  new_cert controller-manager ca "/CN=system:kube-controller-manager" client
  new_cert scheduler ca "/CN=system:kube-scheduler" client
  new_cert kwok ca "/O=system:masters/CN=kwok-controller" client
  new_cert kwok-serving ca "/CN=kwok-kubelet" server "DNS:localhost,IP:127.0.0.1"
  new_cert metrics-server ca "/CN=system:metrics-server" client
  new_cert metrics-server-serving ca "/CN=metrics-server" server \
    "DNS:metrics-server.kube-system.svc,DNS:metrics-server.kube-system.svc.cluster.local,DNS:localhost,IP:127.0.0.1"
  new_cert front-proxy-client front-proxy-ca "/CN=front-proxy-client" client
  if [ ! -f "$PKI_DIR/sa.key" ]; then
    openssl genrsa -out "$PKI_DIR/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2>/dev/null
  fi
}

# write_kubeconfig FILE CERTNAME
write_kubeconfig() {
  local file="$1" cert="$2"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mlk-local
  cluster:
    server: https://127.0.0.1:$MLK_APISERVER_PORT
    certificate-authority-data: $(base64 -w0 "$PKI_DIR/ca.crt")
users:
- name: $cert
  user:
    client-certificate-data: $(base64 -w0 "$PKI_DIR/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI_DIR/$cert.key")
contexts:
- name: mlk-local
  context:
    cluster: mlk-local
    user: $cert
current-context: mlk-local
EOF
  chmod 600 "$file"
}
