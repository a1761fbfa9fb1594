//! Storage errors, said plainly with the path.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not found")]
    NotFound { path: String },
    #[error("{path}: permission denied ({detail})")]
    Permission { path: String, detail: String },
    #[error("{path}: not authenticated ({detail}); check the AWS_/AZURE_/GOOGLE_ variables")]
    Auth { path: String, detail: String },
    #[error("{location}: {message}")]
    BadLocation { location: String, message: String },
    #[error("{path}: {detail}")]
    Other { path: String, detail: String },
}

impl StoreError {
    pub fn from_io(path: String, e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound { path },
            std::io::ErrorKind::PermissionDenied => StoreError::Permission {
                path,
                detail: e.to_string(),
            },
            _ => StoreError::Other {
                path,
                detail: e.to_string(),
            },
        }
    }

    pub fn from_object_store(path: String, e: object_store::Error) -> Self {
        let detail = Self::describe(&e);
        match e {
            object_store::Error::NotFound { .. } => StoreError::NotFound { path },
            object_store::Error::PermissionDenied { .. } => StoreError::Permission { path, detail },
            object_store::Error::Unauthenticated { .. } => StoreError::Auth { path, detail },
            _ => StoreError::Other { path, detail },
        }
    }

    /// The innermost message of an object_store error chain, which is the useful one.
    pub fn describe(e: &object_store::Error) -> String {
        let mut msg = e.to_string();
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = src {
            msg = s.to_string();
            src = s.source();
        }
        msg
    }
}

/// A note the resolution made that the user should see (which checkpoint was picked, how
/// paths were mapped).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Note(pub String);

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
