//! Map keys, by serde_json's `MapKeySerializer` rules: JSON keys are strings, so
//! strings, chars and unit variants go in as they are, integers, bools and finite
//! floats are quoted, and anything else is "key must be a string".

use std::fmt;

use serde::ser::{self, Impossible, Serialize};
use serde_json::Error;

use super::escape::write_str;
use super::ser::Serializer;
use super::{error, reject, write_float, write_int};

pub(super) struct MapKeySerializer<'s, 'a> {
    pub(super) ser: &'s mut Serializer<'a>,
}

impl MapKeySerializer<'_, '_> {
    fn reject(&self) -> Error {
        error("key must be a string")
    }

    fn quoted(self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), Error> {
        let out = &mut *self.ser.out;
        out.push(b'"');
        write(out);
        out.push(b'"');
        Ok(())
    }
}

macro_rules! quoted_integers {
    ($($method:ident: $ty:ty),*) => {
        $(
            fn $method(self, value: $ty) -> Result<(), Error> {
                self.quoted(|out| write_int(out, value))
            }
        )*
    };
}

impl ser::Serializer for MapKeySerializer<'_, '_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    #[inline]
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.ser.out, value);
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(|out| out.extend_from_slice(if value { b"true" } else { b"false" }))
    }

    quoted_integers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(error("float key must be finite (got NaN or +/-inf)"));
        }
        self.quoted(|out| write_float(out, value))
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(error("float key must be finite (got NaN or +/-inf)"));
        }
        self.quoted(|out| write_float(out, value))
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        ser::Serializer::collect_str(self.ser, value)
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
        serialize_bytes(value: &[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(name: &'static str) -> ();
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
