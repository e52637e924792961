//! The `void *userdata` a host registers together with a callback.

use std::ffi::c_void;

/// A host's userdata pointer: the library only ever hands it back to the callback it was
/// registered with and never dereferences it.
#[derive(Clone, Copy, Debug)]
pub struct Userdata(*mut c_void);

// SAFETY: the library never dereferences the pointer; it passes it back to the host's own
// callback, which every registering function documents as callable from any thread.
unsafe impl Send for Userdata {}
// SAFETY: as above: shared references only ever copy the pointer value.
unsafe impl Sync for Userdata {}

impl Userdata {
    /// Wraps the pointer the host registered.
    pub fn new(pointer: *mut c_void) -> Userdata {
        Userdata(pointer)
    }

    /// The pointer, to hand back to the host's callback.
    pub fn get(self) -> *mut c_void {
        self.0
    }
}
