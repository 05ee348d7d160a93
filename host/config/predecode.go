package config

import (
	"bytes"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Builders are decoded by the parse workers, as soon as the piece of the
// file that holds them is parsed, and their syntax is dropped at once: a
// configuration of 10,000 builders otherwise holds the syntax trees of them
// all (tens of megabytes for a one-megabyte file) until the last piece is
// parsed. This needs the evaluation context before anything is parsed, so
// it is done only when no file can refer to local values (see
// mayUseLocals); the functions (env, file and the standard library) are
// known beforehand and depend on nothing else in the files.

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
			for i := 0; i < len(blocks); {
				if blocks[i].Type != "builder" {
					keep = append(keep, blocks[i])
					i++
					continue
				}
				j := i
				for j < len(blocks) && blocks[j].Type == "builder" {
					j++
				}
				decode(blocks[i:j], segment{start: blocks[i].TypeRange.Start.Byte, end: hi})
				i = j
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
				if len(run) == 0 || !allBuilders(run) {
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

func allBuilders(blocks hclsyntax.Blocks) bool {
	for _, b := range blocks {
		if b.Type != "builder" {
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
