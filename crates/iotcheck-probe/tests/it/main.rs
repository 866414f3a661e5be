//! iotcheck-probe against servers on loopback that this test binary starts
//! itself: misbehaving ones (tarpit, garbage, early close, endless banner)
//! that must not hold the probe past its budget, small web consoles whose
//! form logins must be found (and one that welcomes everyone, which must
//! not), real `openssl s_server`s sharing one certificate on two loopback
//! addresses, real daemons on ::1 (IPv6), and a real OpenSSH sshd for the
//! SSH algorithms.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Tests start their own servers on loopback and talk to them directly
// (clippy.toml keeps these calls to the probe's scope module elsewhere).
#![allow(clippy::disallowed_methods)]

mod cert_trust;
mod digest;
mod form;
mod ipv6;
mod misbehave;
mod shared_cert;
mod ssh_algorithms;
mod udp;
