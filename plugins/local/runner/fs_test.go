package runner

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/bbhost/bbhost/sdk/worker"
)

// mktree creates files (path → content; a path ending in "/" is a
// directory) under dir.
func mktree(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, f)
		if strings.HasSuffix(f, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFileSystemCommands(t *testing.T) {
	r := newTestRunner(t)
	b := r.Basedir()
	mktree(t, b, "file", "dir/a", "dir/sub/b", "tree/x/y", "locked/inner/z")
	tests := []struct {
		name string
		cmd  string
		args map[string]any
		want []string
		// check runs after the command, on the base directory.
		check func(t *testing.T)
	}{{
		name: "mkdir creates parents, existing is fine",
		cmd:  worker.CmdMkdir, args: map[string]any{"paths": []any{b + "/new/a/b", b + "/dir"}},
		want:  []string{"rc:0", "elapsed"},
		check: func(t *testing.T) { mustDir(t, b+"/new/a/b") },
	}, {
		name: "mkdir on a file is EEXIST",
		cmd:  worker.CmdMkdir, args: map[string]any{"paths": []any{b + "/file"}},
		want: []string{"rc:17", "header:mkdir: File exists: " + b + "/file\n", "elapsed"},
	}, {
		name: "mkdir below a file is ENOTDIR",
		cmd:  worker.CmdMkdir, args: map[string]any{"paths": []any{b + "/file/x/y"}},
		want: []string{"rc:20", "header:mkdir: Not a directory: " + b + "/file/x/y\n", "elapsed"},
	}, {
		name: "stat missing",
		cmd:  worker.CmdStat, args: map[string]any{"path": b + "/nope"},
		want: []string{"rc:2", "header:stat: No such file or directory: " + b + "/nope\n", "elapsed"},
	}, {
		name: "listdir",
		cmd:  worker.CmdListdir, args: map[string]any{"path": b + "/dir"},
		want: []string{"files:a,sub", "rc:0", "elapsed"},
	}, {
		name: "listdir of a file",
		cmd:  worker.CmdListdir, args: map[string]any{"path": b + "/file"},
		want: []string{"rc:20", "header:listdir: Not a directory: " + b + "/file\n", "elapsed"},
	}, {
		name: "rmfile",
		cmd:  worker.CmdRmfile, args: map[string]any{"path": b + "/dir/a"},
		want:  []string{"rc:0", "elapsed"},
		check: func(t *testing.T) { mustNotExist(t, b+"/dir/a") },
	}, {
		name: "rmfile of a directory is EISDIR",
		cmd:  worker.CmdRmfile, args: map[string]any{"path": b + "/tree"},
		want: []string{"rc:21", "header:rmfile: Is a directory: " + b + "/tree\n", "elapsed"},
	}, {
		name: "rmdir runs rm -rf, missing is fine",
		cmd:  worker.CmdRmdir, args: map[string]any{"paths": []any{b + "/tree", b + "/nope"}, "logEnviron": false, "timeout": int64(10)},
		want: []string{
			"header:rm -rf " + b + "/tree\n in dir " + b + " (timeout 10 secs)\n watching logfiles {}\n argv: [b'rm', b'-rf', b'" + b + "/tree']\n using PTY: False\nelapsedTime=*\n" +
				"rm -rf " + b + "/nope\n in dir " + b + " (timeout 10 secs)\n watching logfiles {}\n argv: [b'rm', b'-rf', b'" + b + "/nope']\n using PTY: False\nelapsedTime=*\n",
			"rc:0", "elapsed",
		},
		check: func(t *testing.T) { mustNotExist(t, b+"/tree") },
	}, {
		name: "cpdir",
		cmd:  worker.CmdCpdir, args: map[string]any{"from_path": b + "/dir/sub", "to_path": b + "/copies/sub", "logEnviron": false},
		want: []string{
			"header:cp -R -P -p -v " + b + "/dir/sub " + b + "/copies/sub\n in dir " + b + " (timeout 120 secs)\n watching logfiles {}\n argv: [b'cp', b'-R', b'-P', b'-p', b'-v', b'" + b + "/dir/sub', b'" + b + "/copies/sub']\n using PTY: False\n",
			"stdout:'" + b + "/dir/sub' -> '" + b + "/copies/sub'\n'" + b + "/dir/sub/b' -> '" + b + "/copies/sub/b'\n",
			"header:elapsedTime=*\n", "rc:0", "elapsed",
		},
		check: func(t *testing.T) {
			if got, _ := os.ReadFile(b + "/copies/sub/b"); string(got) != "dir/sub/b" {
				t.Errorf("copied file holds %q", got)
			}
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := run(t, r, tc.cmd, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			rec.checkEnd(t)
			equalItems(t, sortedFiles(withoutElapsedTime(rec.items())), tc.want)
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

func TestStat(t *testing.T) {
	r := newTestRunner(t)
	mktree(t, r.Basedir(), "f")
	p := filepath.Join(r.Basedir(), "f")
	rec, err := run(t, r, worker.CmdStat, map[string]any{"path": p})
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	want := []int64{int64(st.Mode), int64(st.Ino), int64(st.Dev), int64(st.Nlink), int64(st.Uid), int64(st.Gid), st.Size, st.Atim.Sec, st.Mtim.Sec, st.Ctim.Sec}
	got := rec.updates[0].Stat
	if rec.updates[0].Key != "stat" || len(got) != 10 {
		t.Fatalf("updates: %+v", rec.updates)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stat[%d] = %d, want %d", i, got[i], want[i])
		}
	}
	if got[0]&syscall.S_IFMT != syscall.S_IFREG || got[6] != 1 {
		t.Errorf("mode %o size %d", got[0], got[6])
	}
}

func TestRmdirUnwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root removes read-only directories anyway")
	}
	r := newTestRunner(t)
	mktree(t, r.Basedir(), "locked/inner/z")
	if err := os.Chmod(filepath.Join(r.Basedir(), "locked/inner"), 0o500); err != nil {
		t.Fatal(err)
	}
	rec, err := run(t, r, worker.CmdRmdir, map[string]any{"paths": []any{filepath.Join(r.Basedir(), "locked")}})
	if err != nil {
		t.Fatal(err)
	}
	if rec.rc(t) != 0 {
		t.Fatalf("rc = %d: the chmod retry should have removed it\n%s", rec.rc(t), rec.text("stderr"))
	}
	mustNotExist(t, filepath.Join(r.Basedir(), "locked"))
}

// sortedFiles sorts the names of "files:" items: listdir and glob give
// them in directory order.
func sortedFiles(items []string) []string {
	for i, it := range items {
		if names, ok := strings.CutPrefix(it, "files:"); ok {
			l := strings.Split(names, ",")
			sort.Strings(l)
			items[i] = "files:" + strings.Join(l, ",")
		}
	}
	return items
}

func mustDir(t *testing.T, p string) {
	t.Helper()
	if !isDir(p) {
		t.Errorf("%s is not a directory", p)
	}
}

func mustNotExist(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); err == nil {
		t.Errorf("%s still exists", p)
	}
}

func TestGlob(t *testing.T) {
	dir := t.TempDir()
	mktree(t, dir, "a.txt", "b.log", "c.txt", ".hidden.txt", "sub/d.txt", "sub/deep/e.txt",
		"sub/deep/f.bin", ".hid/g.txt", "x[1].txt", "empty/")
	if err := os.Symlink("sub", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pattern string
		want    []string // relative to dir; compared as sets (directory order)
	}{
		{"*.txt", []string{"a.txt", "c.txt", "x[1].txt"}},
		{"?.*", []string{"a.txt", "b.log", "c.txt"}},
		{"[ab].*", []string{"a.txt", "b.log"}},
		{"[!ab].*", []string{"c.txt"}},
		{"[a-b]*", []string{"a.txt", "b.log"}},
		{"x[[]1].txt", []string{"x[1].txt"}},
		{".*", []string{".hid", ".hidden.txt"}},
		{"*/", []string{"empty/", "link/", "sub/"}},
		{"**", []string{"", "a.txt", "b.log", "c.txt", "empty", "link", "link/d.txt", "link/deep", "link/deep/e.txt", "link/deep/f.bin", "sub", "sub/d.txt", "sub/deep", "sub/deep/e.txt", "sub/deep/f.bin", "x[1].txt"}},
		{"**/*.txt", []string{"a.txt", "c.txt", "link/d.txt", "link/deep/e.txt", "sub/d.txt", "sub/deep/e.txt", "x[1].txt"}},
		{"sub/**", []string{"sub/", "sub/d.txt", "sub/deep", "sub/deep/e.txt", "sub/deep/f.bin"}},
		{"sub/**/", []string{"sub/", "sub/deep/"}},
		{"s*/d*/*.bin", []string{"sub/deep/f.bin"}},
		{"sub/d.txt", []string{"sub/d.txt"}},
		{"sub/", []string{"sub/"}},
		{"nope/*", []string{}},
		{"a.txt/*", []string{}},
		{"nope", []string{}},
		{"s**b/*.txt", []string{"sub/d.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			abs := filepath.Join(dir, tc.pattern)
			if strings.HasSuffix(tc.pattern, "/") {
				abs += "/"
			}
			got, err := pyGlob(t.Context(), abs, "/")
			if err != nil {
				t.Fatal(err)
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = dir + "/" + w
			}
			sort.Strings(got)
			sort.Strings(want)
			equalItems(t, got, want)
			// Relative patterns are relative to the working directory.
			rel, err := pyGlob(t.Context(), tc.pattern, dir)
			if err != nil {
				t.Fatal(err)
			}
			wantRel := append([]string{}, tc.want...)
			if tc.pattern == "**" {
				wantRel = wantRel[1:] // glob drops the leading "" of a relative "**"
			}
			sort.Strings(rel)
			sort.Strings(wantRel)
			equalItems(t, rel, wantRel)
		})
	}

	// Through Run: absolute paths in a "files" update, then rc 0.
	r := New(dir, Options{})
	rec, err := run(t, r, worker.CmdGlob, map[string]any{"path": dir + "/sub/**/*.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.updates[0].Key != "files" || len(rec.updates[0].Files) != 2 || rec.rc(t) != 0 {
		t.Fatalf("updates: %+v", rec.updates)
	}
}

func TestFnmatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "anything", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"?", "é", true},
		{"[]]", "]", true},
		{"[!]]", "]", false},
		{"[!]]", "a", true},
		{"[a-]", "-", true},
		{"[z-a]", "m", false},
		{"[", "[", true},
		{"a[", "a[", true},
		{"*.[ch]", "x.h", true},
		{"*.[ch]", "x.o", false},
		{"\\*", "\\x", true},
		{"***a", "ba", true},
	}
	for _, tc := range tests {
		if got := compileFnmatch(tc.pattern).match(tc.name); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", tc.name, tc.pattern, got, tc.want)
		}
	}
}
