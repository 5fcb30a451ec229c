//! Attributes of `#[derive(Elicit)]` → the form model.

use crate::ctxt::Errors;
use crate::parse::attr::skip;
use crate::parse::docs::doc_text;

/// What the derive emits for.
pub(super) enum Model<'a> {
    Form {
        ident: &'a syn::Ident,
        krate: syn::Path,
        fields: Vec<Field<'a>>,
    },
    Select {
        ident: &'a syn::Ident,
        krate: syn::Path,
        variants: Vec<(String, Option<String>)>,
    },
}

pub(super) struct Field<'a> {
    pub(super) name: String,
    pub(super) ty: &'a syn::Type,
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
    pub(super) format: Option<String>,
    pub(super) default: Option<syn::Expr>,
    pub(super) minimum: Option<syn::Expr>,
    pub(super) maximum: Option<syn::Expr>,
    pub(super) min_length: Option<syn::Expr>,
    pub(super) max_length: Option<syn::Expr>,
    pub(super) min_items: Option<syn::Expr>,
    pub(super) max_items: Option<syn::Expr>,
    pub(super) enum_names: bool,
}

const FORMATS: &[&str] = &["email", "uri", "date", "date-time"];

/// The crate path (`#[elicit(crate = "..")]` or `::mcpserve`) and the model; the path is
/// returned even when the model is not, so the fallback stub can name the traits.
pub(super) fn input<'a>(
    input: &'a syn::DeriveInput,
    errors: &Errors,
) -> (syn::Path, Option<Model<'a>>) {
    let mut krate: syn::Path = syn::parse_quote!(::mcpserve);
    let model = model(input, &mut krate, errors);
    (krate, model)
}

fn model<'a>(
    input: &'a syn::DeriveInput,
    krate: &mut syn::Path,
    errors: &Errors,
) -> Option<Model<'a>> {
    if !input.generics.params.is_empty() {
        errors.at(
            &input.generics,
            "#[derive(Elicit)] does not support generic types",
        );
    }
    let mut rename_all: Option<String> = None;
    for attr in &input.attrs {
        if attr.path().is_ident("elicit") {
            let r = attr.parse_nested_meta(|m| {
                if m.path.is_ident("crate") {
                    let s: syn::LitStr = m.value()?.parse()?;
                    *krate = s.parse()?;
                    Ok(())
                } else {
                    Err(m.error("unknown elicit container attribute; expected `crate = \"...\"`"))
                }
            });
            if let Err(e) = r {
                errors.push(e);
            }
        } else if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|m| {
                if m.path.is_ident("rename_all") {
                    let s: syn::LitStr = m.value()?.parse()?;
                    rename_all = Some(s.value());
                    Ok(())
                } else {
                    skip(&m)
                }
            });
        }
    }
    match &input.data {
        syn::Data::Struct(s) => {
            let syn::Fields::Named(named) = &s.fields else {
                errors.at(
                    &input.ident,
                    "#[derive(Elicit)] forms need a struct with named fields",
                );
                return None;
            };
            let fields = named
                .named
                .iter()
                .filter_map(|f| field(f, rename_all.as_deref(), errors))
                .collect();
            Some(Model::Form {
                ident: &input.ident,
                krate: krate.clone(),
                fields,
            })
        }
        syn::Data::Enum(e) => {
            let mut variants = Vec::new();
            for v in &e.variants {
                if !matches!(v.fields, syn::Fields::Unit) {
                    errors.at(v, "#[derive(Elicit)] selects need unit variants (no data)");
                    continue;
                }
                let mut title = None;
                let mut rename = None;
                for attr in &v.attrs {
                    if attr.path().is_ident("elicit") {
                        let r = attr.parse_nested_meta(|m| {
                            if m.path.is_ident("title") {
                                title = Some(m.value()?.parse::<syn::LitStr>()?.value());
                                Ok(())
                            } else {
                                Err(m.error(
                                    "unknown elicit variant attribute; expected `title = \"...\"`",
                                ))
                            }
                        });
                        if let Err(e) = r {
                            errors.push(e);
                        }
                    } else if attr.path().is_ident("serde") {
                        rename = rename.or(serde_rename(attr));
                    }
                }
                let value = rename.unwrap_or_else(|| {
                    case::apply(&v.ident.to_string(), rename_all.as_deref(), true)
                });
                variants.push((value, title));
            }
            Some(Model::Select {
                ident: &input.ident,
                krate: krate.clone(),
                variants,
            })
        }
        syn::Data::Union(_) => {
            errors.at(&input.ident, "#[derive(Elicit)] does not support unions");
            None
        }
    }
}

