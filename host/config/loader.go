package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
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

	// wholeDecode (tests) decodes builders after parsing everything, as
	// when files may use locals, instead of in the parse workers.
	wholeDecode bool
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
	// pre holds the builders the parse workers decoded (see partHook); nil
	// when they decode nothing.
	pre *predecoded
	// ahead holds the local values evaluated before parsing, when the files
	// have locals and the parse workers decode builders.
	ahead *localsAhead
	// specs remembers pluginSpec's answers, and specSame specsMatch's, for
	// the length of one load: a thousand worker blocks have one schema.
	specs    map[typeKind]hcldec.Spec
	specSame map[specKey]bool
}

// specKey is a schema a cached segment was decoded with, by identity.
type specKey struct {
	tk typeKind
	id uintptr
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
	reuse := opts.Cache != nil
	for {
		l := &loader{opts: opts, cfg: &Config{Sources: map[string]*hcl.File{}}}
		switch l.load(path, reuse) {
		case loadDone:
			sortDiagnostics(l.diags, l.order)
			return l.cfg, l.diags
		case loadLocalsChanged:
			// What the cache holds was decoded with other values of the
			// locals: load everything again.
			reuse = false
		case loadLocalsMisread:
			// The locals evaluated before parsing were not those of the
			// files (see evalLocalsAhead): decode after parsing instead.
			opts.wholeDecode = true
		}
	}
}

// loadOutcome is how a load ended: done, or to be done again another way
// (each of which happens at most once: a load without reuse or with
// wholeDecode never asks for it again).
type loadOutcome int

const (
	loadDone loadOutcome = iota
	loadLocalsChanged
	loadLocalsMisread
)

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
// decoded builders are in opts.Cache are not parsed again. Unless it returns
// loadDone, nothing of this load may be used.
func (l *loader) load(path string, reuse bool) loadOutcome {
	names, diags := l.findFiles(path)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return loadDone
	}
	l.ctx = newEvalContext(l.cfg.Dir, l.opts.LookupEnv)
	l.cfg.EvalContext = l.ctx

	l.order = make(map[string]int, len(names))
	for i, name := range names {
		l.order[name] = i
	}
	files, sources, fileSegs, reusedAny := l.readAndParse(names, reuse)
	if l.diags.HasErrors() {
		return loadDone // decoding a file that does not parse only adds noise
	}

	content, diags := hcl.MergeFiles(files).Content(rootSchema)
	l.diags = append(l.diags, diags...)
	blocks := content.Blocks.ByType()

	declared, diags := evalLocals(blocks["locals"], l.ctx)
	l.diags = append(l.diags, diags...)
	if l.ahead != nil && !l.ahead.matches(blocks["locals"], l.ctx) {
		return loadLocalsMisread
	}
	l.diags = append(l.diags, checkLocalRefs(files, declared, l.ctx)...)
	localsKey := l.localsKey()
	if reusedAny && localsKey != l.opts.Cache.locals() {
		return loadLocalsChanged
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
	l.decodeFiles(names, content.Blocks, sources, fileSegs, localsKey)
	l.check()
	return loadDone
}

// source is one configuration file on its way through readAndParse.
type source struct {
	name string
	src  []byte
	segs []segment   // with a cache: the file's segments
	runs []*parseJob // with reuse: the runs of segments to parse
	// whole parses the whole file: no cache, a JSON file, or a run that did
	// not parse on its own.
	whole *parseJob
}

// parseJob parses a piece of a file: the whole file, or a run of
// consecutive segments that are not reused.
type parseJob struct {
	name  string
	src   []byte
	pos   hcl.Pos
	json  bool
	hook  partHook // see partHook; nil: none
	pf    *parsedFile
	diags hcl.Diagnostics
}

func (j *parseJob) run() {
	if j.json {
		j.pf, j.diags = parseSource(j.name, j.src)
		return
	}
	j.pf, j.diags = parseAt(j.name, j.src, j.pos, j.hook)
}

// runJobs parses the pieces concurrently, on every core.
func runJobs(jobs []*parseJob) {
	if len(jobs) == 1 {
		jobs[0].run()
		return
	}
	next := make(chan *parseJob)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				j.run()
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
}

