package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// LoadOptions tune Load. The zero value is fine for a master.
type LoadOptions struct {
	// Schemas, when set, gives the plugin kinds' schemas: Load then reports
	// unknown kinds and decodes every plugin block into PluginBlock.Value.
	Schemas SchemaSource
	// LookupEnv reads environment variables for env(); nil = os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Hostname is used in the default master name; "" = os.Hostname().
	Hostname string
}

// rootSchema lists every top-level block (SPEC §3). Anything else in a file
// is an error.
var rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "locals"},
	{Type: "master"},
	{Type: "database"},
	{Type: "mq"},
	{Type: "www"},
	{Type: "protocol", LabelNames: []string{"type"}},
	{Type: "plugin", LabelNames: []string{"name"}},
	{Type: string(TypeWorker), LabelNames: []string{"kind", "name"}},
	{Type: string(TypeChangeSource), LabelNames: []string{"kind", "name"}},
	{Type: string(TypeScheduler), LabelNames: []string{"kind", "name"}},
	{Type: string(TypeUserManager), LabelNames: []string{"kind", "name"}},
	{Type: "builder", LabelNames: []string{"name"}},
	{Type: "change_hook", LabelNames: []string{"dialect"}},
	{Type: "lock", LabelNames: []string{"type", "name"}},
	{Type: "metrics"},
	{Type: "caches"},
	{Type: "manhole"},
}}

// loader holds the state of one Load.
type loader struct {
	opts  LoadOptions
	cfg   *Config
	ctx   *hcl.EvalContext
	diags hcl.Diagnostics

	// References found while decoding, checked once everything is decoded.
	workerRefs    []ref // builders → workers
	lockRefs      []ref // builders and steps → locks
	builderRefs   []ref // schedulers → builders
	schedulerRefs []ref // trigger steps → schedulers
	// Names declared per kind of block, for duplicate checks.
	builderNames []named
	// order maps file names to their load order, for sorting diagnostics.
	order map[string]int
}

// ref is a name used somewhere, with the range that names it.
type ref struct {
	name string
	rng  hcl.Range
	from string // who refers, e.g. `Builder "app-test"`
}

// named is a declared name and where.
type named struct {
	name string
	rng  hcl.Range
}

// Load reads the configuration at path: one file (HCL, or JSON when the name
// ends in .json), or a directory whose *.hcl and *.hcl.json files are merged
// in name order (files starting with "." are skipped, so the lock file
// .bbhost.lock.hcl is never read as configuration). It always returns a
// Config with at least Files, Dir and Sources set, so the diagnostics can be
// printed with WriteDiagnostics; the Config is only usable when the
// diagnostics have no errors. Every field gets its documented default.
func Load(path string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	l := &loader{opts: opts, cfg: &Config{Sources: map[string]*hcl.File{}}}
	l.load(path)
	sortDiagnostics(l.diags, l.order)
	return l.cfg, l.diags
}

// sortDiagnostics orders diagnostics as the files were read and by position
// within a file; diagnostics without a position come first.
func sortDiagnostics(diags hcl.Diagnostics, order map[string]int) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return order[a.Filename] < order[b.Filename]
		}
		return a.Start.Byte < b.Start.Byte
	})
}