fn field<'a>(f: &'a syn::Field, rename_all: Option<&str>, errors: &Errors) -> Option<Field<'a>> {
    let ident = f.ident.as_ref()?;
    let mut out = Field {
        name: String::new(),
        ty: &f.ty,
        title: None,
        description: doc_text(&f.attrs),
        format: None,
        default: None,
        minimum: None,
        maximum: None,
        min_length: None,
        max_length: None,
        min_items: None,
        max_items: None,
        enum_names: false,
    };
    let mut rename = None;
    let mut skipped = false;
    for attr in &f.attrs {
        if attr.path().is_ident("elicit") {
            let r = attr.parse_nested_meta(|m| {
                let p = &m.path;
                let expr = |m: &syn::meta::ParseNestedMeta| m.value()?.parse::<syn::Expr>();
                if p.is_ident("title") {
                    out.title = Some(m.value()?.parse::<syn::LitStr>()?.value());
                } else if p.is_ident("description") {
                    out.description = Some(m.value()?.parse::<syn::LitStr>()?.value());
                } else if p.is_ident("format") {
                    let s: syn::LitStr = m.value()?.parse()?;
                    if !FORMATS.contains(&s.value().as_str()) {
                        return Err(syn::Error::new(
                            s.span(),
                            "unsupported format; elicitation allows \"email\", \"uri\", \"date\" and \"date-time\"",
                        ));
                    }
                    out.format = Some(s.value());
                } else if p.is_ident("default") {
                    out.default = Some(expr(&m)?);
                } else if p.is_ident("minimum") {
                    out.minimum = Some(expr(&m)?);
                } else if p.is_ident("maximum") {
                    out.maximum = Some(expr(&m)?);
                } else if p.is_ident("min_length") {
                    out.min_length = Some(expr(&m)?);
                } else if p.is_ident("max_length") {
                    out.max_length = Some(expr(&m)?);
                } else if p.is_ident("min_items") {
                    out.min_items = Some(expr(&m)?);
                } else if p.is_ident("max_items") {
                    out.max_items = Some(expr(&m)?);
                } else if p.is_ident("enum_names") {
                    out.enum_names = true;
                } else {
                    return Err(m.error(
                        "unknown elicit field attribute; expected one of title, description, format, default, minimum, maximum, min_length, max_length, min_items, max_items, enum_names",
                    ));
                }
                Ok(())
            });
            if let Err(e) = r {
                errors.push(e);
            }
        } else if attr.path().is_ident("schemars") {
            let _ = attr.parse_nested_meta(|m| {
                if m.path.is_ident("description") {
                    out.description = Some(m.value()?.parse::<syn::LitStr>()?.value());
                    Ok(())
                } else if m.path.is_ident("title") {
                    out.title = Some(m.value()?.parse::<syn::LitStr>()?.value());
                    Ok(())
                } else {
                    skip(&m)
                }
            });
        } else if attr.path().is_ident("serde") {
            rename = rename.or(serde_rename(attr));
            let _ = attr.parse_nested_meta(|m| {
                if m.path.is_ident("skip") || m.path.is_ident("skip_deserializing") {
                    skipped = true;
                }
                skip(&m)
            });
        }
    }
    if skipped {
        return None;
    }
    out.name = rename.unwrap_or_else(|| case::apply(&ident.to_string(), rename_all, false));
    Some(out)
}

/// `#[serde(rename = "...")]`, if present.
fn serde_rename(attr: &syn::Attribute) -> Option<String> {
    let mut found = None;
    let _ = attr.parse_nested_meta(|m| {
        if m.path.is_ident("rename") && m.input.peek(syn::Token![=]) {
            found = Some(m.value()?.parse::<syn::LitStr>()?.value());
            Ok(())
        } else {
            skip(&m)
        }
    });
    found
}

/// serde's `rename_all` rules.
mod case {
    pub(super) fn apply(name: &str, rule: Option<&str>, variant: bool) -> String {
        let Some(rule) = rule else {
            return name.to_owned();
        };
        let words: Vec<String> = if variant {
            let mut words = Vec::new();
            let mut cur = String::new();
            for c in name.chars() {
                if c.is_uppercase() && !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                cur.push(c);
            }
            if !cur.is_empty() {
                words.push(cur);
            }
            words.into_iter().map(|w| w.to_lowercase()).collect()
        } else {
            name.split('_').map(str::to_lowercase).collect()
        };
        let cap = |w: &String| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        };
        match rule {
            "lowercase" => words.concat(),
            "UPPERCASE" => words.concat().to_uppercase(),
            "PascalCase" => words.iter().map(cap).collect(),
            "camelCase" => words
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { w.clone() } else { cap(w) })
                .collect(),
            "snake_case" => words.join("_"),
            "SCREAMING_SNAKE_CASE" => words.join("_").to_uppercase(),
            "kebab-case" => words.join("-"),
            "SCREAMING-KEBAB-CASE" => words.join("-").to_uppercase(),
            _ => name.to_owned(),
        }
    }
}
