//! Raw JSON text: serde_json's `RawValue` (and `Number` under its
//! `arbitrary_precision` feature) hand the serializer a private-named struct whose
//! one string field is JSON text to copy verbatim. This takes that string.

use serde::ser::{self, Impossible, Serialize};
use serde_json::Error;

use super::{error, reject};

/// `serde_json::value::RawValue`'s struct and field name.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";
/// `serde_json::Number`'s struct and field name with `arbitrary_precision`.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Which private struct is being written.
#[derive(Clone, Copy)]
pub(crate) enum Raw {
    Value,
    Number,
}

impl Raw {
    pub(super) fn from_token(name: &str) -> Option<Raw> {
        match name {
            RAW_VALUE_TOKEN => Some(Raw::Value),
            NUMBER_TOKEN => Some(Raw::Number),
            _ => None,
        }
    }

    pub(super) fn token(self) -> &'static str {
        match self {
            Raw::Value => RAW_VALUE_TOKEN,
            Raw::Number => NUMBER_TOKEN,
        }
    }

    /// serde_json's error for a field other than the token.
    pub(super) fn wrong_field(self) -> Error {
        match self {
            Raw::Value => error("expected value"),
            Raw::Number => error("invalid number"),
        }
    }
}

/// Accepts the token field's string and writes it unquoted.
pub(super) struct RawEmitter<'s> {
    pub(super) out: &'s mut Vec<u8>,
    pub(super) kind: Raw,
}

impl RawEmitter<'_> {
    /// serde_json's error for a field value that is not a string.
    fn reject(&self) -> Error {
        match self.kind {
            Raw::Value => error("expected RawValue"),
            Raw::Number => error("invalid number"),
        }
    }
}

impl ser::Serializer for RawEmitter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.out.extend_from_slice(value.as_bytes());
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(self.reject())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(self.reject())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(self.reject())
    }

    reject! {
        serialize_bool(v: bool) -> ();
        serialize_i8(v: i8) -> ();
        serialize_i16(v: i16) -> ();
        serialize_i32(v: i32) -> ();
        serialize_i64(v: i64) -> ();
        serialize_i128(v: i128) -> ();
        serialize_u8(v: u8) -> ();
        serialize_u16(v: u16) -> ();
        serialize_u32(v: u32) -> ();
        serialize_u64(v: u64) -> ();
        serialize_u128(v: u128) -> ();
        serialize_f32(v: f32) -> ();
        serialize_f64(v: f64) -> ();
        serialize_char(v: char) -> ();
        serialize_bytes(v: &[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(name: &'static str) -> ();
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> ();
        serialize_seq(len: Option<usize>) -> Impossible<(), Error>;
        serialize_tuple(len: usize) -> Impossible<(), Error>;
        serialize_tuple_struct(name: &'static str, len: usize) -> Impossible<(), Error>;
        serialize_tuple_variant(
            name: &'static str, index: u32, variant: &'static str, len: usize
        ) -> Impossible<(), Error>;
        serialize_map(len: Option<usize>) -> Impossible<(), Error>;
        serialize_struct(name: &'static str, len: usize) -> Impossible<(), Error>;
        serialize_struct_variant(
            name: &'static str, index: u32, variant: &'static str, len: usize
        ) -> Impossible<(), Error>;
    }
}
