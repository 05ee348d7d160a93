package db

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// HashColumns is Buildbot's hashColumns: each part UTF-8 encoded (nil, or a
// nil pointer, as the single byte 0xf5; integers in decimal), joined with
// NUL, SHA-1, lower-case hex. It fills the *_hash columns.
func HashColumns(parts ...any) string {
	h := sha1.New()
	var buf []byte
	for i, p := range parts {
		if i > 0 {
			buf = append(buf, 0)
		}
		switch v := p.(type) {
		case nil:
			buf = append(buf, 0xf5)
		case string:
			buf = append(buf, v...)
		case *string:
			if v == nil {
				buf = append(buf, 0xf5)
			} else {
				buf = append(buf, *v...)
			}
		case int:
			buf = strconv.AppendInt(buf, int64(v), 10)
		case int64:
			buf = strconv.AppendInt(buf, v, 10)
		case *int64:
			if v == nil {
				buf = append(buf, 0xf5)
			} else {
				buf = strconv.AppendInt(buf, *v, 10)
			}
		default:
			buf = fmt.Append(buf, v)
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// clip truncates s to at most n characters (a VARCHAR(n) column's limit on
// PostgreSQL), never splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i]
}

// clipPtr is clip for a nullable value.
func clipPtr(s *string, n int) *string {
	if s == nil || len(*s) <= n {
		return s
	}
	c := clip(*s, n)
	return &c
}

// ensureLength is Buildbot's ensureLength: a value longer than n characters
// becomes its first n/2 characters followed by the first n/2 hex digits of
// the SHA-1 of the whole value, so distinct long names stay distinct.
func ensureLength(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	sum := sha1.Sum([]byte(s))
	return clip(s, n/2) + hex.EncodeToString(sum[:])[:n/2]
}

// marshalJSON encodes v as Buildbot's json.dumps would read back: no HTML
// escaping, no trailing newline.
func marshalJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimRight(b.Bytes(), "\n")), nil
}
