//! Writes rendered documents to disk the way the AWS CLI prints them: 4-space indented JSON
//! with a trailing newline, through a buffered writer.

use crate::error::{BenchError, Result};
use serde::Serialize;
use serde_json::ser::{PrettyFormatter, Serializer};
use serde_json::Value;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Files and bytes written so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub bytes: u64,
}

impl Written {
    /// Writes `doc` to `path` (creating parent directories) and counts it.
    pub fn write(&mut self, path: &Path, doc: &Value) -> Result<()> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| BenchError::io(dir, e))?;
        }
        let file = File::create(path).map_err(|e| BenchError::io(path, e))?;
        let mut out = CountingWriter { inner: BufWriter::with_capacity(1 << 16, file), count: 0 };
        let mut ser = Serializer::with_formatter(&mut out, PrettyFormatter::with_indent(b"    "));
        doc.serialize(&mut ser).map_err(|e| BenchError::Json { path: path.to_path_buf(), source: e })?;
        out.write_all(b"\n").and_then(|()| out.inner.flush()).map_err(|e| BenchError::io(path, e))?;
        self.files += 1;
        self.bytes += out.count;
        Ok(())
    }
}

struct CountingWriter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
