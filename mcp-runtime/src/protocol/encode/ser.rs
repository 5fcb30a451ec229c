//! The value serializer: serde_json's compact `Serializer`, writing into a `Vec<u8>`.

use std::fmt::{self, Write as _};

use serde::ser::{self, Serialize};
use serde_json::Error;

use super::escape::{write_str, Escaping};
use super::key::MapKeySerializer;
use super::raw::{Raw, RawEmitter};
use super::{error, write_float, write_int};

/// Serializes `value` as compact JSON; the same bytes as `serde_json::to_vec`.
#[inline]
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    // serde_json's starting capacity, so small values grow the same way.
    let mut out = Vec::with_capacity(128);
    to_writer(&mut out, value)?;
    Ok(out)
}

/// Appends `value` as compact JSON to `out`. On error `out` may hold a partial
/// value, as with `serde_json::to_writer`.
#[inline]
pub(crate) fn to_writer<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut Serializer { out })
}

pub(crate) struct Serializer<'a> {
    pub(super) out: &'a mut Vec<u8>,
}

impl Serializer<'_> {
    /// Opens `{"variant":` for the externally tagged enum representations.
    fn begin_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
    }

    fn begin(&mut self, open: u8, close: u8, len: Option<usize>) -> State {
        self.out.push(open);
        // A known-empty container is closed at once and `end` writes nothing.
        if len == Some(0) {
            self.out.push(close);
            State::Empty
        } else {
            State::First
        }
    }
}

macro_rules! integers {
    ($($method:ident: $ty:ty),*) => {
        $(
            #[inline]
            fn $method(self, value: $ty) -> Result<(), Error> {
                write_int(self.out, value);
                Ok(())
            }
        )*
    };
}

impl<'s, 'a> ser::Serializer for &'s mut Serializer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'s, 'a>;
    type SerializeTuple = Compound<'s, 'a>;
    type SerializeTupleStruct = Compound<'s, 'a>;
    type SerializeTupleVariant = Compound<'s, 'a>;
    type SerializeMap = Compound<'s, 'a>;
    type SerializeStruct = Struct<'s, 'a>;
    type SerializeStructVariant = Compound<'s, 'a>;

    #[inline]
    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    integers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    /// NaN and infinities have no JSON form; serde_json writes `null` for them.
    #[inline]
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if value.is_finite() {
            write_float(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    #[inline]
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if value.is_finite() {
            write_float(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    #[inline]
    fn serialize_char(self, value: char) -> Result<(), Error> {
        write_str(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    #[inline]
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.out, value);
        Ok(())
    }

    /// Bytes are an array of numbers.
    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        self.out.push(b'[');
        for (i, byte) in value.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_int(self.out, *byte);
        }
        self.out.push(b']');
        Ok(())
    }

    #[inline]
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    #[inline]
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    #[inline]
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    #[inline]
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    #[inline]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.begin_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'s, 'a>, Error> {
        let state = self.begin(b'[', b']', len);
        Ok(Compound { ser: self, state })
    }

    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<Compound<'s, 'a>, Error> {
        self.serialize_seq(Some(len))
    }

    #[inline]
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.begin_variant(variant);
        self.serialize_seq(Some(len))
    }

    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'s, 'a>, Error> {
        let state = self.begin(b'{', b'}', len);
        Ok(Compound { ser: self, state })
    }

    /// serde_json's `RawValue` (and, with its `arbitrary_precision` feature, its
    /// `Number`) serialize as a struct with a private name whose one field holds
    /// JSON text to be written verbatim. No other type uses those names.
    #[inline]
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Struct<'s, 'a>, Error> {
        Ok(match Raw::from_token(name) {
            Some(kind) => Struct::Raw { ser: self, kind },
            None => Struct::Map(self.serialize_map(Some(len))?),
        })
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.begin_variant(variant);
        self.serialize_map(Some(len))
    }

    /// Streams the `Display` output through the escaper, like serde_json.
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.out.push(b'"');
        // Our writer never fails, so an error can only come from the `Display`
        // impl itself (serde_json panics in that case).
        write!(Escaping(self.out), "{value}")
            .map_err(|_| error("a Display implementation returned an error"))?;
        self.out.push(b'"');
        Ok(())
    }
}

/// Where a container is: serde_json's `State`. `Empty` means the closing bracket
/// was already written because the length was known to be zero.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Empty,
    First,
    Rest,
}

/// An array or object being written.
pub(crate) struct Compound<'s, 'a> {
    ser: &'s mut Serializer<'a>,
    state: State,
}

impl Compound<'_, '_> {
    /// Writes the separator before an element or key. Like serde_json, anything
    /// but the first item gets a comma, even in a container declared empty.
    #[inline]
    fn separate(&mut self) {
        if self.state != State::First {
            self.ser.out.push(b',');
        }
        self.state = State::Rest;
    }

    #[inline]
    fn close(&mut self, close: u8) {
        if self.state != State::Empty {
            self.ser.out.push(close);
        }
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.separate();
        value.serialize(&mut *self.ser)
    }

    #[inline]
    fn end(mut self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    /// Closes the array, then the `{"variant":` wrapper.
    #[inline]
    fn end(mut self) -> Result<(), Error> {
        self.close(b']');
        self.ser.out.push(b'}');
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.separate();
        key.serialize(MapKeySerializer { ser: self.ser })
    }

    #[inline]
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.ser.out.push(b':');
        value.serialize(&mut *self.ser)
    }

    #[inline]
    fn end(mut self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

impl Compound<'_, '_> {
    /// A struct field: its name is a plain string key.
    #[inline]
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.separate();
        write_str(self.ser.out, key);
        self.ser.out.push(b':');
        value.serialize(&mut *self.ser)
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }

    /// Closes the object, then the `{"variant":` wrapper.
    #[inline]
    fn end(mut self) -> Result<(), Error> {
        self.close(b'}');
        self.ser.out.push(b'}');
        Ok(())
    }
}

/// A struct being written: an object, or raw JSON text (see `serialize_struct`).
pub(crate) enum Struct<'s, 'a> {
    Map(Compound<'s, 'a>),
    Raw {
        ser: &'s mut Serializer<'a>,
        kind: Raw,
    },
}

impl ser::SerializeStruct for Struct<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        match self {
            Struct::Map(map) => map.field(key, value),
            Struct::Raw { ser, kind } if key == kind.token() => value.serialize(RawEmitter {
                out: ser.out,
                kind: *kind,
            }),
            Struct::Raw { kind, .. } => Err(kind.wrong_field()),
        }
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        match self {
            Struct::Map(map) => ser::SerializeMap::end(map),
            Struct::Raw { .. } => Ok(()),
        }
    }
}
