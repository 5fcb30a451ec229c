//! Newline framing with a size limit, fed in arbitrary chunk sizes.

use proptest::prelude::*;

use crate::transport::lines::{next_line, InputBuffer, Line};

#[derive(Debug, PartialEq)]
enum Framed {
    Message(Vec<u8>),
    TooLong,
}

/// What the framing must produce: every `\n`-terminated line, then an unterminated
/// tail if there is one; lines over `limit` bytes are reported, not returned.
fn reference(input: &[u8], limit: usize) -> Vec<Framed> {
    let mut out = Vec::new();
    let mut segments: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
    let tail = segments.pop().unwrap_or_default();
    for line in segments
        .into_iter()
        .chain((!tail.is_empty()).then_some(tail))
    {
        out.push(if line.len() > limit {
            Framed::TooLong
        } else {
            Framed::Message(line.to_vec())
        });
    }
    out
}

fn framed(input: &[u8], limit: usize, chunk: usize) -> Vec<Framed> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut reader = InputBuffer::with_capacity(chunk, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            match next_line(&mut reader, &mut buf, limit).await.unwrap() {
                Line::Message => out.push(Framed::Message(buf.clone())),
                Line::TooLong => out.push(Framed::TooLong),
                Line::Eof => return out,
            }
        }
    })
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    // Mostly short lines, so limits and chunk edges fall inside and between them.
    prop::collection::vec(prop_oneof![4 => any::<u8>(), 1 => Just(b'\n')], 0..512)
}

proptest! {
    #[test]
    fn framing_matches_the_reference(input in input(), limit in 0usize..64, chunk in 1usize..48) {
        prop_assert_eq!(framed(&input, limit, chunk), reference(&input, limit));
    }
}

#[test]
fn a_line_exactly_at_the_limit_is_kept() {
    assert_eq!(
        framed(b"abc\nabcd\n", 3, 2),
        vec![Framed::Message(b"abc".to_vec()), Framed::TooLong]
    );
}
