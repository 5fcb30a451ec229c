//! Differential tests: every value must encode to exactly the bytes
//! `serde_json::to_vec` produces, or fail with the same message where it fails.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Number, Value};

use super::escape::write_str;
use super::{to_vec, to_writer};
use crate::protocol::jsonrpc::{self, ErrorObject, RequestId};
use crate::protocol::types::*;

/// Asserts both encoders agree: same bytes, or errors with the same message.
#[track_caller]
fn same<T: Serialize + ?Sized>(value: &T) {
    let ours = to_vec(value);
    let theirs = serde_json::to_vec(value);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "output differs\n ours:   {}\n theirs: {}",
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(b)
        ),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("one failed: ours {ours:?}, theirs {theirs:?}"),
    }
    // Appending to a non-empty buffer keeps what was there.
    if let Ok(expected) = theirs {
        let mut out = b"prefix".to_vec();
        to_writer(&mut out, value).unwrap();
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(out[6..], expected[..]);
    }
}

/// Asserts both encoders fail, with the same message.
#[track_caller]
fn both_fail<T: Serialize + ?Sized>(value: &T, message: &str) {
    assert_eq!(serde_json::to_vec(value).unwrap_err().to_string(), message);
    same(value);
}

#[track_caller]
fn same_str(s: &str) {
    let mut ours = Vec::new();
    write_str(&mut ours, s);
    let theirs = serde_json::to_vec(s).unwrap();
    assert!(ours == theirs, "string {s:?} encodes differently");
    same(s);
}

/// A map with keys of any type (`BTreeMap` would need them to be `Ord`).
struct Entries<K, V>(Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Entries<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// xorshift64*: deterministic, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One of each kind of character the escaper treats differently.
fn char_classes() -> Vec<char> {
    let mut classes: Vec<char> = (0u8..0x20).map(char::from).collect();
    classes.extend(['"', '\\', '/', '\x7f', ' ', '!', '#', '[', ']', '~']);
    classes.extend(['é', '\u{80}', '€', '\u{FFFF}', '😀', '\u{10FFFF}']);
    classes
}

#[test]
fn every_class_at_every_offset() {
    // Lengths past 16 cover two full words, the tail and a word after an escape.
    for c in char_classes() {
        for len in 0..=40 {
            for at in 0..=17.min(len) {
                let mut s: String = "a".repeat(at);
                s.push(c);
                s.push_str(&"b".repeat(len - at));
                same_str(&s);
                // The same with multi-byte filler, so lanes hold non-ASCII bytes.
                let mut s: String = "ü".repeat(at / 2) + &"a".repeat(at % 2);
                s.push(c);
                s.push_str(&"€".repeat((len - at) / 3));
                same_str(&s);
            }
        }
    }
}

#[test]
fn adjacent_and_repeated_escapes() {
    for c in char_classes() {
        for d in char_classes() {
            same_str(&format!("{c}{d}"));
            same_str(&format!("xxxxxxx{c}{d}yyyyyyyyy"));
        }
        for n in 0..20 {
            same_str(&c.to_string().repeat(n));
        }
    }
    same_str("");
}

#[test]
fn random_strings_near_the_boundaries() {
    // Bytes on both sides of each SWAR test's threshold, where a wrong constant or
    // a borrow between lanes would show.
    let alphabet = [
        '\0', '\x01', '\x1e', '\x1f', ' ', '!', '"', '#', '[', '\\', ']', '\x7f', '\u{80}', 'ÿ',
        'Ā', 'a', '€', '😀',
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let len = rng.below(48);
        let s: String = (0..len).map(|_| *rng.pick(&alphabet)).collect();
        same_str(&s);
    }
}

#[test]
fn large_strings_with_escapes_near_the_ends() {
    const LEN: usize = 64 * 1024;
    let base = "a".repeat(LEN);
    same_str(&base);
    for at in [
        0,
        1,
        7,
        8,
        9,
        15,
        16,
        LEN / 2,
        LEN - 9,
        LEN - 8,
        LEN - 7,
        LEN - 1,
    ] {
        for c in ['"', '\\', '\n', '\x00', '\x1f'] {
            let mut s = base.clone();
            s.replace_range(at..at + 1, &c.to_string());
            same_str(&s);
        }
    }
    let mut s = base.clone() + "tail\u{7}";
    s.insert(3, '\t');
    same_str(&s);
    same_str(&"line\n".repeat(LEN / 5));
    same_str(&"é😀".repeat(LEN / 6));
}

/// Numbers that are edge cases for integer or float formatting.
fn interesting_numbers() -> Vec<Number> {
    let mut numbers: Vec<Number> = vec![
        0u64.into(),
        1u64.into(),
        u64::MAX.into(),
        i64::MIN.into(),
        i64::MAX.into(),
        (-1i64).into(),
    ];
    let floats = [
        0.0,
        -0.0,
        0.1,
        -0.1,
        1.0,
        -1.5,
        1e300,
        -1e300,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        1e15,
        1e16,
        1e21,
        1e22,
        1.5e-7,
        1e-7,
        0.000001,
        123456789012345680000.0,
        9007199254740993.0,
        2.5e-5,
        1.7976931348623157e308,
        std::f64::consts::PI,
    ];
    numbers.extend(floats.iter().map(|f| Number::from_f64(*f).unwrap()));
    numbers
}

fn random_number(rng: &mut Rng) -> Number {
    match rng.below(5) {
        0 => rng.pick(&interesting_numbers()).clone(),
        1 => (rng.next() as i64).into(),
        2 => rng.next().into(),
        3 => (rng.next() % 1000).into(),
        _ => loop {
            // Random bits reach every exponent, so ryu-style exponent forms too.
            if let Some(n) = Number::from_f64(f64::from_bits(rng.next())) {
                break n;
            }
        },
    }
}

fn random_string(rng: &mut Rng) -> String {
    let classes = char_classes();
    let len = rng.below(24);
    (0..len)
        .map(|_| {
            if rng.below(3) == 0 {
                *rng.pick(&classes)
            } else {
                char::from(b'a' + rng.below(26) as u8)
            }
        })
        .collect()
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth == 0 { 4 } else { 6 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::Number(random_number(rng)),
        3 => Value::String(random_string(rng)),
        4 => Value::Array(
            (0..rng.below(6))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(6))
                .map(|_| (random_string(rng), random_value(rng, depth - 1)))
                .collect(),
        ),
    }
}

