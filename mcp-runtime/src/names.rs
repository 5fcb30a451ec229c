//! Name rules checked both at compile time (by the macros) and at `build()` (for tools
//! added at run time): MCP tool names and HTTP header tokens.
//!
//! Like `uri_template/parse.rs`, this file is free of dependencies and of `crate::`
//! paths: `mcp-macros` compiles the very same file (`#[path]` include), so a name the
//! macro accepts is exactly a name the runtime accepts, with the same message.

/// 1–128 characters of `[A-Za-z0-9_.-]` (MCP 2025-11-25, `Tool.name`).
pub fn check_tool_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 128 {
        return Err(format!(
            "invalid tool name `{name}`: names must be 1 to 128 characters long"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "invalid tool name `{name}`: `{c}` is not allowed; use only A-Z, a-z, 0-9, `_`, `.` and `-`"
        ));
    }
    Ok(())
}

/// An RFC 9110 `tchar`: what an HTTP field name (a token) is made of.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A non-empty HTTP token (`1*tchar`), e.g. the `{name}` of `Mcp-Param-{name}`.
pub fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_tchar)
}

/// [`is_token`], with the message shown for `#[arg(header = "..")]`.
pub fn check_header_name(name: &str) -> Result<(), String> {
    if is_token(name) {
        Ok(())
    } else {
        Err(format!(
            "invalid header name `{name}`: it must be a non-empty HTTP token (letters, digits and !#$%&'*+-.^_`|~)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names() {
        assert!(check_tool_name("get_user.v2-beta").is_ok());
        assert!(check_tool_name(&"a".repeat(128)).is_ok());
        assert!(check_tool_name(&"a".repeat(129)).is_err());
        assert!(check_tool_name("").is_err());
        assert_eq!(
            check_tool_name("get user").unwrap_err(),
            "invalid tool name `get user`: ` ` is not allowed; use only A-Z, a-z, 0-9, `_`, `.` and `-`"
        );
    }

    #[test]
    fn header_tokens() {
        assert!(is_token("Region"));
        assert!(is_token("x!#$%&'*+-.^_`|~9"));
        assert!(!is_token(""));
        assert!(!is_token("Region Name"));
        assert!(!is_token("a:b"));
        assert!(check_header_name("a/b").is_err());
    }
}
