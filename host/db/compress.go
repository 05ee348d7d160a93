package db

import (
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Compression is how a logchunk's content is stored: the value of
// logchunks.compressed.
type Compression int

// Compression methods. Raw, Gz, Bz2 and Lz4 are Buildbot's ids; Zstd is
// bbhost's. Bz2 chunks (from a converted Buildbot database) can be read but
// not written; Lz4 is neither.
const (
	CompressRaw  Compression = 0
	CompressGz   Compression = 1
	CompressBz2  Compression = 2
	CompressLz4  Compression = 3
	CompressZstd Compression = 4
)

func (c Compression) String() string {
	switch c {
	case CompressRaw:
		return "raw"
	case CompressGz:
		return "gz"
	case CompressBz2:
		return "bz2"
	case CompressLz4:
		return "lz4"
	case CompressZstd:
		return "zstd"
	}
	return fmt.Sprintf("compression(%d)", int(c))
}

// ParseCompression turns a configuration value ("raw", "gz", "zstd") into a
// method chunks can be written with.
func ParseCompression(s string) (Compression, error) {
	switch s {
	case "raw":
		return CompressRaw, nil
	case "gz":
		return CompressGz, nil
	case "zstd", "":
		return CompressZstd, nil
	}
	return 0, fmt.Errorf("unknown log compression %q: want raw, gz or zstd", s)
}

// maxChunkDecoded bounds the decompressed size of one stored chunk (a merged
// chunk holds at most 1000 lines of at most 64 KiB each).
const maxChunkDecoded = 1000*MaxChunkSize + 1000

// codecs holds the connector's reusable compressors: one zstd encoder and
// decoder (both safe for concurrent use) and pools of zlib writers and
// readers, so compressing a chunk never builds a new encoder.
type codecs struct {
	once sync.Once
	enc  *zstd.Encoder
	dec  *zstd.Decoder
	err  error
	zw   sync.Pool // *zlibWriter
	zr   sync.Pool // io.ReadCloser implementing zlib.Resetter
}

type zlibWriter struct {
	buf bytes.Buffer
	w   *zlib.Writer
}

func (c *codecs) zstd() (*zstd.Encoder, *zstd.Decoder, error) {
	c.once.Do(func() {
		c.enc, c.err = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithEncoderCRC(false),
			zstd.WithWindowSize(1<<20))
		if c.err != nil {
			return
		}
		c.dec, c.err = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxMemory(maxChunkDecoded))
	})
	return c.enc, c.dec, c.err
}

func (c *codecs) close() {
	if c.enc != nil {
		_ = c.enc.Close()
	}
	if c.dec != nil {
		c.dec.Close()
	}
}

// compress encodes src with m and returns what to store: the compressed
// bytes and m when they are strictly smaller than src, else src and raw.
func (c *codecs) compress(m Compression, src []byte) ([]byte, Compression, error) {
	var out []byte
	switch m {
	case CompressRaw:
		return src, CompressRaw, nil
	case CompressZstd:
		enc, _, err := c.zstd()
		if err != nil {
			return nil, 0, err
		}
		out = enc.EncodeAll(src, make([]byte, 0, len(src)/4+64))
	case CompressGz:
		zw, _ := c.zw.Get().(*zlibWriter)
		if zw == nil {
			zw = &zlibWriter{}
			w, err := zlib.NewWriterLevel(&zw.buf, zlib.BestCompression)
			if err != nil {
				return nil, 0, err
			}
			zw.w = w
		} else {
			zw.buf.Reset()
			zw.w.Reset(&zw.buf)
		}
		if _, err := zw.w.Write(src); err != nil {
			return nil, 0, err
		}
		if err := zw.w.Close(); err != nil {
			return nil, 0, err
		}
		out = bytes.Clone(zw.buf.Bytes())
		c.zw.Put(zw)
	default:
		return nil, 0, fmt.Errorf("cannot write log chunks with %s compression", m)
	}
	if len(out) < len(src) {
		return out, m, nil
	}
	return src, CompressRaw, nil
}

// decompress decodes a stored chunk, appending to dst[:0].
func (c *codecs) decompress(m Compression, src, dst []byte) ([]byte, error) {
	switch m {
	case CompressRaw:
		return append(dst[:0], src...), nil
	case CompressZstd:
		_, dec, err := c.zstd()
		if err != nil {
			return nil, err
		}
		return dec.DecodeAll(src, dst[:0])
	case CompressGz:
		var r io.ReadCloser
		if v := c.zr.Get(); v != nil {
			r = v.(io.ReadCloser)
			if err := r.(zlib.Resetter).Reset(bytes.NewReader(src), nil); err != nil {
				return nil, fmt.Errorf("gz log chunk: %w", err)
			}
		} else {
			var err error
			if r, err = zlib.NewReader(bytes.NewReader(src)); err != nil {
				return nil, fmt.Errorf("gz log chunk: %w", err)
			}
		}
		defer c.zr.Put(r)
		return readLimited(r, dst)
	case CompressBz2:
		return readLimited(bzip2.NewReader(bytes.NewReader(src)), dst)
	}
	return nil, fmt.Errorf("cannot read log chunks stored with %s compression", m)
}

func readLimited(r io.Reader, dst []byte) ([]byte, error) {
	buf := bytes.NewBuffer(dst[:0])
	n, err := buf.ReadFrom(io.LimitReader(r, maxChunkDecoded+1))
	if err != nil {
		return nil, fmt.Errorf("decompress log chunk: %w", err)
	}
	if n > maxChunkDecoded {
		return nil, fmt.Errorf("decompress log chunk: more than %d bytes", maxChunkDecoded)
	}
	return buf.Bytes(), nil
}
