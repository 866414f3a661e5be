#!/usr/bin/env bash
# A simulated IoT device built from real Debian daemons, for the probe's
# tests and benchmark. Network rule: everything listens on loopback inside a
# network namespace this script creates (or, where namespaces cannot be
# created, on 127.0.0.1 at high ports); nothing is ever sent elsewhere.
#
#   device.sh up   insecure|hardened NAME DIR [PORTBASE]
#   device.sh down NAME DIR
#   device.sh ports insecure|hardened [PORTBASE]   # "tcp-list udp-list" the device listens on
#
# `up` prints the prefix to run a command "on the device's network"
# (`ip netns exec NAME` or nothing) and the port list, on two lines.
#
# insecure: busybox telnetd (a login accepting root/xc3511), dropbear with
#   root/vizxv, vsftpd with anonymous FTP and admin/admin, mosquitto
#   anonymous (1883) and with a password file admin/password (1884),
#   lighttpd with Basic auth admin/1234 on HTTP (80) and on HTTPS (443,
#   TLS 1.0 allowed, 1024-bit RSA, SHA-1, expired certificate), the
#   anonymous MQTT listener and the HTTPS port also on ::1 (IPv6),
#   `openssl s_server` on 8443 accepting only TLS 1.0 with NULL and
#   anonymous suites, OpenSSH sshd on 2222 offering weak algorithms
#   (diffie-hellman-group1-sha1, 3des-cbc, hmac-md5, ssh-dss; no password
#   logins; dropbear itself offers diffie-hellman-group14-sha1), and a
#   camera-style web console on 8080: lighttpd running the CGI form login
#   below (webui), accepting admin/admin.
# hardened: OpenSSH sshd without password logins offering only strong
#   algorithms (22), mosquitto on TLS only
#   (8883, strong password), lighttpd on HTTPS only (443, TLS 1.2+, RSA 2048,
#   SHA-256, a certificate issued by a test CA made at start naming
#   127.0.0.1, ::1 and localhost; Basic auth with a strong password), and
#   the same web console on HTTPS only (8443) with a strong password.
#
# The system accounts dropbear and vsftpd check are replaced, for those
# daemons only, by bind-mounting a passwd/shadow pair over /etc inside a
# private mount namespace (`unshare -m`): the host's accounts are untouched.
set -euo pipefail

need() {
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || {
      echo "device.sh: missing $c: run scripts/install-test-deps.sh (Debian packages busybox, dropbear-bin, openssh-server, vsftpd, mosquitto, lighttpd, openssl, iproute2)" >&2
      exit 3
    }
  done
}

ports() { # kind base
  local b=${2:-0}
  if [ "$1" = insecure ]; then
    echo "$((b+21)),$((b+22)),$((b+23)),$((b+80)),$((b+443)),$((b+1883)),$((b+1884)),$((b+2222)),$((b+8080)),$((b+8443)) none"
  else
    echo "$((b+22)),$((b+443)),$((b+8443)),$((b+8883)) none"
  fi
}

cert() { # dir name bits md days|expired|ca
  local d=$1/$2
  mkdir -p "$d"
  if [ "$5" = ca ]; then
    # Issued by a test CA made here (not self-signed), naming the addresses probed.
    mkdir -p "$1/ca"
    openssl req -x509 -newkey rsa:2048 -sha256 -nodes -keyout "$1/ca/key.pem" -out "$1/ca/cert.pem" -days 30 \
      -subj "/CN=iotcheck test CA" 2>/dev/null
    openssl req -x509 -newkey rsa:"$3" -"$4" -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days 365 \
      -CA "$1/ca/cert.pem" -CAkey "$1/ca/key.pem" -subj "/CN=ipcam.local" \
      -addext "subjectAltName=DNS:ipcam.local,DNS:localhost,IP:127.0.0.1,IP:::1" 2>/dev/null
  elif [ "$5" = expired ]; then
    openssl req -newkey rsa:"$3" -"$4" -nodes -keyout "$d/key.pem" -out "$d/req.csr" -subj "/CN=ipcam.local" 2>/dev/null
    : > "$d/index.txt"; echo 01 > "$d/serial"
    printf '[ca]\ndefault_ca=d\n[d]\ndir=%s\ndatabase=%s/index.txt\nserial=%s/serial\nnew_certs_dir=%s\ndefault_md=%s\npolicy=p\n[p]\ncommonName=supplied\n' "$d" "$d" "$d" "$d" "$4" > "$d/ca.cnf"
    openssl ca -batch -config "$d/ca.cnf" -selfsign -keyfile "$d/key.pem" -in "$d/req.csr" -out "$d/cert.pem" \
      -startdate 20200101000000Z -enddate 20210101000000Z >/dev/null 2>&1
  else
    openssl req -x509 -newkey rsa:"$3" -"$4" -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days "$5" \
      -subj "/CN=ipcam.local" -addext "subjectAltName=DNS:ipcam.local,IP:127.0.0.1" 2>/dev/null
  fi
  cat "$d/cert.pem" "$d/key.pem" > "$d/both.pem"
}

