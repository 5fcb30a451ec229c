//! JSON string escaping, a 64-bit word (eight bytes) at a time.
//!
//! The output is exactly serde_json's: `"` and `\` are backslash-escaped, control
//! bytes (< 0x20) use `\b \t \n \f \r` where those exist and lowercase `\u00XX`
//! otherwise, and everything else (including `/`, DEL and non-ASCII) is copied as is.

use std::fmt;

/// `0x0101…01`: multiplying a byte by it repeats the byte in every lane.
const ONES: u64 = u64::MAX / 255;
/// The top bit of every lane.
const HIGHS: u64 = ONES << 7;

/// Appends `s` as a quoted JSON string.
#[inline]
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    // Most strings need no escapes, so this is usually the only allocation.
    out.reserve(s.len() + 2);
    out.push(b'"');
    write_str_contents(out, s);
    out.push(b'"');
}

/// Appends the escaped contents of `s`, without quotes.
pub(crate) fn write_str_contents(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Keys and short values (most strings of a result): a byte loop decides sooner than
    // the word loop, which pads a short tail through a copy first.
    if bytes.len() < 16 && !bytes.iter().any(|&b| needs_escape(b)) {
        out.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    while let Some(at) = find_escape(bytes, start) {
        out.extend_from_slice(&bytes[start..at]);
        write_escape(out, bytes[at]);
        start = at + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Index of the first byte at or after `from` that must be escaped.
#[inline]
fn find_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = &bytes[from..];
    let mut offset = from;
    // Two words per step: one branch per 16 bytes on the long clean runs that
    // dominate large outputs.
    let mut pairs = rest.chunks_exact(16);
    for pair in pairs.by_ref() {
        let (a, b) = pair.split_at(8);
        let (a, b) = (escape_mask(word(a)), escape_mask(word(b)));
        if a | b != 0 {
            let lane = if a != 0 {
                first_lane(a)
            } else {
                8 + first_lane(b)
            };
            return Some(offset + lane);
        }
        offset += 16;
    }
    // At most 15 bytes left: test them as words too, padding the last one with
    // spaces (which need no escape).
    for chunk in pairs.remainder().chunks(8) {
        let mut padded = [b' '; 8];
        padded[..chunk.len()].copy_from_slice(chunk);
        let mask = escape_mask(u64::from_le_bytes(padded));
        if mask != 0 {
            return Some(offset + first_lane(mask));
        }
        offset += 8;
    }
    None
}

/// A control byte, `"` or `\`.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

#[inline]
fn word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"))
}

/// Sets the top bit of each lane of `w` that holds a control byte, `"` or `\`.
///
/// The classic "has zero byte" test `(x - 0x01…) & !x & 0x80…` (and its "has byte
/// less than n" variant), as in serde_json's `SliceRead::skip_to_escape`: a borrow
/// can only mark lanes *above* a true match, so the lowest marked lane (the first
/// byte, little-endian) is always exact. Bytes ≥ 0x80 never match because `!x`
/// clears their top bit. `"` and `\` are below 0x80, so XOR-ing them in leaves
/// each lane's top bit alone: the three tests share one `& !w`.
#[inline]
fn escape_mask(w: u64) -> u64 {
    let control = w.wrapping_sub(ONES * 0x20);
    let quote = (w ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES);
    let backslash = (w ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
    (control | quote | backslash) & !w & HIGHS
}

#[inline]
fn first_lane(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// Writes the escape sequence for a byte `find_escape` stopped at.
fn write_escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0A => b'n',
        0x0C => b'f',
        0x0D => b'r',
        _ => {
            debug_assert!(byte < 0x20);
            let hex = [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]];
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex[0], hex[1]]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// A `fmt::Write` that escapes what it is given: lets `collect_str` stream a
/// `Display` value into a string without formatting it to a `String` first.
pub(crate) struct Escaping<'a>(pub(crate) &'a mut Vec<u8>);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_str_contents(self.0, s);
        Ok(())
    }
}