// readAndParse reads the files and parses what must be parsed: with reuse,
// the segments the cache cannot serve, each run of consecutive ones in one
// piece at its true position; otherwise every file. A run that does not
// parse on its own (a cut that was not at the top level, or a syntax error)
// makes its file parsed whole, for exactly the diagnostics of a plain
// parse.
func (l *loader) readAndParse(names []string, reuse bool) (files []*hcl.File, sources map[string][]byte,
	fileSegs map[string][]segment, reusedAny bool) {
	sources = make(map[string][]byte, len(names))
	fileSegs = map[string][]segment{}
	var srcs []*source
	var jobs []*parseJob
	pipeline, locals := !l.opts.wholeDecode, false
	for _, name := range names {
		src, diags := readFile(name)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		sources[name] = src
		l.cfg.Sources[name] = &hcl.File{Bytes: src}
		// JSON files would need their own reading of locals: rare enough
		// to decode the plain way.
		pipeline = pipeline && !strings.HasSuffix(name, ".json")
		locals = locals || mayUseLocals(src)
		srcs = append(srcs, &source{name: name, src: src})
	}
	if pipeline && locals {
		pipeline = l.evalLocalsAhead(srcs)
	}
	if pipeline {
		l.pre = &predecoded{files: map[string]map[int]*cachedSeg{}}
	}
	for _, s := range srcs {
		json := strings.HasSuffix(s.name, ".json")
		var hook partHook
		if l.opts.Cache != nil && !json {
			s.segs = segments(s.src)
		}
		if l.pre != nil && !json {
			hook = l.partHook(s.name, s.segs)
		}
		if s.segs != nil && reuse {
			s.runs = l.planRuns(s.name, s.src, s.segs)
			for _, j := range s.runs {
				j.hook = hook
			}
			jobs = append(jobs, s.runs...)
			continue
		}
		s.whole = &parseJob{name: s.name, src: s.src, pos: hcl.InitialPos, json: json, hook: hook}
		jobs = append(jobs, s.whole)
	}
	runJobs(jobs)
	for _, s := range srcs {
		if s.whole == nil {
			ok := true
			for _, j := range s.runs {
				ok = ok && len(j.diags) == 0
			}
			if ok {
				for _, j := range s.runs {
					files = append(files, j.pf.parts...)
				}
				for _, sg := range s.segs {
					reusedAny = reusedAny || sg.reused != nil
				}
				fileSegs[s.name] = s.segs
				continue
			}
			for i := range s.segs {
				s.segs[i].reused = nil
			}
			s.whole = &parseJob{name: s.name, src: s.src, pos: hcl.InitialPos}
			s.whole.run()
		}
		if l.pre != nil && (s.whole.pf == nil || !s.whole.pf.piecewise) {
			l.pre.drop(s.name) // parsed whole after all: decoded the plain way
		}
		if s.segs != nil {
			fileSegs[s.name] = s.segs
		}
		l.diags = append(l.diags, s.whole.diags...)
		if s.whole.pf != nil {
			l.cfg.Sources[s.name] = s.whole.pf.file
			files = append(files, s.whole.pf.parts...)
		}
	}
	return files, sources, fileSegs, reusedAny
}

// planRuns decides which segments of a file the cache serves (setting their
// reused entry) and returns the jobs parsing the runs of the others.
func (l *loader) planRuns(name string, src []byte, segs []segment) []*parseJob {
	for i := range segs {
		sg := &segs[i]
		e := l.opts.Cache.lookup(segKey{name, sg.hash})
		if e == nil || !cacheable(src[sg.start:sg.end]) || !l.specsMatch(e) {
			continue
		}
		if e.start != sg.pos && !e.movable() {
			continue
		}
		sg.reused = e // moved to sg.pos when added (addCachedAt)
	}
	runs := []*parseJob{}
	for i := 0; i < len(segs); {
		if segs[i].reused != nil {
			i++
			continue
		}
		j := i
		for j < len(segs) && segs[j].reused == nil {
			j++
		}
		runs = append(runs, &parseJob{name: name, src: src[segs[i].start:segs[j-1].end], pos: segs[i].pos})
		i = j
	}
	return runs
}

