package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
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
	// Cache, when set, is filled by this Load and lets the next Load with
	// it reuse what unchanged builder files decoded to (see Cache).
	Cache *Cache
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
	if !l.load(path, opts.Cache != nil) {
		// The locals changed: what the cache holds was decoded with other
		// values. Load everything again.
		l = &loader{opts: opts, cfg: &Config{Sources: map[string]*hcl.File{}}}
		l.load(path, false)
	}
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

// load loads the files at path. With reuse, unchanged builder files whose
// decoded builders are in opts.Cache are not parsed again; it returns false
// when that turned out to be wrong (the locals changed) and nothing of this
// load may be used.
func (l *loader) load(path string, reuse bool) bool {
	names, diags := l.findFiles(path)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return true
	}
	l.ctx = newEvalContext(l.cfg.Dir, l.opts.LookupEnv)
	l.cfg.EvalContext = l.ctx

	var files []*hcl.File
	l.order = make(map[string]int, len(names))
	sources := make(map[string][]byte, len(names))
	reused := map[string]*cachedFile{}
	for i, name := range names {
		l.order[name] = i
		src, diags := readFile(name)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		sources[name] = src
		l.cfg.Sources[name] = &hcl.File{Bytes: src}
		if reuse {
			if e := l.opts.Cache.reusable(name, hashSource(src)); e != nil && l.specsMatch(e) {
				reused[name] = e
				continue
			}
		}
		pf, diags := parseSource(name, src)
		l.diags = append(l.diags, diags...)
		if pf != nil {
			l.cfg.Sources[name] = pf.file
			files = append(files, pf.parts...)
		}
	}
	if l.diags.HasErrors() {
		return true // decoding a file that does not parse only adds noise
	}

	content, diags := hcl.MergeFiles(files).Content(rootSchema)
	l.diags = append(l.diags, diags...)
	blocks := content.Blocks.ByType()

	declared, diags := evalLocals(blocks["locals"], l.ctx)
	l.diags = append(l.diags, diags...)
	l.diags = append(l.diags, checkLocalRefs(files, declared, l.ctx)...)
	localsKey := l.localsKey()
	if len(reused) > 0 && localsKey != l.opts.Cache.locals() {
		return false
	}
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
	for _, b := range blocks["lock"] {
		l.decodeLock(b)
	}
	for _, b := range blocks["change_hook"] {
		l.decodeChangeHook(b)
	}
	l.decodeFiles(names, content.Blocks, sources, reused, localsKey)
	l.check()
	return true
}

// decodeFiles decodes the builder and plugin blocks file by file, in load
// order, taking those of reused files from the cache and recording the files
// of this load that hold nothing else in it.
func (l *loader) decodeFiles(names []string, all hcl.Blocks, sources map[string][]byte,
	reused map[string]*cachedFile, localsKey string) {
	byFile := map[string]hcl.Blocks{}
	mixed := map[string]bool{} // files with other blocks: never reused
	for _, b := range all {
		f := b.DefRange.Filename
		switch b.Type {
		case "builder", string(TypeWorker), string(TypeChangeSource), string(TypeScheduler), string(TypeUserManager):
			byFile[f] = append(byFile[f], b)
		default:
			mixed[f] = true
		}
	}
	caching := l.opts.Cache != nil
	entries := map[string]*cachedFile{}
	for _, name := range names {
		if e := reused[name]; e != nil {
			for i, typ := range pluginTypes {
				list := l.cfg.pluginList(typ)
				*list = append(*list, e.plugins[i]...)
			}
			l.cfg.Builders = append(l.cfg.Builders, e.builders...)
			l.builderNames = append(l.builderNames, e.builderNames...)
			l.workerRefs = append(l.workerRefs, e.workerRefs...)
			l.lockRefs = append(l.lockRefs, e.lockRefs...)
			l.schedulerRefs = append(l.schedulerRefs, e.schedulerRefs...)
			l.builderRefs = append(l.builderRefs, e.builderRefs...)
			l.diags = append(l.diags, e.warnings...)
			entries[name] = e
			continue
		}
		var np [4]int
		for i, typ := range pluginTypes {
			np[i] = len(*l.cfg.pluginList(typ))
		}
		nb, nn, nw, nl, ns, nbr, nd := len(l.cfg.Builders), len(l.builderNames), len(l.workerRefs), len(l.lockRefs),
			len(l.schedulerRefs), len(l.builderRefs), len(l.diags)
		specs := map[typeKind]hcldec.Spec{}
		for _, b := range byFile[name] {
			if b.Type == "builder" {
				l.decodeBuilder(b)
				continue
			}
			typ := PluginType(b.Type)
			list := l.cfg.pluginList(typ)
			*list = append(*list, l.decodePluginBlock(typ, b))
			specs[typeKind{typ, b.Labels[0]}] = l.pluginSpec(typ, b.Labels[0])
		}
		if !caching || mixed[name] || len(byFile[name]) == 0 || !cacheable(sources[name]) || l.diags[nd:].HasErrors() {
			continue
		}
		e := &cachedFile{
			hash:          hashSource(sources[name]),
			builders:      append([]Builder(nil), l.cfg.Builders[nb:]...),
			builderNames:  append([]named(nil), l.builderNames[nn:]...),
			workerRefs:    append([]ref(nil), l.workerRefs[nw:]...),
			lockRefs:      append([]ref(nil), l.lockRefs[nl:]...),
			schedulerRefs: append([]ref(nil), l.schedulerRefs[ns:]...),
			builderRefs:   append([]ref(nil), l.builderRefs[nbr:]...),
			warnings:      append(hcl.Diagnostics(nil), l.diags[nd:]...),
			specs:         specs,
		}
		for i, typ := range pluginTypes {
			e.plugins[i] = append([]PluginBlock(nil), (*l.cfg.pluginList(typ))[np[i]:]...)
		}
		entries[name] = e
	}
	if caching {
		l.opts.Cache.store(localsKey, entries)
	}
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
