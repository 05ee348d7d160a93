package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bbhost/bbhost/sdk/worker"
)

func TestInfo(t *testing.T) {
	base := t.TempDir()
	mktree(t, base, "info/")
	if err := os.WriteFile(filepath.Join(base, "info/admin"), []byte("Alice <a@example.org>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "info/host"), []byte("capture host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	osRelease := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(osRelease, []byte("# comment\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nEMPTY=\nbroken line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := New(base, Options{Environ: []string{"A=1", "B=x=y"}, NumCPUs: 3, OSReleaseFile: osRelease})
	info := r.Info()
	want := map[string]any{
		"admin":                "Alice <a@example.org>\n",
		"host":                 "capture host\n",
		"os_pretty_name":       "Debian GNU/Linux 12 (bookworm)",
		"os_id":                "debian",
		"os_version_id":        "12",
		"system":               "posix",
		"basedir":              base,
		"numcpus":              int64(3),
		"version":              DefaultVersion,
		"delete_leftover_dirs": false,
	}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("info[%q] = %#v, want %#v", k, info[k], v)
		}
	}
	if _, ok := info["os_empty"]; ok {
		t.Error("an empty os-release value is reported")
	}
	env, _ := info["environ"].(map[string]string)
	if env["A"] != "1" || env["B"] != "x=y" || len(env) != 2 {
		t.Errorf("environ = %v", env)
	}
	cmds, _ := info["worker_commands"].(map[string]string)
	for _, n := range []string{"shell", "uploadFile", "upload_file", "uploadDirectory", "upload_directory", "downloadFile", "download_file", "mkdir", "rmdir", "cpdir", "stat", "glob", "listdir", "rmfile"} {
		if cmds[n] != "3.1" {
			t.Errorf("worker_commands[%q] = %q", n, cmds[n])
		}
	}
}

// TestConn runs a command through the worker.Conn adapter with the SDK's
// own RecordingSink, as a master does in-process.
func TestConn(t *testing.T) {
	r := newTestRunner(t)
	c := r.Conn()
	if c.Info()["basedir"] != r.Basedir() {
		t.Fatalf("info %v", c.Info())
	}
	sink := &worker.RecordingSink{Download: []byte("payload\n")}
	dest := filepath.Join(r.Basedir(), "w", "in.txt")
	if err := c.RunCommand(context.Background(), worker.Command{ID: "c1", Name: worker.CmdDownloadFile, Builder: "b",
		Args: map[string]any{"path": dest, "blocksize": int64(16384), "maxsize": nil, "mode": nil}}, sink); err != nil {
		t.Fatal(err)
	}
	sink = &worker.RecordingSink{}
	if err := c.RunCommand(context.Background(), worker.Command{ID: "c2", Name: worker.CmdShell, Builder: "b",
		Args: shellArgs(filepath.Dir(dest), []any{"cat", "in.txt"}, nil)}, sink); err != nil {
		t.Fatal(err)
	}
	if got := sink.Text("stdout"); got != "payload\n" {
		t.Fatalf("stdout %q", got)
	}
	u := sink.Updates()
	if last := u[len(u)-1]; last.Key != "elapsed" || last.Elapsed <= 0 {
		t.Fatalf("last update %+v", last)
	}
	if err := c.Interrupt(context.Background(), "c2", "finished already"); err != nil {
		t.Fatal(err)
	}
}
