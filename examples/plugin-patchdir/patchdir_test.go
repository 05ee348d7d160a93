package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/sdktest"
)

const samplePatch = `From 3f1c2d4e5f60718293a4b5c6d7e8f90123456789 Mon Sep 17 00:00:00 2001
From: Alice Example <alice@example.com>
Date: Tue, 3 Oct 2023 10:00:00 +0200
Subject: [PATCH 1/2] Fix the frobnicator

It frobbed twice.
---
 src/frob.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/src/frob.c b/src/frob.c
index 1111111..2222222 100644
--- a/src/frob.c
+++ b/src/frob.c
@@ -1 +1 @@
-frob(); frob();
+frob();
diff --git a/old.txt b/old.txt
deleted file mode 100644
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-gone
`

func TestParsePatch(t *testing.T) {
	ch, err := ParsePatch([]byte(samplePatch))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Author != "Alice Example <alice@example.com>" || *ch.Revision != "3f1c2d4e5f60718293a4b5c6d7e8f90123456789" {
		t.Errorf("author %q revision %v", ch.Author, ch.Revision)
	}
	if ch.Comments != "Fix the frobnicator\n\nIt frobbed twice." {
		t.Errorf("comments %q", ch.Comments)
	}
	if strings.Join(ch.Files, ",") != "src/frob.c,old.txt" {
		t.Errorf("files %v", ch.Files)
	}
	if ch.WhenTimestamp != time.Date(2023, 10, 3, 8, 0, 0, 0, time.UTC).Unix() {
		t.Errorf("when %d", ch.WhenTimestamp)
	}
	bare, err := ParsePatch([]byte("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"))
	if err != nil || len(bare.Files) != 1 || bare.Files[0] != "x" || bare.Revision != nil {
		t.Errorf("bare diff: %+v %v", bare, err)
	}
	if _, err := ParsePatch([]byte("hello\n")); err == nil {
		t.Error("a file without a diff was accepted")
	}
}

func TestParseChangeJSON(t *testing.T) {
	ch, err := ParseChangeJSON([]byte(`{"author": "bob", "comments": "c", "branch": "main", "files": ["a"], "properties": {"n": 1}}`))
	if err != nil || ch.Author != "bob" || *ch.Branch != "main" || ch.Properties["n"] == nil {
		t.Fatalf("%+v %v", ch, err)
	}
	for _, bad := range []string{`{}`, `{"author": "x", "color": "red"}`, `{"author": "x"} {}`, `[1]`, `{"author": "x", "when_timestamp": -1}`} {
		if _, err := ParseChangeJSON([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func drop(t *testing.T, dir, name, content string) {
	t.Helper()
	tmp := filepath.Join(dir, "."+name)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func TestPatchDirWithSdktest(t *testing.T) {
	h := sdktest.New(t, Plugin())
	dir := t.TempDir()
	body := fmt.Sprintf("dir = %q\npoll_interval = \"20ms\"\nbranch = \"main\"\nrepository = \"https://example.com/r.git\"\narchive = true", dir)
	cs := h.ChangeSource(t, "patchdir", "incoming", body)
	ctx := context.Background()
	if err := cs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	drop(t, dir, "001.patch", samplePatch)
	drop(t, dir, "002.json", `{"author": "bob", "comments": "from json", "revision": "abc"}`)
	drop(t, dir, "003.json", `not json`)
	drop(t, dir, "004.txt", `ignored`)
	changes := h.Master.WaitChanges(t, 2, 5*time.Second)
	if changes[0].Author != "Alice Example <alice@example.com>" || *changes[0].Branch != "main" || changes[0].Repository != "https://example.com/r.git" {
		t.Errorf("first change %+v", changes[0])
	}
	if changes[1].Comments != "from json" || changes[1].Properties["patchdir_file"] != "002.json" {
		t.Errorf("second change %+v", changes[1])
	}
	// The bad file is skipped, not retried; processed files are archived.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := h.Master.State("incoming", stateClass, stateName)
		if string(st.Value) == `"003.json"` {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cursor %s", st.Value)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "processed", "002.json")); err != nil {
		t.Errorf("not archived: %v", err)
	}
	if err := cs.Poll(ctx); err != nil {
		t.Fatal(err)
	}

	// A restart (a new instance with the same name) resumes from the
	// cursor: nothing twice, nothing lost.
	if err := cs.Stop(ctx, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	drop(t, dir, "005.json", `{"author": "carol", "comments": "while stopped"}`)
	cs2 := h.ChangeSource(t, "patchdir", "incoming", body)
	if err := cs2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	changes = h.Master.WaitChanges(t, 3, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	if n := len(h.Master.Changes()); n != 3 || changes[2].Author != "carol" {
		t.Errorf("%d changes after the restart: %+v", n, changes)
	}
}

func TestValidate(t *testing.T) {
	h := sdktest.New(t, Plugin())
	d, err := h.Validate(base.TypeChangeSource, "patchdir", `dir = "relative"`)
	if err != nil {
		t.Fatal(err)
	}
	if !d.HasErrors() || base.FormatPath(d[0].Path) != "dir" {
		t.Errorf("diagnostics %v", d)
	}
	d, _ = h.Validate(base.TypeChangeSource, "patchdir", `
dir = "/x"
poll_interval = "1ms"`)
	if !d.HasErrors() || base.FormatPath(d[0].Path) != "poll_interval" {
		t.Errorf("diagnostics %v", d)
	}
}

func FuzzParsePatch(f *testing.F) {
	f.Add([]byte(samplePatch))
	f.Add([]byte("--- a/x\n+++ b/x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := ParsePatch(b)
		if err == nil && len(ch.Files) == 0 {
			t.Fatal("accepted a patch without files")
		}
	})
}

func FuzzParseChangeJSON(f *testing.F) {
	f.Add([]byte(`{"author": "bob", "files": ["a"], "properties": {"x": [1, {"y": null}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := ParseChangeJSON(b)
		if err != nil {
			return
		}
		if strings.TrimSpace(ch.Author) == "" {
			t.Fatal("accepted a change without an author")
		}
		if _, err := json.Marshal(ch.Properties); err != nil {
			t.Fatalf("properties do not encode: %v", err)
		}
	})
}