#[test]
fn random_values() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..5_000 {
        let value = random_value(&mut rng, 4);
        same(&value);
        // Numbers on their own, outside any container.
        same(&random_number(&mut rng));
    }
    for n in interesting_numbers() {
        same(&n);
        same(&Value::Number(n));
    }
}

#[test]
fn primitives() {
    same(&true);
    same(&false);
    same(&());
    same(&None::<u8>);
    same(&Some(3u8));
    same(&Some(None::<u8>));
    same(&'x');
    same(&'"');
    same(&'\n');
    same(&'😀');
    same(&i8::MIN);
    same(&i16::MIN);
    same(&i32::MIN);
    same(&u8::MAX);
    same(&u16::MAX);
    same(&u32::MAX);
    same(&i128::MIN);
    same(&i128::MAX);
    same(&u128::MAX);
    for f in [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        0.1,
        1.1,
        16777216.0,
        1e-45,
    ] {
        same(&f);
    }
    for f in [
        f32::MIN_POSITIVE,
        f32::MAX,
        f32::MIN,
        f32::EPSILON,
        3.4e38,
        1e10,
        1e-10,
    ] {
        same(&f);
    }
    for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        same(&f);
    }
    let mut rng = Rng(42);
    for _ in 0..10_000 {
        same(&f32::from_bits(rng.next() as u32));
        same(&f64::from_bits(rng.next()));
    }
}

#[test]
fn bytes_and_sequences() {
    struct Bytes<'a>(&'a [u8]);
    impl Serialize for Bytes<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    same(&Bytes(&[]));
    same(&Bytes(&[0, 1, 255, 34, 92]));
    same(&[0u8, 1, 255][..]);
    same(&Vec::<u8>::new());
    same(&(1, "two", 3.0, [4u8; 0], ((),)));
    same(&vec![vec![1u8], vec![], vec![2, 3]]);
    same(&[Some(1), None]);
}

/// Containers serialized without a length, or with a wrong one.
#[test]
fn unsized_and_lying_containers() {
    struct Seq(Option<usize>, usize);
    impl Serialize for Seq {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(self.0)?;
            for i in 0..self.1 {
                seq.serialize_element(&i)?;
            }
            seq.end()
        }
    }
    struct Obj(Option<usize>, usize);
    impl Serialize for Obj {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(self.0)?;
            for i in 0..self.1 {
                map.serialize_entry(&i, &i)?;
            }
            map.end()
        }
    }
    for (len, n) in [
        (None, 0),
        (None, 2),
        (Some(0), 0),
        (Some(0), 2),
        (Some(5), 1),
    ] {
        same(&Seq(len, n));
        same(&Obj(len, n));
    }
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Newtype(String);

