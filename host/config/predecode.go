package config

import (
	"bytes"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Builders are decoded by the parse workers, as soon as the piece of the
// file that holds them is parsed, and their syntax is dropped at once: a
// configuration of 10,000 builders otherwise holds the syntax trees of them
// all (tens of megabytes for a one-megabyte file) until the last piece is
// parsed. This needs the evaluation context before anything is parsed. The
// functions (env, file and the standard library) depend on nothing in the
// files; the local values, when the files may have some (mayUseLocals), are
// evaluated from the locals blocks alone first (evalLocalsAhead), and the
// load checks afterwards that they were the right ones (localsAhead.matches)
// or starts again decoding after parsing.

// mayUseLocals reports whether src might declare or refer to local values:
// it has the word "local" or "locals" other than right after a quote (a
// `"local"` label). It errs on the side of yes (a comment counts).
func mayUseLocals(src []byte) bool {
	for i := 0; ; {
		j := bytes.Index(src[i:], []byte("local"))
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len("local")
		for end < len(src) && isNameByte(src[end]) {
			end++
		}
		if w := string(src[at:end]); (w == "local" || w == "locals") && (at == 0 || !isNameByte(src[at-1]) && src[at-1] != '"') {
			return true
		}
		i = at + len("local")
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// predecoded holds, per file, what the parse workers decoded, keyed by the
// byte offset where each decoded run of builder blocks (with a cache: each
// segment) starts.
type predecoded struct {
	mu    sync.Mutex
	files map[string]map[int]*cachedSeg
}

func (p *predecoded) add(name string, entries map[int]*cachedSeg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.files[name] == nil {
		p.files[name] = map[int]*cachedSeg{}
	}
	for k, e := range entries {
		p.files[name][k] = e
	}
}

// drop forgets a file's entries: the file was parsed again whole.
func (p *predecoded) drop(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.files, name)
}

func (p *predecoded) take(name string) map[int]*cachedSeg {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.files[name]
	delete(p.files, name)
	return e
}

// partHook returns the function the parse workers call with each piece of
// file name that parsed cleanly and its byte range: it decodes the runs of
// builder blocks of the piece (with a cache, the segments that hold builder
// blocks only: segs are the file's segments) and returns the piece without
// them.
func (l *loader) partHook(name string, segs []segment) func(f *hcl.File, lo, hi int) *hcl.File {
	return func(f *hcl.File, lo, hi int) *hcl.File {
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok || len(body.Blocks) == 0 {
			return f
		}
		sub := &loader{opts: l.opts, cfg: &Config{}, ctx: l.ctx}
		entries := map[int]*cachedSeg{}
		isBuilder := func(b *hclsyntax.Block) bool {
			// A builder block with the wrong labels, or naming a local
			// value not declared, is left to the plain decode, which
			// reports it (as the root schema and checkLocalRefs do).
			return b.Type == "builder" && len(b.Labels) == 1 && (l.ahead == nil || l.ahead.knowsAllIn(b.Body))
		}
		keep := make(hclsyntax.Blocks, 0, 4)
		decode := func(blocks hclsyntax.Blocks, sg segment) {
			hb := make(hcl.Blocks, len(blocks))
			for i, b := range blocks {
				hb[i] = b.AsHCLBlock()
			}
			entries[sg.start] = sub.decodeSegment(hb, sg, true)
		}
		blocks := body.Blocks
		if segs == nil {
			// Runs of consecutive builders; other blocks stay.
			run := -1 // where the current run of builders began
			for i, b := range blocks {
				if isBuilder(b) {
					if run < 0 {
						run = i
					}
					continue
				}
				if run >= 0 {
					decode(blocks[run:i], segment{start: blocks[run].TypeRange.Start.Byte, end: hi})
					run = -1
				}
				keep = append(keep, b)
			}
			if run >= 0 {
				decode(blocks[run:], segment{start: blocks[run].TypeRange.Start.Byte, end: hi})
			}
		} else {
			next := 0
			for _, sg := range segs {
				if sg.end <= lo || sg.start >= hi {
					continue
				}
				first := next
				for next < len(blocks) && blocks[next].TypeRange.Start.Byte < sg.end {
					next++
				}
				run := blocks[first:next]
				if len(run) == 0 || !allMatch(run, isBuilder) {
					keep = append(keep, run...)
					continue
				}
				decode(run, sg)
			}
			keep = append(keep, blocks[next:]...)
		}
		if len(entries) == 0 {
			return f
		}
		l.pre.add(name, entries)
		return &hcl.File{Bytes: f.Bytes, Body: &hclsyntax.Body{
			Attributes: body.Attributes, Blocks: keep, SrcRange: body.SrcRange, EndRange: body.EndRange,
		}}
	}
}

func allMatch(blocks hclsyntax.Blocks, ok func(*hclsyntax.Block) bool) bool {
	for _, b := range blocks {
		if !ok(b) {
			return false
		}
	}
	return true
}

// localsAhead are the local values evaluated before parsing.
type localsAhead struct {
	declared map[string]bool
	starts   []hcl.Pos // where the locals blocks start, in load order
	value    cty.Value // ctx.Variables["local"] as evaluated
}

// evalLocalsAhead finds the top-level locals blocks of the files by their
// text (a line starting with "locals" where a top-level block may start, up
// to where the next may start), parses them alone and evaluates them into
// l.ctx. It reports false when it cannot: a piece that does not parse as one
// locals block, or values with errors (the plain load reports them). A
// locals block it misses or misreads is found out by matches.
func (l *loader) evalLocalsAhead(srcs []*source) bool {
	var blocks []*hcl.Block
	for _, s := range srcs {
		starts := blockStarts(s.src)
		if len(s.src) > 0 && isLetter(s.src[0]) {
			starts = append([]int{0}, starts...)
		}
		for k, st := range starts {
			rest := s.src[st:]
			if !bytes.HasPrefix(rest, []byte("locals")) || len(rest) == len("locals") ||
				strings.IndexByte(" \t{", rest[len("locals")]) < 0 {
				continue
			}
			end := len(s.src)
			if k+1 < len(starts) {
				end = starts[k+1]
			}
			f, diags := hclsyntax.ParseConfig(s.src[st:end], s.name, posAt(s.src, st))
			if diags.HasErrors() {
				return false
			}
			body, ok := f.Body.(*hclsyntax.Body)
			if !ok || len(body.Attributes) > 0 || len(body.Blocks) != 1 || body.Blocks[0].Type != "locals" {
				return false
			}
			blocks = append(blocks, body.Blocks[0].AsHCLBlock())
		}
	}
	declared, diags := evalLocals(blocks, l.ctx)
	if diags.HasErrors() {
		return false
	}
	a := &localsAhead{declared: make(map[string]bool, len(declared)), value: l.ctx.Variables["local"]}
	for _, n := range declared {
		a.declared[n] = true
	}
	for _, b := range blocks {
		a.starts = append(a.starts, b.DefRange.Start)
	}
	l.ahead = a
	return true
}

// matches reports whether the locals blocks of the parsed files, evaluated
// into ctx, are those evaluated ahead, with the same values.
func (a *localsAhead) matches(blocks hcl.Blocks, ctx *hcl.EvalContext) bool {
	if len(blocks) != len(a.starts) {
		return false
	}
	for i, b := range blocks {
		if b.DefRange.Start != a.starts[i] {
			return false
		}
	}
	v := ctx.Variables["local"]
	return v.Type().Equals(a.value.Type()) && v.RawEquals(a.value)
}

// knowsAllIn reports whether every local value body refers to is declared.
func (a *localsAhead) knowsAllIn(body *hclsyntax.Body) bool {
	for _, attr := range body.Attributes {
		for _, r := range localRefs(attr.Expr) {
			if !a.declared[r.name] {
				return false
			}
		}
	}
	for _, b := range body.Blocks {
		if !a.knowsAllIn(b.Body) {
			return false
		}
	}
	return true
}

// decodeWithPredecoded decodes the blocks of a file loaded without a cache
// together with the runs of builders the parse workers decoded, in the
// order of the file.
func (l *loader) decodeWithPredecoded(blocks hcl.Blocks, pre map[int]*cachedSeg) {
	starts := make([]int, 0, len(pre))
	for s := range pre {
		starts = append(starts, s)
	}
	sort.Ints(starts)
	all := segment{end: int(^uint(0) >> 1)}
	i := 0
	for _, s := range starts {
		j := i
		for j < len(blocks) && blocks[j].DefRange.Start.Byte < s {
			j++
		}
		if j > i {
			l.decodeSegment(blocks[i:j], all, false)
		}
		i = j
		l.addCached(pre[s])
	}
	if i < len(blocks) {
		l.decodeSegment(blocks[i:], all, false)
	}
}
