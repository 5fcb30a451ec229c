//! The syntax of one OAuth scope (RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B /
//! %x5D-7E )`). Dependency-free: the macro crate compiles this very file (`#[path]`) so
//! `scopes = [...]` is checked at compile time by the rule the runtime applies.

/// Why `scope` cannot be an OAuth scope, if it cannot.
pub(crate) fn check(scope: &str) -> Result<(), String> {
    if scope.is_empty() {
        return Err("a scope cannot be empty".into());
    }
    if let Some(c) = scope
        .chars()
        .find(|&c| !matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
    {
        return Err(format!(
            "scope {scope:?} contains {c:?}: scopes are printable ASCII without spaces, `\"` or `\\`"
        ));
    }
    if scope == "offline_access" {
        return Err(
            "`offline_access` asks for refresh tokens; it is never an operation's scope".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_scope_tokens_and_rejects_the_rest() {
        for ok in [
            "notes",
            "notes:read",
            "https://api.example.com/read",
            "a!#[]~",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "two words",
            "quo\"te",
            "back\\slash",
            "tab\t",
            "é",
            "offline_access",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