#[derive(Serialize)]
struct Pair(i32, Option<String>);

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Alpha,
    #[serde(rename = "b\"eta")]
    Beta,
}

#[derive(Serialize)]
enum Shape {
    Unit,
    Newtype(f64),
    NewtypeUnit(()),
    Tuple(u8, String),
    EmptyTuple(),
    Struct {
        w: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        h: Option<u32>,
    },
    EmptyStruct {},
    #[serde(rename = "Weird\u{1}")]
    Weird,
}

#[test]
fn structs_and_enums() {
    same(&Unit);
    same(&Newtype("n\"t".into()));
    same(&Pair(-1, None));
    same(&Empty {});
    same(&Key::Beta);
    let shapes = [
        Shape::Unit,
        Shape::Newtype(0.5),
        Shape::NewtypeUnit(()),
        Shape::Tuple(7, "x".into()),
        Shape::EmptyTuple(),
        Shape::Struct { w: 1, h: None },
        Shape::Struct { w: 1, h: Some(2) },
        Shape::EmptyStruct {},
        Shape::Weird,
    ];
    for shape in &shapes {
        same(shape);
    }
    same(&shapes);

    #[derive(Serialize)]
    #[serde(tag = "kind", content = "body")]
    enum Adjacent {
        A(u8),
        B { x: bool },
    }
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Untagged {
        A(u8),
        B { x: bool },
    }
    #[derive(Serialize)]
    struct Flattened {
        a: u8,
        #[serde(flatten)]
        rest: BTreeMap<String, Value>,
        #[serde(skip)]
        _hidden: u8,
    }
    same(&[Adjacent::A(1), Adjacent::B { x: true }]);
    same(&[Untagged::A(1), Untagged::B { x: false }]);
    let rest = BTreeMap::from([("z".to_owned(), json!([1, {"q": null}]))]);
    same(&Flattened {
        a: 1,
        rest,
        _hidden: 9,
    });
}

#[test]
fn map_keys() {
    same(&BTreeMap::from([(-1i32, "a"), (2, "b")]));
    same(&BTreeMap::from([(i128::MIN, 0), (0, 1)]));
    same(&BTreeMap::from([(u128::MAX, 0)]));
    same(&BTreeMap::from([(true, 1), (false, 0)]));
    same(&BTreeMap::from([('c', 1), ('"', 2), ('\n', 3)]));
    same(&BTreeMap::from([(Key::Alpha, 1), (Key::Beta, 2)]));
    same(&BTreeMap::from([("k\u{0}ey".to_owned(), Unit)]));
    same(&BTreeMap::from([(Some("some"), 1)]));
    same(&BTreeMap::<String, u8>::new());

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    struct Wrapped(u16);
    same(&BTreeMap::from([(Wrapped(7), 1)]));

    // Floats as keys go through a hand-written map (f64 is not `Ord`).
    struct FloatKeys(Vec<f64>);
    impl Serialize for FloatKeys {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(self.0.len()))?;
            for k in &self.0 {
                map.serialize_entry(k, &0)?;
                map.serialize_entry(&(*k as f32), &1)?;
            }
            map.end()
        }
    }
    same(&FloatKeys(vec![1.5, -0.0, 1e300, 5e-324]));
    let nan = "float key must be finite (got NaN or +/-inf)";
    both_fail(&FloatKeys(vec![f64::NAN]), nan);
    both_fail(&FloatKeys(vec![f64::INFINITY]), nan);
}

#[test]
fn non_string_keys_fail_in_both() {
    let msg = "key must be a string";
    both_fail(&BTreeMap::from([(vec![1u8], 1)]), msg);
    both_fail(&BTreeMap::from([((1, 2), 1)]), msg);
    both_fail(&BTreeMap::from([((), 1)]), msg);
    both_fail(&BTreeMap::from([(None::<&str>, 1)]), msg);
    both_fail(&BTreeMap::from([(BTreeMap::<u8, u8>::new(), 1)]), msg);

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum Bad {
        N(u8),
        T(u8, u8),
        S { a: u8 },
    }
    both_fail(&BTreeMap::from([(Bad::N(1), 1)]), msg);
    both_fail(&BTreeMap::from([(Bad::T(1, 2), 1)]), msg);
    both_fail(&BTreeMap::from([(Bad::S { a: 1 }, 1)]), msg);

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    struct S {
        a: u8,
    }
    both_fail(&BTreeMap::from([(S { a: 1 }, 1)]), msg);
    both_fail(&Entries(vec![(Unit, 1)]), msg);
    // The error surfaces from deep inside a value too.
    let deep = (1, [Some(BTreeMap::from([("ok", Entries(vec![((), 0)]))]))]);
    both_fail(&deep, msg);
}

