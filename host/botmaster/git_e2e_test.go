package botmaster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/results"
)

// gitRepo makes a repository with two commits on main and returns its path
// and the two revisions.
func gitRepo(t *testing.T) (dir, rev1, rev2 string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir = filepath.Join(t.TempDir(), "repo")
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	git("init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "file.txt"), []byte("v1\n"), 0o644)
	git("add", "file.txt")
	git("commit", "-q", "-m", "one")
	rev1 = git("rev-parse", "HEAD")
	os.WriteFile(filepath.Join(dir, "file.txt"), []byte("v2\n"), 0o644)
	git("commit", "-q", "-am", "two")
	rev2 = git("rev-parse", "HEAD")
	return dir, rev1, rev2
}

func TestGitStep(t *testing.T) {
	repo, rev1, rev2 := gitRepo(t)
	cfg := fmt.Sprintf(`
worker "local" "w1" {}
builder "incremental" {
  workers = ["w1"]
  step "git" "checkout" { repourl = %[1]q }
  step "shell" "show" { command = "cat file.txt; ls" }
}
builder "fresh" {
  workers = ["w1"]
  step "git" "checkout" {
    repourl = %[1]q
    mode    = "full"
  }
  step "shell" "dirty" { command = "touch untracked.tmp" }
}
builder "clobber" {
  workers = ["w1"]
  step "git" "checkout" {
    repourl = %[1]q
    mode    = "full"
    method  = "clobber"
  }
}
builder "copy" {
  workers = ["w1"]
  step "git" "checkout" {
    repourl = %[1]q
    mode    = "full"
    method  = "copy"
  }
  step "shell" "show" { command = "cat file.txt" }
}
builder "broken" {
  workers = ["w1"]
  step "git" "checkout" { repourl = %[2]q }
}
`, repo, repo+"-missing")
	h := newHarness(t, cfg, harnessOptions{})
	h.waitWorkers("w1")
	main := "main"

	run := func(builder string, rev *string) (int64, int) {
		t.Helper()
		bsid, brids := h.force(buildsetIn{builders: []string{builder},
			ss: db.SourceStampSpec{Repository: repo, Branch: &main, Revision: rev}})
		r := h.waitBuildset(bsid)
		return h.builds(brids[builder])[0].BuildID, r
	}
	gotRevision := func(buildID int64) any {
		return h.build(buildID).Properties["got_revision"][0]
	}
	stepLogOf := func(buildID int64, step string) string {
		for _, s := range h.steps(buildID) {
			if s.Name == step {
				return h.stepLog(s.StepID, "stdio")
			}
		}
		t.Fatalf("no step %s", step)
		return ""
	}

	// incremental at a given revision: a clone, then a checkout of it.
	id, r := run("incremental", &rev1)
	if r != results.Success || gotRevision(id) != rev1 {
		t.Fatalf("incremental at rev1: %s, got_revision %v", results.Name(r), gotRevision(id))
	}
	if out := stepLogOf(id, "show"); !strings.Contains(out, "ov1\n") {
		t.Errorf("checked out content:\n%s", out)
	}
	for _, s := range h.steps(id) {
		if s.Name == "checkout" && s.StateString != "update" {
			t.Errorf("git step state %q, want update", s.StateString)
		}
	}
	// incremental again without revision: a fetch of the branch head.
	id, r = run("incremental", nil)
	if r != results.Success || gotRevision(id) != rev2 {
		t.Fatalf("incremental latest: %s, got_revision %v", results.Name(r), gotRevision(id))
	}
	if out := stepLogOf(id, "checkout"); !strings.Contains(out, "fetch") {
		t.Errorf("second incremental run did not fetch:\n%s", out)
	}

	// full/fresh removes untracked files left by the previous build.
	_, r = run("fresh", &rev2)
	if r != results.Success {
		t.Fatalf("fresh: %s", results.Name(r))
	}
	wd := filepath.Join(h.dir, "workers", "w1", "fresh", "build")
	if _, err := os.Stat(filepath.Join(wd, "untracked.tmp")); err != nil {
		t.Fatalf("first fresh build left no untracked file: %v", err)
	}
	id, r = run("fresh", &rev1)
	if r != results.Success || gotRevision(id) != rev1 {
		t.Fatalf("fresh again: %s", results.Name(r))
	}
	if out := stepLogOf(id, "checkout"); !strings.Contains(out, "clean") || !strings.Contains(out, "-x") {
		t.Errorf("fresh did not git clean -x:\n%s", out)
	}

	for _, b := range []string{"clobber", "copy"} {
		for i := 0; i < 2; i++ {
			id, r = run(b, &rev1)
			if r != results.Success || gotRevision(id) != rev1 {
				t.Fatalf("%s run %d: %s got_revision %v", b, i, results.Name(r), gotRevision(id))
			}
		}
	}
	if _, err := os.Stat(filepath.Join(h.dir, "workers", "w1", "copy", "source", ".git")); err != nil {
		t.Errorf("copy method has no source directory: %v", err)
	}

	id, r = run("broken", nil)
	if r != results.Failure {
		t.Fatalf("missing repository: %s, want failure", results.Name(r))
	}
	for _, s := range h.steps(id) {
		if s.Name == "checkout" && s.StateString != "update (failure)" {
			t.Errorf("broken state %q", s.StateString)
		}
	}
}
