//! Hand-declared bindings for the few MIT krb5 (≥ 1.11) calls the responder bridge makes.
//! Layouts follow `<krb5/krb5.h>`; only [`Creds`], [`Data`] and [`Prompt`] are read or
//! written from Rust, the rest stay opaque.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_uint, c_void};

use crate::dynlib::library_functions;

pub type krb5_error_code = i32;

/// Declares opaque krb5 types that Rust only handles by pointer.
macro_rules! opaque {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
        }
    )*};
}

opaque! {
    /// `struct _krb5_context`.
    Context;
    /// `krb5_principal_data`.
    Principal;
    /// `struct _krb5_ccache`.
    Ccache;
    /// `krb5_get_init_creds_opt` (allocated by krb5).
    InitCredsOpt;
    /// `struct krb5_responder_context_st`.
    ResponderContext;
}

/// `krb5_data`.
#[repr(C)]
pub struct Data {
    pub magic: i32,
    pub length: c_uint,
    pub data: *mut c_char,
}

/// `krb5_keyblock`.
#[repr(C)]
pub struct Keyblock {
    pub magic: i32,
    pub enctype: i32,
    pub length: c_uint,
    pub contents: *mut u8,
}

/// `krb5_ticket_times`.
#[repr(C)]
pub struct TicketTimes {
    pub authtime: i32,
    pub starttime: i32,
    pub endtime: i32,
    pub renew_till: i32,
}

/// `krb5_creds`; filled by krb5, released with `krb5_free_cred_contents` ([`Krb5`]).
#[repr(C)]
pub struct Creds {
    pub magic: i32,
    pub client: *mut Principal,
    pub server: *mut Principal,
    pub keyblock: Keyblock,
    pub times: TicketTimes,
    pub is_skey: c_uint,
    pub ticket_flags: i32,
    pub addresses: *mut *mut c_void,
    pub ticket: Data,
    pub second_ticket: Data,
    pub authdata: *mut *mut c_void,
}

/// `krb5_prompt`.
#[repr(C)]
pub struct Prompt {
    pub prompt: *mut c_char,
    pub hidden: c_int,
    pub reply: *mut Data,
}

/// `KRB5_PROMPT_TYPE_PASSWORD`, an element of `krb5_get_prompt_types`'s array ([`Krb5`]).
pub const PROMPT_TYPE_PASSWORD: i32 = 0x1;

/// Error codes the bridge tells apart (`krb5_err.h`).
pub const KDC_ERR_C_PRINCIPAL_UNKNOWN: krb5_error_code = -1765328378;
pub const KDC_ERR_PREAUTH_FAILED: krb5_error_code = -1765328360;
pub const KRB_AP_ERR_BAD_INTEGRITY: krb5_error_code = -1765328353;
/// What the bridge returns to krb5 to abandon a step (krb5's "password read interrupted").
pub const LIBOS_PWDINTR: krb5_error_code = -1765328252;

/// `krb5_prompter_fct`.
pub type PrompterFn = unsafe extern "C" fn(
    context: *mut Context,
    data: *mut c_void,
    name: *const c_char,
    banner: *const c_char,
    num_prompts: c_int,
    prompts: *mut Prompt,
) -> krb5_error_code;

/// `krb5_responder_fn`. Note the argument order of the shipped header: `data` comes before
/// `rctx` (the project page's draft had them the other way round).
pub type ResponderFn =
    unsafe extern "C" fn(context: *mut Context, data: *mut c_void, rctx: *mut ResponderContext) -> krb5_error_code;

library_functions! {
    /// The functions of MIT's krb5 library the responder bridge calls, resolved when the first
    /// krb5 context is made (a program that never gets a ticket never loads Kerberos).
    pub static KRB5: Krb5 = c"libkrb5.so.3" {
        fn krb5_init_context(context: *mut *mut Context) -> krb5_error_code;
        fn krb5_free_context(context: *mut Context);
        fn krb5_get_error_message(context: *mut Context, code: krb5_error_code) -> *const c_char;
        fn krb5_free_error_message(context: *mut Context, message: *const c_char);
        fn krb5_get_default_realm(context: *mut Context, realm: *mut *mut c_char) -> krb5_error_code;
        fn krb5_free_default_realm(context: *mut Context, realm: *mut c_char);
        fn krb5_parse_name(
            context: *mut Context,
            name: *const c_char,
            principal: *mut *mut Principal,
        ) -> krb5_error_code;
        fn krb5_free_principal(context: *mut Context, principal: *mut Principal);
        fn krb5_cc_default(context: *mut Context, ccache: *mut *mut Ccache) -> krb5_error_code;
        fn krb5_cc_resolve(context: *mut Context, name: *const c_char, ccache: *mut *mut Ccache) -> krb5_error_code;
        fn krb5_cc_close(context: *mut Context, ccache: *mut Ccache) -> krb5_error_code;
        fn krb5_cc_destroy(context: *mut Context, ccache: *mut Ccache) -> krb5_error_code;
        fn krb5_get_init_creds_opt_alloc(context: *mut Context, opt: *mut *mut InitCredsOpt) -> krb5_error_code;
        fn krb5_get_init_creds_opt_free(context: *mut Context, opt: *mut InitCredsOpt);
        fn krb5_get_init_creds_opt_set_out_ccache(
            context: *mut Context,
            opt: *mut InitCredsOpt,
            ccache: *mut Ccache,
        ) -> krb5_error_code;
        fn krb5_get_init_creds_opt_set_responder(
            context: *mut Context,
            opt: *mut InitCredsOpt,
            responder: Option<ResponderFn>,
            data: *mut c_void,
        ) -> krb5_error_code;
        fn krb5_get_init_creds_password(
            context: *mut Context,
            creds: *mut Creds,
            client: *mut Principal,
            password: *const c_char,
            prompter: Option<PrompterFn>,
            data: *mut c_void,
            start_time: i32,
            in_tkt_service: *const c_char,
            options: *mut InitCredsOpt,
        ) -> krb5_error_code;
        fn krb5_free_cred_contents(context: *mut Context, creds: *mut Creds);
        fn krb5_get_prompt_types(context: *mut Context) -> *mut i32;
        fn krb5_responder_list_questions(context: *mut Context, rctx: *mut ResponderContext) -> *const *const c_char;
        fn krb5_responder_get_challenge(
            context: *mut Context,
            rctx: *mut ResponderContext,
            question: *const c_char,
        ) -> *const c_char;
        fn krb5_responder_set_answer(
            context: *mut Context,
            rctx: *mut ResponderContext,
            question: *const c_char,
            answer: *const c_char,
        ) -> krb5_error_code;
    }
}
