package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/hashicorp/go-hclog"
)

// PluginDirName is the plugin directory inside the base directory.
const PluginDirName = "plugins"

// describeTimeout bounds `bbhost-plugin-NAME describe`.
const describeTimeout = 10 * time.Second

// maxDescribeOutput bounds the describe JSON read from a plugin.
const maxDescribeOutput = 1 << 20

// Catalog finds plugin binaries and checks them: <basedir>/plugins first,
// then the bbhost binary's directory, and `plugin` blocks' sources (a block
// with a source chooses the binary for its name). A binary runs only when
// its sha256 matches the lock file entry and the `plugin` block's sha256
// (those present).
type Catalog struct {
	basedir string
	bindir  string
	log     hclog.Logger
	env     []string

	mu       sync.Mutex
	pins     map[string]config.PluginPin
	describe map[string]base.PluginInfo // by sha256
	warned   map[string]bool            // sha256s already reported as unlocked
	hashes   map[string]hashEntry       // by path; see hash
}

// hashEntry remembers a file's sha256 while its identity (inode, size,
// modification time) stays the same. The hash is checked again when the
// binary is started (go-plugin's SecureConfig), so a stale entry can only
// make a start fail, never run an unchecked binary.
type hashEntry struct {
	id  fileID
	sum string
}

// NewCatalog returns the catalog of basedir; bindir is the bbhost binary's
// directory ("" for none).
func NewCatalog(basedir, bindir string, log hclog.Logger) *Catalog {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Catalog{basedir: basedir, bindir: bindir, log: log, env: pluginEnv(nil),
		pins: map[string]config.PluginPin{}, describe: map[string]base.PluginInfo{}, warned: map[string]bool{},
		hashes: map[string]hashEntry{}}
}

// Basedir returns the base directory.
func (c *Catalog) Basedir() string { return c.basedir }

// PluginDir returns <basedir>/plugins.
func (c *Catalog) PluginDir() string { return filepath.Join(c.basedir, PluginDirName) }

// SetPins installs the configuration's `plugin` blocks.
func (c *Catalog) SetPins(pins []config.PluginPin) {
	m := make(map[string]config.PluginPin, len(pins))
	for _, p := range pins {
		m[p.Name] = p
	}
	c.mu.Lock()
	c.pins = m
	c.mu.Unlock()
}

// Pins returns the `plugin` blocks by name.
func (c *Catalog) Pins() map[string]config.PluginPin {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]config.PluginPin, len(c.pins))
	for k, v := range c.pins {
		out[k] = v
	}
	return out
}

// Discover lists the plugin binaries, one per name, sorted by name. Files
// that cannot be used (not executable, unreadable, a pin's missing source)
// are reported in the returned errors and skipped.
func (c *Catalog) Discover() ([]Binary, []error) {
	found := map[string]Binary{}
	var errs []error
	scan := func(dir, source string) {
		if dir == "" {
			return
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !os.IsNotExist(err) {
				errs = append(errs, fmt.Errorf("scan %s: %w", dir, err))
			}
			return
		}
		for _, e := range entries {
			name, ok := NameFromPath(e.Name())
			if !ok || e.IsDir() {
				continue
			}
			if _, dup := found[name]; dup {
				continue
			}
			path := filepath.Join(dir, e.Name())
			bin, err := c.binary(name, path, source)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			found[name] = bin
		}
	}
	scan(c.PluginDir(), SourcePluginDir)
	if c.bindir != "" && filepath.Clean(c.bindir) != filepath.Clean(c.PluginDir()) {
		scan(c.bindir, SourceBinaryDir)
	}
	for name, pin := range c.Pins() {
		if pin.Source == "" {
			continue
		}
		bin, err := c.binary(name, pin.Source, SourcePin)
		if err != nil {
			errs = append(errs, fmt.Errorf("plugin %q (%s): %w", name, pin.Range, err))
			continue
		}
		found[name] = bin
	}
	out := make([]Binary, 0, len(found))
	for _, b := range found {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errs
}

func (c *Catalog) binary(name, path, source string) (Binary, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Binary{}, err
	}
	if err := checkExecutable(abs); err != nil {
		return Binary{}, err
	}
	sum, err := c.hash(abs)
	if err != nil {
		return Binary{}, err
	}
	return Binary{Name: name, Path: abs, SHA256: sum, Source: source}, nil
}

// hash returns the sha256 of the file at path, from the cache while the
// file is unchanged.
func (c *Catalog) hash(path string) (string, error) {
	id, err := identify(path)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	e, ok := c.hashes[path]
	c.mu.Unlock()
	if ok && e.id == id {
		return e.sum, nil
	}
	sum, err := HashFile(path)
	if err != nil {
		return "", err
	}
	if after, err := identify(path); err == nil && after == id {
		c.mu.Lock()
		c.hashes[path] = hashEntry{id: id, sum: sum}
		c.mu.Unlock()
	}
	return sum, nil
}

