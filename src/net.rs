//! Socket facts the protocols need about a connection a daemon hands over: who the peer is.

use std::ffi::CStr;
use std::os::fd::RawFd;

use crate::error::{Error, ErrorCode, Result};

/// The host name the peer of socket `fd` resolves to (reverse DNS through `getnameinfo`, so
/// IPv4 and IPv6 alike). Fails with `NotFound` when the socket has no peer address or the
/// address has no name.
pub fn peer_host_name(fd: RawFd) -> Result<String> {
    peer_name_info(fd, libc::NI_NAMEREQD)
}

/// Whether the host name `name` resolves forward (`getaddrinfo`) to `addr` among its addresses
/// (an IPv4-mapped IPv6 address counts as the IPv4 address). A reverse-DNS name is whatever
/// the owner of the address's reverse zone says: only a name whose own zone points back to
/// the address may stand for the peer. A name that does not resolve is not confirmed.
pub fn forward_confirmed(name: &str, addr: std::net::IpAddr) -> bool {
    use std::net::ToSocketAddrs;
    (name, 0).to_socket_addrs().is_ok_and(|mut found| found.any(|a| a.ip().to_canonical() == addr.to_canonical()))
}

/// The numeric address of the peer of socket `fd` (`192.0.2.1`, `2001:db8::1`). Fails with
/// `NotFound` when `fd` is no connected socket.
pub fn peer_address(fd: RawFd) -> Result<String> {
    peer_name_info(fd, libc::NI_NUMERICHOST)
}

/// `getnameinfo` with `flags` on the peer address of socket `fd`.
fn peer_name_info(fd: RawFd, flags: libc::c_int) -> Result<String> {
    // SAFETY: sockaddr_storage is plain data for which all zeroes is a valid value.
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut addr_len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `addr` is writable storage of `addr_len` bytes, large enough for any address.
    let status = unsafe { libc::getpeername(fd, (&raw mut addr).cast(), &mut addr_len) };
    if status != 0 {
        let err = std::io::Error::last_os_error();
        return Err(Error::new(ErrorCode::NotFound, format!("no peer address on descriptor {fd}: {err}")));
    }
    let mut host = [0 as libc::c_char; libc::NI_MAXHOST as usize];
    // SAFETY: `addr`/`addr_len` come from getpeername; `host` is writable for its length; no
    // service name is asked for (NULL, 0).
    let status = unsafe {
        libc::getnameinfo(
            (&raw const addr).cast(),
            addr_len,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            flags,
        )
    };
    if status != 0 {
        // SAFETY: gai_strerror returns a static NUL-terminated message for any code.
        let reason = unsafe { CStr::from_ptr(libc::gai_strerror(status)) }.to_string_lossy();
        return Err(Error::new(ErrorCode::NotFound, format!("the peer's address has no host name: {reason}")));
    }
    // SAFETY: on success getnameinfo wrote a NUL-terminated name into `host`.
    let name = unsafe { CStr::from_ptr(host.as_ptr()) };
    Ok(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    #[test]
    fn loopback_peers_have_names() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        assert!(!peer_host_name(stream.as_raw_fd()).unwrap().is_empty());
        // An IPv6 peer's name: the ctest distcc_interop_reverse-lookup-ipv6, where a hosts file
        // of its own gives ::1 a known name.
    }

    #[test]
    fn a_socket_without_peer_is_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        assert_eq!(peer_host_name(listener.as_raw_fd()).unwrap_err().code(), ErrorCode::NotFound);
        assert_eq!(peer_address(listener.as_raw_fd()).unwrap_err().code(), ErrorCode::NotFound);
    }

    #[test]
    fn only_names_that_resolve_back_to_the_address_are_confirmed() {
        let loopback: std::net::IpAddr = [127, 0, 0, 1].into();
        assert!(forward_confirmed("localhost", loopback));
        assert!(forward_confirmed("localhost", "::ffff:127.0.0.1".parse().unwrap()));
        // A reverse zone may claim any name: one that resolves elsewhere, or nowhere, is no
        // name of this peer.
        assert!(!forward_confirmed("localhost", [192, 0, 2, 1].into()));
        assert!(!forward_confirmed("no-such-host.invalid", loopback));
        assert!(!forward_confirmed("", loopback));
    }

    #[test]
    fn peer_addresses_are_numeric() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        assert_eq!(peer_address(accepted.as_raw_fd()).unwrap(), "127.0.0.1");
    }
}
