package runner

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk/worker"
)

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUploadFile(t *testing.T) {
	r := newTestRunner(t)
	data := randomBytes(t, 1_000_003)
	big := filepath.Join(r.Basedir(), "big.bin")
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	stamp := time.Unix(1700000000, 250_000_000)
	if err := os.Chtimes(big, stamp.Add(time.Hour), stamp); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(r.Basedir(), "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const bs = 262144
	tests := []struct {
		name       string
		args       map[string]any
		wantData   []byte
		wantEvents []string
		wantItems  []string
	}{{
		name:       "whole file in blocks, keepstamp",
		args:       map[string]any{"path": big, "blocksize": int64(bs), "maxsize": nil, "keepstamp": true},
		wantData:   data,
		wantEvents: []string{"write 262144", "write 262144", "write 262144", "write 213571", "close", "utime"},
		wantItems:  []string{"header:sending " + big + "\n", "rc:0", "elapsed"},
	}, {
		name:       "maxsize truncates",
		args:       map[string]any{"path": big, "blocksize": int64(bs), "maxsize": int64(300000), "keepstamp": false},
		wantData:   data[:300000],
		wantEvents: []string{"write 262144", "write 37856", "close"},
		wantItems:  []string{"header:sending " + big + "\n", "rc:1", "stderr:Maximum filesize reached, truncating file '" + big + "'\n", "elapsed"},
	}, {
		name:       "empty file: no write, just close",
		args:       map[string]any{"path": empty, "blocksize": int64(16384), "maxsize": nil},
		wantData:   nil,
		wantEvents: []string{"close"},
		wantItems:  []string{"header:sending " + empty + "\n", "rc:0", "elapsed"},
	}, {
		name:       "missing file: close is still sent",
		args:       map[string]any{"path": empty + ".nope", "blocksize": int64(16384), "maxsize": nil, "keepstamp": true},
		wantData:   nil,
		wantEvents: []string{"close"},
		wantItems:  []string{"header:sending " + empty + ".nope\n", "rc:1", "stderr:Cannot open file '" + empty + ".nope' for upload\n", "elapsed"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := run(t, r, worker.CmdUploadFile, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rec.upload.Bytes(), tc.wantData) {
				t.Errorf("uploaded %d bytes, want %d (byte for byte)", rec.upload.Len(), len(tc.wantData))
			}
			equalItems(t, rec.events, tc.wantEvents)
			equalItems(t, rec.items(), tc.wantItems)
			rec.checkEnd(t)
			if tc.args["keepstamp"] == true && len(tc.wantData) > 0 {
				if rec.mtime != 1700000000.25 || rec.atime != 1700003600.25 {
					t.Errorf("utime(%v, %v), want the file's atime and mtime", rec.atime, rec.mtime)
				}
			}
		})
	}
}

// untar reads an archive into path → content ("dir/" for directories,
// "-> target" for symlinks).
func untar(t *testing.T, data []byte, gz bool) map[string]string {
	t.Helper()
	var rd io.Reader = bytes.NewReader(data)
	if gz {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	}
	tr := tar.NewReader(rd)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Format != tar.FormatPAX && h.Format != tar.FormatUSTAR {
			t.Errorf("%s: format %v", h.Name, h.Format)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			out[h.Name] = "dir"
		case tar.TypeSymlink:
			out[h.Name] = "-> " + h.Linkname
		case tar.TypeLink:
			out[h.Name] = "link " + h.Linkname
		default:
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out[h.Name] = string(b)
		}
	}
}

