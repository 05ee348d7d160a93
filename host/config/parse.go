package config

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// parallelParseMin is the size from which an HCL file is parsed in parts on
// several cores. Smaller files parse in a few milliseconds anyway.
const parallelParseMin = 256 << 10

// parsedFile is one configuration file: its text (with the syntax tree of the
// whole file when it was parsed in one piece) for diagnostics, and the bodies
// to decode.
type parsedFile struct {
	file  *hcl.File
	parts []*hcl.File
}

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
	return parseAt(name, src, hcl.InitialPos)
}

// parseAt parses HCL text that starts at position start of the file name
// (the whole file, or a piece of it).
func parseAt(name string, src []byte, start hcl.Pos) (*parsedFile, hcl.Diagnostics) {
	if n := runtime.GOMAXPROCS(0); n > 1 && len(src) >= parallelParseMin {
		if parts := parseParts(src, name, start, cutPoints(src, n)); parts != nil {
			return &parsedFile{file: &hcl.File{Bytes: src}, parts: parts}, nil
		}
	}
	f, diags := hclsyntax.ParseConfig(src, name, start)
	if f == nil {
		f = &hcl.File{Bytes: src}
	}
	return &parsedFile{file: f, parts: []*hcl.File{f}}, diags
}

// parseParts parses src cut at the given byte offsets, concurrently; nil
// when a part has any diagnostic.
func parseParts(src []byte, name string, base hcl.Pos, cuts []int) []*hcl.File {
	if len(cuts) == 0 {
		return nil
	}
	bounds := append(append([]int{0}, cuts...), len(src))
	parts := make([]*hcl.File, len(bounds)-1)
	failed := make([]bool, len(parts))
	var wg sync.WaitGroup
	for i := range parts {
		start := posAt(src, bounds[i])
		start.Line += base.Line - 1
		start.Byte += base.Byte
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			f, diags := hclsyntax.ParseConfig(src[bounds[i]:bounds[i+1]], name, start)
			parts[i], failed[i] = f, len(diags) > 0 || f == nil
		}(i)
	}
	wg.Wait()
	for _, bad := range failed {
		if bad {
			return nil
		}
	}
	return parts
}

// cutPoints returns up to n-1 offsets that split src into parts of similar
// size, each at a line that may start a top-level block (see blockStarts).
// Whether a cut really is at the top level is decided by parseParts.
func cutPoints(src []byte, n int) []int {
	starts := blockStarts(src)
	var cuts []int
	for k := 1; k < n; k++ {
		target := len(src) * k / n
		i := sort.SearchInts(starts, target)
		if i < len(starts) && (len(cuts) == 0 || starts[i] > cuts[len(cuts)-1]) {
			cuts = append(cuts, starts[i])
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
