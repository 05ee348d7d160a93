package plugins

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

// BinaryPrefix starts the file name of every plugin binary.
const BinaryPrefix = "bbhost-plugin-"

// nameRe is what a plugin name may be: the NAME of bbhost-plugin-NAME.
var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidName reports whether name can be a plugin name.
func ValidName(name string) bool { return nameRe.MatchString(name) }

// Where a binary was found.
const (
	SourcePluginDir = "plugin directory"
	SourceBinaryDir = "bbhost directory"
	SourcePin       = "plugin block"
)

// Binary is one plugin binary on disk.
type Binary struct {
	Name   string // NAME of bbhost-plugin-NAME
	Path   string // absolute
	SHA256 string // lower-case hex of the file's content
	// Source says where it was found (SourcePluginDir, ...).
	Source string
}

// NameFromPath returns NAME for a path to bbhost-plugin-NAME, or false.
func NameFromPath(path string) (string, bool) {
	base := filepath.Base(path)
	if !strings.HasPrefix(base, BinaryPrefix) {
		return "", false
	}
	name := strings.TrimPrefix(base, BinaryPrefix)
	if !ValidName(name) {
		return "", false
	}
	return name, true
}

// HashFile returns the lower-case hex sha256 of a file.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ChecksumError refuses a plugin binary whose sha256 differs from what the
// lock file or a `plugin` block says.
type ChecksumError struct {
	Plugin string
	Path   string
	// Want is the expected sha256, from Where ("lock file
	// <path>" or "plugin block at <file:line>").
	Want  string
	Got   string
	Where string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("plugin %q: refusing %s: its sha256 is %s but the %s says %s (run `bbhost plugins lock` after replacing a binary on purpose)",
		e.Plugin, e.Path, e.Got, e.Where, e.Want)
}

// ErrNotExecutable is returned for a plugin file that cannot be run.
var ErrNotExecutable = errors.New("not an executable file")

func checkExecutable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s: %w", path, ErrNotExecutable)
	}
	return nil
}

// fileID identifies a file's content without reading it.
type fileID struct {
	dev, ino uint64
	size     int64
	mtime    int64
}

func identify(path string) (fileID, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	id := fileID{size: st.Size(), mtime: st.ModTime().UnixNano()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(sys.Dev), uint64(sys.Ino)
	}
	return id, nil
}