// decodeFiles decodes the builder and plugin blocks file by file and segment
// by segment, in load order, taking those of reused segments from the cache,
// and records in the cache the segments of this load that can be reused.
func (l *loader) decodeFiles(names []string, all hcl.Blocks, sources map[string][]byte,
	fileSegs map[string][]segment, localsKey string) {
	byFile := make(map[string]hcl.Blocks, len(names))
	for _, b := range all {
		byFile[b.DefRange.Filename] = append(byFile[b.DefRange.Filename], b)
	}
	nsegs := 0
	for _, segs := range fileSegs {
		nsegs += len(segs)
	}
	entries := make(map[segKey]*cachedSeg, nsegs)
	pres := make(map[string]map[int]*cachedSeg, len(names))
	var ready []*cachedSeg
	for _, name := range names {
		pres[name] = l.pre.take(name) // decoded while parsing: their syntax is gone
		for _, e := range pres[name] {
			ready = append(ready, e)
		}
		for _, sg := range fileSegs[name] {
			if sg.reused != nil {
				ready = append(ready, sg.reused)
			}
		}
	}
	l.reserve(ready)
	for _, name := range names {
		blocks := byFile[name]
		segs := fileSegs[name]
		pre := pres[name]
		if segs == nil { // no cache, or a JSON file: one piece
			if pre != nil {
				l.decodeWithPredecoded(blocks, pre)
				continue
			}
			segs = []segment{{start: 0, end: len(sources[name]) + 1}}
		}
		next := 0 // the first block not yet given to a segment
		for _, sg := range segs {
			if e := sg.reused; e != nil {
				l.addCachedAt(e, sg.pos)
				entries[segKey{name, sg.hash}] = e // still at its own position
				continue
			}
			if e := pre[sg.start]; e != nil {
				l.addCached(e)
				if e.reusable && cacheable(sources[name][sg.start:min(sg.end, len(sources[name]))]) {
					entries[segKey{name, sg.hash}] = e
				}
				continue
			}
			first := next
			for next < len(blocks) && blocks[next].DefRange.Start.Byte < sg.end {
				next++
			}
			e := l.decodeSegment(blocks[first:next], sg, l.opts.Cache != nil)
			if e != nil && e.reusable && cacheable(sources[name][sg.start:min(sg.end, len(sources[name]))]) {
				entries[segKey{name, sg.hash}] = e
			}
		}
	}
	if l.opts.Cache != nil {
		l.opts.Cache.store(localsKey, entries)
	}
}

// reserve makes room for what the entries will add: a configuration of
// 10,000 builders is as many segments, and growing its slices one segment
// at a time would copy them over and over.
func (l *loader) reserve(entries []*cachedSeg) {
	var nb, nn, nw, nl, ns, nbr, nd int
	var np [4]int
	for _, e := range entries {
		nb, nn, nw, nl = nb+len(e.builders), nn+len(e.builderNames), nw+len(e.workerRefs), nl+len(e.lockRefs)
		ns, nbr, nd = ns+len(e.schedulerRefs), nbr+len(e.builderRefs), nd+len(e.diags)
		for i := range np {
			np[i] += len(e.plugins[i])
		}
	}
	l.cfg.Builders = slices.Grow(l.cfg.Builders, nb)
	l.builderNames = slices.Grow(l.builderNames, nn)
	l.workerRefs = slices.Grow(l.workerRefs, nw)
	l.lockRefs = slices.Grow(l.lockRefs, nl)
	l.schedulerRefs = slices.Grow(l.schedulerRefs, ns)
	l.builderRefs = slices.Grow(l.builderRefs, nbr)
	l.diags = slices.Grow(l.diags, nd)
	for i, typ := range pluginTypes {
		list := l.cfg.pluginList(typ)
		*list = slices.Grow(*list, np[i])
	}
}

