use mcpserve::prelude::*;

#[resource("a://one", colour = "red")]
async fn unknown_option() -> String {
    String::new()
}

#[resource("a://two", mime_type = "json")]
async fn bad_mime() -> String {
    String::new()
}

#[resource("a://three", annotations(priority = 2.0, audience = "robot"))]
async fn bad_annotations() -> String {
    String::new()
}

#[resource("a://four", list = lister)]
async fn list_on_static() -> String {
    String::new()
}

fn lister() -> Vec<Resource> {
    Vec::new()
}

#[resource("a://{x}")]
async fn complete_on_extractor(x: String, #[arg(complete = lister)] ctx: Context) -> String {
    let _ = ctx;
    x
}

#[resource(name = "missing-uri")]
async fn missing_uri() -> String {
    String::new()
}

#[resource("a://{x}")]
async fn default_not_supported(#[arg(default)] x: String) -> String {
    x
}

#[resource("a://{x}", size = 10)]
async fn size_on_template(x: String) -> String {
    x
}

fn main() {}
