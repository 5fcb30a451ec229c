//! The facade's `Serialize`/`Deserialize`/`JsonSchema` derives with no `serde` or
//! `schemars` in `Cargo.toml`: generics, internally tagged enums, tuple and unit structs,
//! recursion through `Self`, serde attributes, and a type declared inside a function,
//! each sent to a tool and back.

use mcpserve::prelude::*;
use mcpserve::testing::TestClient;

#[derive(Serialize, Deserialize, JsonSchema, Debug, PartialEq, Clone)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    total: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Serialize, Deserialize, JsonSchema, Debug, PartialEq, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Shape {
    Circle { radius: f64 },
    Square { side: Meters },
    Dot(Marker),
}

#[derive(Serialize, Deserialize, JsonSchema, Debug, PartialEq, Clone)]
struct Meters(f64);

#[derive(Serialize, Deserialize, JsonSchema, Debug, PartialEq, Clone)]
struct Marker {}

#[derive(Serialize, Deserialize, JsonSchema, Debug, PartialEq, Clone)]
struct Tree {
    label: String,
    children: Vec<Tree>,
    parent: Option<Box<Self>>,
}

/// Echo a page of shapes.
#[tool]
fn echo_page(page: Page<Shape>) -> Page<Shape> {
    page
}

/// Echo a tree.
#[tool]
fn echo_tree(tree: Tree) -> Tree {
    tree
}

#[tokio::main]
async fn main() {
    #[derive(Serialize)]
    struct PageArgs {
        page: Page<Shape>,
    }
    #[derive(Serialize)]
    struct TreeArgs {
        tree: Tree,
    }

    let client = TestClient::sessionless(Server::from_registry());
    let page = Page {
        items: vec![
            Shape::Dot(Marker {}),
            Shape::Circle { radius: 1.5 },
            Shape::Square { side: Meters(2.0) },
        ],
        next_cursor: Some("c1".into()),
        total: 0,
    };
    let out = client
        .call_tool("echo_page", PageArgs { page: page.clone() })
        .await
        .unwrap();
    assert_eq!(Page::<Shape>::deserialize(out.structured_content.unwrap()).unwrap(), page);

    let leaf = Tree { label: "leaf".into(), children: vec![], parent: None };
    let tree = Tree {
        label: "root".into(),
        children: vec![leaf.clone()],
        parent: Some(Box::new(leaf)),
    };
    let out = client
        .call_tool("echo_tree", TreeArgs { tree: tree.clone() })
        .await
        .unwrap();
    assert_eq!(Tree::deserialize(out.structured_content.unwrap()).unwrap(), tree);

    let tools = client.list_tools().await.unwrap();
    let schema = &tools.iter().find(|t| t.name == "echo_tree").unwrap().input_schema;
    assert!(schema["$defs"]["Tree"]["properties"]["parent"].is_object(), "{schema}");
}
