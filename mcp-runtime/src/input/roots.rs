//! Roots: the directories and files the client exposes to the server.

use serde::{Deserialize, Serialize};

use super::{capability, Ask};
use crate::error::Error;
use crate::extract::Context;

/// A root the client exposes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Root {
    /// `file://` URI.
    pub uri: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Context {
    /// The client's roots. Fails with a missing-capability error when the client did not
    /// declare `roots`.
    pub fn roots(&self) -> Ask<Vec<Root>> {
        let params = match capability(self, "roots") {
            Some(_) => Ok(serde_json::json!({})),
            None => Err(Error::missing_capability("roots")),
        };
        Ask::new(self, "roots", "roots/list", params, |answer, _| {
            #[derive(Deserialize)]
            struct ListRootsResult {
                roots: Vec<Root>,
            }
            serde_json::from_value::<ListRootsResult>(answer)
                .map(|r| r.roots)
                .map_err(|e| Error::tool(format!("The client sent an invalid roots list: {e}")))
        })
    }
}
