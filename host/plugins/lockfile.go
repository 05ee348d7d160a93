package plugins

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// LockFileName is the lock file in the base directory.
const LockFileName = ".bbhost.lock.hcl"

// LockEntry pins one plugin binary.
type LockEntry struct {
	Name    string `hcl:"name,label"`
	Version string `hcl:"version,optional"`
	// Path is relative to the base directory when inside it.
	Path   string `hcl:"path,optional"`
	SHA256 string `hcl:"sha256"`
}

// LockFile is <basedir>/.bbhost.lock.hcl: the sha256 of every installed or
// locked plugin binary, written by `bbhost plugins lock` and `install`.
type LockFile struct {
	Plugins map[string]LockEntry
}

type lockFileHCL struct {
	Plugins []LockEntry `hcl:"plugin,block"`
}

// LockFilePath returns the lock file's path in basedir.
func LockFilePath(basedir string) string { return filepath.Join(basedir, LockFileName) }

// ReadLockFile reads the lock file in basedir; a missing file is an empty
// lock.
func ReadLockFile(basedir string) (*LockFile, error) {
	path := LockFilePath(basedir)
	src, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &LockFile{Plugins: map[string]LockEntry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lock file: %w", err)
	}
	return ParseLockFile(src, path)
}

// ParseLockFile parses lock file content.
func ParseLockFile(src []byte, filename string) (*LockFile, error) {
	f, diags := hclparse.NewParser().ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, fmt.Errorf("lock file: %w", diags)
	}
	var raw lockFileHCL
	if diags := gohcl.DecodeBody(f.Body, nil, &raw); diags.HasErrors() {
		return nil, fmt.Errorf("lock file: %w", diags)
	}
	lf := &LockFile{Plugins: map[string]LockEntry{}}
	for _, e := range raw.Plugins {
		if !ValidName(e.Name) {
			return nil, fmt.Errorf("lock file %s: invalid plugin name %q", filename, e.Name)
		}
		if !validSHA256(e.SHA256) {
			return nil, fmt.Errorf("lock file %s: plugin %q: sha256 %q is not 64 lower-case hex digits", filename, e.Name, e.SHA256)
		}
		if _, dup := lf.Plugins[e.Name]; dup {
			return nil, fmt.Errorf("lock file %s: plugin %q listed twice", filename, e.Name)
		}
		lf.Plugins[e.Name] = e
	}
	return lf, nil
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Bytes renders the lock file in canonical HCL.
func (lf *LockFile) Bytes() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(
		"# This file is maintained by \"bbhost plugins lock\" and \"bbhost plugins install\".\n" +
			"# The master refuses to start a plugin binary whose sha256 differs from the one here.\n")}})
	names := make([]string, 0, len(lf.Plugins))
	for n := range lf.Plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := lf.Plugins[n]
		body.AppendNewline()
		blk := body.AppendNewBlock("plugin", []string{n})
		if e.Version != "" {
			blk.Body().SetAttributeValue("version", cty.StringVal(e.Version))
		}
		if e.Path != "" {
			blk.Body().SetAttributeValue("path", cty.StringVal(e.Path))
		}
		blk.Body().SetAttributeValue("sha256", cty.StringVal(e.SHA256))
	}
	return hclwrite.Format(f.Bytes())
}

// Write writes the lock file into basedir atomically.
func (lf *LockFile) Write(basedir string) error {
	path := LockFilePath(basedir)
	tmp, err := os.CreateTemp(basedir, ".bbhost.lock.*.tmp")
	if err != nil {
		return fmt.Errorf("write lock file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(lf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write lock file: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write lock file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write lock file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write lock file: %w", err)
	}
	return nil
}

// Set records bin (its path relative to basedir when inside it).
func (lf *LockFile) Set(basedir string, bin Binary, version string) {
	p := bin.Path
	if rel, err := filepath.Rel(basedir, bin.Path); err == nil && !startsWithDotDot(rel) {
		p = rel
	}
	lf.Plugins[bin.Name] = LockEntry{Name: bin.Name, Version: version, Path: p, SHA256: bin.SHA256}
}

func startsWithDotDot(rel string) bool {
	return rel == ".." || len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator)
}
