package runner

import (
	"bytes"
	"unicode/utf8"
)

// lineSplitter cuts one output stream into whole lines, as the worker's
// LineBoundaryFinder does: text after the last "\n" waits for the next chunk
// (or the end), the worker's newline_re sequences ("\r\n", "\r" before
// another character, "\x1b[u", "\x1b[N;NH", "\x1b[N;Nf", "\x1b[2J" and runs
// of backspaces) become "\n", and a line of maxLen bytes or more is cut into
// pieces of maxLen-1 bytes (at a rune boundary) plus "\n", so that partial
// text never grows beyond maxLen. Emitted text is valid UTF-8 (invalid bytes
// become U+FFFD, as the worker's decoder with errors='replace').
type lineSplitter struct {
	maxLen  int
	partial []byte
	joined  []byte // partial + new data
	norm    []byte // joined after newline normalisation
	cut     []byte // whole lines after cutting long ones
}

func newLineSplitter(maxLen int) *lineSplitter {
	if maxLen < 2 {
		maxLen = 2
	}
	return &lineSplitter{maxLen: maxLen}
}

// add feeds data and calls emit with the whole lines it completes. The slice
// given to emit is only valid during the call.
func (s *lineSplitter) add(data []byte, emit func([]byte)) {
	text := data
	if len(s.partial) > 0 {
		s.joined = append(append(s.joined[:0], s.partial...), data...)
		text = s.joined
	}
	if needsNormalizing(text) {
		s.norm = normalizeNewlines(text, s.norm[:0])
		text = s.norm
	}
	rest := text
	if last := bytes.LastIndexByte(text, '\n'); last >= 0 {
		whole := text[:last+1]
		rest = text[last+1:]
		if hasLongLine(whole, s.maxLen) {
			s.cut = cutLongLines(whole, s.maxLen, s.cut[:0])
			whole = s.cut
		}
		emitValid(whole, emit)
	}
	for len(rest) >= s.maxLen {
		k := runeCut(rest, s.maxLen-1)
		piece := append(append(s.cut[:0], rest[:k]...), '\n')
		s.cut = piece
		emitValid(piece, emit)
		rest = rest[k:]
	}
	s.partial = append(s.partial[:0], rest...)
}

// flush ends a pending partial line with "\n" and emits it.
func (s *lineSplitter) flush(emit func([]byte)) {
	if len(s.partial) > 0 {
		s.add([]byte{'\n'}, emit)
	}
}

func emitValid(b []byte, emit func([]byte)) {
	if len(b) == 0 {
		return
	}
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	emit(b)
}

func needsNormalizing(b []byte) bool {
	return bytes.IndexByte(b, '\r') >= 0 || bytes.IndexByte(b, 0x1b) >= 0 || bytes.IndexByte(b, '\b') >= 0
}

// normalizeNewlines appends in to out with the worker's newline_re
// sequences replaced by "\n". A "\r" or escape sequence at the very end is
// kept as is: it may be completed by the next chunk.
func normalizeNewlines(in, out []byte) []byte {
	for i := 0; i < len(in); {
		switch c := in[i]; c {
		case '\r':
			switch {
			case i+1 >= len(in):
				out = append(out, '\r')
				i++
			case in[i+1] == '\n':
				out = append(out, '\n')
				i += 2
			default:
				out = append(out, '\n')
				i++
			}
		case 0x1b:
			if n := escapeLen(in[i:]); n > 0 {
				out = append(out, '\n')
				i += n
			} else {
				out = append(out, c)
				i++
			}
		case '\b':
			for i < len(in) && in[i] == '\b' {
				i++
			}
			out = append(out, '\n')
		default:
			j := i + 1
			for j < len(in) && in[j] != '\r' && in[j] != 0x1b && in[j] != '\b' {
				j++
			}
			out = append(out, in[i:j]...)
			i = j
		}
	}
	return out
}

// escapeLen returns the length of the cursor escape at the start of b that
// newline_re turns into a line break, or 0.
func escapeLen(b []byte) int {
	if len(b) < 3 || b[1] != '[' {
		return 0
	}
	if b[2] == 'u' {
		return 3
	}
	if len(b) >= 4 && b[2] == '2' && b[3] == 'J' {
		return 4
	}
	j := 2
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	if j == 2 || j >= len(b) || b[j] != ';' {
		return 0
	}
	k := j + 1
	for k < len(b) && isDigit(b[k]) {
		k++
	}
	if k == j+1 || k >= len(b) || (b[k] != 'H' && b[k] != 'f') {
		return 0
	}
	return k + 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// hasLongLine reports whether text (whole lines) has a line of maxLen bytes
// or more before its "\n". It looks at windows of maxLen bytes, so it costs a
// few calls per window rather than one per line.
func hasLongLine(text []byte, maxLen int) bool {
	for pos := 0; len(text)-pos > maxLen; {
		j := bytes.LastIndexByte(text[pos:pos+maxLen], '\n')
		if j < 0 {
			return true
		}
		pos += j + 1
	}
	return false
}

// cutLongLines appends text to out with every line of maxLen bytes or more
// cut into pieces of at most maxLen-1 bytes, each ending in "\n".
func cutLongLines(text []byte, maxLen int, out []byte) []byte {
	for len(text) > 0 {
		nl := bytes.IndexByte(text, '\n')
		line := text[:nl]
		text = text[nl+1:]
		for len(line) >= maxLen {
			k := runeCut(line, maxLen-1)
			out = append(append(out, line[:k]...), '\n')
			line = line[k:]
		}
		out = append(append(out, line...), '\n')
	}
	return out
}

// runeCut returns n moved back to the start of a UTF-8 sequence, if that
// leaves something to cut.
func runeCut(b []byte, n int) int {
	k := n
	for k > 0 && k < len(b) && !utf8.RuneStart(b[k]) {
		k--
	}
	if k == 0 {
		return n
	}
	return k
}