func (l *loader) load(path string) {
	names, diags := l.findFiles(path)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	l.ctx = newEvalContext(l.cfg.Dir, l.opts.LookupEnv)
	l.cfg.EvalContext = l.ctx

	var files []*hcl.File
	l.order = make(map[string]int, len(names))
	for i, name := range names {
		l.order[name] = i
		pf, diags := parseFile(name)
		l.diags = append(l.diags, diags...)
		if pf != nil {
			l.cfg.Sources[name] = pf.file
			files = append(files, pf.parts...)
		}
	}
	if l.diags.HasErrors() {
		return // decoding a file that does not parse only adds noise
	}

	content, diags := hcl.MergeFiles(files).Content(rootSchema)
	l.diags = append(l.diags, diags...)
	blocks := content.Blocks.ByType()

	declared, diags := evalLocals(blocks["locals"], l.ctx)
	l.diags = append(l.diags, diags...)
	l.diags = append(l.diags, checkLocalRefs(files, declared, l.ctx)...)
	l.decodeMaster(l.single(blocks, "master"))
	l.decodeDatabase(l.single(blocks, "database"))
	l.decodeMQ(l.single(blocks, "mq"))
	l.decodeWWW(l.single(blocks, "www"))
	l.decodeMetrics(l.single(blocks, "metrics"))
	l.decodeCaches(l.single(blocks, "caches"))
	l.decodeManhole(l.single(blocks, "manhole"))
	for _, b := range blocks["protocol"] {
		l.decodeProtocol(b)
	}
	for _, b := range blocks["plugin"] {
		l.decodePluginPin(b)
	}
	l.cfg.Workers = l.decodePluginBlocks(TypeWorker, blocks[string(TypeWorker)])
	l.cfg.ChangeSources = l.decodePluginBlocks(TypeChangeSource, blocks[string(TypeChangeSource)])
	l.cfg.Schedulers = l.decodePluginBlocks(TypeScheduler, blocks[string(TypeScheduler)])
	l.cfg.UserManagers = l.decodePluginBlocks(TypeUserManager, blocks[string(TypeUserManager)])
	for _, b := range blocks["lock"] {
		l.decodeLock(b)
	}
	for _, b := range blocks["change_hook"] {
		l.decodeChangeHook(b)
	}
	for _, b := range blocks["builder"] {
		l.decodeBuilder(b)
	}
	l.check()
}

// findFiles resolves path to the files to load, sets Files and Dir, and
// returns the names to parse (as the user wrote them, for diagnostics).
func (l *loader) findFiles(path string) ([]string, hcl.Diagnostics) {
	path = filepath.Clean(path)
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid configuration path",
			Detail: fmt.Sprintf("Cannot resolve %s: %s.", path, err)}}
	}
	st, err := os.Stat(abs)
	if err != nil {
		l.cfg.Dir = filepath.Dir(abs)
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read configuration",
			Detail: fmt.Sprintf("%s.", err)}}
	}
	if !st.IsDir() {
		l.cfg.Dir = filepath.Dir(abs)
		l.cfg.Files = []string{abs}
		return []string{path}, nil
	}
	l.cfg.Dir = abs
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read configuration",
			Detail: fmt.Sprintf("%s.", err)}}
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || !(strings.HasSuffix(n, ".hcl") || strings.HasSuffix(n, ".hcl.json")) {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No configuration files",
			Detail: fmt.Sprintf("The directory %s contains no *.hcl or *.hcl.json files.", path)}}
	}
	display := make([]string, len(names))
	for i, n := range names {
		display[i] = filepath.Join(path, n)
		l.cfg.Files = append(l.cfg.Files, filepath.Join(abs, n))
	}
	return display, nil
}

// single returns the one block of a type that may appear at most once,
// reporting the others, or nil when there is none.
func (l *loader) single(blocks map[string]hcl.Blocks, typ string) *hcl.Block {
	bs := blocks[typ]
	if len(bs) == 0 {
		return nil
	}
	for _, b := range bs[1:] {
		l.diags = append(l.diags, errorDiag(fmt.Sprintf("Duplicate %s block", typ),
			fmt.Sprintf("Only one %s block is allowed, across all configuration files; the first is at %s.",
				typ, bs[0].DefRange), b.DefRange))
	}
	return bs[0]
}

// absPath makes p absolute, relative to the configuration directory.
func (l *loader) absPath(p string) string {
	if p == "" {
		return ""
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.cfg.Dir, p)
}

// ReleaseSyntax drops the syntax trees of the configuration files, keeping
// their text for diagnostic snippets (the enclosing-block hint of later
// diagnostics is lost). Plugin blocks keep their own bodies. A configuration
// of thousands of blocks otherwise keeps tens of megabytes of syntax tree
// alive for as long as it runs.
func (c *Config) ReleaseSyntax() {
	for name, f := range c.Sources {
		if f != nil {
			c.Sources[name] = &hcl.File{Bytes: f.Bytes}
		}
	}
}
