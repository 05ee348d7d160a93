package db_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bbhost/bbhost/host/db"
)

func TestSplitChunks(t *testing.T) {
	line := strings.Repeat("x", 99) // 100 bytes with its newline
	many := strings.TrimSuffix(strings.Repeat(line+"\n", 1000), "\n")
	huge := strings.Repeat("é", 40000) // 80,000 bytes, one line
	for _, tc := range []struct {
		name   string
		in     string
		chunks int
		lines  int
	}{
		{"empty line", "", 1, 1},
		{"one line", "hello", 1, 1},
		{"small", "a\nb\nc", 1, 3},
		{"100 KB", many, 2, 1000},
		{"over-long line", huge, 1, 1},
		{"over-long line between", "before\n" + huge + "\nafter", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			contents, firsts, lasts := db.SplitChunks([]byte(tc.in))
			if len(contents) != tc.chunks {
				t.Fatalf("%d chunks, want %d", len(contents), tc.chunks)
			}
			if lasts[len(lasts)-1]+1 != tc.lines {
				t.Fatalf("%d lines, want %d", lasts[len(lasts)-1]+1, tc.lines)
			}
			next := 0
			for i, c := range contents {
				if len(c) > db.MaxChunkSize {
					t.Errorf("chunk %d has %d bytes", i, len(c))
				}
				if !utf8.Valid(c) {
					t.Errorf("chunk %d is not valid UTF-8", i)
				}
				if firsts[i] != next || lasts[i] != firsts[i]+bytes.Count(c, []byte{'\n'}) {
					t.Errorf("chunk %d: lines %d-%d", i, firsts[i], lasts[i])
				}
				next = lasts[i] + 1
			}
		})
	}
	// The over-long line keeps its first 64 KiB, cut between runes.
	contents, _, _ := db.SplitChunks([]byte(huge))
	if len(contents[0]) != db.MaxChunkSize || !strings.HasPrefix(huge, string(contents[0])) {
		t.Errorf("truncated line: %d bytes", len(contents[0]))
	}
	contents, _, _ = db.SplitChunks([]byte("a" + huge))
	if len(contents[0]) != db.MaxChunkSize-1 || !utf8.Valid(contents[0]) {
		t.Errorf("truncated odd line: %d bytes, valid %v", len(contents[0]), utf8.Valid(contents[0]))
	}
}

func FuzzSplitChunks(f *testing.F) {
	f.Add([]byte("a\nb\n"), 3)
	f.Add([]byte("é"), 40000)
	f.Add([]byte("line\n"), 20000)
	f.Fuzz(func(t *testing.T, unit []byte, repeat int) {
		if repeat < 0 || repeat > 200000 || len(unit)*repeat > 1<<20 {
			return
		}
		in := bytes.Repeat(unit, repeat)
		contents, firsts, lasts := db.SplitChunks(in)
		if want := bytes.Count(in, []byte{'\n'}) + 1; lasts[len(lasts)-1]+1 != want {
			t.Fatalf("%d lines, want %d", lasts[len(lasts)-1]+1, want)
		}
		next := 0
		for i, c := range contents {
			if len(c) > db.MaxChunkSize {
				t.Fatalf("chunk %d has %d bytes", i, len(c))
			}
			if utf8.Valid(in) && !utf8.Valid(c) {
				t.Fatalf("chunk %d of valid input is not valid UTF-8", i)
			}
			if firsts[i] != next {
				t.Fatalf("chunk %d starts at line %d, want %d", i, firsts[i], next)
			}
			next = lasts[i] + 1
		}
		if len(in) < db.MaxChunkSize && (len(contents) != 1 || !bytes.Equal(contents[0], in)) {
			t.Fatalf("small content split or changed")
		}
	})
}
