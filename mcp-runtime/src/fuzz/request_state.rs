//! The `requestState` codec: sealed states open only for their own request, and any
//! change to one is refused, never accepted and never a panic.

use std::time::Duration;

use proptest::prelude::*;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::gen;
use crate::error::ErrorKind;
use crate::input::state::{open, seal, Binding, StateKey};

fn key() -> StateKey {
    StateKey::from_bytes(b"fuzz key")
}

fn raw(v: &Value, pretty: bool) -> Box<RawValue> {
    RawValue::from_string(gen::spaced(v, pretty)).unwrap()
}

fn binding<'a>(method: &'a str, target: &'a str, args: Option<&'a RawValue>) -> Binding<'a> {
    Binding {
        method,
        target,
        arguments: args,
        owner: None,
    }
}

proptest! {
    /// Sealed answers come back unchanged, also when the retry re-serializes its
    /// arguments differently (key order, whitespace).
    #[test]
    fn round_trips(
        method in "[a-z/]{1,16}",
        target in any::<String>(),
        args in prop::option::of(gen::object()),
        answers in gen::object(),
    ) {
        let args = args.map(Value::Object);
        let sealed_with = args.as_ref().map(|a| raw(a, false));
        let opened_with = args.as_ref().map(|a| raw(a, true));
        let state = seal(&key(), &binding(&method, &target, sealed_with.as_deref()), Duration::from_secs(60), answers.clone());
        let opened = open(&key(), &binding(&method, &target, opened_with.as_deref()), &state);
        prop_assert_eq!(opened.unwrap(), answers);
    }

    /// Any edit of a sealed state is refused with `-32602`.
    #[test]
    fn tampering_is_refused(
        answers in gen::object(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        how in 0u8..3,
    ) {
        let b = binding("tools/call", "t", None);
        let state = seal(&key(), &b, Duration::from_secs(60), answers);
        let mut bytes = state.clone().into_bytes();
        let i = at.index(bytes.len());
        match how {
            0 => bytes[i] = byte,
            1 => { bytes.remove(i); }
            _ => bytes.insert(i, byte),
        }
        let Ok(edited) = String::from_utf8(bytes) else { return Ok(()) };
        prop_assume!(edited != state);
        let err = open(&key(), &b, &edited).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::InvalidParams);
    }

    /// Arbitrary text is refused, never a panic.
    #[test]
    fn garbage_is_refused(text in any::<String>(), dotted in "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,60}") {
        let b = binding("tools/call", "t", None);
        prop_assert!(open(&key(), &b, &text).is_err());
        prop_assert!(open(&key(), &b, &dotted).is_err());
    }

    /// A state opens only for the request it was sealed for.
    #[test]
    fn bound_to_its_request(
        a in gen::object(),
        b in gen::object(),
        target in "[a-z]{1,8}",
        other_target in "[a-z]{1,8}",
    ) {
        let (ra, rb) = (raw(&Value::Object(a.clone()), false), raw(&Value::Object(b.clone()), false));
        let state = seal(&key(), &binding("tools/call", &target, Some(&ra)), Duration::from_secs(60), Map::new());
        prop_assert_eq!(
            open(&key(), &binding("tools/call", &target, Some(&rb)), &state).is_ok(),
            a == b
        );
        prop_assert_eq!(
            open(&key(), &binding("tools/call", &other_target, Some(&ra)), &state).is_ok(),
            target == other_target
        );
        prop_assert!(open(&key(), &binding("prompts/get", &target, Some(&ra)), &state).is_err());
        prop_assert!(open(&StateKey::from_bytes(b"other"), &binding("tools/call", &target, Some(&ra)), &state).is_err());
    }
}
