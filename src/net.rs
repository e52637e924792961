//! Socket facts the protocols need about a connection a daemon hands over: who the peer is.

use std::ffi::CStr;
use std::os::fd::RawFd;

use crate::error::{Error, ErrorCode, Result};

/// The host name the peer of socket `fd` resolves to (reverse DNS through `getnameinfo`, so
/// IPv4 and IPv6 alike). Fails with `NotFound` when the socket has no peer address or the
/// address has no name.
pub fn peer_host_name(fd: RawFd) -> Result<String> {
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
            libc::NI_NAMEREQD,
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
    }
}
