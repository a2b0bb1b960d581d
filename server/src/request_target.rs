//! The request target, checked before routing (RFC 9112, section 3.2). Only origin form
//! (`/path?query`) reaches the router:
//!
//! - absolute form (`GET http://host/path`), which proxies may send, is served as its path;
//! - asterisk form is only meaningful for `OPTIONS *`, answered here with what we allow;
//! - authority form (`CONNECT host:443`, or `GET host:80`) and anything else that is not a path
//!   get 400 `invalid_request_target`. Leptos's fallback unwraps `path_and_query()`, which
//!   authority form lacks: such a request used to panic (and, with `panic = "abort"`, end the
//!   process).

use axum::extract::Request;
use axum::http::uri::PathAndQuery;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use app::error::{ApiError, ErrorCode};

const ALLOW: &str = "GET, HEAD, POST, DELETE, OPTIONS";

/// A request answered here, before routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// `OPTIONS *`: 204 with `Allow`.
    ServerOptions,
    /// 400 `invalid_request_target`, with why.
    Refused(&'static str),
}

impl IntoResponse for Answered {
    fn into_response(self) -> Response {
        match self {
            Self::ServerOptions => {
                let mut answer = StatusCode::NO_CONTENT.into_response();
                answer
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(ALLOW));
                answer
            }
            Self::Refused(why) => refuse(why),
        }
    }
}

pub fn normalize(mut req: Request) -> Result<Request, Answered> {
    let uri = req.uri();
    if uri == "*" {
        return Err(if req.method() == Method::OPTIONS {
            Answered::ServerOptions
        } else {
            Answered::Refused("`*` is only a request target for OPTIONS")
        });
    }
    let path_and_query = match (uri.scheme(), uri.path_and_query()) {
        (Some(_), pq) => pq
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/")),
        (None, Some(pq)) if uri.authority().is_none() => pq.clone(),
        _ => return Err(Answered::Refused("The request target must be a path")),
    };
    if !path_and_query.path().starts_with('/') {
        return Err(Answered::Refused("The request target must be a path"));
    }
    if uri.scheme().is_some() {
        *req.uri_mut() = origin_form(path_and_query);
    }
    Ok(req)
}

fn origin_form(path_and_query: PathAndQuery) -> Uri {
    Uri::from(path_and_query)
}

fn refuse(message: &str) -> Response {
    let mut response = ApiError::new(ErrorCode::InvalidRequestTarget, message).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(method: Method, target: &str) -> Request {
        Request::builder()
            .method(method)
            .uri(target)
            .body(Body::empty())
            .unwrap()
    }

    fn refused_status(method: Method, target: &str) -> Option<StatusCode> {
        normalize(request(method, target))
            .err()
            .map(|r| r.into_response().status())
    }

    #[test]
    fn origin_form_passes_unchanged() {
        let req = normalize(request(Method::GET, "/login?next=%2F")).unwrap();
        assert_eq!(req.uri(), "/login?next=%2F");
    }

    #[test]
    fn absolute_form_is_served_as_its_path() {
        let req = normalize(request(Method::GET, "http://evil.example/healthz?a=1")).unwrap();
        assert_eq!(req.uri(), "/healthz?a=1");
        let req = normalize(request(Method::GET, "http://evil.example")).unwrap();
        assert_eq!(req.uri(), "/");
    }

    #[test]
    fn authority_form_is_refused() {
        let bad = Some(StatusCode::BAD_REQUEST);
        assert_eq!(refused_status(Method::GET, "example.com:80"), bad);
        assert_eq!(refused_status(Method::CONNECT, "example.com:443"), bad);
    }

    #[test]
    fn asterisk_form_is_only_for_options() {
        assert_eq!(
            refused_status(Method::OPTIONS, "*"),
            Some(StatusCode::NO_CONTENT)
        );
        assert_eq!(
            refused_status(Method::GET, "*"),
            Some(StatusCode::BAD_REQUEST)
        );
    }
}
