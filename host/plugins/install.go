package plugins

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/bbhost/bbhost/sdk/base"
)

// SumsFileName is the checksum file published beside release archives.
const SumsFileName = "SHA256SUMS"

// maxDownload bounds an archive, a binary or a checksum file.
const maxDownload = 512 << 20

// archiveRe matches a release archive name:
// bbhost-plugin-NAME_vX.Y.Z_OS_ARCH.zip.
var archiveRe = regexp.MustCompile(`^bbhost-plugin-([a-z0-9][a-z0-9_-]*?)_v(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)_([a-z0-9]+)_([a-z0-9]+)\.zip$`)

// Archive is a parsed release archive name.
type Archive struct {
	Name, Version, OS, Arch string
}

// ParseArchiveName parses bbhost-plugin-NAME_vX.Y.Z_OS_ARCH.zip.
func ParseArchiveName(file string) (Archive, bool) {
	m := archiveRe.FindStringSubmatch(file)
	if m == nil || !ValidName(m[1]) {
		return Archive{}, false
	}
	return Archive{Name: m[1], Version: m[2], OS: m[3], Arch: m[4]}, true
}

// FileName returns the archive's file name.
func (a Archive) FileName() string {
	return fmt.Sprintf("%s%s_v%s_%s_%s.zip", BinaryPrefix, a.Name, a.Version, a.OS, a.Arch)
}

// ParseSums parses a SHA256SUMS file ("<hex>  <file>" or "<hex> *<file>"
// lines) into file name → lower-case hex.
func ParseSums(b []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, file, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("%s line %d: want \"<sha256>  <file>\"", SumsFileName, n)
		}
		sum = strings.ToLower(sum)
		file = strings.TrimPrefix(strings.TrimLeft(file, " "), "*")
		if !validSHA256(sum) || file == "" || strings.ContainsAny(file, "/\\") {
			return nil, fmt.Errorf("%s line %d: want \"<sha256>  <file>\"", SumsFileName, n)
		}
		if prev, dup := out[file]; dup && prev != sum {
			return nil, fmt.Errorf("%s: %s listed twice with different sums", SumsFileName, file)
		}
		out[file] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", SumsFileName, err)
	}
	return out, nil
}

// Installed is the outcome of Install.
type Installed struct {
	Binary Binary
	Info   base.PluginInfo
}

// Install copies a plugin into <basedir>/plugins and records it in the lock
// file. src is a path or an http(s) URL of either a binary named
// bbhost-plugin-NAME or a release archive bbhost-plugin-NAME_vX.Y.Z_OS_ARCH.zip
// with SHA256SUMS beside it (required for archives and URLs; checked for a
// local binary when present). The binary must answer `describe` with its
// own name before it replaces anything.
func (c *Catalog) Install(ctx context.Context, src string, hc *http.Client) (Installed, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	remote := strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
	var base, dir string
	if remote {
		u, err := url.Parse(src)
		if err != nil {
			return Installed{}, fmt.Errorf("install %s: %w", src, err)
		}
		base = path.Base(u.Path)
		u.Path = path.Join(path.Dir(u.Path), SumsFileName)
		u.RawQuery, u.Fragment = "", ""
		dir = u.String()
	} else {
		abs, err := filepath.Abs(src)
		if err != nil {
			return Installed{}, err
		}
		src, base, dir = abs, filepath.Base(abs), filepath.Join(filepath.Dir(abs), SumsFileName)
	}
	fetch := func(what string) ([]byte, error) {
		if remote {
			return download(ctx, hc, what)
		}
		return readLimited(what)
	}

	payload, err := fetch(src)
	if err != nil {
		return Installed{}, fmt.Errorf("install %s: %w", src, err)
	}
	sums, sumsErr := fetch(dir)
	arch, isArchive := ParseArchiveName(base)
	var name string
	switch {
	case isArchive:
		name = arch.Name
		if arch.OS != runtime.GOOS || arch.Arch != runtime.GOARCH {
			return Installed{}, fmt.Errorf("install %s: built for %s/%s, this master runs on %s/%s", base, arch.OS, arch.Arch, runtime.GOOS, runtime.GOARCH)
		}
	default:
		n, ok := NameFromPath(base)
		if !ok {
			return Installed{}, fmt.Errorf("install %s: the file must be named %sNAME or %sNAME_vX.Y.Z_OS_ARCH.zip", src, BinaryPrefix, BinaryPrefix)
		}
		name = n
	}
	switch {
	case sumsErr == nil:
		if err := checkSum(sums, base, payload); err != nil {
			return Installed{}, fmt.Errorf("install %s: %w", src, err)
		}
	case isArchive || remote:
		return Installed{}, fmt.Errorf("install %s: a %s file beside it is required: %w", src, SumsFileName, sumsErr)
	}
	binData := payload
	if isArchive {
		if binData, err = extractBinary(payload, name); err != nil {
			return Installed{}, fmt.Errorf("install %s: %w", src, err)
		}
	}
	return c.place(ctx, name, binData)
}

