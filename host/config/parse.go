package config

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// An HCL file from piecewiseParseMin bytes on is parsed in pieces of about
// partSize bytes, on every core. Small pieces matter beyond parallelism: the
// HCL scanner grows one slice of tokens per parse, so a big piece costs
// several times its tokens' size in garbage, and piecewise parsing lets the
// builders of each piece be decoded (and their syntax dropped) at once (see
// partHook).
const (
	piecewiseParseMin = 8 << 10
	partSize          = 4 << 10
)

// parsedFile is one configuration file: its text (with the syntax tree of the
// whole file when it was parsed in one piece) for diagnostics, and the bodies
// to decode.
type parsedFile struct {
	file  *hcl.File
	parts []*hcl.File
	// piecewise: parsed in pieces (each given to the hook).
	piecewise bool
}

// partHook is called by the parse workers with each piece of a file that
// parsed cleanly and the piece's byte range in the file; the piece it
// returns is kept.
type partHook func(f *hcl.File, lo, hi int) *hcl.File

// parseFile parses one configuration file. A large HCL file is cut at
// top-level block boundaries and the parts are parsed concurrently, each
// starting at its true position so every range stays right. A cut can only
// be proven right after the fact: if any part fails to parse (a cut inside a
// heredoc, a comment or a block leaves that part unterminated), the whole
// file is parsed again in one piece, so the diagnostics are exactly those of
// a plain parse.
func parseFile(name string) (*parsedFile, hcl.Diagnostics) {
	src, diags := readFile(name)
	if diags.HasErrors() {
		return nil, diags
	}
	return parseSource(name, src)
}

// readFile reads a configuration file.
func readFile(name string) ([]byte, hcl.Diagnostics) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read file",
			Detail: fmt.Sprintf("The configuration file %q could not be read: %s.", name, err)}}
	}
	return src, nil
}

// parseSource parses the text of the configuration file name.
func parseSource(name string, src []byte) (*parsedFile, hcl.Diagnostics) {
	if strings.HasSuffix(name, ".json") {
		f, diags := hcljson.Parse(src, name)
		if f == nil {
			f = &hcl.File{Bytes: src}
		}
		return &parsedFile{file: f, parts: []*hcl.File{f}}, diags
	}
	return parseAt(name, src, hcl.InitialPos, nil)
}

// parseAt parses HCL text that starts at position start of the file name
// (the whole file, or a piece of it).
func parseAt(name string, src []byte, start hcl.Pos, hook partHook) (*parsedFile, hcl.Diagnostics) {
	if len(src) >= piecewiseParseMin {
		if parts := parseParts(src, name, start, cutPoints(src, partSize), hook); parts != nil {
			return &parsedFile{file: &hcl.File{Bytes: src}, parts: parts, piecewise: true}, nil
		}
	}
	f, diags := hclsyntax.ParseConfig(src, name, start)
	if f == nil {
		f = &hcl.File{Bytes: src}
	}
	return &parsedFile{file: f, parts: []*hcl.File{f}}, diags
}

// parseParts parses src cut at the given byte offsets, on every core, and
// gives each part to hook (when not nil); nil when a part has any
// diagnostic.
func parseParts(src []byte, name string, base hcl.Pos, cuts []int, hook partHook) []*hcl.File {
	if len(cuts) == 0 {
		return nil
	}
	bounds := append(append([]int{0}, cuts...), len(src))
	parts := make([]*hcl.File, len(bounds)-1)
	starts := make([]hcl.Pos, len(parts))
	line := base.Line
	for i := range parts {
		if i > 0 {
			line += bytes.Count(src[bounds[i-1]:bounds[i]], []byte{'\n'})
		}
		starts[i] = hcl.Pos{Line: line, Column: 1, Byte: base.Byte + bounds[i]}
	}
	var failed atomic.Bool
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(parts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(parts) {
					return
				}
				f, diags := hclsyntax.ParseConfig(src[bounds[i]:bounds[i+1]], name, starts[i])
				if len(diags) > 0 || f == nil {
					failed.Store(true)
					return
				}
				if hook != nil {
					f = hook(f, base.Byte+bounds[i], base.Byte+bounds[i+1])
				}
				parts[i] = f
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		return nil
	}
	return parts
}

// cutPoints returns the offsets that split src into parts of about size
// bytes, each at a line that may start a top-level block (see blockStarts).
// Whether a cut really is at the top level is decided by parseParts.
func cutPoints(src []byte, size int) []int {
	var cuts []int
	last := 0
	for _, s := range blockStarts(src) {
		if s-last >= size && len(src)-s >= size/2 {
			cuts = append(cuts, s)
			last = s
		}
	}
	return cuts
}

// blockStarts returns the offsets of the lines that may start a top-level
// block: a line beginning with a letter whose last line before it that is
// neither blank nor a comment ends with "}" (the end of the previous block),
// in the layout `bbhost fmt` writes. The same lines also occur inside
// heredocs and comments; a cut there is found out when the pieces are parsed
// (an unterminated heredoc or comment).
func blockStarts(src []byte) []int {
	var starts []int
	closed := false
	for i := 0; i < len(src); {
		nl := bytes.IndexByte(src[i:], '\n')
		end := len(src)
		if nl >= 0 {
			end = i + nl
		}
		line := bytes.TrimRight(src[i:end], " \t\r")
		switch {
		case len(line) == 0, line[0] == '#', bytes.HasPrefix(line, []byte("//")):
			// blank or comment: the previous line's state holds
		default:
			if closed && i > 0 && isLetter(src[i]) {
				starts = append(starts, i)
			}
			closed = line[len(line)-1] == '}'
		}
		if nl < 0 {
			break
		}
		i = end + 1
	}
	return starts
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// posAt is the position of byte offset off in src: off is always the start
// of a line, so the column is 1.
func posAt(src []byte, off int) hcl.Pos {
	return hcl.Pos{Line: 1 + bytes.Count(src[:off], []byte{'\n'}), Column: 1, Byte: off}
}