// Find returns the binary called name.
func (c *Catalog) Find(name string) (Binary, error) {
	bins, errs := c.Discover()
	for _, b := range bins {
		if b.Name == name {
			return b, nil
		}
	}
	if len(errs) > 0 {
		return Binary{}, fmt.Errorf("no usable plugin %q: %w", name, errors.Join(errs...))
	}
	return Binary{}, fmt.Errorf("no plugin %q: no %s%s in %s, %s or a plugin block's source", name, BinaryPrefix, name, c.PluginDir(), c.bindirText())
}

func (c *Catalog) bindirText() string {
	if c.bindir == "" {
		return "(no bbhost directory)"
	}
	return c.bindir
}

// Verify checks bin's sha256 against the lock file and its `plugin` block.
// A binary in neither is allowed (with a warning in the log).
func (c *Catalog) Verify(bin Binary) error {
	lf, err := ReadLockFile(c.basedir)
	if err != nil {
		return err
	}
	checked := false
	if e, ok := lf.Plugins[bin.Name]; ok {
		checked = true
		if e.SHA256 != bin.SHA256 {
			return c.refuse(&ChecksumError{Plugin: bin.Name, Path: bin.Path, Want: e.SHA256, Got: bin.SHA256, Where: "lock file " + LockFilePath(c.basedir)})
		}
	}
	c.mu.Lock()
	pin, ok := c.pins[bin.Name]
	c.mu.Unlock()
	if ok && pin.SHA256 != "" {
		checked = true
		if pin.SHA256 != bin.SHA256 {
			return c.refuse(&ChecksumError{Plugin: bin.Name, Path: bin.Path, Want: pin.SHA256, Got: bin.SHA256,
				Where: "plugin block at " + pin.Range.String()})
		}
	}
	c.mu.Lock()
	note := !checked && !c.warned[bin.SHA256]
	if note {
		c.warned[bin.SHA256] = true
	}
	c.mu.Unlock()
	if note {
		// Pinning is opt-in (a site that wants it runs `bbhost plugins
		// lock`); an unpinned binary is normal, not a problem to warn about.
		c.log.Info("plugin binary not pinned in the lock file (`bbhost plugins lock` pins it)", "plugin", bin.Name, "path", bin.Path, "sha256", bin.SHA256)
	}
	return nil
}

func (c *Catalog) refuse(e *ChecksumError) error {
	c.log.Error("refusing plugin binary: sha256 mismatch", "plugin", e.Plugin, "path", e.Path, "expected", e.Want, "actual", e.Got, "expected_by", e.Where)
	return e
}

// Describe verifies bin, then runs `bin describe` and returns what it
// prints; answers are cached by sha256 (the check is not).
func (c *Catalog) Describe(ctx context.Context, bin Binary) (base.PluginInfo, error) {
	if err := c.Verify(bin); err != nil {
		return base.PluginInfo{}, err
	}
	c.mu.Lock()
	info, ok := c.describe[bin.SHA256]
	c.mu.Unlock()
	if ok {
		return info, nil
	}
	info, err := RunDescribe(ctx, bin.Path, c.env)
	if err != nil {
		return base.PluginInfo{}, fmt.Errorf("plugin %q: %w", bin.Name, err)
	}
	if info.Name != bin.Name {
		c.log.Warn("plugin calls itself by another name", "plugin", bin.Name, "says", info.Name, "path", bin.Path)
	}
	c.mu.Lock()
	c.describe[bin.SHA256] = info
	c.mu.Unlock()
	return info, nil
}

// RunDescribe runs `path describe` with env and parses its JSON.
func RunDescribe(ctx context.Context, path string, env []string) (base.PluginInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "describe")
	cmd.Env = env
	var stdout limitedBuffer
	stdout.limit = maxDescribeOutput
	var stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := bytes.TrimSpace(stderr.Bytes())
		if len(msg) > 512 {
			msg = msg[:512]
		}
		return base.PluginInfo{}, fmt.Errorf("run %s describe: %w: %s", path, err, msg)
	}
	return ParseDescribe(stdout.Bytes())
}

// ParseDescribe parses the `describe` JSON of a plugin.
func ParseDescribe(b []byte) (base.PluginInfo, error) {
	var info base.PluginInfo
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&info); err != nil {
		return base.PluginInfo{}, fmt.Errorf("describe output is not the expected JSON: %w", err)
	}
	if !ValidName(info.Name) {
		return base.PluginInfo{}, fmt.Errorf("describe output: invalid plugin name %q", info.Name)
	}
	if len(info.ProtocolVersions) == 0 {
		return base.PluginInfo{}, errors.New("describe output: no protocol versions")
	}
	for _, c := range info.Components {
		if !c.Type.Valid() || c.Kind == "" {
			return base.PluginInfo{}, fmt.Errorf("describe output: invalid component %q %q", c.Type, c.Kind)
		}
	}
	return info, nil
}

type limitedBuffer struct {
	bytes.Buffer
	limit int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.limit {
		return 0, io.ErrShortWrite
	}
	return b.Buffer.Write(p)
}
