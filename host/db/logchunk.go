package db

import (
	"bytes"
	"unicode/utf8"
)

// Log chunk limits, as Buildbot's db/logs.py.
const (
	// MaxChunkSize bounds a chunk appended by AppendLog, in bytes.
	MaxChunkSize = 65536
	// MaxChunkLines bounds the lines of a chunk merged by CompressLog.
	MaxChunkLines = 1000
)

// chunk is a piece of appended text: its lines joined with "\n" (no final
// newline), its first and last line relative to the start of the append,
// and what is stored for it.
type chunk struct {
	content     []byte
	first, last int
	stored      []byte
	method      Compression
}

// splitChunks cuts content (the appended lines, final newline removed) into
// chunks as Buildbot's _splitBigChunk does: content of 64 KiB or more is cut
// at the last newline before 64 KiB; a single line longer than that is cut
// at a UTF-8 boundary and the rest of that line is dropped. An empty
// content (one empty line) is one empty chunk.
func splitChunks(content []byte) []chunk {
	var out []chunk
	line := 0
	for {
		var c chunk
		var rest []byte
		done := false
		if len(content) < MaxChunkSize {
			c.content, done = content, true
		} else if i := bytes.LastIndexByte(content[:MaxChunkSize], '\n'); i >= 0 {
			c.content, rest = content[:i], content[i+1:]
		} else {
			c.content = content[:runeCut(content, MaxChunkSize)]
			if j := bytes.IndexByte(content[MaxChunkSize:], '\n'); j >= 0 {
				rest = content[MaxChunkSize+j+1:]
			} else {
				done = true
			}
		}
		c.first = line
		c.last = line + bytes.Count(c.content, []byte{'\n'})
		line = c.last + 1
		out = append(out, c)
		if done {
			return out
		}
		content = rest
	}
}

// runeCut returns the largest cut ≤ n such that b[:cut] does not end inside
// a UTF-8 sequence (for valid UTF-8; at most three bytes are given up).
func runeCut(b []byte, n int) int {
	if n >= len(b) {
		return len(b)
	}
	for cut := n; cut > 0 && cut > n-utf8.UTFMax; cut-- {
		if utf8.RuneStart(b[cut]) {
			return cut
		}
	}
	return n
}
