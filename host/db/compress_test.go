package db_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
)

func TestCompressRoundTrip(t *testing.T) {
	for _, m := range methods {
		for _, in := range [][]byte{{}, []byte("x"), []byte(strings.Repeat("yes\n", 10000)), []byte("日本語 ünïcode")} {
			stored, used, err := db.Compress(m, in)
			if err != nil {
				t.Fatal(err)
			}
			if used != db.CompressRaw && len(stored) >= len(in) {
				t.Errorf("%s kept a compressed form of %d bytes for %d", m, len(stored), len(in))
			}
			out, err := db.Decompress(int(used), stored)
			if err != nil || !bytes.Equal(out, in) {
				t.Errorf("%s round trip of %d bytes: %v", m, len(in), err)
			}
		}
	}
	if _, _, err := db.Compress(db.CompressLz4, []byte("x")); err == nil {
		t.Error("lz4 writes accepted")
	}
	if _, err := db.ParseCompression("bz2"); err == nil {
		t.Error("bz2 accepted for writing")
	}
}

// Stored chunks come from the database, which another program may have
// written: decoding garbage must fail cleanly.
func FuzzDecompress(f *testing.F) {
	for _, m := range methods {
		stored, used, _ := db.Compress(m, []byte(strings.Repeat("line\n", 100)))
		f.Add(int(used), stored)
	}
	f.Add(2, []byte("BZh91AY&SY"))
	f.Add(3, []byte{0})
	f.Fuzz(func(t *testing.T, method int, src []byte) {
		out, err := db.Decompress(method, src)
		if err == nil && method == 0 && !bytes.Equal(out, src) {
			t.Fatal("raw chunk changed")
		}
	})
}

func FuzzSQLitePath(f *testing.F) {
	for _, s := range []string{"sqlite:///state.sqlite", "sqlite:////abs/x.db", "sqlite://", "sqlite://:memory:", "sqlite:///%(basedir)s/a?x=1", "sqlite:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		p, err := db.SQLitePath(u, "/base")
		if err == nil && p != "" && !strings.HasPrefix(p, "/") {
			t.Fatalf("SQLitePath(%q) = %q, not absolute", u, p)
		}
	})
}
