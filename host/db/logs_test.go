package db_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
)

var methods = []db.Compression{db.CompressRaw, db.CompressGz, db.CompressZstd}

func TestLogRoundTrip(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("日本", 20000) // 120,000 bytes, one line
	var big strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&big, "oline %d: %s\n", i, strings.Repeat("ü", i%50))
	}
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, m := range methods {
			t.Run(m.String(), func(t *testing.T) {
				l, err := d.Logs().Add(ctx, f.step, "stdio "+m.String(), db.LogStdio)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				appendLines := func(text string, wantFirst int) {
					t.Helper()
					got, first, err := d.Logs().Append(ctx, l.ID, []byte(text), m)
					if err != nil {
						t.Fatal(err)
					}
					if first != wantFirst {
						t.Fatalf("append starts at line %d, want %d", first, wantFirst)
					}
					want = append(want, strings.Split(strings.TrimSuffix(text, "\n"), "\n")...)
					if got.NumLines != len(want) {
						t.Fatalf("num_lines %d, want %d", got.NumLines, len(want))
					}
				}
				appendLines("ofirst\nesecond\n", 0)
				appendLines("\n", 2) // one empty line
				appendLines(big.String(), 3)
				appendLines("hbefore\n"+long+"\nhafter\n", 3003)
				appendLines("ono newline", 3006)
				// The over-long line is stored truncated to 64 KiB, between runes.
				want[3004] = long[:db.MaxChunkSize-db.MaxChunkSize%3]

				all, err := d.Logs().Lines(ctx, l.ID, 0, len(want)-1)
				if err != nil {
					t.Fatal(err)
				}
				if wantAll := strings.Join(want, "\n") + "\n"; all != wantAll {
					t.Fatalf("whole log differs: %d bytes, want %d", len(all), len(wantAll))
				}
				for _, r := range [][2]int{{0, 0}, {1, 2}, {2, 2}, {5, 1500}, {2999, 3004}, {3006, 3006}, {3000, 9999}} {
					got, err := d.Logs().Lines(ctx, l.ID, r[0], r[1])
					if err != nil {
						t.Fatal(err)
					}
					hi := min(r[1], len(want)-1)
					if w := strings.Join(want[r[0]:hi+1], "\n") + "\n"; got != w {
						t.Errorf("lines %d-%d: got %d bytes, want %d", r[0], r[1], len(got), len(w))
					}
				}
				if got, _ := d.Logs().Lines(ctx, l.ID, 5000, 6000); got != "" {
					t.Errorf("lines past the end: %q", got)
				}

				var buf bytes.Buffer
				n, err := d.Logs().Stream(ctx, l.ID, &buf, false)
				if err != nil || n != int64(buf.Len()) || buf.String() != all {
					t.Fatalf("stream: %d bytes, %v; equal %v", n, err, buf.String() == all)
				}
				buf.Reset()
				if _, err := d.Logs().Stream(ctx, l.ID, &buf, true); err != nil {
					t.Fatal(err)
				}
				var stripped strings.Builder
				for _, line := range want {
					if len(line) > 0 {
						line = line[1:]
					}
					stripped.WriteString(line + "\n")
				}
				if buf.String() != stripped.String() {
					t.Fatalf("stripped stream differs")
				}

				if _, err := d.Logs().Compress(ctx, l.ID, m, false); err != nil {
					t.Fatal(err)
				}
				after, err := d.Logs().Lines(ctx, l.ID, 0, len(want)-1)
				if err != nil || after != all {
					t.Fatalf("log changed by Compress: %v", err)
				}
				fin, err := d.Logs().Finish(ctx, l.ID)
				if err != nil || !fin.Complete || fin.NumLines != len(want) {
					t.Fatalf("finish: %+v, %v", fin, err)
				}
			})
		}
	})
}

