//! A log file's bytes as a stream: plain files as they are, gzip (`1f 8b`, any number of
//! members) decompressed on the fly. Readers take it in bounded pieces, or whole; a gzip stream
//! cut short ends the input after its last decompressed byte and is reported as truncated.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::path::Path;

/// An open log file.
pub struct Input {
    reader: Box<dyn Read + Send>,
    /// The size of the file on disk.
    pub size: u64,
    /// A guess of the decompressed size, to reserve memory for whole reads.
    expected: usize,
    /// Decompressed bytes handed out so far.
    pub read: u64,
    /// True when a gzip stream ended before its end marker.
    pub truncated: bool,
    /// True when everything has been read.
    pub at_end: bool,
    gzip: bool,
}

impl Input {
    pub fn open(path: &Path) -> Result<Input, std::io::Error> {
        let mut file = File::open(path)?;
        let size = file.metadata()?.len();
        let mut magic = [0u8; 2];
        let n = read_up_to(&mut file, &mut magic)?;
        let gzip = n == 2 && magic == [0x1f, 0x8b];
        let head = std::io::Cursor::new(magic[..n].to_vec());
        let expected = usize::try_from(size).unwrap_or(usize::MAX);
        Ok(if gzip {
            let stream = MultiGzDecoder::new(BufReader::with_capacity(1 << 20, head.chain(file)));
            Input { reader: Box::new(stream), size, expected: expected.saturating_mul(6), read: 0, truncated: false, at_end: false, gzip }
        } else {
            Input { reader: Box::new(head.chain(file)), size, expected, read: 0, truncated: false, at_end: false, gzip }
        })
    }

    /// The expected decompressed size (a guess for gzip).
    pub fn expected(&self) -> usize {
        self.expected
    }

    /// Read into `buf[*len..]` until it is full or the input ends.
    pub fn fill(&mut self, buf: &mut [u8], len: &mut usize) -> Result<(), std::io::Error> {
        while *len < buf.len() && !self.at_end {
            match self.reader.read(&mut buf[*len..]) {
                Ok(0) => self.at_end = true,
                Ok(n) => {
                    *len += n;
                    self.read += n as u64;
                }
                Err(e) => self.failed(e)?,
            }
        }
        Ok(())
    }

    /// Append the rest of the input to `buf`.
    pub fn read_rest(&mut self, buf: &mut Vec<u8>) -> Result<(), std::io::Error> {
        buf.reserve(self.expected.saturating_sub(buf.len()));
        let before = buf.len();
        let outcome = self.reader.read_to_end(buf);
        self.read += (buf.len() - before) as u64;
        self.at_end = true;
        match outcome {
            Ok(_) => Ok(()),
            Err(e) => self.failed(e),
        }
    }

    /// A read error: the end of a cut gzip stream, or a failure.
    fn failed(&mut self, e: std::io::Error) -> Result<(), std::io::Error> {
        match e.kind() {
            ErrorKind::Interrupted => Ok(()),
            ErrorKind::UnexpectedEof if self.gzip => {
                self.at_end = true;
                self.truncated = true;
                Ok(())
            }
            _ if self.gzip => Err(std::io::Error::new(e.kind(), format!("gzip: {e}"))),
            _ => Err(e),
        }
    }
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> Result<usize, std::io::Error> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