func TestUploadDirectory(t *testing.T) {
	r := newTestRunner(t)
	src := filepath.Join(r.Basedir(), "src")
	mktree(t, src, "a.txt", "sub/b.txt", "sub/deep/c.txt", "emptydir/")
	bigData := randomBytes(t, 100_000)
	if err := os.WriteFile(filepath.Join(src, "sub/big.bin"), bigData, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", filepath.Join(src, "ln")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(src, "a.txt"), filepath.Join(src, "z-hard")); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/": "dir", "a.txt": "a.txt", "emptydir/": "dir", "ln": "-> a.txt", "sub/": "dir",
		"sub/b.txt": "sub/b.txt", "sub/big.bin": string(bigData), "sub/deep/": "dir",
		"sub/deep/c.txt": "sub/deep/c.txt", "z-hard": "link a.txt",
	}
	for _, compress := range []any{nil, "gz"} {
		t.Run(pyStr(compress), func(t *testing.T) {
			rec, err := run(t, r, worker.CmdUploadDirectory, map[string]any{
				"path": src, "blocksize": int64(16384), "maxsize": nil, "compress": compress,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := untar(t, rec.upload.Bytes(), compress == "gz")
			if len(got) != len(want) {
				t.Errorf("members %v", sortedKeys(got))
			}
			for name, content := range want {
				if got[name] != content {
					t.Errorf("%s: got %.40q, want %.40q", name, got[name], content)
				}
			}
			if n := len(rec.events); n < 2 || rec.events[n-1] != "unpack" {
				t.Errorf("events %v: want writes then unpack", rec.events)
			}
			for _, e := range rec.events[:len(rec.events)-1] {
				n, err := strconv.Atoi(strings.TrimPrefix(e, "write "))
				if err != nil || n <= 0 || n > 16384 {
					t.Errorf("event %q: want blocks of at most 16384 bytes", e)
				}
			}
			equalItems(t, rec.items(), []string{"header:sending " + src + "\n", "rc:0", "elapsed"})
		})
	}

	t.Run("member order", func(t *testing.T) {
		var buf bytes.Buffer
		if err := writeTar(&buf, src, false); err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(&buf)
		var names []string
		for h, err := tr.Next(); err == nil; h, err = tr.Next() {
			names = append(names, h.Name)
		}
		want := []string{"/", "a.txt", "emptydir/", "ln", "sub/", "sub/b.txt", "sub/big.bin", "sub/deep/", "sub/deep/c.txt", "z-hard"}
		equalItems(t, names, want)
	})

	t.Run("bz2 refused", func(t *testing.T) {
		rec, err := run(t, r, worker.CmdUploadDirectory, map[string]any{"path": src, "blocksize": int64(16384), "maxsize": nil, "compress": "bz2"})
		if err != nil {
			t.Fatal(err)
		}
		if rec.rc(t) != 1 || !strings.Contains(rec.text("stderr"), "compress='bz2' is not supported") || len(rec.events) != 0 {
			t.Fatalf("items %q events %v", rec.items(), rec.events)
		}
	})

	t.Run("maxsize", func(t *testing.T) {
		rec, err := run(t, r, worker.CmdUploadDirectory, map[string]any{"path": src, "blocksize": int64(4096), "maxsize": int64(10000), "compress": nil})
		if err != nil {
			t.Fatal(err)
		}
		equalItems(t, rec.events, []string{"write 4096", "write 4096", "write 1808", "unpack"})
		if rec.rc(t) != 1 || !strings.Contains(rec.text("stderr"), "Maximum filesize reached, truncating file '"+src+"'") {
			t.Fatalf("items %q", rec.items())
		}
	})

	t.Run("missing directory fails the command", func(t *testing.T) {
		rec, err := run(t, r, worker.CmdUploadDirectory, map[string]any{"path": src + "/nope", "blocksize": int64(16384), "maxsize": nil, "compress": nil})
		if err == nil || !strings.Contains(err.Error(), "[Errno 2] No such file or directory") {
			t.Fatalf("err = %v", err)
		}
		equalItems(t, rec.items(), []string{"elapsed"})
	})
}

func TestDownloadFile(t *testing.T) {
	r := newTestRunner(t)
	data := randomBytes(t, 40000)
	dest := filepath.Join(r.Basedir(), "new", "dir", "f.bin")
	tests := []struct {
		name       string
		source     []byte
		args       map[string]any
		want       []byte
		wantMode   uint32
		wantEvents []string
		wantItems  []string
	}{{
		// download_fixed_master.jsonl: 16384 + 16384 + 7232 + empty.
		name:       "blocks until empty, mode, parents created",
		source:     data,
		args:       map[string]any{"path": dest, "blocksize": int64(16384), "maxsize": nil, "mode": int64(0o751)},
		want:       data,
		wantMode:   0o751,
		wantEvents: []string{"read 16384", "read 16384", "read 16384", "read 16384", "read_close"},
		wantItems:  []string{"rc:0", "elapsed"},
	}, {
		name:       "maxsize",
		source:     data,
		args:       map[string]any{"path": dest, "blocksize": int64(16384), "maxsize": int64(20000), "mode": nil},
		want:       data[:20000],
		wantMode:   0o644,
		wantEvents: []string{"read 16384", "read 3616", "read_close"},
		wantItems:  []string{"rc:1", "stderr:Maximum filesize reached, truncating file '" + dest + "'\n", "elapsed"},
	}, {
		name:       "empty source",
		source:     nil,
		args:       map[string]any{"path": dest, "blocksize": int64(16384), "maxsize": nil, "mode": nil},
		want:       []byte{},
		wantMode:   0o644,
		wantEvents: []string{"read 16384", "read_close"},
		wantItems:  []string{"rc:0", "elapsed"},
	}, {
		name:       "destination is a directory",
		source:     data,
		args:       map[string]any{"path": r.Basedir(), "blocksize": int64(16384), "maxsize": nil, "mode": nil},
		wantEvents: []string{"read_close"},
		wantItems:  []string{"rc:1", "stderr:Cannot open file '" + r.Basedir() + "' for download\n", "elapsed"},
	}}
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_ = os.Remove(dest)
			rec := &recorder{source: tc.source}
			err := r.Run(context.Background(), worker.Command{ID: nextID(), Name: worker.CmdDownloadFile, Args: tc.args}, rec)
			if err != nil {
				t.Fatal(err)
			}
			equalItems(t, rec.events, tc.wantEvents)
			equalItems(t, rec.items(), tc.wantItems)
			if tc.want == nil {
				return
			}
			got, err := os.ReadFile(dest)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("downloaded %d bytes, want %d (byte for byte)", len(got), len(tc.want))
			}
			fi, _ := os.Stat(dest)
			if m := uint32(fi.Mode().Perm()); m != tc.wantMode {
				t.Errorf("mode %o, want %o", m, tc.wantMode)
			}
		})
	}
}

