//! Settings a server reads from its environment, declared once for every installer.

/// How a client should ask for a setting's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SettingKind {
    /// Free text.
    #[default]
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A directory on the user's machine.
    Directory,
    /// A file on the user's machine.
    File,
}

impl SettingKind {
    /// The MCPB `user_config` type.
    pub(crate) fn mcpb_type(self) -> &'static str {
        match self {
            SettingKind::String => "string",
            SettingKind::Number => "number",
            SettingKind::Boolean => "boolean",
            SettingKind::Directory => "directory",
            SettingKind::File => "file",
        }
    }

    /// The registry's input `format`.
    pub(crate) fn registry_format(self) -> &'static str {
        match self {
            SettingKind::String => "string",
            SettingKind::Number => "number",
            SettingKind::Boolean => "boolean",
            SettingKind::Directory | SettingKind::File => "filepath",
        }
    }
}

/// A value the server reads from an environment variable, declared with
/// [`ServerBuilder::setting`](crate::ServerBuilder::setting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    env: String,
    title: Option<String>,
    description: Option<String>,
    kind: SettingKind,
    required: bool,
    secret: bool,
    default: Option<String>,
}

impl Setting {
    /// A setting read from the environment variable `name` (e.g. `"WEATHER_API_KEY"`).
    pub fn env(name: impl Into<String>) -> Self {
        Setting {
            env: name.into(),
            title: None,
            description: None,
            kind: SettingKind::String,
            required: false,
            secret: false,
            default: None,
        }
    }

    /// A short display name (default: the variable's name).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// What the value is for.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// How clients should ask for it.
    pub fn kind(mut self, kind: SettingKind) -> Self {
        self.kind = kind;
        self
    }

    /// The server does not start without it.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// A password or token: clients mask and store it securely, and snippets never show it.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// The value used when the variable is not set.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// The environment variable.
    pub fn env_name(&self) -> &str {
        &self.env
    }

    /// The display name.
    pub fn display_title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.env)
    }

    /// The description, if any.
    pub fn describe(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The kind.
    pub fn setting_kind(&self) -> SettingKind {
        self.kind
    }

    /// Whether it is required.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Whether it is a secret.
    pub fn is_secret(&self) -> bool {
        self.secret
    }

    /// The default value, if any.
    pub fn default_str(&self) -> Option<&str> {
        self.default.as_deref()
    }

    /// The MCPB `user_config` key: the variable's name in lower case.
    pub(crate) fn config_key(&self) -> String {
        self.env.to_ascii_lowercase()
    }
}

/// Names must be usable as environment variables and MCPB keys; no duplicates.
pub(crate) fn check(settings: &[Setting]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for s in settings {
        let valid = s
            .env
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!(
                "setting `{}`: an environment variable name is letters, digits and `_`, not starting with a digit",
                s.env
            ));
        }
        if !seen.insert(s.config_key()) {
            return Err(format!("setting `{}` is declared twice", s.env));
        }
    }
    Ok(())
}
