use schemars::JsonSchema;
use serde::{Serialize, Serializer};

/// A secret found on or sent to a device (a password, a key, a token).
///
/// `Debug`, `Display` and serialization all mask it, so a secret cannot reach
/// a log or a report by accident; [`Secret::expose`] is the one explicit way
/// to read it (for `--show-secrets`).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

/// What every masked secret is shown as.
pub const MASK: &str = "********";

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call only where the user asked to see secrets.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(MASK)
    }
}

impl JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "description": "A masked secret" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("xc3511");
        assert!(!format!("{s} {s:?}").contains("xc3511"));
        assert!(!serde_json::to_string(&s).unwrap().contains("xc3511"));
        assert_eq!(s.expose(), "xc3511");
    }
}
