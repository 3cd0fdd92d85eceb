# Certificates for the TLS tests.  Sourced by tests/lib.sh.

# Test certificates, made with the openssl command line, 2 days valid.
# pki_ca DIR NAME CN: a self-signed CA, DIR/NAME.key and DIR/NAME.crt.
pki_ca() {
	mkdir -p "$1" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$3" \
	    -keyout "$1/$2.key" -out "$1/$2.crt" >/dev/null 2>&1
}

# pki_cert DIR NAME SUBJECT CA [SAN]: DIR/NAME.key and DIR/NAME.crt for
# SUBJECT ("/CN=alice/O=students"), signed by DIR/CA.crt, with the
# subjectAltName SAN ("DNS:localhost,IP:127.0.0.1") when given.
pki_cert() {
	_ext=
	if [ -n "${5:-}" ]; then
		printf 'subjectAltName=%s\n' "$5" >"$1/$2.ext" || return 1
		_ext="-extfile $1/$2.ext"
	fi
	openssl req -newkey rsa:2048 -nodes -subj "$3" -keyout "$1/$2.key" \
	    -out "$1/$2.csr" >/dev/null 2>&1 &&
	openssl x509 -req -in "$1/$2.csr" -CA "$1/$4.crt" -CAkey "$1/$4.key" \
	    -CAcreateserial -days 2 $_ext -out "$1/$2.crt" >/dev/null 2>&1
}

# pki_server DIR NAME SUBJECT SAN: a CA (DIR/ca.crt, CN test-ca) and a
# certificate it signs, DIR/NAME.crt and DIR/NAME.key, for SUBJECT and SAN.
pki_server() {
	pki_ca "$1" ca test-ca &&
	pki_cert "$1" "$2" "$3" ca "$4"
}
