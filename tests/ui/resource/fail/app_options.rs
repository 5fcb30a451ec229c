use mcpserve::prelude::*;

#[resource("https://example.com/view", app)]
fn not_ui() -> Html {
    Html::from("")
}

#[resource("ui://views/{id}", app)]
fn template(id: String) -> Html {
    Html::from(id)
}

#[resource("ui://views/a", app(csp(connect = ["api.example.com"])))]
fn no_scheme() -> Html {
    Html::from("")
}

#[resource("ui://views/b", app(permissions = ["usb"]))]
fn unknown_permission() -> Html {
    Html::from("")
}

#[resource("ui://views/c", app(csp(script = ["https://x.com"])))]
fn unknown_csp_key() -> Html {
    Html::from("")
}

#[resource("ui://views/d", app(border = true))]
fn unknown_app_key() -> Html {
    Html::from("")
}

#[resource("ui://views/e", mime_type = "text/html", app)]
fn other_mime() -> Html {
    Html::from("")
}

fn main() {}
