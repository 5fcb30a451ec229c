//! Attribute key names, compared with `path.is_ident(..)`.

pub(crate) const NAME: &str = "name";
pub(crate) const TITLE: &str = "title";
pub(crate) const DESCRIPTION: &str = "description";
pub(crate) const ANNOTATIONS: &str = "annotations";
pub(crate) const ICON: &str = "icon";
pub(crate) const META: &str = "meta";
pub(crate) const GROUP: &str = "group";
pub(crate) const CRATE: &str = "crate";
pub(crate) const INPUT_SCHEMA: &str = "input_schema";
pub(crate) const TASK: &str = "task";
pub(crate) const LAYER: &str = "layer";
pub(crate) const SCOPES: &str = "scopes";
pub(crate) const APP: &str = "app";
pub(crate) const VISIBILITY: &str = "visibility";

pub(crate) const READ_ONLY: &str = "read_only";
pub(crate) const DESTRUCTIVE: &str = "destructive";
pub(crate) const IDEMPOTENT: &str = "idempotent";
pub(crate) const OPEN_WORLD: &str = "open_world";

pub(crate) const SRC: &str = "src";
pub(crate) const MIME_TYPE: &str = "mime_type";
pub(crate) const SIZES: &str = "sizes";
pub(crate) const THEME: &str = "theme";

pub(crate) const ARG: &str = "arg";
pub(crate) const RENAME: &str = "rename";
pub(crate) const DEFAULT: &str = "default";
pub(crate) const HEADER: &str = "header";
pub(crate) const FLATTEN: &str = "flatten";

pub(crate) const COMPLETE: &str = "complete";
pub(crate) const SIZE: &str = "size";
pub(crate) const LIST: &str = "list";
pub(crate) const AUDIENCE: &str = "audience";
pub(crate) const PRIORITY: &str = "priority";
pub(crate) const LAST_MODIFIED: &str = "last_modified";
