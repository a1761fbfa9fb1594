//! Building remote object stores: the scheme's builder, the environment's `AWS_*`, `AZURE_*`
//! and `GOOGLE_*` settings (as `parse_url_opts` would apply them), plus our own retry policy
//! and timeouts.
//!
//! Retries: transient failures (connection errors, timeouts, 5xx, 429) are retried up to
//! [`MAX_RETRIES`] times with exponential backoff and jitter (100 ms doubling to at most 5 s),
//! for at most [`RETRY_TIMEOUT`] in total. Not-found, permission and authentication errors are
//! not retried. Timeouts: [`CONNECT_TIMEOUT`] to connect, [`REQUEST_TIMEOUT`] per request
//! (each ranged read is one request).

use std::time::Duration;

use object_store::{BackoffConfig, ClientOptions, ObjectStore, ObjectStoreScheme, RetryConfig};
use url::Url;

pub const MAX_RETRIES: usize = 5;
pub const RETRY_TIMEOUT: Duration = Duration::from_secs(60);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

pub fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            base: 2.0,
        },
        max_retries: MAX_RETRIES,
        retry_timeout: RETRY_TIMEOUT,
    }
}

pub fn client_options() -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(CONNECT_TIMEOUT)
        .with_timeout(REQUEST_TIMEOUT)
}

/// Applies `(key, value)` settings a builder understands; unknown keys are skipped, as
/// `parse_url_opts` does.
macro_rules! build {
    ($builder:expr, $client:expr, $options:expr) => {{
        let mut b = $builder
            .with_client_options($client)
            .with_retry(retry_config());
        for (k, v) in $options {
            if let Ok(key) = k.parse() {
                b = b.with_config(key, v.clone());
            }
        }
        Box::new(b.build()?) as Box<dyn ObjectStore>
    }};
}

/// The store for `url` (S3, GCS, Azure, HTTP) configured from `options`.
pub fn build_store(
    url: &Url,
    options: &[(String, String)],
) -> Result<Box<dyn ObjectStore>, object_store::Error> {
    let (scheme, _) = ObjectStoreScheme::parse(url)?;
    let store = match scheme {
        ObjectStoreScheme::AmazonS3 => build!(
            object_store::aws::AmazonS3Builder::new().with_url(url.as_str()),
            client_options(),
            options
        ),
        ObjectStoreScheme::GoogleCloudStorage => build!(
            object_store::gcp::GoogleCloudStorageBuilder::new().with_url(url.as_str()),
            // As the builder's own default: the endpoint comes from the service account.
            client_options().with_allow_http(true),
            options
        ),
        ObjectStoreScheme::MicrosoftAzure => build!(
            object_store::azure::MicrosoftAzureBuilder::new().with_url(url.as_str()),
            client_options(),
            options
        ),
        ObjectStoreScheme::Http => {
            let base = &url[..url::Position::BeforePath];
            build!(
                object_store::http::HttpBuilder::new().with_url(base),
                client_options(),
                options
            )
        }
        other => {
            return Err(object_store::Error::Generic {
                store: "flink-inspect",
                source: format!("{other:?} is not a remote store").into(),
            });
        }
    };
    Ok(store)
}
