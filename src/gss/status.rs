//! What a failed GSS-API call means to a program: the common failure classes get result codes
//! of their own, so that a daemon can tell "no ticket: run kinit" from "unknown service
//! principal" or "keytab mismatch" without parsing English. Everything else stays
//! `ErrorCode::Gss`; the last error keeps the mechanism's full text either way.

use crate::error::ErrorCode;

/// A GSS-API routine error (the major status bits above `GSS_C_ROUTINE_ERROR_OFFSET`).
const fn routine(number: u32) -> u32 {
    number << 16
}

const BAD_MECH: u32 = routine(1);
const BAD_SIG: u32 = routine(6);
const NO_CRED: u32 = routine(7);
const CREDENTIALS_EXPIRED: u32 = routine(11);
const CONTEXT_EXPIRED: u32 = routine(12);
const DEFECTIVE_TOKEN: u32 = routine(9);
const UNAVAILABLE: u32 = routine(16);

/// MIT krb5 error codes the Kerberos mechanism reports as minor status (`krb5.h`; they are
/// negative 32-bit numbers, carried in the unsigned minor status).
mod krb5 {
    pub(super) const KDC_ERR_C_PRINCIPAL_UNKNOWN: u32 = -1765328378_i32 as u32;
    pub(super) const KDC_ERR_S_PRINCIPAL_UNKNOWN: u32 = -1765328377_i32 as u32;
    pub(super) const AP_ERR_BAD_INTEGRITY: u32 = -1765328353_i32 as u32;
    pub(super) const AP_ERR_TKT_EXPIRED: u32 = -1765328352_i32 as u32;
    pub(super) const AP_ERR_REPEAT: u32 = -1765328350_i32 as u32;
    pub(super) const AP_ERR_SKEW: u32 = -1765328347_i32 as u32;
    pub(super) const AP_ERR_BADKEYVER: u32 = -1765328340_i32 as u32;
    pub(super) const AP_ERR_NOKEY: u32 = -1765328339_i32 as u32;
    pub(super) const CC_NOTFOUND: u32 = -1765328243_i32 as u32;
    pub(super) const AP_WRONG_PRINC: u32 = -1765328240_i32 as u32;
    pub(super) const REALM_UNKNOWN: u32 = -1765328230_i32 as u32;
    pub(super) const KDC_UNREACH: u32 = -1765328228_i32 as u32;
    pub(super) const KT_NOTFOUND: u32 = -1765328203_i32 as u32;
    pub(super) const FCC_NOFILE: u32 = -1765328189_i32 as u32;
    pub(super) const KT_KVNONOTFOUND: u32 = -1765328154_i32 as u32;
}

/// The result code for a failed call with these statuses.
pub fn classify(major: u32, minor: u32) -> ErrorCode {
    let routine_error = major & 0xffff_0000;
    if routine_error == BAD_SIG || routine_error == DEFECTIVE_TOKEN {
        // A message or token that fails its checksum was altered or forged: whatever the
        // mechanism's minor code (krb5 says "bad integrity"), it says nothing about keys.
        return ErrorCode::Gss;
    }
    if routine_error == NO_CRED {
        // Acquiring credentials found nothing to use (no cache; no key for the name).
        return ErrorCode::NoCredentials;
    }
    match minor {
        krb5::FCC_NOFILE | krb5::CC_NOTFOUND => return ErrorCode::NoCredentials,
        krb5::AP_ERR_TKT_EXPIRED => return ErrorCode::CredentialsExpired,
        krb5::KDC_ERR_S_PRINCIPAL_UNKNOWN | krb5::KDC_ERR_C_PRINCIPAL_UNKNOWN => return ErrorCode::UnknownPrincipal,
        krb5::KT_NOTFOUND
        | krb5::KT_KVNONOTFOUND
        | krb5::AP_ERR_BAD_INTEGRITY
        | krb5::AP_ERR_BADKEYVER
        | krb5::AP_ERR_NOKEY
        | krb5::AP_WRONG_PRINC => return ErrorCode::KeyMismatch,
        krb5::AP_ERR_SKEW => return ErrorCode::ClockSkew,
        krb5::KDC_UNREACH | krb5::REALM_UNKNOWN => return ErrorCode::KdcUnreachable,
        krb5::AP_ERR_REPEAT => return ErrorCode::Replay,
        _ => {}
    }
    match routine_error {
        NO_CRED => ErrorCode::NoCredentials,
        CREDENTIALS_EXPIRED | CONTEXT_EXPIRED => ErrorCode::CredentialsExpired,
        BAD_MECH | UNAVAILABLE => ErrorCode::MechUnavailable,
        _ => ErrorCode::Gss,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILURE: u32 = routine(13);

    #[test]
    fn kerberos_minor_codes_name_the_cause() {
        assert_eq!(classify(FAILURE, krb5::FCC_NOFILE), ErrorCode::NoCredentials);
        assert_eq!(classify(FAILURE, krb5::KDC_ERR_S_PRINCIPAL_UNKNOWN), ErrorCode::UnknownPrincipal);
        assert_eq!(classify(FAILURE, krb5::KT_NOTFOUND), ErrorCode::KeyMismatch);
        assert_eq!(classify(NO_CRED, krb5::KT_NOTFOUND), ErrorCode::NoCredentials);
        assert_eq!(classify(FAILURE, krb5::AP_ERR_SKEW), ErrorCode::ClockSkew);
        assert_eq!(classify(FAILURE, krb5::KDC_UNREACH), ErrorCode::KdcUnreachable);
        assert_eq!(classify(FAILURE, krb5::AP_ERR_TKT_EXPIRED), ErrorCode::CredentialsExpired);
    }

    #[test]
    fn routine_errors_name_the_cause_when_the_minor_code_does_not() {
        assert_eq!(classify(NO_CRED, 0), ErrorCode::NoCredentials);
        assert_eq!(classify(CREDENTIALS_EXPIRED, 0), ErrorCode::CredentialsExpired);
        assert_eq!(classify(BAD_MECH, 0), ErrorCode::MechUnavailable);
        assert_eq!(classify(FAILURE, 0), ErrorCode::Gss);
        assert_eq!(classify(FAILURE | 1, 12345), ErrorCode::Gss);
    }

    #[test]
    fn a_forged_message_is_not_a_key_problem() {
        assert_eq!(classify(BAD_SIG, krb5::AP_ERR_BAD_INTEGRITY), ErrorCode::Gss);
        assert_eq!(classify(DEFECTIVE_TOKEN, krb5::AP_ERR_BAD_INTEGRITY), ErrorCode::Gss);
    }
}