/// A `Display` that arrives in pieces, for `collect_str`.
struct Pieces;

impl fmt::Display for Pieces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a\"b")?;
        f.write_str("\\\n")?;
        let n = 1;
        write!(f, "{n}-é\u{1}")
    }
}

#[test]
fn collect_str() {
    struct AsValue;
    impl Serialize for AsValue {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&Pieces)
        }
    }
    struct AsKey;
    impl Serialize for AsKey {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(None)?;
            map.serialize_entry(&AsValue, &AsValue)?;
            map.end()
        }
    }
    same(&AsValue);
    same(&AsKey);
    same(&std::net::Ipv4Addr::LOCALHOST);
}

#[test]
fn raw_values_are_copied_verbatim() {
    #[derive(Serialize)]
    struct Out<'a> {
        boxed: Box<RawValue>,
        borrowed: &'a RawValue,
        maybe: Option<Box<RawValue>>,
    }
    let text = "{ \"a\" : [1, 2.50, \"\\u0041\\/\"] ,\n\"b\":null }";
    let boxed = RawValue::from_string(text.to_owned()).unwrap();
    let borrowed: &RawValue = serde_json::from_str("  \"x\"  ").unwrap();
    let out = Out {
        boxed,
        borrowed,
        maybe: Some(RawValue::from_string("1e5".to_owned()).unwrap()),
    };
    same(&out);
    let bytes = to_vec(&out).unwrap();
    assert!(bytes.windows(text.len()).any(|w| w == text.as_bytes()));
    same(&RawValue::from_string("[]".to_owned()).unwrap());
    // A raw value cannot be a key.
    both_fail(
        &Entries(vec![(
            RawValue::from_string("\"k\"".to_owned()).unwrap(),
            1,
        )]),
        "key must be a string",
    );
}

#[test]
fn raw_value_lookalikes_fail_like_serde_json() {
    use serde::ser::SerializeStruct;
    const TOKEN: &str = "$serde_json::private::RawValue";
    struct Fake(bool);
    impl Serialize for Fake {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut st = s.serialize_struct(TOKEN, 1)?;
            if self.0 {
                st.serialize_field(TOKEN, &5)?;
            } else {
                st.serialize_field("other", "1")?;
            }
            st.end()
        }
    }
    both_fail(&Fake(true), "expected RawValue");
    both_fail(&Fake(false), "expected value");
}

#[test]
fn display_errors_become_errors() {
    // serde_json panics here ("there should be an error"); we return an error.
    struct Failing;
    impl fmt::Display for Failing {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }
    struct V;
    impl Serialize for V {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&Failing)
        }
    }
    assert!(to_vec(&V).is_err());
}

fn meta() -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert("io.example/trace".into(), json!({"id": "t\"1", "n": 1.25}));
    meta
}

#[test]
fn protocol_types() {
    let annotations = Annotations {
        audience: vec![Role::User, Role::Assistant],
        priority: Some(0.5),
        last_modified: Some("2025-01-01T00:00:00Z".into()),
    };
    let contents = vec![
        Content::text("plain"),
        Content::text("quotes \" and \\ and \n\t\u{1} é 😀 </script>"),
        Content::text("x".repeat(70_000)).with_annotations(annotations),
        Content::image("iVBORw0KGgo=", "image/png"),
        Content::audio("UklGRg==", "audio/wav"),
        Content::resource_link("file:///a b.txt", "a b"),
        Content::ResourceLink {
            uri: "mem://x".into(),
            name: "x".into(),
            description: Some("desc".into()),
            mime_type: Some("text/plain".into()),
            annotations: None,
        },
        Content::embedded_text("mem://t", "text/plain", "body\r\n"),
        Content::embedded(ResourceContents::Blob {
            uri: "mem://b".into(),
            mime_type: None,
            blob: "AAEC".into(),
            meta: Some(meta()),
        }),
    ];
    let full = CallToolResult {
        content: contents,
        structured_content: Some(json!({"n": [1, -2, 3.5, u64::MAX, i64::MIN], "s": "v\u{7f}"})),
        is_error: true,
        meta: Some(meta()),
    };
    same(&full);
    same(&CallToolResult::default());
    same(&CallToolResult::error("boom: \"x\""));
    same(&CallToolResult::structured(
        json!({"a": "b\nc", "d": [null, true]}),
    ));

    let init = InitializeResult {
        protocol_version: "2025-11-25".into(),
        capabilities: ServerCapabilities {
            tools: Some(ListChanged {
                list_changed: Some(true),
            }),
            resources: Some(ResourcesCapability {
                subscribe: Some(true),
                list_changed: None,
            }),
            prompts: Some(ListChanged::default()),
            logging: Some(Map::new()),
            completions: Some(Map::new()),
            tasks: Some(json!({"list": {}})),
            extensions: Some(meta()),
        },
        server_info: Implementation {
            name: "srv".into(),
            version: "1.0".into(),
            title: Some("Server \"1\"".into()),
            ..Default::default()
        },
        instructions: Some("Use\tthe tools.\n".into()),
    };
    same(&init);

    same(&ErrorObject {
        code: -32602,
        message: "Invalid params: \"x\"".into(),
        data: Some(json!({"detail": [1, 2]})),
    });
    same(&ErrorObject {
        code: i64::MIN,
        message: String::new(),
        data: None,
    });
    same(&RequestId::Number(-7));
    same(&RequestId::String("id \"q\"".into()));
    same(&LoggingLevel::Emergency);
    same(&ProgressNotificationParams {
        progress_token: RequestId::String("tok".into()),
        progress: 50.0,
        total: Some(100.5),
        message: Some("half\u{1b}".into()),
    });
}

