//! iotcheck-probe against servers on loopback that this test binary starts
//! itself: misbehaving ones (tarpit, garbage, early close, endless banner)
//! that must not hold the probe past its budget, small web consoles whose
//! form logins must be found (and one that welcomes everyone, which must
//! not), and real `openssl s_server`s sharing one certificate on two
//! loopback addresses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod digest;
mod form;
mod misbehave;
mod shared_cert;
mod udp;