// addCachedAt adds what a reused segment decoded to, moved from where it
// was decoded to pos: its ranges shift by the lines and bytes the text
// before it grew or shrank (segments start at the beginning of a line, so
// columns stay). Only segments of builders alone are moved (movable).
func (l *loader) addCachedAt(e *cachedSeg, pos hcl.Pos) {
	dl, db := pos.Line-e.start.Line, pos.Byte-e.start.Byte
	if dl == 0 && db == 0 {
		l.addCached(e)
		return
	}
	for _, b := range e.builders {
		b.DefRange = shift(b.DefRange, dl, db) // its steps are shared: they hold no position
		l.cfg.Builders = append(l.cfg.Builders, b)
	}
	for _, n := range e.builderNames {
		n.rng = shift(n.rng, dl, db)
		l.builderNames = append(l.builderNames, n)
	}
	l.workerRefs = appendShifted(l.workerRefs, e.workerRefs, dl, db)
	l.lockRefs = appendShifted(l.lockRefs, e.lockRefs, dl, db)
	l.schedulerRefs = appendShifted(l.schedulerRefs, e.schedulerRefs, dl, db)
	l.builderRefs = appendShifted(l.builderRefs, e.builderRefs, dl, db)
	for _, d := range e.diags {
		c := *d
		if c.Subject != nil {
			r := shift(*c.Subject, dl, db)
			c.Subject = &r
		}
		if c.Context != nil {
			r := shift(*c.Context, dl, db)
			c.Context = &r
		}
		l.diags = append(l.diags, &c)
	}
}

func appendShifted(dst, refs []ref, dl, db int) []ref {
	for _, r := range refs {
		r.rng = shift(r.rng, dl, db)
		dst = append(dst, r)
	}
	return dst
}

// addCached adds what a reused segment decoded to.
func (l *loader) addCached(e *cachedSeg) {
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
	l.diags = append(l.diags, e.diags...)
}

// decodeSegment decodes the builder and plugin blocks of one segment (the
// other blocks are decoded by type, elsewhere) and, with capture, returns
// what it decoded to (for the cache, or for a loader to add); the entry is
// reusable when the segment holds only builder and plugin blocks, each wholly
// inside it, decoded without error.
func (l *loader) decodeSegment(blocks hcl.Blocks, sg segment, capture bool) *cachedSeg {
	var np [4]int
	for i, typ := range pluginTypes {
		np[i] = len(*l.cfg.pluginList(typ))
	}
	nb, nn, nw, nl, ns, nbr, nd := len(l.cfg.Builders), len(l.builderNames), len(l.workerRefs), len(l.lockRefs),
		len(l.schedulerRefs), len(l.builderRefs), len(l.diags)
	reusable := len(blocks) > 0
	var specs map[typeKind]hcldec.Spec // nil for builders alone
	for _, b := range blocks {
		if r := blockRange(b); r.Start.Byte < sg.start || r.End.Byte > sg.end {
			reusable = false // the cut was not between blocks
		}
		switch b.Type {
		case "builder":
			l.decodeBuilder(b)
		case string(TypeWorker), string(TypeChangeSource), string(TypeScheduler), string(TypeUserManager):
			typ := PluginType(b.Type)
			list := l.cfg.pluginList(typ)
			*list = append(*list, l.decodePluginBlock(typ, b))
			if specs == nil {
				specs = map[typeKind]hcldec.Spec{}
			}
			specs[typeKind{typ, b.Labels[0]}] = l.pluginSpec(typ, b.Labels[0])
		default:
			reusable = false // decoded by type, elsewhere
		}
	}
	if !capture {
		return nil
	}
	e := &cachedSeg{
		start:         sg.pos,
		builders:      append([]Builder(nil), l.cfg.Builders[nb:]...),
		builderNames:  append([]named(nil), l.builderNames[nn:]...),
		workerRefs:    append([]ref(nil), l.workerRefs[nw:]...),
		lockRefs:      append([]ref(nil), l.lockRefs[nl:]...),
		schedulerRefs: append([]ref(nil), l.schedulerRefs[ns:]...),
		builderRefs:   append([]ref(nil), l.builderRefs[nbr:]...),
		diags:         append(hcl.Diagnostics(nil), l.diags[nd:]...),
		specs:         specs,
		reusable:      reusable && !l.diags[nd:].HasErrors(),
	}
	for i, typ := range pluginTypes {
		e.plugins[i] = append([]PluginBlock(nil), (*l.cfg.pluginList(typ))[np[i]:]...)
	}
	return e
}

// blockRange is the whole extent of a block: its header to its closing brace.
func blockRange(b *hcl.Block) hcl.Range {
	if sb, ok := b.Body.(*hclsyntax.Body); ok {
		return hcl.RangeBetween(b.DefRange, sb.SrcRange)
	}
	return b.DefRange
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