/// The JSON-RPC writers now on the new encoder still produce serde_json's bytes.
#[test]
fn jsonrpc_writers() {
    // `json!` objects sort their keys, so the envelopes are assembled by hand.
    let js = |v: &dyn erased::Json| v.json();
    let params = json!({"level": "info", "data": {"msg": "a\"b"}});
    let expected = format!(
        r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{}}}"#,
        js(&params)
    );
    let ours = jsonrpc::notification("notifications/message", &params);
    assert_eq!(String::from_utf8(ours).unwrap(), expected);

    let id = RequestId::String("s-1\"".into());
    let expected = format!(
        r#"{{"jsonrpc":"2.0","id":{},"method":"roots/list","params":{{}}}}"#,
        js(&id)
    );
    let ours = jsonrpc::request(&id, "roots/list", &json!({}));
    assert_eq!(String::from_utf8(ours).unwrap(), expected);

    let error = ErrorObject {
        code: -32601,
        message: "Method not found: \"x\"".into(),
        data: Some(json!([1.5, null])),
    };
    for id in [None, Some(RequestId::Number(3)), Some(id)] {
        let expected = format!(
            r#"{{"jsonrpc":"2.0","id":{},"error":{}}}"#,
            js(&id),
            js(&error)
        );
        let ours = jsonrpc::error_response(id.as_ref(), &error);
        assert_eq!(String::from_utf8(ours).unwrap(), expected);
    }
}

/// serde_json's text for any value, behind a trait object.
mod erased {
    pub(super) trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

/// `call_tool_result` writes what serde_json writes, on its fast path (one plain text
/// block) and off it (anything else beside or instead of it).
#[test]
fn call_tool_results() {
    #[track_caller]
    fn same_result(result: &CallToolResult) {
        let mut ours = b"prefix".to_vec();
        super::call_tool_result(&mut ours, result).unwrap();
        assert_eq!(&ours[..6], b"prefix");
        let theirs = serde_json::to_vec(result).unwrap();
        assert!(
            ours[6..] == theirs[..],
            "output differs\n ours:   {}\n theirs: {}",
            String::from_utf8_lossy(&ours[6..]),
            String::from_utf8_lossy(&theirs)
        );
    }
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut texts: Vec<String> = (0..2_000).map(|_| random_string(&mut rng)).collect();
    texts.extend([
        "".into(),
        "42".into(),
        "\"quoted\" \\ \n".into(),
        "x".repeat(70_000),
    ]);
    for text in &texts {
        let plain = CallToolResult::success(vec![Content::text(text.clone())]);
        same_result(&plain);
        same_result(&CallToolResult::error(text.clone()));
        let annotated = Content::Text {
            text: text.clone(),
            annotations: Some(Annotations {
                priority: Some(0.5),
                ..Default::default()
            }),
        };
        same_result(&CallToolResult::success(vec![annotated]));
        let mut structured = plain.clone();
        structured.structured_content = Some(json!({ "text": text }));
        same_result(&structured);
        let mut with_meta = plain.clone();
        with_meta.meta = Some(meta());
        same_result(&with_meta);
        let two = Content::text(text.clone());
        same_result(&CallToolResult::success(vec![two.clone(), two]));
    }
    same_result(&CallToolResult::success(vec![]));
    same_result(&CallToolResult::success(vec![Content::Image {
        data: "aGk=".into(),
        mime_type: "image/png".into(),
        annotations: None,
    }]));
}
