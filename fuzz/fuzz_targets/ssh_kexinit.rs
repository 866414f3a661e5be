//! What an SSH server sends first: lines before its version line, the
//! version line, and its first binary packet (SSH_MSG_KEXINIT). None may
//! panic; every offset stays inside the input, every list within its cap,
//! and the weak algorithms named are ones the server offered.
#![no_main]

use iotcheck_probe::ssh_kex::{
    MAX_NAMES, MAX_PACKET, packet, parse_kexinit, version_line, weak_algorithms,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rest = match version_line(data) {
        Ok(Some((v, off))) => {
            assert!(off <= data.len() && v.starts_with("SSH-"));
            &data[off..]
        }
        _ => data,
    };
    let payloads = [packet(rest).ok().flatten(), Some(rest)];
    for p in payloads.into_iter().flatten() {
        assert!(p.len() <= rest.len() && p.len() <= MAX_PACKET);
        if let Ok(k) = parse_kexinit(p) {
            let lists = [
                &k.kex,
                &k.host_key,
                &k.ciphers_c2s,
                &k.ciphers_s2c,
                &k.macs_c2s,
                &k.macs_s2c,
                &k.compression_c2s,
                &k.compression_s2c,
            ];
            assert!(lists.iter().all(|l| l.len() <= MAX_NAMES));
            for w in weak_algorithms(&k) {
                assert!(lists.iter().any(|l| l.contains(&w.name)), "{}", w.name);
            }
        }
    }
});