accounts() { # dir root-password admin-password
  local d=$1
  # admin's home is / so that vsftpd can enter it whatever the mode of DIR.
  mkdir -p "$d/etc" "$d/ftp"
  cat > "$d/etc/passwd" <<P
root:x:0:0:root:/root:/bin/sh
admin:x:1000:1000:admin:/:/bin/sh
ftp:x:1001:1001:ftp:$d/ftp:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
sshd:x:65533:65534:sshd privilege separation:/run/sshd:/usr/sbin/nologin
P
  {
    echo "root:$(openssl passwd -6 "$2"):19000:0:99999:7:::"
    echo "admin:$(openssl passwd -6 "$3"):19000:0:99999:7:::"
    echo "ftp:*:19000:0:99999:7:::"
    echo "nobody:*:19000:0:99999:7:::"
    echo "sshd:*:19000:0:99999:7:::"
  } > "$d/etc/shadow"
  chmod 600 "$d/etc/shadow"
}

# A camera-style web console: / redirects to a CGI login form carrying a
# CSRF token (double-submit cookie); the right user and password get a
# session cookie and a redirect to the live view, anything else the form
# again with an error. Served by its own lighttpd (mod_cgi, /bin/sh).
webui() { # dir password port pemfile|""
  local d=$1/webui
  mkdir -p "$d"
  cat > "$d/index.cgi" <<'C'
#!/bin/sh
printf 'Status: 302 Found\r\nLocation: /login.cgi\r\n\r\n'
C
  cat > "$d/login.cgi" <<'C'
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin; export PATH
cookie() { printf '%s' "$HTTP_COOKIE" | tr ';' '\n' | sed -n "s/^ *$1=//p" | head -n 1; }
field() { printf '%s' "$BODY" | tr '&' '\n' | sed -n "s/^$1=//p" | head -n 1; }
token() { od -An -N8 -tx1 /dev/urandom | tr -d ' \n'; }
form() {
  t=$(token)
  printf 'Content-Type: text/html\r\nSet-Cookie: csrf=%s; Path=/; HttpOnly\r\n\r\n' "$t"
  printf '<!DOCTYPE html><html><head><title>IPCam Web Login</title></head><body>\n'
  printf '<h1>IPCam</h1><p class="msg">%s</p>\n<form action="login.cgi" method="post">\n' "$1"
  printf '<input type="hidden" name="csrf" value="%s">\n' "$t"
  printf 'User <input type="text" name="username"> Password <input type="password" name="password">\n'
  printf '<input type="submit" name="login" value="Log in">\n</form></body></html>\n'
}
if [ "$REQUEST_METHOD" = POST ]; then
  BODY=$(head -c "${CONTENT_LENGTH:-0}")
  if [ -z "$(cookie csrf)" ] || [ "$(cookie csrf)" != "$(field csrf)" ]; then
    printf 'Status: 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nbad request token\n'
    exit 0
  fi
  if [ "$(field username)" = admin ] && [ "$(field password)" = "$(cat "${0%/*}/password")" ]; then
    printf 'Status: 302 Found\r\nLocation: /main.cgi\r\nSet-Cookie: session=%s; Path=/; HttpOnly\r\n\r\n' "$(token)"
    exit 0
  fi
  form 'Invalid user name or password.'
else
  form ''
fi
C
  cat > "$d/main.cgi" <<'C'
#!/bin/sh
case "$HTTP_COOKIE" in
  *session=*) printf 'Content-Type: text/html\r\n\r\n<html><head><title>IPCam Live View</title></head><body><h1>Live view</h1><a href="/logout.cgi">Log out</a></body></html>\n' ;;
  *) printf 'Status: 302 Found\r\nLocation: /login.cgi\r\n\r\n' ;;
esac
C
  # Form-encoded as the browser sends it (the passwords used here need no escaping).
  printf '%s' "$2" > "$d/password"
  {
    echo "server.document-root = \"$d\""
    echo "server.bind = \"127.0.0.1\""
    echo "server.port = $3"
    echo "server.errorlog = \"$1/webui-error.log\""
    echo "index-file.names = (\"index.cgi\")"
    echo "cgi.assign = (\".cgi\" => \"/bin/sh\")"
    if [ -n "$4" ]; then
      echo 'server.modules = ("mod_cgi", "mod_openssl")'
      echo 'ssl.engine = "enable"'
      echo "ssl.pemfile = \"$4\""
      echo 'ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1.2")'
    else
      echo 'server.modules = ("mod_cgi")'
    fi
  } > "$1/webui.conf"
  start webui "$1/webui.log" lighttpd -D -f "$1/webui.conf"
}

# Runs "$@" on the device's network with the device's accounts, in the background.
start() { # name logfile cmd...
  local name=$1 log=$2; shift 2
  # shellcheck disable=SC2016
  $NETNS unshare -m --propagation private sh -c '
    mount --bind "$0/etc/passwd" /etc/passwd && mount --bind "$0/etc/shadow" /etc/shadow && shift && exec "$@"' \
    "$DIR" _ "$@" >"$log" 2>&1 &
  echo $! >> "$DIR/pids"
  echo "$name $!" >> "$DIR/daemons"
}

wait_ports() { # list
  local list=$1 p
  for _ in $(seq 1 100); do
    local missing=0
    for p in ${list//,/ }; do
      $NETNS ss -Hltn "sport = :$p" | grep -q LISTEN || missing=1
    done
    [ $missing = 0 ] && return 0
    sleep 0.1
  done
  echo "device.sh: ports did not open: $($NETNS ss -Hltn | awk '{print $4}' | tr '\n' ' ') (wanted $list); logs in $DIR" >&2
  for f in "$DIR"/*.log; do echo "== $f" >&2; tail -5 "$f" >&2; done
  return 1
}

up() {
  local kind=$1 name=$2 base=${4:-0}
  DIR=$3
  need openssl ip ss unshare busybox dropbear dropbearkey sshd ssh-keygen vsftpd mosquitto mosquitto_passwd lighttpd
  mkdir -p "$DIR"; : > "$DIR/pids"; : > "$DIR/daemons"
  NETNS=""
  if [ "$base" = 0 ]; then
    if ip netns add "$name" 2>/dev/null; then
      NETNS="ip netns exec $name"
      $NETNS ip link set lo up
      echo "$name" > "$DIR/netns"
    else
      echo "device.sh: cannot create a network namespace; pass a PORTBASE to use 127.0.0.1 ports instead" >&2
      exit 4
    fi
  fi
  local P_FTP=$((base+21)) P_SSH=$((base+22)) P_TEL=$((base+23)) P_HTTP=$((base+80)) P_HTTPS=$((base+443))
  local P_MQ=$((base+1883)) P_MQP=$((base+1884)) P_MQS=$((base+8883)) P_TLS=$((base+8443))
  local P_SSH2=$((base+2222)) P_WEB=$((base+8080)) P_WEBS=$((base+8443))
  dropbearkey -t ed25519 -f "$DIR/ssh_host_ed25519" >/dev/null 2>&1
  ssh-keygen -q -t ed25519 -N '' -f "$DIR/sshd_ed25519"
  # sshd's privilege-separation directory (the package makes it at boot).
  mkdir -p /run/sshd
  mkdir -p "$DIR/www"; echo '<html><body>IPCam</body></html>' > "$DIR/www/index.html"
  if [ "$kind" = insecure ]; then
    accounts "$DIR" vizxv admin
    cert "$DIR" weak 1024 sha1 expired
    cert "$DIR" tls10 2048 sha256 365
    # Telnet: a login program in the style of a camera's, default root/xc3511.
    cat > "$DIR/login.sh" <<'L'
#!/bin/sh
i=0
while [ $i -lt 3 ]; do
  printf 'IPCam login: '; read -r u
  printf 'Password: '; stty -echo 2>/dev/null; read -r p; stty echo 2>/dev/null; printf '\r\n'
  if [ "$u" = root ] && [ "$p" = xc3511 ]; then printf 'BusyBox v1.35.0 built-in shell (ash)\r\n~ # '; read -r _; exit 0; fi
  sleep 1; printf 'Login incorrect\r\n'; i=$((i+1))
done
L
    chmod +x "$DIR/login.sh"
    start telnetd "$DIR/telnetd.log" busybox telnetd -F -p "$P_TEL" -l "$DIR/login.sh"
    start dropbear "$DIR/dropbear.log" dropbear -F -E -p "127.0.0.1:$P_SSH" -r "$DIR/ssh_host_ed25519" -P "$DIR/dropbear.pid"
    mkdir -p "$DIR/vsftpd-empty"
    cat > "$DIR/vsftpd.conf" <<V
listen=YES
listen_address=127.0.0.1
listen_port=$P_FTP
background=NO
anonymous_enable=YES
anon_root=$DIR/ftp
no_anon_password=YES
local_enable=YES
pam_service_name=vsftpd
secure_chroot_dir=$DIR/vsftpd-empty
seccomp_sandbox=NO
check_shell=NO
xferlog_enable=NO
V
    chmod 755 "$DIR/ftp"
    start vsftpd "$DIR/vsftpd.log" vsftpd "$DIR/vsftpd.conf"
    mosquitto_passwd -c -b "$DIR/mosquitto.pw" admin password >/dev/null 2>&1
    chmod 644 "$DIR/mosquitto.pw"
    cat > "$DIR/mosquitto.conf" <<M
per_listener_settings true
user root
persistence false
listener $P_MQ 127.0.0.1
allow_anonymous true
listener $P_MQ ::1
allow_anonymous true
listener $P_MQP 127.0.0.1
allow_anonymous false
password_file $DIR/mosquitto.pw
M
    start mosquitto "$DIR/mosquitto.log" mosquitto -c "$DIR/mosquitto.conf"
    echo "admin:1234" > "$DIR/lighttpd.users"
    cat > "$DIR/lighttpd.conf" <<H
server.document-root = "$DIR/www"
server.bind = "127.0.0.1"
server.port = $P_HTTP
server.errorlog = "$DIR/lighttpd-error.log"
server.modules = ("mod_auth", "mod_openssl")
index-file.names = ("index.html")
auth.backend = "plain"
auth.backend.plain.userfile = "$DIR/lighttpd.users"
auth.require = ("/" => ("method" => "basic", "realm" => "IPCam", "require" => "valid-user"))
\$SERVER["socket"] == "127.0.0.1:$P_HTTPS" {
  ssl.engine = "enable"
  ssl.pemfile = "$DIR/weak/both.pem"
  ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1", "CipherString" => "ALL:@SECLEVEL=0")
}
\$SERVER["socket"] == "[::1]:$P_HTTPS" {
  ssl.engine = "enable"
  ssl.pemfile = "$DIR/weak/both.pem"
  ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1", "CipherString" => "ALL:@SECLEVEL=0")
}
H
    start lighttpd "$DIR/lighttpd.log" lighttpd -D -f "$DIR/lighttpd.conf"
    ssh-keygen -q -t rsa -b 1024 -N '' -f "$DIR/sshd_rsa1024"
    ssh-keygen -q -t dsa -N '' -f "$DIR/sshd_dsa"
    cat > "$DIR/sshd.conf" <<S
ListenAddress 127.0.0.1:$P_SSH2
HostKey $DIR/sshd_rsa1024
HostKey $DIR/sshd_dsa
HostKeyAlgorithms +ssh-dss,ssh-rsa
KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1
Ciphers +3des-cbc,aes128-cbc
MACs +hmac-md5,hmac-md5-96,hmac-sha1-96
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile $DIR/sshd.pid
S
    start sshd "$DIR/sshd.log" "$(command -v sshd)" -D -e -f "$DIR/sshd.conf"
    start s_server "$DIR/s_server.log" openssl s_server -quiet -accept "127.0.0.1:$P_TLS" -tls1 \
      -cipher 'NULL-SHA:NULL-MD5:ADH-AES128-SHA:AECDH-AES128-SHA:AES128-SHA:@SECLEVEL=0' \
      -cert "$DIR/tls10/cert.pem" -key "$DIR/tls10/key.pem" -www
    webui "$DIR" admin "$P_WEB" ""
    wait_ports "$P_FTP,$P_SSH,$P_TEL,$P_HTTP,$P_HTTPS,$P_MQ,$P_MQP,$P_SSH2,$P_TLS,$P_WEB"
  else
    accounts "$DIR" 'Xq7-long-unique-root-pw' 'Vb9-long-unique-admin-pw'
    cert "$DIR" good 2048 sha256 ca
    # OpenSSH, not dropbear: dropbear always offers diffie-hellman-group14-sha1.
    cat > "$DIR/sshd.conf" <<S
ListenAddress 127.0.0.1:$P_SSH
HostKey $DIR/sshd_ed25519
HostKeyAlgorithms ssh-ed25519
KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr
MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile $DIR/sshd.pid
S
    start sshd "$DIR/sshd.log" "$(command -v sshd)" -D -e -f "$DIR/sshd.conf"
    mosquitto_passwd -c -b "$DIR/mosquitto.pw" admin 'Vb9-long-unique-mqtt-pw' >/dev/null 2>&1
    chmod 644 "$DIR/mosquitto.pw"
    cat > "$DIR/mosquitto.conf" <<M
user root
persistence false
listener $P_MQS 127.0.0.1
allow_anonymous false
password_file $DIR/mosquitto.pw
certfile $DIR/good/cert.pem
keyfile $DIR/good/key.pem
tls_version tlsv1.2
M
    start mosquitto "$DIR/mosquitto.log" mosquitto -c "$DIR/mosquitto.conf"
    echo "admin:Vb9-long-unique-web-pw" > "$DIR/lighttpd.users"
    cat > "$DIR/lighttpd.conf" <<H
server.document-root = "$DIR/www"
server.bind = "127.0.0.1"
server.port = $P_HTTPS
server.errorlog = "$DIR/lighttpd-error.log"
server.modules = ("mod_auth", "mod_openssl")
index-file.names = ("index.html")
auth.backend = "plain"
auth.backend.plain.userfile = "$DIR/lighttpd.users"
auth.require = ("/" => ("method" => "basic", "realm" => "IPCam", "require" => "valid-user"))
ssl.engine = "enable"
ssl.pemfile = "$DIR/good/both.pem"
ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1.2")
H
    start lighttpd "$DIR/lighttpd.log" lighttpd -D -f "$DIR/lighttpd.conf"
    webui "$DIR" 'Vb9-long-unique-webui-pw' "$P_WEBS" "$DIR/good/both.pem"
    wait_ports "$P_SSH,$P_HTTPS,$P_MQS,$P_WEBS"
  fi
  echo "$NETNS"
  ports "$kind" "$base"
}

down() {
  local name=$1 dir=$2
  if [ -f "$dir/pids" ]; then
    # Each pid is a daemon this script started (the unshare wrapper execs it).
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$dir/pids"
    sleep 0.2
    while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$dir/pids"
  fi
  if [ -f "$dir/netns" ]; then
    ip netns pids "$name" 2>/dev/null | while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$name" 2>/dev/null || true
  fi
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) shift; down "$@" ;;
  ports) shift; ports "$@" ;;
  *) echo "usage: device.sh up insecure|hardened NAME DIR [PORTBASE] | down NAME DIR | ports KIND [PORTBASE]" >&2; exit 2 ;;
esac