// blockingSink serves a download slowly so that the test can interrupt it
// between blocks.
type blockingSink struct {
	*recorder
	reads chan int
	next  chan struct{}
}

func (s *blockingSink) DownloadRead(n int) ([]byte, error) {
	s.reads <- n
	<-s.next
	return bytes.Repeat([]byte("x"), n), nil
}

func TestTransferInterrupt(t *testing.T) {
	r := newTestRunner(t)
	sink := &blockingSink{recorder: &recorder{}, reads: make(chan int), next: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		done <- r.Run(context.Background(), worker.Command{ID: "dl-int", Name: worker.CmdDownloadFile, Args: map[string]any{
			"path": filepath.Join(r.Basedir(), "f"), "blocksize": int64(10), "maxsize": nil, "mode": nil,
		}}, sink)
	}()
	<-sink.reads
	sink.next <- struct{}{}
	<-sink.reads
	if err := r.Interrupt("dl-int", "stop"); err != nil {
		t.Fatal(err)
	}
	sink.next <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	equalItems(t, sink.items(), []string{"rc:1", "elapsed"})
	if got, _ := os.ReadFile(filepath.Join(r.Basedir(), "f")); string(got) != strings.Repeat("x", 20) {
		t.Errorf("file holds %q: the transfer should stop after the block in flight", got)
	}
}

// failingSink fails every upload write with the given error.
type failingSink struct {
	*recorder
	err error
}

func (s *failingSink) UploadWrite(p []byte) error { return s.err }

func TestUploadSinkErrors(t *testing.T) {
	r := newTestRunner(t)
	mktree(t, r.Basedir(), "f")
	args := map[string]any{"path": filepath.Join(r.Basedir(), "f"), "blocksize": int64(4), "maxsize": nil}

	// A failing write fails the command; close is still sent, rc 1.
	boom := errors.New("disk full on the master")
	sink := &failingSink{recorder: &recorder{}, err: boom}
	err := r.Run(context.Background(), worker.Command{ID: nextID(), Name: worker.CmdUploadFile, Args: args}, sink)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	equalItems(t, sink.events, []string{"close"})
	equalItems(t, sink.items(), []string{"header:sending " + args["path"].(string) + "\n", "rc:1", "elapsed"})

	// A lost connection ends the command without a word.
	sink = &failingSink{recorder: &recorder{}, err: worker.ErrConnectionLost}
	err = r.Run(context.Background(), worker.Command{ID: nextID(), Name: worker.CmdUploadFile, Args: args}, sink)
	if !errors.Is(err, worker.ErrConnectionLost) || len(sink.updates) != 0 || len(sink.events) != 0 {
		t.Fatalf("err = %v, updates %v, events %v", err, sink.updates, sink.events)
	}
}

func TestTransferArgs(t *testing.T) {
	r := newTestRunner(t)
	for _, a := range []map[string]any{
		{"path": "f", "blocksize": int64(0), "maxsize": nil},
		{"path": "f", "blocksize": "big", "maxsize": nil},
		{"path": "f", "blocksize": 1.5, "maxsize": nil},
		{"path": "f", "blocksize": int64(10), "maxsize": "x"},
	} {
		if _, err := run(t, r, worker.CmdUploadFile, a); err == nil {
			t.Errorf("args %v: no error", a)
		}
	}
	names := sortedKeys(workerCommands())
	sort.Strings(names)
	if len(names) != 14 {
		t.Errorf("worker_commands %v", names)
	}
}
