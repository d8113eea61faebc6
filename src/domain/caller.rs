//! Who is calling: the identity a client certificate proves, once the role check has admitted it.
//! Services record it with what they do; it is an organisation's name, never a person's.

/// The caller as its client certificate identifies it (CN or SAN DNS name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The certificate identity that matched an entry under `[clients]`.
    pub identity: String,
}

impl Caller {
    /// A caller known by `identity`: a client certificate's, or a local command's own name.
    pub fn new(identity: impl Into<String>) -> Self {
        Self {
            identity: identity.into(),
        }
    }
}