func checkSum(sums []byte, file string, data []byte) error {
	m, err := ParseSums(sums)
	if err != nil {
		return err
	}
	want, ok := m[file]
	if !ok {
		return fmt.Errorf("%s has no line for %s", SumsFileName, file)
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != want {
		return fmt.Errorf("checksum mismatch for %s: %s says %s, the file's sha256 is %s", file, SumsFileName, want, hex.EncodeToString(got[:]))
	}
	return nil
}

// extractBinary returns the content of bbhost-plugin-NAME (or
// bbhost-plugin-NAME_vX.Y.Z) at the top of the archive.
func extractBinary(zipData []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	want := BinaryPrefix + name
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.ContainsAny(f.Name, "/\\") {
			continue
		}
		if f.Name != want && !strings.HasPrefix(f.Name, want+"_v") {
			continue
		}
		if f.UncompressedSize64 > maxDownload {
			return nil, fmt.Errorf("%s in the archive is too large", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("read %s from the archive: %w", f.Name, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, maxDownload+1))
		if err != nil {
			return nil, fmt.Errorf("read %s from the archive: %w", f.Name, err)
		}
		if len(data) > maxDownload {
			return nil, fmt.Errorf("%s in the archive is too large", f.Name)
		}
		return data, nil
	}
	return nil, fmt.Errorf("the archive holds no %s at its top level", want)
}

// place writes the binary into the plugin directory (after checking that it
// describes itself as name) and records it in the lock file.
func (c *Catalog) place(ctx context.Context, name string, data []byte) (Installed, error) {
	dir := c.PluginDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Installed{}, fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".install-"+name+"-*")
	if err != nil {
		return Installed{}, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return Installed{}, err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return Installed{}, err
	}
	if err := tmp.Close(); err != nil {
		return Installed{}, err
	}
	info, err := RunDescribe(ctx, tmp.Name(), c.env)
	if err != nil {
		return Installed{}, fmt.Errorf("the new binary does not describe itself: %w", err)
	}
	if info.Name != name {
		return Installed{}, fmt.Errorf("the new binary calls itself %q, not %q", info.Name, name)
	}
	final := filepath.Join(dir, BinaryPrefix+name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Installed{}, fmt.Errorf("install %s: %w", final, err)
	}
	sum := sha256.Sum256(data)
	bin := Binary{Name: name, Path: final, SHA256: hex.EncodeToString(sum[:]), Source: SourcePluginDir}
	lf, err := ReadLockFile(c.basedir)
	if err != nil {
		return Installed{}, err
	}
	lf.Set(c.basedir, bin, info.Version)
	if err := lf.Write(c.basedir); err != nil {
		return Installed{}, err
	}
	c.mu.Lock()
	c.describe[bin.SHA256] = info
	c.mu.Unlock()
	c.log.Info("installed plugin", "plugin", name, "version", info.Version, "path", final, "sha256", bin.SHA256)
	return Installed{Binary: bin, Info: info}, nil
}

// Lock records every discovered binary's sha256 in the lock file (with the
// version its describe reports) and returns them.
func (c *Catalog) Lock(ctx context.Context) ([]Binary, error) {
	bins, errs := c.Discover()
	lf := &LockFile{Plugins: map[string]LockEntry{}}
	for _, b := range bins {
		info, err := RunDescribe(ctx, b.Path, c.env)
		if err != nil {
			errs = append(errs, fmt.Errorf("plugin %q: %w", b.Name, err))
			continue
		}
		lf.Set(c.basedir, b, info.Version)
	}
	if err := lf.Write(c.basedir); err != nil {
		errs = append(errs, err)
	}
	return bins, errors.Join(errs...)
}

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDownload+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxDownload {
		return nil, fmt.Errorf("%s is larger than %d bytes", p, maxDownload)
	}
	return data, nil
}

func download(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, res.Status)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(data) > maxDownload {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", u, maxDownload)
	}
	return data, nil
}
