package plugins

import (
	"strings"
	"testing"
)

func TestLockFileRoundTrip(t *testing.T) {
	lf := &LockFile{Plugins: map[string]LockEntry{}}
	lf.Set("/srv/ci", Binary{Name: "git", Path: "/srv/ci/plugins/bbhost-plugin-git", SHA256: strings.Repeat("ab", 32)}, "1.0.0")
	lf.Set("/srv/ci", Binary{Name: "other", Path: "/opt/bbhost-plugin-other", SHA256: strings.Repeat("cd", 32)}, "")
	src := lf.Bytes()
	back, err := ParseLockFile(src, "lock.hcl")
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	if g := back.Plugins["git"]; g.Path != "plugins/bbhost-plugin-git" || g.Version != "1.0.0" || g.SHA256 != strings.Repeat("ab", 32) {
		t.Errorf("git %+v", g)
	}
	if o := back.Plugins["other"]; o.Path != "/opt/bbhost-plugin-other" {
		t.Errorf("other %+v", o)
	}
	if !strings.HasPrefix(string(src), "# This file is maintained") {
		t.Errorf("no header:\n%s", src)
	}
	for _, bad := range []string{
		`plugin "x" { sha256 = "short" }`,
		`plugin "Bad Name" { sha256 = "` + strings.Repeat("a", 64) + `" }`,
		`plugin "x" { sha256 = "` + strings.Repeat("a", 64) + `" }
plugin "x" { sha256 = "` + strings.Repeat("b", 64) + `" }`,
		`plugin "x" { version = "1" }`,
		`nonsense {`,
		`other "x" {}`,
	} {
		if _, err := ParseLockFile([]byte(bad), "bad.hcl"); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestParseSums(t *testing.T) {
	sum := strings.Repeat("0a", 32)
	m, err := ParseSums([]byte(sum + "  a.zip\n" + strings.ToUpper(sum[:2]) + sum[2:] + " *b.zip\n\n# comment\n"))
	if err != nil || m["a.zip"] != sum || m["b.zip"] != sum {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"xyz  a.zip", sum, sum + "  ../a.zip", sum + "  a.zip\n" + strings.Repeat("1", 64) + "  a.zip"} {
		if _, err := ParseSums([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestParseArchiveName(t *testing.T) {
	a, ok := ParseArchiveName("bbhost-plugin-patch_dir_v1.2.3_linux_amd64.zip")
	if !ok || a.Name != "patch_dir" || a.Version != "1.2.3" || a.OS != "linux" || a.Arch != "amd64" {
		t.Fatalf("%+v %v", a, ok)
	}
	if a.FileName() != "bbhost-plugin-patch_dir_v1.2.3_linux_amd64.zip" {
		t.Errorf("file name %s", a.FileName())
	}
	if a, ok := ParseArchiveName("bbhost-plugin-x_v1.0.0-rc.1_darwin_arm64.zip"); !ok || a.Version != "1.0.0-rc.1" {
		t.Errorf("pre-release: %+v %v", a, ok)
	}
	for _, bad := range []string{"bbhost-plugin-x_1.0.0_linux_amd64.zip", "plugin-x_v1.0.0_linux_amd64.zip", "bbhost-plugin-x_v1.0.0_linux.zip", "bbhost-plugin-X_v1.0.0_linux_amd64.zip"} {
		if _, ok := ParseArchiveName(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestParseDescribe(t *testing.T) {
	info, err := ParseDescribe([]byte(`{"name": "git", "version": "1.0.0", "protocol_versions": [1],
		"components": [{"type": "change_source", "kind": "git", "capabilities": ["poll"]}]}`))
	if err != nil || info.Name != "git" || !info.Components[0].Has("poll") {
		t.Fatalf("%+v %v", info, err)
	}
	for _, bad := range []string{`{}`, `{"name": "x"}`, `{"name": "x", "protocol_versions": [1], "components": [{"type": "gizmo", "kind": "y"}]}`, `not json`} {
		if _, err := ParseDescribe([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestBackoff(t *testing.T) {
	h := &Host{opts: Options{RestartBackoff: 1e9, MaxRestartBackoff: 60e9}}
	want := []int64{1, 2, 4, 8, 16, 32, 60, 60}
	for i, w := range want {
		if got := h.backoff(i + 1); int64(got/1e9) != w {
			t.Errorf("attempt %d: %s, want %ds", i+1, got, w)
		}
	}
}

func TestEnvAllowList(t *testing.T) {
	t.Setenv("LINUX1_PASSWORD", "secret")
	t.Setenv("LC_ALL", "C")
	env := strings.Join(pluginEnv([]string{"X=1"}), "\n")
	if strings.Contains(env, "secret") || !strings.Contains(env, "LC_ALL=C") || !strings.Contains(env, "X=1") {
		t.Errorf("plugin environment:\n%s", env)
	}
}

func FuzzParseLockFile(f *testing.F) {
	f.Add([]byte(`plugin "git" {
  version = "1.0.0"
  path    = "plugins/bbhost-plugin-git"
  sha256  = "` + strings.Repeat("a", 64) + `"
}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		lf, err := ParseLockFile(b, "fuzz.hcl")
		if err != nil {
			return
		}
		back, err := ParseLockFile(lf.Bytes(), "again.hcl")
		if err != nil {
			t.Fatalf("a parsed lock file does not parse again: %v\n%s", err, lf.Bytes())
		}
		if len(back.Plugins) != len(lf.Plugins) {
			t.Fatalf("round trip lost entries")
		}
	})
}

func FuzzParseSums(f *testing.F) {
	f.Add([]byte(strings.Repeat("a", 64) + "  bbhost-plugin-x_v1.0.0_linux_amd64.zip\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseSums(b)
		if err != nil {
			return
		}
		for file, sum := range m {
			if !validSHA256(sum) || file == "" || strings.ContainsAny(file, "/\\") {
				t.Fatalf("bad entry %q %q", file, sum)
			}
		}
	})
}

func FuzzParseArchiveName(f *testing.F) {
	f.Add("bbhost-plugin-x_v1.0.0_linux_amd64.zip")
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := ParseArchiveName(s)
		if ok && a.FileName() != s {
			t.Fatalf("%q parsed as %+v", s, a)
		}
	})
}

func FuzzParseDescribe(f *testing.F) {
	f.Add([]byte(`{"name": "git", "version": "1", "protocol_versions": [1], "components": [{"type": "worker", "kind": "local"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseDescribe(b)
		if err != nil {
			return
		}
		if !ValidName(info.Name) || len(info.ProtocolVersions) == 0 {
			t.Fatalf("accepted %+v", info)
		}
	})
}
