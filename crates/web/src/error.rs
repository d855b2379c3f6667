//! Errors as JSON answers: `{"error": {"status": 400, "message": "…"}}` with the matching HTTP
//! status, so a client (or a person with curl) reads what was wrong with the request.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A malformed request: a bad date, an unknown state, a range the wrong way round.
    #[error("{0}")]
    BadRequest(String),
    /// No bearer token, or the wrong one, on a mutating endpoint.
    #[error("{0}")]
    Unauthorized(String),
    /// An unknown job, group or page.
    #[error("{0}")]
    NotFound(String),
    /// A request that conflicts with the current state (retrying a job that is not dead).
    #[error("{0}")]
    Conflict(String),
    /// A failure on our side (the database); logged, and answered without internals.
    #[error("{0}")]
    Internal(String),
    /// Any other error status (405, 408, 413, 414, 431, …), with its message: the answers of
    /// the limits and of the framework's own refusals, in the same JSON shape.
    #[error("{1}")]
    Status(StatusCode, String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Status(status, _) => *status,
        }
    }
}

/// The JSON error body of `status` with `message`: the one shape every error answer has.
pub(crate) fn body(status: StatusCode, message: &str) -> serde_json::Value {
    serde_json::json!({"error": {"status": status.as_u16(), "message": message}})
}

impl From<nba_props_store::Error> for ApiError {
    fn from(e: nba_props_store::Error) -> Self {
        tracing::error!(error = %e, "A web request failed in the database.");
        ApiError::Internal(format!("database error: {e}"))
    }
}

impl From<nba_props_runtime::Error> for ApiError {
    fn from(e: nba_props_runtime::Error) -> Self {
        match e {
            nba_props_runtime::Error::NotFound(m) => ApiError::NotFound(m),
            nba_props_runtime::Error::Invalid(m) => ApiError::Conflict(m),
            nba_props_runtime::Error::Store(s) => s.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<nba_props_ops::Error> for ApiError {
    fn from(e: nba_props_ops::Error) -> Self {
        match e {
            nba_props_ops::Error::Runtime(r) => r.into(),
            nba_props_ops::Error::Store(s) => s.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = (status, Json(body(status, &self.to_string()))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}