func TestLogCompressionKeepsSmaller(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, dbtest.SQLiteMemory, db.Options{})
	f := newFixture(t, d)
	l, err := d.Logs().Add(ctx, f.step, "t", db.LogText)
	if err != nil {
		t.Fatal(err)
	}
	// A tiny line does not shrink: stored raw. Repetitive text does.
	if _, _, err := d.Logs().Append(ctx, l.ID, []byte("x\n"), db.CompressZstd); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Logs().Append(ctx, l.ID, bytes.Repeat([]byte("yes\n"), 300), db.CompressZstd); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Logs().Append(ctx, l.ID, bytes.Repeat([]byte("gz\n"), 300), db.CompressGz); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(ctx, "SELECT compressed, length(content) FROM logchunks WHERE logid = $1 ORDER BY first_line", l.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got [][2]int
	for rows.Next() {
		var c, n int
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, [2]int{c, n})
	}
	if len(got) != 3 || got[0] != [2]int{0, 1} || got[1][0] != 4 || got[1][1] > 100 || got[2][0] != 1 || got[2][1] > 100 {
		t.Fatalf("stored chunks (method, size): %v", got)
	}
	saved, err := d.Logs().Compress(ctx, l.ID, db.CompressZstd, false)
	if err != nil || saved < 0 {
		t.Fatalf("Compress saved %d, %v", saved, err)
	}
	var chunks int
	if err := d.QueryRow(ctx, "SELECT count(*) FROM logchunks WHERE logid = $1", l.ID).Scan(&chunks); err != nil || chunks != 1 {
		t.Fatalf("%d chunks after Compress, %v", chunks, err)
	}
}

func TestLogSlugsAndTypes(t *testing.T) {
	ctx := context.Background()
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var slugs []string
		for _, name := range []string{"stdio", "stdio", "std io", "stdio"} {
			l, err := d.Logs().Add(ctx, f.step, name, db.LogStdio)
			if err != nil {
				t.Fatal(err)
			}
			slugs = append(slugs, l.Slug)
		}
		if want := []string{"stdio", "stdio_2", "std_io", "stdio_3"}; fmt.Sprint(slugs) != fmt.Sprint(want) {
			t.Fatalf("slugs %v, want %v", slugs, want)
		}
		if _, err := d.Logs().Add(ctx, f.step, "x", "q"); err == nil {
			t.Fatal("log type q accepted")
		}
		if _, _, err := d.Logs().Append(ctx, 999999, []byte("x\n"), db.CompressRaw); err == nil {
			t.Fatal("append to a missing log succeeded")
		}
	})
}

func TestDeleteOldLogChunks(t *testing.T) {
	ctx := context.Background()
	clock := dbtest.NewClock(1000)
	dbtest.Run(t, db.Options{Now: clock.Now}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		old, _ := d.Steps().Start(ctx, f.step, 1000)
		newer, err := d.Steps().Add(ctx, f.build, "later", "pending")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Steps().Start(ctx, newer.ID, 5000); err != nil {
			t.Fatal(err)
		}
		l1, _ := d.Logs().Add(ctx, old.ID, "a", db.LogText)
		l2, _ := d.Logs().Add(ctx, newer.ID, "b", db.LogText)
		for _, l := range []*db.Log{l1, l2} {
			if _, _, err := d.Logs().Append(ctx, l.ID, []byte("one\ntwo\n"), db.CompressRaw); err != nil {
				t.Fatal(err)
			}
		}
		n, err := d.Logs().DeleteOldChunks(ctx, 2000)
		if err != nil || n != 1 {
			t.Fatalf("deleted %d chunks, %v", n, err)
		}
		if l, _ := d.Logs().Get(ctx, l1.ID); l.Type != db.LogDeleted {
			t.Fatalf("old log type %q", l.Type)
		}
		if got, _ := d.Logs().Lines(ctx, l2.ID, 0, 1); got != "one\ntwo\n" {
			t.Fatalf("newer log: %q", got)
		}
	})
}
